/**
 * `/profiles alerts <domain> [#channel | off]`: validates the arguments, acks, then binds
 * the domain's dead-letter digest to a channel (the one named, or this one) or stops it
 * (src/dlq/alerts.ts). The domain lookup is an AWS call, so the answer goes through `respond`.
 */
import { setAlerts, stopAlerts } from "../../dlq/alerts.js";
import { validateDomainName } from "../../enable/names.js";
import { asAppError } from "../../errors.js";
import { alertsCtx } from "../deps.js";
import * as say from "../render/alerts.js";
import type { Subcommand } from "./subcommand.js";

/** `<#C123|name>` or `<#C123>` (Slack's escaped mention), or a bare channel id. */
function parseChannel(arg: string): string | undefined {
  const mention = /^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(arg);
  if (mention) return mention[1];
  return /^[CG][A-Z0-9]{2,}$/.test(arg) ? arg : undefined;
}

type AlertsRequest = { domain: string; channelId: string; off: boolean } | { refusal: string };

export function readAlertsArgs(argv: string[], here: string): AlertsRequest {
  const [rawDomain, target, extra] = argv;
  if (!rawDomain || extra !== undefined) return { refusal: say.renderAlertsUsage() };
  const name = validateDomainName(rawDomain);
  if (!name.ok) return { refusal: `:warning: ${name.error}` };
  const off = target?.toLowerCase() === "off";
  const channelId = target === undefined || off ? here : parseChannel(target);
  if (!channelId) return { refusal: say.renderUnknownChannel(target ?? "") };
  return { domain: name.value, channelId, off };
}

export const alertsSubcommand: Subcommand = {
  name: "alerts",
  usage: "alerts <domain> [#channel|off]",
  summary: "Post a domain's dead-letter digest in a channel (this one by default), or stop it.",
  permission: "settings",
  run: async ({ ack, respond, argv, deps, command }) => {
    const request = readAlertsArgs(argv, command.channel_id);
    if ("refusal" in request) {
      await ack({ response_type: "ephemeral", text: request.refusal });
      return;
    }
    const { domain, channelId, off } = request;
    await ack({ response_type: "ephemeral", text: say.renderAlertsWorking(domain, off) });
    const caller = {
      userId: command.user_id,
      teamId: command.team_id,
      channelId: command.channel_id,
    };
    const ctx = alertsCtx(deps, caller, { domain });
    let text: string;
    try {
      text = off
        ? say.renderAlertsStopped(await stopAlerts({ ctx, input: { domain } }))
        : say.renderAlertsSet(
            await setAlerts({ ctx, input: { domain, channelId } }),
            deps.config.dlq.scanIntervalMs,
          );
    } catch (err) {
      const appError = asAppError(err);
      ctx.log.warn({ err, code: appError.code }, "alerts command failed");
      text = `:warning: ${appError.userMessage}`;
    }
    await respond({ response_type: "ephemeral", text });
  },
};
