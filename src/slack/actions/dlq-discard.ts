/**
 * Discard on a digest class (`dlq_discard`, danger style, confirmed in Slack): acks, reads the
 * value, checks it was clicked on that domain's digest (dlq-buttons.ts), and starts a
 * `discard` job for the messages of the scan the digest showed; the job deletes those and says
 * in the thread who discarded how many. Unreadable messages are never discarded by the bot: it
 * could not read them, so it can't say what would be lost (the digest offers no Discard for
 * them; a crafted value is refused here and in the job).
 */
import type { SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { readClassActionValue } from "../render/digest.js";
import { NO_SCAN_ID, UNREADABLE_NOT_DISCARDED } from "../render/dlq-clicks.js";
import { digestClicked, malformed, refuseClick, startJob } from "./dlq-buttons.js";

export async function onDiscard(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const read = readClassActionValue(buttonValue(args));
  if (!read.ok) return refuseClick(args, deps, malformed(read.problem));
  const { domain, cls, scanId } = read.value;
  const bound = await digestClicked(args, deps, domain);
  if ("refusal" in bound) return refuseClick(args, deps, bound.refusal, domain);
  if (cls === "unreadable") {
    const reason = "unreadable messages are never discarded by the bot";
    return refuseClick(args, deps, { reason, text: UNREADABLE_NOT_DISCARDED }, domain);
  }
  if (scanId === undefined) {
    return refuseClick(args, deps, { reason: "value names no scan", text: NO_SCAN_ID }, domain);
  }
  await startJob(args, deps, "discard", {
    domain,
    cls,
    scanId,
    channel: bound.digest.channel,
    threadTs: bound.digest.ts,
  });
}
