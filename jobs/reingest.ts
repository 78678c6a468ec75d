/**
 * The `reingest` queue: re-ingest a class (or one message) of a domain's dead-letter queue,
 * and discard a class. The rules live in src/dlq/reingest.ts; this file adapts them to BullMQ
 * and Slack.
 *
 *   reingest: binding → queue URL → thread reply → paced pass (progress edited into the
 *             reply) → final state: accepted, failed and why, what is left per class
 *   discard:  binding → queue URL → delete that class's messages → "who discarded how many"
 *
 * The job id is derived from domain and selection, so two clicks, or two people, run one job.
 * A retry (or a worker killed mid-run) just runs the pass again: messages already accepted
 * were deleted, the rest are still in the DLQ.
 */
import {
  type Job,
  type JobsOptions,
  type Queue,
  UnrecoverableError,
  Worker,
  type WorkerOptions,
} from "bullmq";
import type { Gateways } from "../src/aws/gateways.js";
import type { Config } from "../src/config.js";
import type { DlqClass } from "../src/dlq/classify.js";
import type { DigestStore } from "../src/dlq/digests.js";
import { createPacer, type Pacer } from "../src/dlq/pacing.js";
import { discard, type PassOptions, reingest } from "../src/dlq/reingest.js";
import { asAppError } from "../src/errors.js";
import type { Logger } from "../src/logger.js";
import type { BindingStore } from "../src/provision/bindings.js";
import type { RateLimiter } from "../src/ratelimit.js";
import type { Redis } from "../src/redis.js";
import type { Notifier, SlackMessage } from "../src/slack/notifier/notifier.js";
import {
  type ReingestTarget,
  renderDiscardDone,
  renderDiscardStarted,
  renderReingestDone,
  renderReingestFailed,
  renderReingestProgress,
  renderReingestStarted,
} from "../src/slack/render/reingest.js";

export const REINGEST_QUEUE = "reingest";
export const REINGEST_JOB = "reingest";
export const DISCARD_JOB = "discard";

/** Selected messages one run handles at most; a second click continues. */
export const MAX_MESSAGES_PER_RUN = 100_000;

export interface ReingestJobData {
  domain: string;
  /** A class, or `messageId` for one message. */
  cls?: DlqClass;
  messageId?: string;
  /** Slack user who clicked. */
  requestedBy: string;
  /** Unique per click: tells the clicker whether their click created the job. */
  requestId: string;
  /** Where the click was: replies go in this thread (the digest). */
  channel?: string;
  threadTs?: string;
  /** The reply this job edits; saved once posted, so a retry edits the same one. */
  reply?: { channel: string; ts: string };
}

export type ReingestJob = Job<ReingestJobData, unknown, string>;

/** Throttling and 5xx that outlast the pass's own retries: a few minutes of backoff. */
export const REINGEST_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
  // Removed once finished, so the next click starts a new run under the same id.
  removeOnComplete: true,
  removeOnFail: true,
};

/** Domain names are `[a-zA-Z0-9_-]`; message ids are cleaned to that too: no ':' in job ids. */
const safe = (text: string) => text.replace(/[^a-zA-Z0-9_-]/g, "_");

export function reingestJobId(
  kind: typeof REINGEST_JOB | typeof DISCARD_JOB,
  data: Pick<ReingestJobData, "domain" | "cls" | "messageId">,
): string {
  const what = data.messageId ? `msg-${safe(data.messageId)}` : `class-${data.cls ?? "none"}`;
  return `${kind}-${safe(data.domain)}-${what}`;
}

export interface EnqueueOutcome {
  jobId: string;
  /** False when the same job was already waiting or running: nothing new was started. */
  created: boolean;
  /** Who started the job that runs (the clicker when `created`). */
  startedBy: string;
}

/**
 * Adds the job under its derived id. BullMQ answers an id that exists with the existing job
 * (and keeps the existing data), so the requestId read back says whose job runs.
 */
export async function enqueueReingestJob(
  queue: Queue,
  kind: typeof REINGEST_JOB | typeof DISCARD_JOB,
  data: ReingestJobData,
  opts: JobsOptions = {},
): Promise<EnqueueOutcome> {
  const jobId = reingestJobId(kind, data);
  for (let attempt = 0; ; attempt++) {
    await queue.add(kind, data, { ...REINGEST_JOB_OPTIONS, ...opts, jobId });
    const stored = (await queue.getJob(jobId)) as ReingestJob | undefined;
    // Gone already: it was ours and finished in between.
    if (!stored || stored.data.requestId === data.requestId) {
      return { jobId, created: true, startedBy: data.requestedBy };
    }
    const state = await stored.getState();
    // A finished job kept by other options: clear it and add ours.
    if ((state === "completed" || state === "failed") && attempt === 0) {
      await stored.remove().catch(() => undefined);
      continue;
    }
    return { jobId, created: false, startedBy: stored.data.requestedBy };
  }
}

export interface ReingestWorkerDeps {
  connection: Redis;
  prefix: string;
  gateways: Pick<Gateways, "sqs" | "profiles">;
  bindings: BindingStore;
  digests: Pick<DigestStore, "get">;
  notifier: Notifier;
  /** Shared by every process: the global and per-profile pace hold across all of them. */
  limiter: RateLimiter;
  config: { reingest: Config["reingest"] };
  log: Logger;
  /** Checks again, as the job starts, that the requester still holds the role. */
  stillAllowed?: (
    userId: string,
    permission: "reingest" | "discard",
  ) => Promise<{ allowed: boolean; message?: string }>;
  /** For tests: a short lease, no long polling. */
  passOptions?: PassOptions & { concurrency?: number };
  workerOptions?: Partial<WorkerOptions>;
}

interface Where {
  queueUrl: string;
  channel?: string;
  threadTs?: string;
}

/** The DLQ to read and where to reply: the click's thread, else the digest in the bound channel. */
async function locate(
  deps: ReingestWorkerDeps,
  data: ReingestJobData,
  permission: "reingest" | "discard",
): Promise<Where> {
  const decision = await deps.stillAllowed?.(data.requestedBy, permission);
  if (decision && !decision.allowed) {
    throw new UnrecoverableError(
      `Stopped before any change: ${decision.message ?? "the requester no longer holds the role."}`,
    );
  }
  const binding = await deps.bindings.get(data.domain);
  const queueUrl =
    binding?.queueUrl ?? (await deps.gateways.profiles.getDomain(data.domain))?.deadLetterQueueUrl;
  if (!queueUrl) {
    throw new UnrecoverableError(
      `The domain ${data.domain} has no dead-letter queue (or no longer exists), so there is nothing to re-ingest.`,
    );
  }
  if (data.channel) return { queueUrl, channel: data.channel, threadTs: data.threadTs };
  const digest = await deps.digests.get(data.domain).catch(() => undefined);
  const channel = binding?.channelId ?? digest?.channel;
  const threadTs = digest?.channel === channel ? digest?.ts : undefined;
  return { queueUrl, ...(channel && { channel }), ...(threadTs && { threadTs }) };
}

/** Posts the job's reply once (saved in the job's data), then edits it. */
async function replyOnce(
  deps: ReingestWorkerDeps,
  job: ReingestJob,
  where: Where,
  message: SlackMessage,
): Promise<{ channel: string; ts: string } | undefined> {
  if (job.data.reply) {
    await deps.notifier.update(job.data.reply.channel, job.data.reply.ts, message).catch(() => {});
    return job.data.reply;
  }
  if (!where.channel) return undefined;
  try {
    const reply = await deps.notifier.post(where.channel, {
      ...message,
      ...(where.threadTs && { threadTs: where.threadTs }),
    });
    await job.updateData({ ...job.data, reply });
    return reply;
  } catch (err) {
    deps.log.warn(
      { err, jobId: job.id },
      "could not post the re-ingest reply; the job runs anyway",
    );
    return undefined;
  }
}

async function edit(
  deps: ReingestWorkerDeps,
  reply: { channel: string; ts: string } | undefined,
  message: SlackMessage,
): Promise<void> {
  if (!reply) return;
  await deps.notifier
    .update(reply.channel, reply.ts, message)
    .catch((err: unknown) => deps.log.warn({ err }, "could not edit the re-ingest reply"));
}

async function runReingest(deps: ReingestWorkerDeps, pacer: Pacer, job: ReingestJob) {
  const { data } = job;
  const log = deps.log.child({ jobId: job.id, domain: data.domain, userId: data.requestedBy });
  const target: ReingestTarget = {
    domain: data.domain,
    requestedBy: data.requestedBy,
    ...(data.cls && { cls: data.cls }),
    ...(data.messageId && { messageId: data.messageId }),
  };
  const where = await locate(deps, data, "reingest");
  const reply = await replyOnce(deps, job, where, renderReingestStarted(target, pacer.rate));
  const expected =
    data.cls !== undefined
      ? (await deps.digests.get(data.domain).catch(() => undefined))?.lastSummary?.classes[data.cls]
          ?.count
      : 1;
  try {
    const result = await reingest(
      {
        sqs: deps.gateways.sqs,
        profiles: deps.gateways.profiles,
        pacer,
        log,
        // The notifier coalesces edits, so this never outruns chat.update's limit.
        progress: (p) => void edit(deps, reply, renderReingestProgress(target, p)),
      },
      {
        domain: data.domain,
        queueUrl: where.queueUrl,
        selection: data.messageId
          ? { messageId: data.messageId }
          : { class: data.cls ?? "throttled" },
        maxMessages: data.messageId ? 1 : MAX_MESSAGES_PER_RUN,
        ...(expected !== undefined && { expected }),
        ...deps.passOptions,
      },
    );
    await edit(deps, reply, renderReingestDone(target, result));
    return result;
  } catch (err) {
    throw await failed(deps, job, reply, err, (reason, retry) =>
      renderReingestFailed(target, reason, retry),
    );
  }
}

async function runDiscard(deps: ReingestWorkerDeps, job: ReingestJob) {
  const { data } = job;
  const cls = data.cls;
  if (!cls || cls === "unreadable") {
    throw new UnrecoverableError("Discard needs a class other than unreadable.");
  }
  const log = deps.log.child({ jobId: job.id, domain: data.domain, userId: data.requestedBy });
  const where = await locate(deps, data, "discard");
  const reply = await replyOnce(
    deps,
    job,
    where,
    renderDiscardStarted(data.domain, cls, data.requestedBy),
  );
  try {
    const result = await discard(
      { sqs: deps.gateways.sqs, log },
      { queueUrl: where.queueUrl, cls, maxMessages: MAX_MESSAGES_PER_RUN, ...deps.passOptions },
    );
    log.info({ deleted: result.deleted, cls }, "dead-letter class discarded");
    await edit(deps, reply, renderDiscardDone(data.domain, cls, data.requestedBy, result));
    return result;
  } catch (err) {
    throw await failed(deps, job, reply, err, (reason, retry) => ({
      text: `${retry ? ":hourglass:" : ":x:"} Discard of ${cls} messages from \`${data.domain}\` ${retry ? "paused; the job retries" : "stopped"}: ${reason}`,
    }));
  }
}

/** Says in the thread what happened, and returns what BullMQ should see: retry or give up. */
async function failed(
  deps: ReingestWorkerDeps,
  job: ReingestJob,
  reply: { channel: string; ts: string } | undefined,
  err: unknown,
  render: (reason: string, willRetry: boolean) => SlackMessage,
): Promise<Error> {
  const appError = asAppError(err);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const willRetry = appError.retryable && !lastAttempt;
  deps.log.warn({ err, jobId: job.id, willRetry }, "re-ingest job failed");
  await edit(deps, reply, render(appError.userMessage, willRetry));
  if (willRetry) return err instanceof Error ? err : appError;
  return new UnrecoverableError(appError.userMessage);
}

export function startReingestWorker(deps: ReingestWorkerDeps): Worker {
  // One pacer per process: its throttling memory (AIMD) spans jobs; the buckets are shared.
  const pacer = createPacer({
    limiter: deps.limiter,
    globalRate: deps.config.reingest.rate,
    profileIntervalMs: deps.config.reingest.profileIntervalMs,
  });
  const processor = async (job: ReingestJob) => {
    if (job.name === DISCARD_JOB) return runDiscard(deps, job);
    if (job.name === REINGEST_JOB) return runReingest(deps, pacer, job);
    throw new UnrecoverableError(`Unknown job ${job.name} on the ${REINGEST_QUEUE} queue.`);
  };
  const worker = new Worker(REINGEST_QUEUE, processor, {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 4,
    maxStalledCount: 5,
    ...deps.workerOptions,
  });
  worker.on("error", (err) => deps.log.warn({ err: err.message }, "reingest worker error"));
  return worker;
}
