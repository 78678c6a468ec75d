/**
 * The `provision` queue's processor: enabling Customer Profiles for one Connect instance, and
 * cleaning up after a job that failed. The steps live in src/provision; this file adapts them
 * to BullMQ: the checkpoint is saved into the job's data, retryable AWS errors are retried
 * with backoff, permanent ones fail the job at once with a message that says what fixes them.
 * Producers (enqueue, Retry, Clean up) are in src/queues/provision.ts.
 *
 *   enable:  queue → queue policy ∥ key → key policy, alias
 *            → domain → instance link → DLQ alert binding
 *   cleanup: alert binding, domain (only if empty), queue, alias, key (7-day deletion)
 */
import { Job, UnrecoverableError, type Worker, type WorkerOptions } from "bullmq";
import { type DomainRef, placeId, type Targets } from "../src/aws/targets.js";
import type { Actor } from "../src/context.js";
import type { Logger } from "../src/logger.js";
import { type BindingStore, bindingsAt } from "../src/provision/bindings.js";
import { cleanUp } from "../src/provision/cleanup.js";
import {
  domainRefOfJob,
  type ProvisionJobData,
  placeOfJob,
  provisionInput,
} from "../src/provision/plan-to-job.js";
import {
  noopReporter,
  type ProvisionReporter,
  type ReporterFactory,
} from "../src/provision/reporter.js";
import { report, runProvision, StepError, toFailure } from "../src/provision/run.js";
import type { CleanupResult, ProvisionFailure, ProvisionSummary } from "../src/provision/types.js";
import { JOBS, QUEUES } from "../src/queues/names.js";
import type { CleanupJobData } from "../src/queues/provision.js";
import type { Redis } from "../src/redis.js";
import { type QueueWorkerSettings, startQueueWorker } from "./worker.js";

export type ProvisionJob = Job<ProvisionJobData, ProvisionSummary, typeof JOBS.enable>;
export type CleanupJob = Job<CleanupJobData, CleanupResult, typeof JOBS.cleanup>;
type AnyJob = Job<ProvisionJobData | CleanupJobData, ProvisionSummary | CleanupResult, string>;

export interface ProvisionDeps {
  /** The job acts in its own place, as the person who asked (the assumed role's session). */
  targets: Pick<Targets, "targetOf" | "gateways" | "describe">;
  bindings: BindingStore;
  log: Logger;
  reporter?: ReporterFactory;
  /**
   * A reporter given the job itself, preferred over `reporter`: the Slack one reads the
   * checkpoint and stores its message's ts in the job's data.
   */
  jobReporter?: (job: ProvisionJob) => ProvisionReporter;
  /** How clean-up reads the job it cleans up after. */
  loadJob: (jobId: string) => Promise<Job | undefined>;
  /**
   * Checks again, as the job starts, that the person who asked still holds the role: it
   * may have been removed between the click and now. Absent in tests of the steps alone.
   */
  stillAllowed?: (userId: string) => Promise<{ allowed: boolean; message?: string }>;
  /**
   * Starts the dead-letter scans of a domain the job just bound to a channel, so its first
   * digest does not wait for the next reconcile. Its failure is logged: the reconcile
   * schedules the domain anyway.
   */
  scheduleScan?: (ref: DomainRef) => Promise<void>;
  /**
   * Keeps the job's data for Check again when the instance is left to be linked by hand: the
   * job itself is removed an hour after it completes. A failure fails the attempt, and the
   * retry (every step already done) keeps it again.
   */
  keepLinkCheck?: (jobId: string, data: ProvisionJobData) => Promise<void>;
  /** PROPAGATION_WAIT_SECONDS in ms: how long calls wait for AWS to spread a change. */
  propagationWaitMs?: number;
}

/** The processor for both job names on the `provision` queue. */
export function createProvisionProcessor(deps: ProvisionDeps) {
  return async (job: AnyJob): Promise<ProvisionSummary | CleanupResult> =>
    job.name === JOBS.cleanup
      ? cleanupAfter(deps, job as CleanupJob)
      : provision(deps, job as ProvisionJob);
}

async function provision(deps: ProvisionDeps, job: ProvisionJob): Promise<ProvisionSummary> {
  const jobId = String(job.id);
  const input = provisionInput(jobId, job.data);
  const log = deps.log.child({
    jobId,
    domain: input.domain.name,
    userId: input.requestedBy,
    teamId: input.teamId,
  });
  const reporter = reporterFor(deps, job);
  const refuse = async (why: string): Promise<never> => {
    const failure: ProvisionFailure = {
      step: "authorisation",
      message: `Stopped before any change: ${why}`,
      retryable: false,
    };
    log.warn({ failure }, "provisioning refused at start");
    await job.updateData({ ...job.data, failure });
    report(log, () => reporter.failed(failure));
    throw new UnrecoverableError(failure.message);
  };
  const decision = await deps.stillAllowed?.(input.requestedBy);
  if (decision && !decision.allowed) {
    await refuse(decision.message ?? "the requester no longer holds the role.");
  }
  // The targets may have changed since the job was queued (a restart with other AWS_TARGETS).
  const place = placeOfJob(job.data);
  if (!deps.targets.targetOf(place)) {
    await refuse(
      `the bot no longer serves account ${place.account} in ${place.region}: add it back to AWS_TARGETS, or enable the instance where the bot serves it.`,
    );
  }
  try {
    const { summary, checkpoint } = await runProvision({
      ctx: {
        gateways: deps.targets.gateways(place, requester(job.data)),
        bindings: bindingsAt(deps.bindings, place),
        log,
        ...(deps.propagationWaitMs ? { settling: { boundMs: deps.propagationWaitMs } } : {}),
      },
      input,
      checkpoint: job.data.checkpoint ?? {},
      save: (checkpoint) => job.updateData({ ...job.data, checkpoint }),
      reporter,
    });
    log.info({ summary }, "provisioning completed");
    if (summary.instance.byHand) await deps.keepLinkCheck?.(jobId, { ...job.data, checkpoint });
    if (summary.alertChannelId && deps.scheduleScan) {
      await deps.scheduleScan(domainRefOfJob(job.data)).catch((err: unknown) => {
        log.warn({ err }, "could not schedule the new domain's scans; the reconcile will");
      });
    }
    return summary;
  } catch (err) {
    if (!(err instanceof StepError)) throw err; // Redis trouble: BullMQ retries.
    const failure = toFailure(err.step, err);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (failure.retryable && !lastAttempt) {
      log.warn({ step: err.step, err: failure.message }, "provisioning step failed; retrying");
      throw err.cause;
    }
    log.error({ failure }, "provisioning failed");
    await job.updateData({ ...job.data, failure });
    report(log, () => reporter.failed(failure));
    if (failure.retryable) throw err.cause;
    throw new UnrecoverableError(failure.message);
  }
}

async function cleanupAfter(deps: ProvisionDeps, job: CleanupJob): Promise<CleanupResult> {
  const { provisionJobId: targetId } = job.data;
  const log = deps.log.child({ jobId: job.id, cleanupOf: targetId });
  const target = (await deps.loadJob(targetId)) as ProvisionJob | undefined;
  if (!target) {
    throw new UnrecoverableError(
      `The provisioning job ${targetId} is gone (failed jobs are kept 14 days), so the bot no longer knows what it created.`,
    );
  }
  const state = await target.getState();
  if (state !== "failed") {
    throw new UnrecoverableError(
      `The provisioning job ${targetId} is ${state}; only a failed job can be cleaned up.`,
    );
  }
  const reporter = reporterFor(deps, target);
  const input = provisionInput(targetId, target.data);
  const place = placeOfJob(target.data);
  if (!deps.targets.targetOf(place)) {
    throw new UnrecoverableError(
      `The bot no longer serves account ${place.account} in ${place.region} (${placeId(place)}), where job ${targetId} created its resources: add it back to AWS_TARGETS to clean up.`,
    );
  }
  let result: CleanupResult;
  try {
    // Clean-up acts as whoever clicked it; the resources are the enable job's.
    const actor: Actor = {
      type: "slack",
      userId: job.data.requestedBy,
      teamId: target.data.teamId,
    };
    result = await cleanUp(
      {
        gateways: deps.targets.gateways(place, actor),
        bindings: bindingsAt(deps.bindings, place),
        log,
      },
      input,
      target.data.checkpoint ?? {},
    );
  } catch (err) {
    const failure = toFailure("cleanup", err);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (failure.retryable && !lastAttempt) throw err;
    log.error({ failure }, "clean-up failed");
    report(log, () => reporter.failed(failure));
    if (failure.retryable) throw err;
    throw new UnrecoverableError(failure.message);
  }
  // A Retry after this starts over for whatever was removed.
  await target.updateData({ ...target.data, checkpoint: result.checkpoint, cleanup: result });
  log.info({ items: result.items }, "clean-up completed");
  report(log, () => reporter.cleanedUp?.(result));
  return result;
}

/** The Slack user who asked: the job acts as them, so the assumed role's session names them. */
const requester = (data: ProvisionJobData): Actor => ({
  type: "slack",
  userId: data.requestedBy,
  teamId: data.teamId,
});

function reporterFor(deps: ProvisionDeps, job: ProvisionJob): ProvisionReporter {
  if (deps.jobReporter) return deps.jobReporter(job);
  if (!deps.reporter) return noopReporter;
  return deps.reporter({
    id: String(job.id),
    channelId: job.data.channelId,
    teamId: job.data.teamId,
    requestedBy: job.data.requestedBy,
    instanceId: job.data.request.instance.id,
    domainName: job.data.request.domain.name,
  });
}

export interface ProvisionWorkerDeps extends Omit<ProvisionDeps, "loadJob"> {
  /** A connection with maxRetriesPerRequest: null. */
  connection: Redis;
  prefix: string;
  /** Tests shorten lockDuration and stalledInterval to see crashed workers sooner. */
  workerOptions?: Partial<WorkerOptions>;
}

/** A worker killed mid-job is recovered 3 times before the job fails. */
export const PROVISION_WORKER: QueueWorkerSettings = { concurrency: 4, maxStalledCount: 3 };

export function startProvisionWorker(deps: ProvisionWorkerDeps): Worker {
  // The worker reads jobs of its own queue; no second Queue object to open and close.
  const processor = createProvisionProcessor({
    ...deps,
    loadJob: (jobId) => Job.fromId(worker, jobId),
  });
  const worker: Worker = startQueueWorker(QUEUES.provision, processor, PROVISION_WORKER, deps);
  return worker;
}
