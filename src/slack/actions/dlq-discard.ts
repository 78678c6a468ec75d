/**
 * Discard on a digest class (`dlq_discard`, danger style, confirmed in Slack): acks, validates,
 * and enqueues a `discard` job that deletes that class's messages and says in the thread who
 * discarded how many. Unreadable messages are never discarded by the bot: it could not read
 * them, so it can't say what would be lost (the digest offers no Discard for them; a crafted
 * value is refused here and in the job).
 */
import { DISCARD_JOB, enqueueReingestJob } from "../../../jobs/reingest.js";
import type { SlackDeps } from "../deps.js";
import {
  audit,
  type ButtonArgs,
  classValueSchema,
  clickPlace,
  MALFORMED_VALUE,
  newRequestId,
  parseButtonValue,
  reingestQueue,
  tellClicker,
} from "./dlq-buttons.js";

export async function onDiscard(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const user = args.body.user.id;
  const value = parseButtonValue(classValueSchema, args.action.value);
  if (!value) {
    await tellClicker(args, deps, MALFORMED_VALUE);
    return;
  }
  // Only admins get here: the guard (src/slack/permissions.ts) maps dlq_discard to discard.
  if (value.c === "unreadable") {
    await tellClicker(
      args,
      deps,
      ":no_entry: The bot never deletes unreadable messages: it could not read them, so it can't tell what would be lost. Inspect and delete them in SQS if you are sure.",
      value.d,
    );
    return;
  }
  try {
    const out = await enqueueReingestJob(reingestQueue(deps), DISCARD_JOB, {
      domain: value.d,
      cls: value.c,
      requestedBy: user,
      requestId: newRequestId(user),
      ...clickPlace(args.body),
    });
    audit(args, {
      target: value.d,
      jobId: out.jobId,
      outcome: out.created ? "accepted" : "refused",
    });
    if (!out.created) {
      const who = out.startedBy === user ? "you" : `<@${out.startedBy}>`;
      await tellClicker(
        args,
        deps,
        `:hourglass_flowing_sand: That discard is already running (started by ${who}).`,
        value.d,
      );
    }
  } catch (err) {
    deps.log.error({ err, userId: user }, "could not enqueue a discard");
    await tellClicker(
      args,
      deps,
      ":x: The bot could not start the discard (its job queue did not answer). Nothing was deleted.",
      value.d,
    );
  }
}
