/**
 * `/profiles alerts <domain> [#channel | off]`: validates the arguments, acks, then binds
 * the domain's dead-letter digest to a channel (the one named, or this one) or stops it
 * (src/dlq/alerts.ts). The domain lookup is an AWS call, so the answer goes through `respond`.
 * Whatever it refuses (bad arguments, a domain that does not exist or has no dead-letter
 * queue) reaches the audit trail as `refused` with the reason.
 */
import { type SetAlertsOutcome, setAlerts, stopAlerts } from "../../dlq/alerts.js";
import { validateDomainName } from "../../enable/names.js";
import { asAppError } from "../../errors.js";
import { alertsCtx } from "../deps.js";
import { noteAudit } from "../middleware/guard.js";
import * as say from "../render/alerts.js";
import type { Subcommand } from "./subcommand.js";

/** `<#C123|name>` or `<#C123>` (Slack's escaped mention), or a bare channel id. */
function parseChannel(arg: string): string | undefined {
  const mention = /^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(arg);
  if (mention) return mention[1];
  return /^[CG][A-Z0-9]{2,}$/.test(arg) ? arg : undefined;
}

type AlertsRequest =
  | { domain: string; channelId: string; off: boolean }
  /** `refusal` is what Slack shows; `reason` is what the audit trail keeps. */
  | { refusal: string; reason: string };

export function readAlertsArgs(argv: string[], here: string): AlertsRequest {
  const [rawDomain, target, extra] = argv;
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
  return { domain: name.value, channelId, off };
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
  usage: "alerts <domain> [#channel|off]",
  summary: "Post a domain's dead-letter digest in a channel (this one by default), or stop it.",
  permission: "settings",
  run: async ({ ack, respond, argv, deps, command, context }) => {
    const request = readAlertsArgs(argv, command.channel_id);
    if ("refusal" in request) {
      noteAudit(context, {
        outcome: "refused",
        detail: request.reason,
        ...(argv[0] && { target: argv[0].slice(0, 100) }),
      });
      await ack({ response_type: "ephemeral", text: request.refusal });
      return;
    }
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
      if (off) {
        const stopped = await stopAlerts({ ctx, input: { domain } });
        if (stopped.status === "not-bound") {
          noteAudit(context, { detail: "no digest was bound; nothing changed" });
        }
        text = say.renderAlertsStopped(stopped);
      } else {
        const outcome = await setAlerts({ ctx, input: { domain, channelId } });
        const refused = refusalReason(outcome);
        if (refused) noteAudit(context, { outcome: "refused", detail: refused });
        if (outcome.status === "bound" && outcome.movedFrom) {
          noteAudit(context, { params: { channel: channelId, movedFrom: outcome.movedFrom } });
        }
        text = say.renderAlertsSet(outcome, deps.config.dlq.scanIntervalMs);
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
