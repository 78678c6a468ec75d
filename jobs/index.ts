/**
 * The BullMQ workers: one processor per queue. Each file in this folder reads like a list
 * of steps and calls services in src/ to do the work.
 */
import type { Worker } from "bullmq";
import type { Config } from "../src/config.js";
import type { Logger } from "../src/logger.js";
import type { Redis } from "../src/redis.js";

export interface WorkerDeps {
  config: Config;
  log: Logger;
  /** A connection with maxRetriesPerRequest: null, as BullMQ workers need. */
  connection: Redis;
}

export async function startWorkers(_deps: WorkerDeps): Promise<Worker[]> {
  return [];
}
