/**
 * The `reingest` queue's processor: re-ingest a class (or one message) of a domain's
 * dead-letter queue, and discard a class. The rules live in src/dlq/reingest.ts; this file
 * adapts them to BullMQ and reports through the ReingestReporter port (src/dlq/reporter.ts).
 * Producers are in src/queues/reingest.ts.
 *
 *   reingest: still allowed → queue URL → started → paced pass (progress) → reingested
 *   discard:  still allowed → queue URL → started → delete that class's messages → discarded
 *
 * A retry (or a worker killed mid-run) just runs the pass again: messages already accepted
 * were deleted, the rest are still in the DLQ.
 */
import { type Job, UnrecoverableError, Worker, type WorkerOptions } from "bullmq";
import type { Gateways } from "../src/aws/gateways.js";
import type { Config } from "../src/config.js";
import type { DigestState, DigestStore } from "../src/dlq/digests.js";
import { createPacer, type Pacer } from "../src/dlq/pacing.js";
import { discard, type PassOptions, reingest } from "../src/dlq/reingest.js";
import type { ReingestReporter, ReingestReporterFactory } from "../src/dlq/reporter.js";
import { asAppError } from "../src/errors.js";
import type { Logger } from "../src/logger.js";
import type { BindingStore } from "../src/provision/bindings.js";
import { JOBS, QUEUES } from "../src/queues/names.js";
import { MAX_MESSAGES_PER_RUN, type ReingestJobData } from "../src/queues/reingest.js";
import type { RateLimiter } from "../src/ratelimit.js";
import type { Redis } from "../src/redis.js";

export type ReingestJob = Job<ReingestJobData, unknown, string>;

type Permission = "reingest" | "discard";

export interface ReingestWorkerDeps {
  connection: Redis;
  prefix: string;
  gateways: Pick<Gateways, "sqs" | "profiles">;
  bindings: BindingStore;
  digests: Pick<DigestStore, "get">;
  reporter: ReingestReporterFactory;
  /** Shared by every process: the global and per-profile pace hold across all of them. */
  limiter: RateLimiter;
  config: { reingest: Config["reingest"] };
  log: Logger;
  /** Checks again, as the job starts, that the requester still holds the role. */
  stillAllowed?: (
    userId: string,
    permission: Permission,
  ) => Promise<{ allowed: boolean; message?: string }>;
  /** For tests: a short lease, no long polling. */
  passOptions?: PassOptions & { concurrency?: number };
  workerOptions?: Partial<WorkerOptions>;
}

interface Where {
  queueUrl: string;
  channel?: string;
  threadTs?: string;
  /** The digest's last scan, read once: where to reply, and how many to expect. */
  digest?: DigestState;
}

/** The DLQ to read and where to reply: the click's thread, else the digest in the bound channel. */
async function locate(
  deps: ReingestWorkerDeps,
  data: ReingestJobData,
  permission: Permission,
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
  const digest = await deps.digests.get(data.domain).catch(() => undefined);
  if (data.channel) return { queueUrl, channel: data.channel, threadTs: data.threadTs, digest };
  const channel = binding?.channelId ?? digest?.channel;
  const threadTs = digest?.channel === channel ? digest?.ts : undefined;
  return { queueUrl, ...(channel && { channel }), ...(threadTs && { threadTs }), digest };
}

function reporterFor(deps: ReingestWorkerDeps, job: ReingestJob, where: Where): ReingestReporter {
  const { data } = job;
  return deps.reporter({
    jobId: String(job.id),
    kind: job.name === JOBS.discard ? "discard" : "reingest",
    domain: data.domain,
    requestedBy: data.requestedBy,
    ...(data.cls && { cls: data.cls }),
    ...(data.messageId && { messageId: data.messageId }),
    ...(where.channel && { channel: where.channel }),
    ...(where.threadTs && { threadTs: where.threadTs }),
    ...(data.reply && { reply: data.reply }),
    saveReply: (reply) => job.updateData({ ...job.data, reply }),
  });
}

async function runReingest(deps: ReingestWorkerDeps, pacer: Pacer, job: ReingestJob) {
  const { data } = job;
  const log = deps.log.child({ jobId: job.id, domain: data.domain, userId: data.requestedBy });
  const where = await locate(deps, data, "reingest");
  const reporter = reporterFor(deps, job, where);
  await reporter.started(pacer.rate);
  const expected = data.cls !== undefined ? where.digest?.lastSummary?.classes[data.cls]?.count : 1;
  try {
    const result = await reingest(
      {
        sqs: deps.gateways.sqs,
        profiles: deps.gateways.profiles,
        pacer,
        log,
        progress: reporter.progress,
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
    await reporter.reingested(result);
    return result;
  } catch (err) {
    throw await failed(deps, job, reporter, err);
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
  const reporter = reporterFor(deps, job, where);
  await reporter.started(0);
  try {
    const result = await discard(
      { sqs: deps.gateways.sqs, log },
      { queueUrl: where.queueUrl, cls, maxMessages: MAX_MESSAGES_PER_RUN, ...deps.passOptions },
    );
    log.info({ deleted: result.deleted, cls }, "dead-letter class discarded");
    await reporter.discarded(result);
    return result;
  } catch (err) {
    throw await failed(deps, job, reporter, err);
  }
}

/** Says what happened, and returns what BullMQ should see: retry or give up. */
async function failed(
  deps: ReingestWorkerDeps,
  job: ReingestJob,
  reporter: ReingestReporter,
  err: unknown,
): Promise<Error> {
  const appError = asAppError(err);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const willRetry = appError.retryable && !lastAttempt;
  deps.log.warn({ err, jobId: job.id, willRetry }, "re-ingest job failed");
  await reporter.failed(appError.userMessage, willRetry);
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
    if (job.name === JOBS.discard) return runDiscard(deps, job);
    if (job.name === JOBS.reingest) return runReingest(deps, pacer, job);
    throw new UnrecoverableError(`Unknown job ${job.name} on the ${QUEUES.reingest} queue.`);
  };
  const worker = new Worker(QUEUES.reingest, processor, {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 4,
    maxStalledCount: 5,
    ...deps.workerOptions,
  });
  worker.on("error", (err) => deps.log.warn({ err: err.message }, "reingest worker error"));
  return worker;
}
