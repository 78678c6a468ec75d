/**
 * How every queue's worker is built, in one place: its connection, its prefix, the queue's
 * own settings, its errors in the log, and what a stop tells the jobs it is running. A test
 * that needs a worker as the bot runs it (the failover test, say) builds it here too, with a
 * processor of its own.
 */
import { type Processor, Worker, type WorkerOptions } from "bullmq";
import type { Logger } from "../src/logger.js";
import type { QUEUES } from "../src/queues/names.js";
import type { Redis } from "../src/redis.js";

/** A queue's own settings: how many jobs at once, how often a crashed job is recovered. */
export type QueueWorkerSettings = Pick<WorkerOptions, "concurrency" | "maxStalledCount">;

export interface QueueWorkerDeps {
  /** A connection with maxRetriesPerRequest: null (createRedis's "worker"). */
  connection: Redis;
  prefix: string;
  log: Logger;
  /** Tests shorten lockDuration and stalledInterval to see crashed workers sooner. */
  workerOptions?: Partial<WorkerOptions>;
}

export function startQueueWorker<Data, Result>(
  queue: (typeof QUEUES)[keyof typeof QUEUES],
  processor: Processor<Data, Result>,
  settings: QueueWorkerSettings,
  deps: QueueWorkerDeps,
): Worker<Data, Result> {
  const worker = new Worker<Data, Result>(queue, processor, {
    connection: deps.connection,
    prefix: deps.prefix,
    ...settings,
    ...deps.workerOptions,
  });
  // BullMQ reports here what it could not do in the background (a lock not renewed, a
  // command that failed during a failover); the worker goes on.
  worker.on("error", (err) => deps.log.warn({ err: err.message }, `${queue} worker error`));
  // A stop (SIGTERM: a restart, a deploy) waits for the jobs running. Those whose processor
  // takes BullMQ's signal (a scan, a re-ingest or discard pass: minutes on a large queue) are
  // told to end early and give back what they hold; the others finish their step.
  worker.on("closing", () => worker.cancelAllJobs("stopping"));
  return worker;
}
