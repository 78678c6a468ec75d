/**
 * Retry and Clean up on a failed provisioning job's message. Each acks at once, checks the
 * job's state so a second click (or a click while the other one runs) starts nothing, then
 * enqueues: `retryProvision` resumes from the checkpoint, the clean-up job removes what the
 * job created. The worker's reporter edits the message with the outcome.
 */
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import type { Queue } from "bullmq";
import { enqueueCleanup, PROVISION_QUEUE, retryProvision } from "../../../jobs/provision.js";
import type { Permission } from "../../access/roles.js";
import { asAppError } from "../../errors.js";
import { cleanupJobId } from "../../provision/plan-to-job.js";
import type { SlackDeps } from "../deps.js";
import type { AuditNote } from "../middleware/guard.js";
import { CLEANUP_ACTION, RETRY_ACTION } from "../render/provision.js";

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** BullMQ states in which a job is queued or being worked on. */
const BUSY = new Set(["active", "waiting", "waiting-children", "delayed", "prioritized"]);

const STATE_WORDS: Record<string, string> = {
  active: "running",
  waiting: "queued",
  delayed: "waiting to retry",
  prioritized: "queued",
  "waiting-children": "queued",
  completed: "finished",
};

/** What the guard middleware should require for each button, once it is wired. */
export const PROVISION_ACTION_PERMISSIONS: Record<string, Permission> = {
  [RETRY_ACTION]: "enable",
  [CLEANUP_ACTION]: "cleanup",
};

/** Tells the guard's audit entry what the click was about, when the guard runs. */
function audit(args: ButtonArgs, jobId: string, outcome: AuditNote["outcome"]): void {
  const note = args.context.audit as AuditNote | undefined;
  if (!note) return;
  note.target = jobId;
  note.jobId = jobId;
  note.outcome = outcome;
}

export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(RETRY_ACTION, (args) => onRetry(args, deps));
  app.action<BlockAction<ButtonAction>>(CLEANUP_ACTION, (args) => onCleanup(args, deps));
}

function queueOf(deps: SlackDeps): Queue {
  const queue = deps.queues[PROVISION_QUEUE];
  if (!queue) throw new Error(`no "${PROVISION_QUEUE}" queue in SlackDeps.queues`);
  return queue;
}

/** Answers only the clicker; nothing was started, so the audit says refused. */
async function tell(args: ButtonArgs, text: string): Promise<void> {
  audit(args, args.action.value ?? "", "refused");
  await args.respond({ response_type: "ephemeral", replace_original: false, text });
}

/** How long a click holds its job; far longer than a retry or an enqueue takes. */
const CLICK_LOCK_MS = 15_000;

/**
 * Lets one click per job through at a time, across bot processes. Retry reads the job's data
 * and writes it back, so two interleaved retries could put back a stale checkpoint.
 */
async function withClickLock(
  deps: SlackDeps,
  jobId: string,
  run: () => Promise<void>,
): Promise<boolean> {
  const key = `${deps.config.redis.prefix}:provision-click:${jobId}`;
  const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const got = await deps.redis.set(key, token, "PX", CLICK_LOCK_MS, "NX");
  if (got !== "OK") return false;
  try {
    await run();
  } finally {
    // Only our own lock: after CLICK_LOCK_MS another click may hold it.
    await deps.redis
      .eval(
        'if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0',
        1,
        key,
        token,
      )
      .catch(() => {});
  }
  return true;
}

/** A clean-up job queued or running for this provisioning job, if any. */
async function cleanupState(queue: Queue, jobId: string): Promise<string | undefined> {
  const job = await queue.getJob(cleanupJobId(jobId));
  return job ? await job.getState() : undefined;
}

const BUSY_CLICK = "Someone just clicked Retry or Clean up on this job; nothing more was started.";

async function onRetry(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const jobId = args.action.value ?? "";
  const log = deps.log.child({ jobId, userId: args.body.user.id, action: RETRY_ACTION });
  try {
    const ran = await withClickLock(deps, jobId, () => retry(args, deps, jobId));
    if (!ran) await tell(args, BUSY_CLICK);
  } catch (err) {
    log.error({ err }, "retry failed");
    await tell(args, `:warning: ${asAppError(err).userMessage}`);
    audit(args, jobId, "failed");
  }
}

async function retry(args: ButtonArgs, deps: SlackDeps, jobId: string): Promise<void> {
  const queue = queueOf(deps);
  const cleaning = await cleanupState(queue, jobId);
  if (cleaning && BUSY.has(cleaning)) {
    await tell(args, "Clean up is running for this job; retry once it has finished.");
    return;
  }
  const outcome = await retryProvision(queue, jobId);
  if (!outcome.retried) {
    await tell(
      args,
      outcome.reason === "not-found"
        ? "This job is gone (failed jobs are kept 14 days): start again with `/profiles enable`."
        : `This job is ${STATE_WORDS[outcome.state] ?? outcome.state} already, so Retry did nothing.`,
    );
    return;
  }
  audit(args, jobId, "accepted");
  deps.log.info({ jobId, userId: args.body.user.id }, "provisioning retried");
}

async function onCleanup(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const jobId = args.action.value ?? "";
  const log = deps.log.child({ jobId, userId: args.body.user.id, action: CLEANUP_ACTION });
  try {
    const ran = await withClickLock(deps, jobId, () => cleanup(args, deps, jobId));
    if (!ran) await tell(args, BUSY_CLICK);
  } catch (err) {
    log.error({ err }, "clean-up request failed");
    await tell(args, `:warning: ${asAppError(err).userMessage}`);
    audit(args, jobId, "failed");
  }
}

async function cleanup(args: ButtonArgs, deps: SlackDeps, jobId: string): Promise<void> {
  const queue = queueOf(deps);
  const target = await queue.getJob(jobId);
  if (!target) {
    await tell(
      args,
      "This job is gone (failed jobs are kept 14 days), so the bot no longer knows what it created.",
    );
    return;
  }
  const state = await target.getState();
  if (state !== "failed") {
    await tell(
      args,
      `This job is ${STATE_WORDS[state] ?? state}; only a failed job can be cleaned up.`,
    );
    return;
  }
  const previous = await queue.getJob(cleanupJobId(jobId));
  const previousState = previous ? await previous.getState() : undefined;
  if (previousState && BUSY.has(previousState)) {
    await tell(args, "Clean up is already running for this job.");
    return;
  }
  // A failed clean-up keeps its id for 14 days; removing it lets this click run a new one.
  if (previous && previousState === "failed") await previous.remove();
  await enqueueCleanup(queue, jobId, args.body.user.id);
  audit(args, jobId, "accepted");
  deps.log.info({ jobId, userId: args.body.user.id }, "clean-up queued");
}
