/** Jobs in each queue by state, for the metrics' scrape-time gauge (src/metrics.ts). */
import type { JobType } from "bullmq";
import { type JobQueues, queueList } from "./index.js";

const STATES: JobType[] = ["waiting", "active", "delayed", "prioritized", "failed", "completed"];

export async function jobCounts(
  queues: JobQueues,
): Promise<{ queue: string; state: string; count: number }[]> {
  const perQueue = await Promise.all(
    queueList(queues).map(async ([queue, q]) => {
      const counts = await q.getJobCounts(...STATES);
      return STATES.map((state) => ({ queue, state, count: counts[state] ?? 0 }));
    }),
  );
  return perQueue.flat();
}
