/**
 * `/profiles alerts <domain> [#channel | off]`: binds a domain's dead-letter digest to a
 * channel (the one named, or this one) and schedules its scans; `off` removes both. Acks at
 * once; the domain lookup (an AWS call) happens after, and the answer goes through `respond`.
 */
import type { Queue } from "bullmq";
import {
  DLQ_SCAN_QUEUE,
  scheduleDomainScan,
  unscheduleDomainScan,
} from "../../../jobs/dlq-scan.js";
import { RedisDigestStore } from "../../dlq/digests.js";
import { validateDomainName } from "../../enable/names.js";
import { asAppError } from "../../errors.js";
import { RedisBindingStore } from "../../provision/bindings.js";
import type { SlackDeps } from "../deps.js";
import type { Subcommand } from "./subcommand.js";

const USAGE = "`/profiles alerts <domain> [#channel]`, or `/profiles alerts <domain> off`";

/** `<#C123|name>` or `<#C123>` (Slack's escaped mention), or a bare channel id. */
export function parseChannel(arg: string): string | undefined {
  const mention = /^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(arg);
  if (mention) return mention[1];
  return /^[CG][A-Z0-9]{2,}$/.test(arg) ? arg : undefined;
}

/** 300000 → "5 minutes". */
export function describeInterval(ms: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (ms % 3_600_000 === 0) return unit(ms / 3_600_000, "hour");
  if (ms % 60_000 === 0) return unit(ms / 60_000, "minute");
  return unit(Math.round(ms / 1000), "second");
}

function scanQueueOf(deps: SlackDeps): Queue {
  const queue = deps.queues[DLQ_SCAN_QUEUE];
  if (!queue) throw new Error(`no "${DLQ_SCAN_QUEUE}" queue in SlackDeps.queues`);
  return queue;
}

export const alertsSubcommand: Subcommand = {
  name: "alerts",
  usage: "alerts <domain> [#channel|off]",
  summary: "Post a domain's dead-letter digest in a channel (this one by default), or stop it.",
  run: async ({ ack, respond, argv, deps, command }) => {
    const [rawDomain, target, extra] = argv;
    const reply = (text: string) => respond({ response_type: "ephemeral", text });
    if (!rawDomain || extra !== undefined) {
      await ack({ response_type: "ephemeral", text: `Usage: ${USAGE}.` });
      return;
    }
    const name = validateDomainName(rawDomain);
    if (!name.ok) {
      await ack({ response_type: "ephemeral", text: `:warning: ${name.error}` });
      return;
    }
    const domain = name.value;
    const off = target?.toLowerCase() === "off";
    const channelId = target === undefined || off ? command.channel_id : parseChannel(target);
    if (!channelId) {
      await ack({
        response_type: "ephemeral",
        text: `:warning: I can't tell which channel \`${target?.slice(0, 80)}\` is. Pick it from the # autocomplete so Slack sends it as a link, or run ${USAGE} in that channel.`,
      });
      return;
    }
    await ack({
      response_type: "ephemeral",
      text: off ? `Stopping dead-letter digests for ${domain}…` : `Looking up ${domain}…`,
    });

    const log = deps.log.child({ userId: command.user_id, teamId: command.team_id, domain });
    const bindings = new RedisBindingStore(deps.redis, deps.config.redis.prefix);
    const interval = deps.config.dlq.scanIntervalMs;
    try {
      if (off) {
        const removed = await bindings.remove(domain);
        await unscheduleDomainScan(scanQueueOf(deps), domain);
        await new RedisDigestStore(deps.redis, deps.config.redis.prefix).remove(domain);
        await reply(
          removed
            ? `Dead-letter digests for *${domain}* are off. Its queue is no longer scanned; the last digest stays as it is.`
            : `*${domain}* had no dead-letter digest. Nothing changed.`,
        );
        return;
      }

      const found = await deps.gateways.profiles.getDomain(domain);
      if (!found) {
        await reply(
          `:warning: There is no Customer Profiles domain named *${domain}* in this account and region. \`/profiles status\` lists the domains.`,
        );
        return;
      }
      if (!found.deadLetterQueueUrl) {
        await reply(
          `:warning: *${domain}* has no dead-letter queue, so objects that fail ingestion are dropped and there is nothing to watch. Add one with \`/profiles enable\`: pick this domain, then create or pick a dead-letter queue. Then run \`/profiles alerts ${domain}\` again.`,
        );
        return;
      }
      const before = await bindings.get(domain);
      await bindings.set({
        domain,
        channelId,
        teamId: command.team_id,
        queueUrl: found.deadLetterQueueUrl,
        boundBy: command.user_id,
        boundAt: new Date().toISOString(),
      });
      await scheduleDomainScan(scanQueueOf(deps), domain, interval);
      const queueName = found.deadLetterQueueUrl.split("/").pop() ?? found.deadLetterQueueUrl;
      const moved =
        before && before.channelId !== channelId ? ` (moved from <#${before.channelId}>)` : "";
      await reply(
        `:white_check_mark: Dead-letter digests for *${domain}* will go to <#${channelId}>${moved}. Its queue \`${queueName}\` is scanned every ${describeInterval(interval)}, starting now; the digest is edited in place and new kinds of failure are posted in its thread. \`/profiles alerts ${domain} off\` stops it.`,
      );
    } catch (err) {
      const appError = asAppError(err);
      log.warn({ err, code: appError.code }, "alerts command failed");
      await reply(`:warning: ${appError.userMessage}`);
    }
  },
};
