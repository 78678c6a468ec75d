/**
 * `/profiles alerts <domain> [#channel | off] [--target <target>[/<region>]]`: validates the
 * arguments, acks, then binds the domain's dead-letter digest to a channel (the one named, or
 * this one) or stops it (src/dlq/alerts.ts). The domain lookup is an AWS call, so the answer
 * goes through `respond`. When the bot serves several places and the domain name exists in
 * more than one, it changes nothing and lists them with the `--target` to add. Whatever it
 * refuses (bad arguments, a domain that does not exist or has no dead-letter queue, a name
 * in several places) reaches the audit trail as `refused` with the reason.
 */
import type { DomainRef, Place } from "../../aws/targets.js";
import {
  type AlertsCtx,
  placesOfDomain,
  type SetAlertsOutcome,
  setAlerts,
  stopAlerts,
} from "../../dlq/alerts.js";
import {
  ambiguousDomain,
  readPlaceSelector,
  TARGET_OPTION,
  takeTargetOption,
} from "../../dlq/places.js";
import { validateDomainName } from "../../enable/names.js";
import { asAppError } from "../../errors.js";
import { alertsCtx, auditedRef, type SlackDeps } from "../deps.js";
import { noteAudit, refuseArguments } from "../middleware/guard.js";
import * as say from "../render/alerts.js";
import type { Subcommand } from "./subcommand.js";

/** `<#C123|name>` or `<#C123>` (Slack's escaped mention), or a bare channel id. */
function parseChannel(arg: string): string | undefined {
  const mention = /^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(arg);
  if (mention) return mention[1];
  return /^[CG][A-Z0-9]{2,}$/.test(arg) ? arg : undefined;
}

type AlertsRequest =
  | { domain: string; channelId: string; off: boolean; target?: string }
  /** `refusal` is what Slack shows; `reason` is what the audit trail keeps. */
  | { refusal: string; reason: string };

export function readAlertsArgs(argv: string[], here: string): AlertsRequest {
  const { rest, target: selector } = takeTargetOption(argv);
  const [rawDomain, target, extra] = rest;
  if (!rawDomain || extra !== undefined) {
    return {
      refusal: say.renderAlertsUsage(),
      reason: rawDomain ? "more arguments than <domain> [#channel|off]" : "no domain given",
    };
  }
  const name = validateDomainName(rawDomain);
  if (!name.ok) return { refusal: `:warning: ${name.error}`, reason: name.error };
  const off = target?.toLowerCase() === "off";
  const channelId = target === undefined || off ? here : parseChannel(target);
  if (!channelId) {
    return {
      refusal: say.renderUnknownChannel(target ?? ""),
      reason: `not a channel: ${(target ?? "").slice(0, 80)}`,
    };
  }
  return {
    domain: name.value,
    channelId,
    off,
    ...(selector !== undefined && { target: selector }),
  };
}

type Located = { ref: DomainRef } | { refusal: string; reason: string };

/**
 * The place of the domain the command names: the only candidate place, or the only one where
 * the name exists (for `off`: the only one where it is bound). Several: a refusal listing
 * them with the `--target` that picks each.
 */
async function locate(
  deps: SlackDeps,
  ctx: AlertsCtx,
  request: { domain: string; off: boolean; target?: string; channelId: string },
): Promise<Located> {
  const { domain, off } = request;
  let candidates: readonly Place[] = deps.targets.places();
  if (request.target !== undefined) {
    const read = readPlaceSelector(deps.targets, request.target);
    if (!read.ok) return { refusal: `:warning: ${read.error}`, reason: read.error };
    candidates = read.places;
  }
  const first = candidates[0] ?? deps.targets.defaultPlace();
  let found: Place[];
  if (off) {
    const bound = await ctx.bindings.list();
    found = candidates.filter((p) =>
      bound.some((b) => b.domain === domain && b.account === p.account && b.region === p.region),
    );
    // Bound nowhere: stopping still clears any schedule and state left in the first place.
    if (found.length === 0) found = [first];
  } else {
    found = await placesOfDomain(ctx, domain, candidates);
    // Nowhere: setAlerts in the first place says the domain does not exist.
    if (found.length === 0) found = [first];
  }
  if (found.length === 1) return { ref: { ...(found[0] as Place), domain } };
  const here = request.channelId;
  const text = ambiguousDomain(
    deps.targets,
    domain,
    found,
    (selector) =>
      `\`/profiles alerts ${domain} ${off ? "off" : `<#${here}>`} --target ${selector}\``,
  );
  return {
    refusal: `:warning: ${text}`,
    reason: `${domain} exists in ${found.length} places; no --target given`,
  };
}

/** Why setAlerts changed nothing, for the audit trail; undefined when it bound the domain. */
function refusalReason(outcome: SetAlertsOutcome): string | undefined {
  switch (outcome.status) {
    case "unknown-domain":
      return `no Customer Profiles domain named ${outcome.domain} in this account and region`;
    case "no-dlq":
      return `${outcome.domain} has no dead-letter queue to watch`;
    case "bound":
      return undefined;
  }
}

export const alertsSubcommand: Subcommand = {
  name: "alerts",
  usage: `alerts <domain> [#channel|off] ${TARGET_OPTION}`,
  summary: "Post a domain's dead-letter digest in a channel (this one by default), or stop it.",
  permission: "settings",
  run: async ({ ack, respond, argv, deps, command, context }) => {
    const request = readAlertsArgs(argv, command.channel_id);
    if ("refusal" in request) return refuseArguments({ context, ack }, argv, request);
    const { domain, channelId, off } = request;
    noteAudit(context, { target: domain, params: { channel: channelId, off } });
    await ack({ response_type: "ephemeral", text: say.renderAlertsWorking(domain, off) });
    const caller = {
      userId: command.user_id,
      teamId: command.team_id,
      channelId: command.channel_id,
    };
    const ctx = alertsCtx(deps, caller, { domain });
    let text: string;
    try {
      const located = await locate(deps, ctx, request);
      if ("refusal" in located) {
        noteAudit(context, { outcome: "refused", detail: located.reason });
        await respond({ response_type: "ephemeral", text: located.refusal });
        return;
      }
      const { ref } = located;
      noteAudit(context, auditedRef(deps, ref));
      // One place: the messages read as they always did.
      const where = deps.targets.places().length > 1 ? deps.targets.describe(ref) : undefined;
      if (off) {
        const stopped = await stopAlerts({ ctx, input: { ref } });
        if (stopped.status === "not-bound") {
          noteAudit(context, { detail: "no digest was bound; nothing changed" });
        }
        text = say.renderAlertsStopped(stopped, where);
      } else {
        const outcome = await setAlerts({ ctx, input: { ref, channelId } });
        const refused = refusalReason(outcome);
        if (refused) noteAudit(context, { outcome: "refused", detail: refused });
        if (outcome.status === "bound" && outcome.movedFrom) {
          noteAudit(context, { params: { channel: channelId, movedFrom: outcome.movedFrom } });
        }
        text = say.renderAlertsSet(outcome, deps.config.dlq.scanIntervalMs, where);
      }
    } catch (err) {
      const appError = asAppError(err);
      ctx.log.warn({ err, code: appError.code }, "alerts command failed");
      noteAudit(context, { outcome: "failed", detail: appError.userMessage });
      text = `:warning: ${appError.userMessage}`;
    }
    await respond({ response_type: "ephemeral", text });
  },
};
