/**
 * Re-ingest on a digest class (`dlq_reingest`) and "Re-ingest this message" in the Inspect
 * modal (`dlq_reingest_one`). Each acks, reads the button's value, checks it was clicked where
 * the bot put it (dlq-buttons.ts), and starts a `reingest` job: one job runs per domain and
 * selection, so a second click, or someone else's, is told who started it. A class job acts on
 * the messages of the scan its digest showed, no more. The job replies in the digest's thread.
 */
import { isReingestable } from "../../dlq/classify.js";
import type { SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { readClassActionValue, readMessageActionValue } from "../render/digest.js";
import { NO_SCAN_ID, renderNotReingestable } from "../render/dlq-clicks.js";
import {
  digestClicked,
  inspectViewClicked,
  malformed,
  refuseClick,
  startJob,
} from "./dlq-buttons.js";

export async function onReingestClass(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const read = readClassActionValue(buttonValue(args));
  if (!read.ok) return refuseClick(args, deps, malformed(read.problem));
  const { domain, cls, scanId } = read.value;
  const bound = await digestClicked(args, deps, domain);
  if ("refusal" in bound) return refuseClick(args, deps, bound.refusal, domain);
  if (!isReingestable(cls)) {
    const reason = `${cls} messages are not re-ingestable`;
    return refuseClick(args, deps, { reason, text: renderNotReingestable(cls) }, domain);
  }
  if (scanId === undefined) {
    return refuseClick(args, deps, { reason: "value names no scan", text: NO_SCAN_ID }, domain);
  }
  await startJob(args, deps, "reingest", {
    domain,
    cls,
    scanId,
    channel: bound.digest.channel,
    threadTs: bound.digest.ts,
  });
}

export async function onReingestMessage(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const read = readMessageActionValue(buttonValue(args));
  if (!read.ok) return refuseClick(args, deps, malformed(read.problem));
  const { domain, messageId } = read.value;
  const bound = await inspectViewClicked(args, deps, domain, messageId);
  if ("refusal" in bound) {
    return refuseClick(args, deps, bound.refusal, domain, bound.trustedDomain);
  }
  // From a modal there is no message to reply under: the job finds the digest itself.
  await startJob(args, deps, "reingest", { domain, messageId });
}
