/**
 * Re-ingest on a digest class (`dlq_reingest`) and "Re-ingest this message" in the Inspect
 * modal (`dlq_reingest_one`). Each acks, validates the button's value and starts a
 * `reingest` job: one job runs per domain and selection, so a second click, or someone
 * else's, is told who started it. The job replies in the digest's thread.
 */
import { isReingestable } from "../../dlq/classify.js";
import type { SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { MALFORMED_VALUE, renderNotReingestable } from "../render/dlq-clicks.js";
import {
  classValueSchema,
  clickPlace,
  messageValueSchema,
  parseButtonValue,
  startJob,
  tellClicker,
} from "./dlq-buttons.js";

export async function onReingestClass(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const value = parseButtonValue(classValueSchema, buttonValue(args));
  if (!value) return tellClicker(args, deps, MALFORMED_VALUE);
  if (!isReingestable(value.c)) {
    return tellClicker(args, deps, renderNotReingestable(value.c), value.d);
  }
  await startJob(args, deps, "reingest", {
    domain: value.d,
    cls: value.c,
    ...clickPlace(args.body),
  });
}

export async function onReingestMessage(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const value = parseButtonValue(messageValueSchema, buttonValue(args));
  if (!value) return tellClicker(args, deps, MALFORMED_VALUE);
  // From a modal there is no message to reply under: the job finds the digest itself.
  const place = args.body.view ? {} : clickPlace(args.body);
  await startJob(args, deps, "reingest", { domain: value.d, messageId: value.m, ...place });
}
