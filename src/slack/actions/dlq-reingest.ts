/**
 * Re-ingest on a digest class (`dlq_reingest`) and "Re-ingest this message" in the Inspect
 * modal (`dlq_reingest_one`). Each acks, reads the button's value, checks it was clicked where
 * the bot put it (dlq-buttons.ts), and starts a `reingest` job: one job runs per domain and
 * selection, so a second click, or someone else's, is told who started it. A class job acts on
 * the messages of the scan its digest showed, no more. The job replies in the digest's thread.
 */
import { refId } from "../../aws/targets.js";
import { isReingestable } from "../../dlq/classify.js";
import type { SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { readMessageActionValue } from "../render/digest.js";
import { renderNotReingestable } from "../render/dlq-clicks.js";
import {
  inspectViewClicked,
  malformed,
  refuseClick,
  startClassJob,
  startJob,
} from "./dlq-buttons.js";

export const onReingestClass = (args: ActionArgs, deps: SlackDeps): Promise<void> =>
  startClassJob(args, deps, "reingest", (cls) =>
    isReingestable(cls)
      ? undefined
      : { reason: `${cls} messages are not re-ingestable`, text: renderNotReingestable(cls) },
  );

export async function onReingestMessage(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const read = readMessageActionValue(buttonValue(args));
  if (!read.ok) return refuseClick(args, deps, malformed(read.problem));
  const { domain, messageId, place } = read.value;
  const bound = await inspectViewClicked(args, deps, domain, messageId, place);
  if ("refusal" in bound) {
    const named = place ? refId({ ...place, domain }) : domain;
    return refuseClick(args, deps, bound.refusal, named, bound.trustedDomain);
  }
  // From a modal there is no message to reply under: the job finds the digest itself. The
  // place is the modal's record's, never the value's.
  const { account, region } = bound.view;
  await startJob(args, deps, "reingest", { account, region, domain, messageId });
}
