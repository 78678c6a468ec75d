/** The BullMQ queues, by name, with the configured (hash-tagged) prefix. */
import { Queue } from "bullmq";
import type { Config } from "./config.js";
import type { Redis } from "./redis.js";

export const QUEUE_NAMES = ["provision", "dlq-scan", "reingest"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function createQueues(config: Config, connection: Redis): Record<QueueName, Queue> {
  return Object.fromEntries(
    QUEUE_NAMES.map((name) => [name, new Queue(name, { connection, prefix: config.redis.prefix })]),
  ) as Record<QueueName, Queue>;
}
