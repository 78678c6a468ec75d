/**
 * The `provision` queue's producer side: one enable job per Connect instance, Retry from the
 * checkpoint, and Clean up. Processors are in jobs/provision.ts.
 */
import type { Job, JobsOptions } from "bullmq";
import { type DomainRef, type Place, placeId } from "../aws/targets.js";
import {
  domainRefOfJob,
  type ProvisionJobData,
  placeOfJob,
  type StatusMessageRef,
} from "../provision/plan-to-job.js";
import type { JobQueues } from "./index.js";
import { lockKey, withLock } from "./lock.js";
import { JOBS } from "./names.js";
import type { EnqueueOutcome } from "./outcome.js";
import { isBusy } from "./states.js";

export interface CleanupJobData {
  /** The provisioning job whose resources go. */
  provisionJobId: string;
  requestedBy: string;
}

/**
 * One job per Connect instance in its place (`enable-111122223333.us-east-1.<instance id>`):
 * submitting twice, or two people enabling the same instance at once, lands on the same id,
 * and instances with the same id in two accounts or regions never do.
 */
export const provisionJobId = (place: Place, instanceId: string): string =>
  `enable-${placeId(place)}.${instanceId.replace(/[^A-Za-z0-9_-]/g, "-")}`;

/** What a Retry, Clean up or Check again button may carry: an enable job's id, as above. */
export const PROVISION_JOB_ID = /^enable-\d{12}\.[a-z]{2}(?:-[a-z]+)+-\d\.[A-Za-z0-9_-]{1,100}$/;

/** The id of the job enqueued for this data. */
export const provisionJobIdOf = (data: ProvisionJobData): string =>
  provisionJobId(placeOfJob(data), data.request.instance.id);

export const cleanupJobId = (provisionJobId: string): string => `cleanup-${provisionJobId}`;

/** Throttling and 5xx get ~2 minutes of exponential backoff (1 s, 2 s, 4 s, …). */
export const PROVISION_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1_000 },
  // Kept an hour, so a second submission right after completion is still a duplicate.
  removeOnComplete: { age: 3_600 },
  // Failed jobs keep their checkpoint for Retry and Clean up.
  removeOnFail: { age: 14 * 86_400 },
};

const CLEANUP_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1_000 },
  // Removed once done, so a later clean-up (say, after the domain was emptied) can run.
  removeOnComplete: true,
  removeOnFail: { age: 14 * 86_400 },
};

/**
 * How long a job from the wizard waits before it may start, so its status message can be
 * posted and stored first (the reporter then edits that message instead of posting one).
 * `releaseProvision` starts it as soon as the message is stored; the hold only matters when
 * posting fails or the bot dies in between.
 */
const PROVISION_HOLD_MS = 15_000;

type ProvisionJob = Job<ProvisionJobData>;

/**
 * Adds the enable job under the instance's id. An existing job (queued, running, failed and
 * kept for Retry, or completed within the hour) means nothing new starts. BullMQ answers a
 * duplicate id with the job that exists, so the submission id read back says whose it is.
 */
export async function enqueueProvision(
  queues: JobQueues,
  data: ProvisionJobData,
  opts: { hold?: boolean; jobOptions?: JobsOptions } = {},
): Promise<EnqueueOutcome<ProvisionJobData>> {
  const jobId = provisionJobIdOf(data);
  const existing = (await queues.provision.getJob(jobId)) as ProvisionJob | undefined;
  if (existing) return alreadyThere(jobId, existing);
  await queues.provision.add(JOBS.enable, data, {
    ...PROVISION_JOB_OPTIONS,
    ...opts.jobOptions,
    ...(opts.hold && { delay: PROVISION_HOLD_MS }),
    jobId,
  });
  const stored = (await queues.provision.getJob(jobId)) as ProvisionJob | undefined;
  // Gone already means it was ours and finished (or failed and was removed) in between.
  if (!stored || stored.data.submissionId === data.submissionId) {
    return { status: "started", jobId };
  }
  return alreadyThere(jobId, stored);
}

async function alreadyThere(
  jobId: string,
  job: ProvisionJob,
): Promise<EnqueueOutcome<ProvisionJobData>> {
  return {
    status: "already-running",
    jobId,
    by: job.data.requestedBy,
    state: await job.getState(),
    existing: job.data,
  };
}

/** Stores the status message in the held job's data, then lets it start. */
export async function releaseProvision(
  queues: JobQueues,
  jobId: string,
  message: StatusMessageRef | undefined,
): Promise<void> {
  const job = await queues.provision.getJob(jobId);
  if (!job) return;
  if (message) await job.updateData({ ...job.data, message });
  if ((await job.getState()) === "delayed") await job.promote();
}

/**
 * The Slack message that reports on a job (where its Retry and Clean up buttons are), as its
 * data records it: a click is checked against it. `ref`: the domain the job enables, which
 * the click's audit entry names. `gone` when the job no longer exists.
 */
export async function provisionStatusMessage(
  queues: JobQueues,
  jobId: string,
): Promise<{ status: "found"; message?: StatusMessageRef; ref?: DomainRef } | { status: "gone" }> {
  const job = (await queues.provision.getJob(jobId)) as ProvisionJob | undefined;
  if (!job) return { status: "gone" };
  // Data without a request (a job some other version wrote) still answers with its message.
  const named = (job.data as Partial<ProvisionJobData>).request?.domain?.name;
  return {
    status: "found",
    ...(job.data.message && { message: job.data.message }),
    ...(named && job.data.accountId && { ref: domainRefOfJob(job.data) }),
  };
}

/** What a Retry or Clean up click came to. */
export type ClickOutcome =
  | { status: "started"; jobId: string }
  /** The job is gone (failed jobs are kept 14 days). */
  | { status: "gone"; jobId: string }
  /** The job is not failed: only a failed job is retried or cleaned up. */
  | { status: "wrong-state"; jobId: string; state: string }
  /** A clean-up of this job is queued or running. */
  | { status: "cleaning-up"; jobId: string }
  /** Another click on this job is being handled right now. */
  | { status: "busy"; jobId: string };

/** How long a click holds its job; far longer than a retry or an enqueue takes. */
const CLICK_LOCK_MS = 15_000;

/**
 * One click per job at a time, across bot processes: Retry reads the job's data and writes it
 * back, so two interleaved clicks could put back a stale checkpoint.
 */
async function oneClickAtATime(
  queues: JobQueues,
  jobId: string,
  run: () => Promise<ClickOutcome>,
): Promise<ClickOutcome> {
  const locked = await withLock(
    queues.redis,
    lockKey(queues.prefix, "provision-click", jobId),
    CLICK_LOCK_MS,
    run,
  );
  return locked.acquired ? locked.value : { status: "busy", jobId };
}

async function cleanupState(queues: JobQueues, jobId: string): Promise<string | undefined> {
  const job = await queues.provision.getJob(cleanupJobId(jobId));
  return job ? await job.getState() : undefined;
}

/** Re-runs a failed job from its checkpoint, with a fresh set of attempts. */
export function retryProvision(queues: JobQueues, jobId: string): Promise<ClickOutcome> {
  return oneClickAtATime(queues, jobId, async () => {
    const cleaning = await cleanupState(queues, jobId);
    if (cleaning && isBusy(cleaning)) return { status: "cleaning-up", jobId };
    const job = (await queues.provision.getJob(jobId)) as ProvisionJob | undefined;
    if (!job) return { status: "gone", jobId };
    const state = await job.getState();
    if (state !== "failed") return { status: "wrong-state", jobId, state };
    // The last failure and any clean-up report describe the run that is being replaced.
    const { failure: _failure, cleanup: _cleanup, ...data } = job.data;
    await job.updateData(data as ProvisionJobData);
    await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    return { status: "started", jobId };
  });
}

/** Queues the clean-up of a failed job; clicking Clean up twice adds one job. */
export function cleanUpProvision(
  queues: JobQueues,
  jobId: string,
  requestedBy: string,
  jobOptions: JobsOptions = {},
): Promise<ClickOutcome> {
  return oneClickAtATime(queues, jobId, async () => {
    const target = await queues.provision.getJob(jobId);
    if (!target) return { status: "gone", jobId };
    const state = await target.getState();
    if (state !== "failed") return { status: "wrong-state", jobId, state };
    const previous = await queues.provision.getJob(cleanupJobId(jobId));
    const previousState = previous ? await previous.getState() : undefined;
    if (previousState && isBusy(previousState)) return { status: "cleaning-up", jobId };
    // A failed clean-up keeps its id for 14 days; removing it lets this click run a new one.
    if (previous && previousState === "failed") await previous.remove();
    const data: CleanupJobData = { provisionJobId: jobId, requestedBy };
    await queues.provision.add(JOBS.cleanup, data, {
      ...CLEANUP_JOB_OPTIONS,
      ...jobOptions,
      jobId: cleanupJobId(jobId),
    });
    return { status: "started", jobId };
  });
}
