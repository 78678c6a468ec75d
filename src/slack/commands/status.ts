/**
 * `/profiles status [domain] [--target <target>[/<region>]]`: acks at once, then looks the
 * domain (or all domains) up and answers through `respond`, since the AWS calls can take longer
 * than Slack's 3 seconds. With several places the list is grouped by place, a place that fails
 * showing its error while the others are listed; a domain is looked for in every place, or in
 * the ones `--target` names (read as `/profiles alerts` reads it, src/dlq/places.ts). A bad
 * `--target` or a second positional argument is refused at once, saying what to type. A domain
 * that does not exist is audited as refused; a failed look-up as failed. The key check it makes
 * is kept for the App Home (src/domains/key-check.ts).
 */
import type { Place } from "../../aws/targets.js";
import type { Actor } from "../../context.js";
import {
  ambiguousDomain,
  readPlaceSelector,
  TARGET_OPTION,
  takeTargetOption,
} from "../../dlq/places.js";
import { noSuchDomain } from "../../domains/key-check.js";
import {
  domainStatus,
  keyCheckOf,
  listDomainStatus,
  listEveryPlace,
  placesHolding,
} from "../../domains/status.js";
import { AppError, asAppError } from "../../errors.js";
import { auditedRef, keyCheckStore, placeLabel, type SlackDeps } from "../deps.js";
import { noteAudit, refuseArguments } from "../middleware/guard.js";
import type { SlackMessage } from "../notifier/notifier.js";
import {
  renderDomainList,
  renderDomainStatus,
  renderLookingUp,
  renderPlaceList,
  renderStatusUsage,
} from "../render/status.js";
import type { Subcommand } from "./subcommand.js";

/** What the command asks for: a domain or the list, in the places named or all of them. */
type StatusRequest =
  | { name?: string; places?: Place[] }
  /** `refusal` is what Slack shows; `reason` is what the audit trail keeps. */
  | { refusal: string; reason: string };

export function readStatusArgs(deps: Pick<SlackDeps, "targets">, argv: string[]): StatusRequest {
  const { rest, target } = takeTargetOption(argv);
  const [name, extra] = rest;
  if (extra !== undefined) {
    return {
      refusal: renderStatusUsage(),
      reason: `more arguments than [domain] ${TARGET_OPTION}`,
    };
  }
  if (target === undefined) return name ? { name } : {};
  const read = readPlaceSelector(deps.targets, target);
  if (!read.ok) return { refusal: `:warning: ${read.error}`, reason: read.error };
  return { ...(name && { name }), places: read.places };
}

export const statusSubcommand: Subcommand = {
  name: "status",
  usage: `status [domain] ${TARGET_OPTION}`,
  summary: "Show a domain's settings and counts, or list the domains.",
  permission: "status",
  run: async ({ ack, respond, argv, deps, command, context }) => {
    const request = readStatusArgs(deps, argv);
    if ("refusal" in request) return refuseArguments({ context, ack }, argv, request);
    const { name } = request;
    if (name) noteAudit(context, { target: name.slice(0, 100) });
    await ack({ response_type: "ephemeral", text: renderLookingUp(name) });
    const actor: Actor = {
      type: "slack",
      userId: command.user_id,
      teamId: command.team_id,
      channelId: command.channel_id,
    };
    const places = request.places ?? deps.targets.places();
    try {
      let message: SlackMessage;
      if (name) {
        const place = await onlyPlaceHolding(deps, places, name, actor);
        const ref = { ...place, domain: name };
        noteAudit(context, auditedRef(deps, ref));
        const status = await domainStatus(deps.targets.gateways(place, actor), ref);
        // The App Home shows this key check until a later one replaces it.
        await keyCheckStore(deps).set(keyCheckOf(status));
        message = renderDomainStatus(status, placeLabel(deps, place));
      } else if (deps.targets.places().length > 1) {
        message = renderPlaceList(await listEveryPlace(deps.targets, actor, places));
      } else {
        const gateways = deps.targets.gateways(deps.targets.defaultPlace(), actor);
        message = renderDomainList(await listDomainStatus(gateways));
      }
      await respond({ response_type: "ephemeral", ...message });
    } catch (err) {
      const appError = asAppError(err);
      deps.log.warn(
        {
          err,
          code: appError.code,
          userId: command.user_id,
          teamId: command.team_id,
          domain: name,
        },
        "status lookup failed",
      );
      noteAudit(context, {
        outcome:
          appError.code === "not_found" || appError.code === "invalid_input" ? "refused" : "failed",
        detail: appError.reason,
      });
      await respond({ response_type: "ephemeral", text: `:warning: ${appError.userMessage}` });
    }
  },
};

/** The one place holding the domain; a sentence naming them, with the `--target` for each, when several do. */
async function onlyPlaceHolding(
  deps: SlackDeps,
  places: readonly Place[],
  name: string,
  actor: Actor,
): Promise<Place> {
  const holding = await placesHolding(deps.targets, places, name, actor);
  const [first, ...more] = holding;
  if (!first) {
    const [only] = places;
    if (places.length === 1 && only) throw noSuchDomain({ ...only, domain: name });
    const where =
      places.length < deps.targets.places().length
        ? places.map((p) => deps.targets.describe(p)).join(", ")
        : "any account and region the bot serves";
    throw new AppError(
      "not_found",
      `There is no Customer Profiles domain named ${name} in ${where}. \`/profiles status\` lists the domains there are.`,
    );
  }
  if (more.length === 0) return first;
  throw new AppError(
    "invalid_input",
    ambiguousDomain(
      deps.targets,
      name,
      holding,
      (selector) => `\`/profiles status ${name} --target ${selector}\``,
    ),
  );
}
