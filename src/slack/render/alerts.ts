/** What `/profiles alerts` says: its usage, what it is doing, and what it came to. */
import type { SetAlertsOutcome, StopAlertsOutcome } from "../../dlq/alerts.js";
import { code } from "./text.js";

const ALERTS_USAGE =
  "`/profiles alerts <domain> [#channel]`, or `/profiles alerts <domain> off` (add `--target <target>[/<region>]` when the bot serves several accounts or regions)";

export const renderAlertsUsage = (): string => `Usage: ${ALERTS_USAGE}.`;

export const renderUnknownChannel = (target: string): string =>
  `:warning: I can't tell which channel ${code(target, 80)} is. Pick it from the # autocomplete so Slack sends it as a link, or run ${ALERTS_USAGE} in that channel.`;

export const renderAlertsWorking = (domain: string, off: boolean): string =>
  off ? `Stopping dead-letter digests for ${domain}…` : `Looking up ${domain}…`;

/** 300000 → "5 minutes". */
export function describeInterval(ms: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (ms % 3_600_000 === 0) return unit(ms / 3_600_000, "hour");
  if (ms % 60_000 === 0) return unit(ms / 60_000, "minute");
  return unit(Math.round(ms / 1000), "second");
}

/** `*orders*`, or `*orders* (prod (444455556666) · eu-west-2)`. */
const named = (domain: string, where?: string) =>
  where ? `*${domain}* (${where})` : `*${domain}*`;

/**
 * `where` names the place (`prod (444455556666) · eu-west-2`) when the bot serves several;
 * with one, the messages read as they always did.
 */
export function renderAlertsSet(
  outcome: SetAlertsOutcome,
  scanIntervalMs: number,
  where?: string,
): string {
  const domain = named(outcome.domain, where);
  switch (outcome.status) {
    case "unknown-domain":
      return `:warning: There is no Customer Profiles domain named *${outcome.domain}* in ${where ? "the accounts and regions the bot serves (or the target you named)" : "this account and region"}. \`/profiles status\` lists the domains.`;
    case "no-dlq":
      return `:warning: ${domain} has no dead-letter queue, so objects that fail ingestion are dropped and there is nothing to watch. Add one with \`/profiles enable\`: pick this domain, then create or pick a dead-letter queue. Then run \`/profiles alerts ${outcome.domain}\` again.`;
    case "bound": {
      const queueName = outcome.queueUrl.split("/").pop() || outcome.queueUrl;
      const moved = outcome.movedFrom ? ` (moved from <#${outcome.movedFrom}>)` : "";
      return `:white_check_mark: Dead-letter digests for ${domain} will go to <#${outcome.channelId}>${moved}. Its queue ${code(queueName, 100)} is scanned every ${describeInterval(scanIntervalMs)}, starting now; the digest is edited in place and new kinds of failure are posted in its thread. \`/profiles alerts ${outcome.domain} off\` stops it.`;
    }
  }
}

export function renderAlertsStopped(outcome: StopAlertsOutcome, where?: string): string {
  const domain = named(outcome.domain, where);
  return outcome.status === "stopped"
    ? `Dead-letter digests for ${domain} are off. Its queue is no longer scanned; the last digest stays as it is.`
    : `${domain} had no dead-letter digest. Nothing changed.`;
}
