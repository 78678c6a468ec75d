/**
 * Discard on a digest class (`dlq_discard`, danger style, confirmed in Slack): acks,
 * validates, and calls `enqueueDiscard`; the job deletes that class's messages and says in
 * the thread who discarded how many. Unreadable messages are never discarded by the bot: it
 * could not read them, so it can't say what would be lost (the digest offers no Discard for
 * them; a crafted value is refused here and in the job).
 */
import { enqueueDiscard } from "../../queues/reingest.js";
import type { SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { MALFORMED_VALUE, UNREADABLE_NOT_DISCARDED } from "../render/dlq-clicks.js";
import {
  answerEnqueue,
  classValueSchema,
  clickPlace,
  parseButtonValue,
  tellClicker,
} from "./dlq-buttons.js";

export async function onDiscard(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const value = parseButtonValue(classValueSchema, buttonValue(args));
  if (!value) return tellClicker(args, deps, MALFORMED_VALUE);
  if (value.c === "unreadable") return tellClicker(args, deps, UNREADABLE_NOT_DISCARDED, value.d);
  const requestedBy = args.body.user.id;
  await answerEnqueue(
    args,
    deps,
    "discard",
    value.d,
    enqueueDiscard(deps.queues, {
      domain: value.d,
      cls: value.c,
      requestedBy,
      ...clickPlace(args.body),
    }),
  );
}
