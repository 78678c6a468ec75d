/** What Slack listeners are given: services and gateways, never SDK clients directly. */
import type { Queue } from "bullmq";
import type { Access } from "../access/authorize.js";
import type { AuditLog } from "../audit/audit.js";
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
  /** Roles and group membership: the guard decides with it; jobs check again with it. */
  access: Access;
  audit: AuditLog;
}
