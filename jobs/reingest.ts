/**
 * The `reingest` queue's processor: re-ingest a class (or one message) of a domain's
 * dead-letter queue, and discard a class. A pass holds the domain's scan lock, so no scan
 * digests the queue while the pass keeps part of it leased. The rules live in src/dlq/reingest.ts; this file
 * adapts them to BullMQ and reports through the ReingestReporter port (src/dlq/reporter.ts).
 * Producers are in src/queues/reingest.ts.
 *
 *   reingest: still allowed → queue URL → the scan's ids → started → paced pass (progress,
 *             came-backs) → reingested
 *   discard:  still allowed → queue URL → the scan's ids → started → delete those → discarded
 *
 * A class job acts on the message ids the clicked digest's scan recorded (`scanId`), never on
 * later arrivals; without that record it stops before any change and says to use the current
 * digest. One message by id is one message.
 *
 * When the DLQ has a RedrivePolicy of its own, a pass keeps within the receive budget
 * (src/dlq/receive-budget.ts): it starts from the receive counts the digest knows, and what
 * it saw of them is saved back for the next scan.
 *
 * A retry, or a job BullMQ recovers after its worker was killed, resumes from the job's
 * checkpoint in Redis (RedisPassCheckpoint below): the leases the dead attempt held are made
 * visible again and what it had accepted is counted, so the final report adds up to the
 * class size and never says "finished" while part of the class is still hidden.
 *
 * A job works on one domain in one place (its data is a DomainRef), through that place's
 * gateways acting as the person who clicked: an assumed role's session names them, so
 * CloudTrail shows who re-ingested or discarded. PutProfileObject's quota is per account and
 * region, so the global pace is one bucket per place (see placePacer below).
 */
import {
  DelayedError,
  type Job,
  UnrecoverableError,
  type Worker,
  type WorkerOptions,
} from "bullmq";
import type { Gateways } from "../src/aws/gateways.js";
import { type DomainRef, type Place, placeId, refId } from "../src/aws/targets.js";
import type { Config } from "../src/config.js";
import type { Actor } from "../src/context.js";
import type { DigestState, DigestStore } from "../src/dlq/digests.js";
import { createPacer, type Pacer } from "../src/dlq/pacing.js";
import { afterPass, parseRedrivePolicy, type ReceiveTally } from "../src/dlq/receive-budget.js";
import {
  type CheckpointLease,
  discard,
  type PassCheckpoint,
  type PassOptions,
  reingest,
} from "../src/dlq/reingest.js";
import type { ReingestReporter, ReingestReporterFactory } from "../src/dlq/reporter.js";
import { asAppError } from "../src/errors.js";
import type { Logger } from "../src/logger.js";
import type { BindingStore } from "../src/provision/bindings.js";
import { scanLockKey } from "../src/queues/dlq-scan.js";
import { whileHolding } from "../src/queues/lock.js";
import { JOBS, QUEUES } from "../src/queues/names.js";
import { MAX_MESSAGES_PER_RUN, type ReingestJobData } from "../src/queues/reingest.js";
import type { RateLimiter } from "../src/ratelimit.js";
import type { Redis } from "../src/redis.js";
import { type QueueWorkerSettings, startQueueWorker } from "./worker.js";

export type ReingestJob = Job<ReingestJobData, unknown, string>;

type Permission = "reingest" | "discard";

export interface ReingestWorkerDeps {
  connection: Redis;
  prefix: string;
  /** Each place's gateways, acting for whoever asked. */
  targets: { gateways(place: Place, actor: Actor): Pick<Gateways, "sqs" | "profiles"> };
  bindings: BindingStore;
  digests: Pick<DigestStore, "get" | "scanIds" | "saveReceives">;
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
  passOptions?: PassOptions & { concurrency?: number; progressEveryMs?: number };
  workerOptions?: Partial<WorkerOptions>;
}

/** A day: long past any lease, short enough that a forgotten checkpoint goes away. */
const CHECKPOINT_TTL_SECONDS = 24 * 3600;

/**
 * One hash per run of a job (its id and the click's requestId, since a finished job's id is
 * reused by the next click): `l:<messageId>` → `<until>\t<receipt handle>` for each lease held,
 * `a:<messageId>` → the object's hash for each accepted object, `d:<messageId>` for each
 * message a discard deleted.
 */
export class RedisPassCheckpoint implements PassCheckpoint {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    jobId: string,
    requestId: string,
  ) {
    this.key = `${prefix}:reingest-checkpoint:${jobId}:${requestId}`;
  }

  async load() {
    const h = await this.redis.hgetall(this.key);
    const leases: CheckpointLease[] = [];
    const accepted = new Map<string, string>();
    const deleted = new Set<string>();
    for (const [field, value] of Object.entries(h)) {
      const id = field.slice(2);
      if (field.startsWith("a:")) accepted.set(id, value);
      else if (field.startsWith("d:")) deleted.add(id);
      else if (field.startsWith("l:")) {
        const tab = value.indexOf("\t");
        const until = Number(value.slice(0, tab));
        if (tab > 0 && Number.isFinite(until))
          leases.push({ id, until, handle: value.slice(tab + 1) });
      }
    }
    return { leases, accepted, deleted };
  }

  async leased(leases: CheckpointLease[]): Promise<void> {
    const fields = Object.fromEntries(leases.map((l) => [`l:${l.id}`, `${l.until}\t${l.handle}`]));
    await this.redis.multi().hset(this.key, fields).expire(this.key, CHECKPOINT_TTL_SECONDS).exec();
  }

  async released(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.hdel(this.key, ...ids.map((id) => `l:${id}`));
  }

  async accepted(id: string, objectHash: string): Promise<void> {
    await this.redis.hset(this.key, `a:${id}`, objectHash);
  }

  async deleted(ids: string[]): Promise<void> {
    if (ids.length > 0)
      await this.redis.hset(this.key, Object.fromEntries(ids.map((id) => [`d:${id}`, "1"])));
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key);
  }
}

interface Where {
  /** The place's gateways, acting as the requester. */
  gateways: Pick<Gateways, "sqs" | "profiles">;
  queueUrl: string;
  channel?: string;
  threadTs?: string;
  /** The digest's last scan, read once: where to reply, and how many to expect. */
  digest?: DigestState;
}

/** The person who clicked, as the job acts for them. */
const requester = (data: ReingestJobData): Actor => ({
  type: "slack",
  userId: data.requestedBy,
  teamId: data.teamId ?? "",
});

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
  const gateways = deps.targets.gateways(data, requester(data));
  const binding = await deps.bindings.get(data);
  const queueUrl =
    binding?.queueUrl ?? (await gateways.profiles.getDomain(data.domain))?.deadLetterQueueUrl;
  if (!queueUrl) {
    throw new UnrecoverableError(
      `The domain ${data.domain} has no dead-letter queue (or no longer exists), so there is nothing to re-ingest.`,
    );
  }
  const digest = await deps.digests.get(data).catch(() => undefined);
  if (data.channel) {
    return { gateways, queueUrl, channel: data.channel, threadTs: data.threadTs, digest };
  }
  const channel = binding?.channelId ?? digest?.channel;
  const threadTs = digest?.channel === channel ? digest?.ts : undefined;
  return { gateways, queueUrl, ...(channel && { channel }), ...(threadTs && { threadTs }), digest };
}

/**
 * Runs a pass within the receive budget, holding the domain (so no scan changes the counts
 * meanwhile): the DLQ's own RedrivePolicy, read as the pass starts, and the receive counts
 * the digest knows; then what the pass saw of them goes back to the digest, for the next scan.
 */
async function withinBudget<R extends { receives: ReceiveTally }>(
  deps: ReingestWorkerDeps,
  data: ReingestJobData,
  where: Where,
  pass: (redrive: PassOptions["redrive"]) => Promise<R>,
): Promise<R> {
  const settings = await where.gateways.sqs.receiveSettings(where.queueUrl);
  const limit = parseRedrivePolicy(settings?.redrivePolicy);
  const known = (await deps.digests.get(data))?.receives;
  const result = await pass(limit && { limit, ...(known && { known }) });
  if (Object.keys(result.receives).length > 0) {
    await deps.digests
      .saveReceives(data, afterPass(known, result.receives, false))
      .catch((err: unknown) =>
        deps.log.warn({ err, domain: refId(data) }, "could not save the receive counts a pass saw"),
      );
  }
  return result;
}

const USE_CURRENT_DIGEST =
  "Stopped before any change: the bot has no record of the digest this button came from (it is more than a day old, or was replaced several scans ago). Use the buttons on the current digest, which show what they will act on.";

/**
 * The message ids a class job may act on: those the clicked digest's scan recorded. Refuses,
 * before any change, a class job without a scan or whose scan's record is gone.
 */
async function scanIdsFor(
  deps: ReingestWorkerDeps,
  data: ReingestJobData,
): Promise<ReadonlySet<string> | undefined> {
  if (data.messageId) return undefined;
  if (!data.cls || !data.scanId) throw new UnrecoverableError(USE_CURRENT_DIGEST);
  const ids = await deps.digests.scanIds(data, data.scanId, data.cls);
  if (!ids) throw new UnrecoverableError(USE_CURRENT_DIGEST);
  return new Set(ids.slice(0, MAX_MESSAGES_PER_RUN));
}

function checkpointFor(deps: ReingestWorkerDeps, job: ReingestJob): RedisPassCheckpoint {
  return new RedisPassCheckpoint(deps.connection, deps.prefix, String(job.id), job.data.requestId);
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
    ...(data.workflowStep && { workflowStep: data.workflowStep }),
    saveReply: (reply) => job.updateData({ ...job.data, reply }),
  });
}

/** Why a job the worker stopped under waits; the reply says it is paused, and why. */
const STOPPING =
  "The bot is stopping (a restart or a deploy); the job carries on from here when a worker is back.";

/**
 * A pass the worker stopped under ended early and kept its checkpoint: the job goes back to
 * the queue, without using up an attempt, and the pass that takes it up resumes there. Not a
 * failure, so the runners call it outside their failure handling (`failed`).
 */
async function carryOnLater(
  job: ReingestJob,
  token: string | undefined,
  reporter: ReingestReporter,
) {
  await reporter.failed(STOPPING, true);
  await job.moveToDelayed(Date.now(), token);
  throw new DelayedError();
}

/** Each job's BullMQ token and signal; the signal is aborted when the worker starts closing. */
interface Run {
  token?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** A pass's options: the tests' overrides, and the job's signal. */
const passOptionsOf = (deps: ReingestWorkerDeps, run: Run): ReingestWorkerDeps["passOptions"] => ({
  ...deps.passOptions,
  ...(run.signal && { signal: run.signal }),
});

async function runReingest(
  deps: ReingestWorkerDeps,
  pacers: PlacePacers,
  job: ReingestJob,
  run: Run,
) {
  const { data } = job;
  const log = deps.log.child({ jobId: job.id, domain: refId(data), userId: data.requestedBy });
  const where = await locate(deps, data, "reingest");
  const pacer = pacers(data);
  const reporter = reporterFor(deps, job, where);
  const checkpoint = checkpointFor(deps, job);
  try {
    const ids = await scanIdsFor(deps, data);
    const result = await holdingTheDomain(deps, data, run, async () => {
      await reporter.started(pacer.rate);
      return withinBudget(deps, data, where, (redrive) =>
        reingest(
          {
            sqs: where.gateways.sqs,
            profiles: where.gateways.profiles,
            pacer,
            log,
            progress: reporter.progress,
            checkpoint,
          },
          {
            domain: data.domain,
            queueUrl: where.queueUrl,
            selection: data.messageId
              ? { messageId: data.messageId }
              : { class: data.cls ?? "throttled", messageIds: ids ?? new Set() },
            maxMessages: data.messageId ? 1 : (ids?.size ?? 0),
            expected: data.messageId ? 1 : (ids?.size ?? 0),
            ...passOptionsOf(deps, run),
            ...(redrive && { redrive }),
          },
        ),
      );
    });
    if (result && result.stoppedBy !== "stopping") {
      await reporter.reingested(result);
      await checkpoint.clear();
      return result;
    }
  } catch (err) {
    throw await failed(deps, job, reporter, err, checkpoint);
  }
  return carryOnLater(job, run.token, reporter);
}

async function runDiscard(deps: ReingestWorkerDeps, job: ReingestJob, run: Run) {
  const { data } = job;
  const cls = data.cls;
  if (!cls || cls === "unreadable") {
    throw new UnrecoverableError("Discard needs a class other than unreadable.");
  }
  const log = deps.log.child({ jobId: job.id, domain: refId(data), userId: data.requestedBy });
  const where = await locate(deps, data, "discard");
  const reporter = reporterFor(deps, job, where);
  const checkpoint = checkpointFor(deps, job);
  try {
    const ids = (await scanIdsFor(deps, data)) ?? new Set<string>();
    const result = await holdingTheDomain(deps, data, run, async () => {
      await reporter.started(0);
      return withinBudget(deps, data, where, (redrive) =>
        discard(
          { sqs: where.gateways.sqs, log, checkpoint },
          {
            queueUrl: where.queueUrl,
            cls,
            messageIds: ids,
            maxMessages: ids.size,
            ...passOptionsOf(deps, run),
            ...(redrive && { redrive }),
          },
        ),
      );
    });
    if (result && result.stoppedBy !== "stopping") {
      log.info({ deleted: result.deleted, cls }, "dead-letter class discarded");
      await reporter.discarded(result);
      await checkpoint.clear();
      return result;
    }
  } catch (err) {
    throw await failed(deps, job, reporter, err, checkpoint);
  }
  return carryOnLater(job, run.token, reporter);
}

/**
 * A pass holds the domain's scan lock while it runs: it keeps messages of other classes
 * leased, so a scan meanwhile would see a DLQ that looks emptier than it is and resolve the
 * digest; and a scan's leases would hide from the pass messages it must act on. It waits for
 * a running scan, and renews the lock so a pass longer than any TTL keeps it; a dead worker's
 * lock lapses after DOMAIN_HOLD.ttlMs. Past the wait the pass runs anyway: it is as safe
 * without the lock, and the next scan corrects the digest.
 */
const DOMAIN_HOLD = { ttlMs: 15_000, waitMs: 60_000 };

/**
 * The pass's result; none when the worker began stopping while the pass waited for the lock
 * (a stop does not wait out a scan), so the job carries on later like a pass stopped part-way.
 */
async function holdingTheDomain<T>(
  deps: ReingestWorkerDeps,
  ref: DomainRef,
  run: Run,
  pass: () => Promise<T>,
): Promise<T | undefined> {
  const hold = await whileHolding(
    deps.connection,
    scanLockKey(deps.prefix, ref),
    { ...DOMAIN_HOLD, ...(run.signal && { signal: run.signal }) },
    pass,
  );
  return "value" in hold ? hold.value : undefined;
}

/** The pacer of each place, made on first use. */
type PlacePacers = (place: Place) => Pacer;

/**
 * One pacer per place and process. PutProfileObject's quota (and its throttling) is per
 * account and region, so each place has its own global bucket (`reingest:global:<place>`,
 * shared by every process through Redis) and its own throttling memory (AIMD, spanning
 * jobs); REINGEST_RATE is each place's pace. Profile buckets are per place too: the same
 * profile key in two accounts is two customers.
 */
function placePacers(deps: ReingestWorkerDeps): PlacePacers {
  const pacers = new Map<string, Pacer>();
  return (place) => {
    const id = placeId(place);
    let pacer = pacers.get(id);
    if (!pacer) {
      pacer = createPacer({
        limiter: deps.limiter,
        globalRate: deps.config.reingest.rate,
        profileIntervalMs: deps.config.reingest.profileIntervalMs,
        place: id,
      });
      pacers.set(id, pacer);
    }
    return pacer;
  };
}

/** Says what happened, and returns what BullMQ should see: retry or give up. */
async function failed(
  deps: ReingestWorkerDeps,
  job: ReingestJob,
  reporter: ReingestReporter,
  err: unknown,
  checkpoint: RedisPassCheckpoint,
): Promise<Error> {
  if (err instanceof UnrecoverableError) {
    await reporter.failed(err.message, false);
    await checkpoint.clear().catch(() => undefined);
    return err;
  }
  const appError = asAppError(err);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const willRetry = appError.retryable && !lastAttempt;
  deps.log.warn({ err, jobId: job.id, willRetry }, "re-ingest job failed");
  await reporter.failed(appError.userMessage, willRetry);
  // The next attempt resumes from the checkpoint; a job that gives up leaves none behind.
  if (!willRetry) await checkpoint.clear().catch(() => undefined);
  if (willRetry) return err instanceof Error ? err : appError;
  return new UnrecoverableError(appError.userMessage);
}

/**
 * Four jobs at once per process; a job caught by a crash (or orphaned by a failover) is
 * recovered 5 times before it fails. A pass resumes from its checkpoint.
 */
export const REINGEST_WORKER: QueueWorkerSettings = { concurrency: 4, maxStalledCount: 5 };

export function startReingestWorker(deps: ReingestWorkerDeps): Worker {
  const pacers = placePacers(deps);
  // Three parameters: BullMQ gives each job a signal, aborted when the worker is closing.
  const processor = async (job: ReingestJob, token?: string, signal?: AbortSignal) => {
    const run = { token, signal };
    if (job.name === JOBS.discard) return runDiscard(deps, job, run);
    if (job.name === JOBS.reingest) return runReingest(deps, pacers, job, run);
    throw new UnrecoverableError(`Unknown job ${job.name} on the ${QUEUES.reingest} queue.`);
  };
  return startQueueWorker(QUEUES.reingest, processor, REINGEST_WORKER, deps);
}
