/**
 * Discard on a digest class (`dlq_discard`, danger style, confirmed in Slack): acks,
 * validates, and starts a `discard` job; the job deletes that class's messages and says in
 * the thread who discarded how many. Unreadable messages are never discarded by the bot: it
 * could not read them, so it can't say what would be lost (the digest offers no Discard for
 * them; a crafted value is refused here and in the job).
 */
import type { SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { MALFORMED_VALUE, UNREADABLE_NOT_DISCARDED } from "../render/dlq-clicks.js";
import {
  classValueSchema,
  clickPlace,
  parseButtonValue,
  startJob,
  tellClicker,
} from "./dlq-buttons.js";

export async function onDiscard(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const value = parseButtonValue(classValueSchema, buttonValue(args));
  if (!value) return tellClicker(args, deps, MALFORMED_VALUE);
  if (value.c === "unreadable") return tellClicker(args, deps, UNREADABLE_NOT_DISCARDED, value.d);
  await startJob(args, deps, "discard", {
    domain: value.d,
    cls: value.c,
    ...clickPlace(args.body),
  });
}
