/**
 * `/profiles status [domain [target [region]]]`: acks at once, then looks the domain (or all
 * domains) up and answers through `respond`, since the AWS calls can take longer than Slack's
 * 3 seconds. With several places the list is grouped by place, a place that fails showing its
 * error while the others are listed; a domain is looked for in every place (or the one named).
 * A domain that does not exist is audited as refused; a failed look-up as failed. The key
 * check it makes is kept for the App Home (src/domains/key-check.ts).
 */
import { type Place, refId } from "../../aws/targets.js";
import type { Actor } from "../../context.js";
import { noSuchDomain } from "../../domains/key-check.js";
import { pickPlace } from "../../domains/places.js";
import {
  domainStatus,
  keyCheckOf,
  listDomainStatus,
  listEveryPlace,
  placesHolding,
} from "../../domains/status.js";
import { AppError, asAppError } from "../../errors.js";
import { keyCheckStore, placeLabel, type SlackDeps } from "../deps.js";
import { noteAudit } from "../middleware/guard.js";
import type { SlackMessage } from "../notifier/notifier.js";
import {
  renderDomainList,
  renderDomainStatus,
  renderLookingUp,
  renderPlaceList,
} from "../render/status.js";
import type { Subcommand } from "./subcommand.js";

export const statusSubcommand: Subcommand = {
  name: "status",
  usage: "status [domain [target [region]]]",
  summary: "Show a domain's settings and counts, or list the domains.",
  permission: "status",
  run: async ({ ack, respond, argv, deps, command, context }) => {
    const [name, targetName, region] = argv;
    if (name) noteAudit(context, { target: name.slice(0, 100) });
    await ack({ response_type: "ephemeral", text: renderLookingUp(name) });
    const actor: Actor = {
      type: "slack",
      userId: command.user_id,
      teamId: command.team_id,
      channelId: command.channel_id,
    };
    try {
      let message: SlackMessage;
      if (name) {
        const places = placesToSearch(deps, targetName, region);
        const place = await onlyPlaceHolding(deps, places, name, actor);
        const ref = { ...place, domain: name };
        noteAudit(context, { target: refId(ref) });
        const status = await domainStatus(deps.targets.gateways(place, actor), ref);
        // The App Home shows this key check until a later one replaces it.
        await keyCheckStore(deps).set(keyCheckOf(status));
        message = renderDomainStatus(status, placeLabel(deps, place));
      } else if (deps.targets.places().length > 1) {
        message = renderPlaceList(await listEveryPlace(deps.targets, actor));
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

/** The named target (and region), or every place when none was named. */
function placesToSearch(deps: SlackDeps, targetName?: string, region?: string): readonly Place[] {
  if (!targetName) return deps.targets.places();
  const picked = pickPlace(deps.targets, targetName, region);
  if (!picked.ok) throw new AppError("invalid_input", picked.error);
  return [picked.place];
}

/** The one place holding the domain; a sentence naming them when several do. */
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
    throw new AppError(
      "not_found",
      `There is no Customer Profiles domain named ${name} in any account and region the bot serves. \`/profiles status\` lists the domains there are.`,
    );
  }
  if (more.length === 0) return first;
  const where = holding
    .map((p) => {
      const target = deps.targets.targetOf(p);
      return `\`/profiles status ${name} ${target?.name ?? "?"} ${p.region}\``;
    })
    .join(", ");
  throw new AppError(
    "invalid_input",
    `There is a domain named ${name} in ${holding.length} places: name the one you mean, ${where}.`,
  );
}
