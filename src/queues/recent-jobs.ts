/**
 * The jobs App Home lists. People want to see what was started on purpose (provisioning,
 * clean-up, re-ingest, discard) and how each domain's last scan went; the schedulers make a
 * scan per domain and a reconcile every interval, which would otherwise fill the list and
 * push everything else off it.
 */
import type { Job } from "bullmq";
import type { JobOverview } from "../home/overview.js";
import { type JobQueues, queueList } from "./index.js";
import { JOBS, QUEUES } from "./names.js";

const STATES = ["active", "waiting", "delayed", "failed", "completed"] as const;
type State = (typeof STATES)[number];

/** Jobs listed per queue and state at most. */
const PER_STATE = 5;
/**
 * Jobs read per state for each one listed: periodic jobs are dropped only after reading, so
 * reading just `PER_STATE` could leave nothing but periodic ones to drop.
 */
const READ_AHEAD = 4;

/** Newest first. */
export async function recentJobs(queues: JobQueues): Promise<JobOverview[]> {
  const reads = queueList(queues).flatMap(([queue, q]) =>
    STATES.map(async (state) => {
      const found = await q.getJobs([state], 0, PER_STATE * READ_AHEAD - 1, false);
      return found
        .filter((job) => job?.id && !isHousekeeping(queue, job, state))
        .map((job) => describe(queue, job, state));
    }),
  );
  const jobs = (await Promise.all(reads)).flat().sort((a, b) => b.at - a.at);

  const scanned = new Set<string | undefined>();
  const listed = new Map<string, number>();
  return jobs.filter((j) => {
    if (j.queue === QUEUES.dlqScan && j.name === JOBS.scan) {
      // Only the latest scan of a domain says anything about it now.
      if (scanned.has(j.subject)) return false;
      scanned.add(j.subject);
    }
    const bucket = `${j.queue}/${j.state}`;
    const count = (listed.get(bucket) ?? 0) + 1;
    listed.set(bucket, count);
    return count <= PER_STATE;
  });
}

function isHousekeeping(queue: string, job: Job, state: State): boolean {
  if (queue !== QUEUES.dlqScan) return false;
  if (job.name === JOBS.reconcile) return true;
  // A scheduler's next slot, not due yet: it would hide how the last scan went.
  return state === "delayed" && job.repeatJobKey !== undefined;
}

function describe(queue: string, job: Job, state: State): JobOverview {
  return {
    queue,
    id: String(job.id),
    name: job.name,
    state,
    at: job.finishedOn ?? job.processedOn ?? job.timestamp,
    subject: subjectOf(job.data),
  };
}

/** The domain or instance a job is about, from whichever data shape its queue uses. */
function subjectOf(data: unknown): string | undefined {
  const d = (data ?? {}) as Record<string, unknown>;
  const request = (d.request ?? {}) as Record<string, unknown>;
  const domain = (request.domain ?? {}) as Record<string, unknown>;
  const pick = d.domain ?? domain.name ?? (request.instance as Record<string, unknown>)?.alias;
  return typeof pick === "string" ? pick : undefined;
}
