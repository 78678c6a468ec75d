/** What Slack listeners are given: services and gateways, never SDK clients directly. */
import type { Queue } from "bullmq";
import type { Gateways } from "../aws/gateways.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Redis } from "../redis.js";
import type { Notifier } from "./notifier/notifier.js";

export interface SlackDeps {
  config: Config;
  log: Logger;
  /** A fail-fast connection for small keyed records (drafts, bindings, audit). */
  redis: Redis;
  gateways: Gateways;
  notifier: Notifier;
  /** BullMQ queues by name; listeners enqueue, workers process. */
  queues: Record<string, Queue>;
}
