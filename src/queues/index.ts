/**
 * The job queues: the only producer-side code that touches BullMQ. Listeners, the CLI and
 * services call the functions in this folder, which answer with typed outcomes; processors
 * live in jobs/. Every queue shares the configured (hash-tagged) key prefix.
 */
import { Queue } from "bullmq";
import type { Redis } from "../redis.js";
import { QUEUES } from "./names.js";

export interface JobQueues {
  readonly provision: Queue;
  readonly dlqScan: Queue;
  readonly reingest: Queue;
  /** A fail-fast connection for the click and scan locks. */
  readonly redis: Redis;
  readonly prefix: string;
  close(): Promise<void>;
}

/**
 * `onError` hears the queues' connection errors (Redis down, say); without a listener
 * BullMQ would print them to the console instead of the log.
 */
export function createQueues(
  connection: Redis,
  prefix: string,
  onError?: (err: Error, queue: string) => void,
): JobQueues {
  const open = (name: string) => {
    const queue = new Queue(name, { connection, prefix });
    if (onError) queue.on("error", (err) => onError(err, name));
    return queue;
  };
  const provision = open(QUEUES.provision);
  const dlqScan = open(QUEUES.dlqScan);
  const reingest = open(QUEUES.reingest);
  return {
    provision,
    dlqScan,
    reingest,
    redis: connection,
    prefix,
    close: async () => {
      await Promise.all([provision.close(), dlqScan.close(), reingest.close()]);
    },
  };
}

/** Each queue with its name, for views that list jobs of every queue. */
export const queueList = (queues: JobQueues): [string, Queue][] => [
  [QUEUES.provision, queues.provision],
  [QUEUES.dlqScan, queues.dlqScan],
  [QUEUES.reingest, queues.reingest],
];
