/**
 * The `reingest` queue's producer side: re-ingest a class (or one message) of a domain's
 * dead-letter queue, or discard a class. The job id is derived from the domain and the
 * selection, so two clicks, or two people, run one job. Processors are in jobs/reingest.ts.
 * The id holds the domain's refId: the same domain name in two places runs two jobs.
 */
import type { Job, JobsOptions } from "bullmq";
import { type DomainRef, refId } from "../aws/targets.js";
import type { DlqClass } from "../dlq/classify.js";
import type { JobQueues } from "./index.js";
import { JOBS, safeIdPart } from "./names.js";
import type { EnqueueOutcome } from "./outcome.js";

export type ReingestKind = typeof JOBS.reingest | typeof JOBS.discard;

export interface ReingestJobData extends DomainRef {
  /** A class, or `messageId` for one message. */
  cls?: DlqClass;
  messageId?: string;
  /**
   * The scan the clicked digest showed (src/dlq/digests.ts): a class job acts only on the
   * message ids that scan recorded for the class, and at most that many.
   */
  scanId?: string;
  /** Slack user who clicked: the job acts as them (the assumed role's session names them). */
  requestedBy: string;
  /** Their workspace, when known. */
  teamId?: string;
  /** Unique per click: tells the clicker whether their click created the job. */
  requestId: string;
  /** Where the click was: replies go in this thread (the digest). */
  channel?: string;
  threadTs?: string;
  /** The reply this job edits; saved once posted, so a retry edits the same one. */
  reply?: { channel: string; ts: string };
  /**
   * The Workflow Builder step run (its function_execution_id) that started this job: the job
   * completes it with its numbers when it ends, or fails it when it gives up.
   */
  workflowStep?: string;
}

/** Selected messages one run handles at most; a second click continues. */
export const MAX_MESSAGES_PER_RUN = 100_000;

/** Throttling and 5xx that outlast the pass's own retries: a few minutes of backoff. */
const REINGEST_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
  // Removed once finished, so the next click starts a new run under the same id.
  removeOnComplete: true,
  removeOnFail: true,
};

export function reingestJobId(
  kind: ReingestKind,
  data: Pick<ReingestJobData, "account" | "region" | "domain" | "cls" | "messageId">,
): string {
  const what = data.messageId ? `msg-${safeIdPart(data.messageId)}` : `class-${data.cls ?? "none"}`;
  return `${kind}-${refId(data)}-${what}`;
}

/** A request id unique per click: it tells whether this click's job is the one that runs. */
const newRequestId = (user: string): string =>
  `${user}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;

export type ReingestRequest = Omit<ReingestJobData, "requestId" | "reply">;

export const enqueueReingest = (
  queues: JobQueues,
  request: ReingestRequest,
  opts?: JobsOptions,
): Promise<EnqueueOutcome> => enqueue(queues, JOBS.reingest, request, opts);

export const enqueueDiscard = (
  queues: JobQueues,
  request: ReingestRequest,
  opts?: JobsOptions,
): Promise<EnqueueOutcome> => enqueue(queues, JOBS.discard, request, opts);

/**
 * Adds the job under its derived id. BullMQ answers an id that exists with the existing job
 * (and keeps the existing data), so the requestId read back says whose job runs.
 */
async function enqueue(
  queues: JobQueues,
  kind: ReingestKind,
  request: ReingestRequest,
  opts: JobsOptions = {},
): Promise<EnqueueOutcome> {
  const data: ReingestJobData = { ...request, requestId: newRequestId(request.requestedBy) };
  const jobId = reingestJobId(kind, data);
  for (let attempt = 0; ; attempt++) {
    await queues.reingest.add(kind, data, { ...REINGEST_JOB_OPTIONS, ...opts, jobId });
    const stored = (await queues.reingest.getJob(jobId)) as Job<ReingestJobData> | undefined;
    // Gone already: it was ours and finished in between.
    if (!stored || stored.data.requestId === data.requestId) return { status: "started", jobId };
    const state = await stored.getState();
    // A finished job kept by other options: clear it and add ours.
    if ((state === "completed" || state === "failed") && attempt === 0) {
      await stored.remove().catch(() => undefined);
      continue;
    }
    return {
      status: "already-running",
      jobId,
      by: stored.data.requestedBy,
      state,
      existing: undefined,
    };
  }
}
