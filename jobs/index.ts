/**
 * The BullMQ workers: one processor per queue. Each file in this folder reads like a list
 * of steps, calls services in src/ to do the work and reports through ports; the Slack
 * implementations of those ports come in from the composition root (src/runtime.ts).
 */
import { Job, type Worker } from "bullmq";
import { type Access, authorize } from "../src/access/authorize.js";
import type { AuditEntry, AuditLog } from "../src/audit/audit.js";
import type { Gateways } from "../src/aws/gateways.js";
import { type Place, parseRefId, refId, type Targets } from "../src/aws/targets.js";
import type { Config } from "../src/config.js";
import { RedisDigestStore } from "../src/dlq/digests.js";
import type { DigestPublisher } from "../src/dlq/publisher.js";
import type { ReingestResult } from "../src/dlq/reingest.js";
import type { ReingestReporterFactory } from "../src/dlq/reporter.js";
import type { Logger } from "../src/logger.js";
import type { Metrics } from "../src/metrics.js";
import { placedTags, TaggedBindingStore } from "../src/provision/bindings.js";
import { domainRefOfJob, type ProvisionJobData } from "../src/provision/plan-to-job.js";
import type { ProvisionReporter } from "../src/provision/reporter.js";
import type { CleanupResult } from "../src/provision/types.js";
import { scheduleDomainScan } from "../src/queues/dlq-scan.js";
import type { JobQueues } from "../src/queues/index.js";
import { keepLinkCheck } from "../src/queues/link-check.js";
import { JOBS } from "../src/queues/names.js";
import type { CleanupJobData } from "../src/queues/provision.js";
import type { ReingestJobData } from "../src/queues/reingest.js";
import { RedisRateLimiter } from "../src/ratelimit.js";
import type { Redis } from "../src/redis.js";
import { SCAN_ACTOR, startDlqScanWorker } from "./dlq-scan.js";
import { type ProvisionJob, startProvisionWorker } from "./provision.js";
import { startReingestWorker } from "./reingest.js";

/** The ports jobs report through. */
export interface WorkerReporters {
  /** One per provisioning job: the Slack one edits that job's message. */
  provision: (job: ProvisionJob) => ProvisionReporter;
  reingest: ReingestReporterFactory;
  digest: DigestPublisher;
}

export interface WorkerDeps {
  config: Config;
  log: Logger;
  /** A connection with maxRetriesPerRequest: null, as BullMQ workers need. */
  connection: Redis;
  /** A fail-fast connection for small keyed records. */
  redis: Redis;
  /** The producer side, for the schedulers the scan worker keeps in line. */
  queues: JobQueues;
  gateways: Gateways;
  /** Every account and region the bot serves, and the gateways for each. */
  targets: Targets;
  reporters: WorkerReporters;
  /** Jobs check again, when they start, that whoever asked still holds the role. */
  access: Access;
  /** Where each job's final outcome goes; absent in tests of the processors alone. */
  audit?: AuditLog;
  /** Job durations, re-ingest counts, unreachable places; absent in tests of the processors alone. */
  metrics?: Pick<Metrics, "jobDuration" | "reingestObjects"> &
    Partial<Pick<Metrics, "placeUnreachable">>;
}

export async function startWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const { config } = deps;
  const prefix = config.redis.prefix;
  const digests = new RedisDigestStore(deps.redis, prefix);
  // Bindings and mutes live in the domains' tags, in every place; Redis holds a cache rebuilt
  // from them. The bot reads and writes those tags as its scan (the provisioning job's own
  // binding goes through the same store).
  const bindings = new TaggedBindingStore(
    deps.redis,
    prefix,
    placedTags(deps.targets, SCAN_ACTOR),
    {
      mutes: digests,
      log: deps.log.child({ component: "bindings" }),
      unreachable: ({ account, region }) =>
        deps.metrics?.placeUnreachable?.inc({ account, region }),
    },
  );
  const provision = startProvisionWorker({
    connection: deps.connection,
    prefix,
    targets: deps.targets,
    bindings,
    log: deps.log.child({ queue: "provision" }),
    jobReporter: deps.reporters.provision,
    stillAllowed: (userId) => authorize(deps.access, userId, "enable"),
    scheduleScan: (ref) => scheduleDomainScan(deps.queues, ref, config.dlq.scanIntervalMs),
    keepLinkCheck: (jobId, data) => keepLinkCheck(deps.queues, jobId, data),
    propagationWaitMs: config.provision.propagationWaitMs,
  });
  const dlqScan = await startDlqScanWorker({
    connection: deps.connection,
    redis: deps.redis,
    queues: deps.queues,
    prefix,
    targets: deps.targets,
    bindings,
    digests,
    publisher: deps.reporters.digest,
    config,
    scanIntervalMs: config.dlq.scanIntervalMs,
    log: deps.log.child({ queue: "dlq-scan" }),
  });
  const reingest = startReingestWorker({
    connection: deps.connection,
    prefix,
    targets: deps.targets,
    bindings,
    digests,
    reporter: deps.reporters.reingest,
    limiter: new RedisRateLimiter(deps.redis, prefix),
    config,
    log: deps.log.child({ queue: "reingest" }),
    stillAllowed: (userId, permission) => authorize(deps.access, userId, permission),
  });
  if (deps.audit) {
    for (const worker of [provision, reingest]) {
      auditJobOutcomes(worker, deps.audit, deps.log, deps.targets);
    }
  }
  const workers = [provision, dlqScan, reingest];
  if (deps.metrics) for (const worker of workers) measureJobs(worker, deps.metrics);
  return workers;
}

/**
 * Each attempt's duration by queue, job name and outcome, and what each re-ingest pass did
 * with its objects (accepted and not come back, failed, came back to the DLQ).
 */
export function measureJobs(
  worker: Worker,
  metrics: Pick<Metrics, "jobDuration" | "reingestObjects">,
): void {
  const observe = (job: Job, outcome: "succeeded" | "failed") => {
    if (job.processedOn === undefined) return;
    const seconds = ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000;
    metrics.jobDuration.observe({ queue: worker.name, name: job.name, outcome }, seconds);
  };
  worker.on("completed", (job, result) => {
    observe(job, "succeeded");
    if (job.name !== JOBS.reingest || !result || typeof result !== "object") return;
    const { done, failed, cameBack } = result as Partial<ReingestResult>;
    const came = Object.values(cameBack ?? {}).reduce((sum, n) => sum + (n ?? 0), 0);
    // `done` leaves out what came back; PutProfileObject accepted those too.
    metrics.reingestObjects.inc({ outcome: "accepted" }, (done ?? 0) + came);
    metrics.reingestObjects.inc({ outcome: "failed" }, failed ?? 0);
    metrics.reingestObjects.inc({ outcome: "came_back" }, came);
  });
  worker.on("failed", (job) => {
    if (job) observe(job, "failed");
  });
}

/**
 * Appends every job's final outcome to the audit trail, for every queue a person's click
 * starts, in one place: the worker that ran the last attempt reports it once. An attempt
 * that will be retried is not final; BullMQ sets `finishedOn` only when the job is done.
 * A job that stalled past its limit fails in the worker that picks it up next, so it
 * arrives here too. Scans are the system's own and are not audited.
 */
export function auditJobOutcomes(
  worker: Worker,
  audit: AuditLog,
  log: Logger,
  targets: Pick<Targets, "describe">,
): void {
  const write = (job: Job, outcome: "succeeded" | "failed", found: Found, detail?: string) => {
    const entry: AuditEntry = {
      at: new Date(job.finishedOn ?? Date.now()).toISOString(),
      userId: found.requestedBy ?? "(unknown)",
      action: `job:${job.name}`,
      ...(found.target && { target: found.target }),
      ...(found.place && { place: targets.describe(found.place) }),
      params: found.counts,
      outcome,
      // From queued to done, retries and waits included.
      ...(job.finishedOn && { durationMs: job.finishedOn - job.timestamp }),
      jobId: String(job.id),
      ...(detail && { detail }),
    };
    return audit.record(entry);
  };
  const report = (job: Job, outcome: "succeeded" | "failed", result: unknown, detail?: string) =>
    describeJob(worker, job, result)
      .then((found) => write(job, outcome, found, detail))
      .catch((err: unknown) =>
        log.error({ err, jobId: job.id }, "could not write the job's outcome to the audit trail"),
      );
  worker.on("completed", (job, result) => {
    void report(job, "succeeded", result);
  });
  worker.on("failed", (job, err) => {
    if (!job?.finishedOn) return;
    void report(job, "failed", undefined, err.message);
  });
}

/** Who asked, what it was about, and the counts worth keeping. */
interface Found {
  requestedBy?: string;
  target?: string;
  /** Where a domain-scoped job acted: the entry names it for people. */
  place?: Place;
  counts: Record<string, string | number | boolean>;
}

async function describeJob(worker: Worker, job: Job, result: unknown): Promise<Found> {
  switch (job.name) {
    case JOBS.enable: {
      const data = job.data as ProvisionJobData;
      const counts: Found["counts"] = {
        steps: data.checkpoint?.done?.length ?? 0,
        instance: data.request.instance.id,
      };
      if (data.failure) counts.failedStep = data.failure.step;
      if (data.checkpoint?.link?.linked === false) counts.link = "by hand";
      const ref = domainRefOfJob(data);
      return { requestedBy: data.requestedBy, target: refId(ref), place: ref, counts };
    }
    case JOBS.cleanup: {
      const data = job.data as CleanupJobData;
      // Clean-up's data names only the job it cleans up after; the domain is in that job.
      const target = (await Job.fromId(worker, data.provisionJobId).catch(() => undefined)) as
        | Job<ProvisionJobData>
        | undefined;
      const counts: Found["counts"] = { provisionJob: data.provisionJobId };
      for (const item of (result as CleanupResult | undefined)?.items ?? []) {
        counts[item.action] = ((counts[item.action] as number | undefined) ?? 0) + 1;
      }
      const ref = target && domainRefOfJob(target.data);
      return {
        requestedBy: data.requestedBy,
        ...(ref && { target: refId(ref), place: ref }),
        counts,
      };
    }
    default: {
      const data = job.data as Partial<ReingestJobData>;
      const counts = countsOf(result);
      if (data.cls) counts.class = data.cls;
      if (data.messageId) counts.messageId = data.messageId;
      const ref = data.domain && parseRefId(`${data.account}.${data.region}.${data.domain}`);
      return {
        ...(data.requestedBy && { requestedBy: data.requestedBy }),
        ...(ref && { target: refId(ref), place: ref }),
        counts,
      };
    }
  }
}

/**
 * The numbers in a job's result: top-level numbers, short strings and flags, maps of numbers
 * one level down (`left.throttled`), and lists by their length. Re-ingest and discard grow
 * new counts over time; this keeps them without a list to maintain here.
 */
function countsOf(result: unknown): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (!result || typeof result !== "object") return out;
  for (const [key, value] of Object.entries(result)) {
    if (typeof value === "number" || typeof value === "boolean") out[key] = value;
    else if (typeof value === "string" && value.length <= 60) out[key] = value;
    else if (Array.isArray(value)) out[key] = value.length;
    else if (value && typeof value === "object") {
      for (const [inner, n] of Object.entries(value)) {
        if (typeof n === "number") out[`${key}.${inner}`] = n;
      }
    }
  }
  return out;
}
