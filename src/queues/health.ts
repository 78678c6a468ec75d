/**
 * The queues' health as `doctor` reports it: per queue whether it is paused, its job counts
 * and how many workers listen on it; read from Redis only, changing nothing.
 */
import { type JobQueues, queueList } from "./index.js";

export interface QueueHealth {
  name: string;
  paused: boolean;
  counts: { waiting: number; active: number; delayed: number; failed: number };
  /** Undefined when Redis does not let the bot list clients (CLIENT LIST disabled). */
  workers?: number;
}

export async function queueHealth(queues: JobQueues): Promise<QueueHealth[]> {
  return Promise.all(
    queueList(queues).map(async ([name, queue]) => {
      const [paused, counts, workers] = await Promise.all([
        queue.isPaused(),
        queue.getJobCounts("waiting", "active", "delayed", "failed"),
        queue.getWorkersCount().catch(() => undefined),
      ]);
      return {
        name,
        paused,
        counts: {
          waiting: counts.waiting ?? 0,
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0,
        },
        ...(workers === undefined ? {} : { workers }),
      };
    }),
  );
}
