/**
 * Re-ingest on a digest class (`dlq_reingest`) and "Re-ingest this message" in the Inspect
 * modal (`dlq_reingest_one`). Each acks at once, validates the button's value, and enqueues
 * one job per domain and selection (jobs/reingest.ts): a second click, or someone else's,
 * finds the running job and is told who started it. The job replies in the digest's thread.
 *
 * This file's `register` also wires Discard (dlq-discard.ts), so the dead-letter buttons that
 * start jobs are registered in one place.
 */
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { enqueueReingestJob, REINGEST_JOB, type ReingestJobData } from "../../../jobs/reingest.js";
import { CLASS_INFO, isReingestable } from "../../dlq/classify.js";
import type { SlackDeps } from "../deps.js";
import {
  DLQ_DISCARD_ACTION,
  DLQ_REINGEST_ACTION,
  DLQ_REINGEST_ONE_ACTION,
} from "../render/digest.js";
import {
  audit,
  type ButtonArgs,
  classValueSchema,
  clickPlace,
  MALFORMED_VALUE,
  messageValueSchema,
  newRequestId,
  parseButtonValue,
  reingestQueue,
  tellClicker,
} from "./dlq-buttons.js";
import { onDiscard } from "./dlq-discard.js";

export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(DLQ_REINGEST_ACTION, (args) => onReingestClass(args, deps));
  app.action<BlockAction<ButtonAction>>(DLQ_REINGEST_ONE_ACTION, (args) =>
    onReingestMessage(args, deps),
  );
  app.action<BlockAction<ButtonAction>>(DLQ_DISCARD_ACTION, (args) => onDiscard(args, deps));
}

async function start(
  args: ButtonArgs,
  deps: SlackDeps,
  data: Omit<ReingestJobData, "requestId" | "requestedBy">,
): Promise<void> {
  const user = args.body.user.id;
  const log = deps.log.child({ userId: user, domain: data.domain, action: args.action.action_id });
  try {
    const out = await enqueueReingestJob(reingestQueue(deps), REINGEST_JOB, {
      ...data,
      requestedBy: user,
      requestId: newRequestId(user),
    });
    audit(args, {
      target: data.domain,
      jobId: out.jobId,
      outcome: out.created ? "accepted" : "refused",
    });
    if (!out.created) {
      const who = out.startedBy === user ? "you" : `<@${out.startedBy}>`;
      await tellClicker(
        args,
        deps,
        `:hourglass_flowing_sand: That re-ingest is already running (started by ${who}); its progress is in the digest's thread.`,
        data.domain,
      );
    }
  } catch (err) {
    log.error({ err }, "could not enqueue a re-ingest");
    await tellClicker(
      args,
      deps,
      ":x: The bot could not start the re-ingest (its job queue did not answer). Nothing was changed; try again in a minute.",
      data.domain,
    );
  }
}

export async function onReingestClass(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const value = parseButtonValue(classValueSchema, args.action.value);
  if (!value) {
    await tellClicker(args, deps, MALFORMED_VALUE);
    return;
  }
  if (!isReingestable(value.c)) {
    const info = CLASS_INFO[value.c];
    await tellClicker(
      args,
      deps,
      `:no_entry: ${info.label} messages can't be re-ingested as they are: ${info.fix}`,
      value.d,
    );
    return;
  }
  await start(args, deps, { domain: value.d, cls: value.c, ...clickPlace(args.body) });
}

export async function onReingestMessage(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const value = parseButtonValue(messageValueSchema, args.action.value);
  if (!value) {
    await tellClicker(args, deps, MALFORMED_VALUE);
    return;
  }
  // From a modal there is no message to reply under: the job finds the digest itself.
  const place = args.body.view ? {} : clickPlace(args.body);
  await start(args, deps, { domain: value.d, messageId: value.m, ...place });
}
