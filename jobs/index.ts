/**
 * The BullMQ workers: one processor per queue. Each file in this folder reads like a list
 * of steps and calls services in src/ to do the work.
 */
import type { Worker } from "bullmq";
import { type Access, authorize } from "../src/access/authorize.js";
import type { Gateways } from "../src/aws/gateways.js";
import type { Config } from "../src/config.js";
import { RedisDigestStore } from "../src/dlq/digests.js";
import type { Logger } from "../src/logger.js";
import { RedisBindingStore } from "../src/provision/bindings.js";
import { RedisRateLimiter } from "../src/ratelimit.js";
import type { Redis } from "../src/redis.js";
import type { Notifier } from "../src/slack/notifier/notifier.js";
import { createProvisionReporter } from "../src/slack/provision-report.js";
import { startDlqScanWorker } from "./dlq-scan.js";
import { startProvisionWorker } from "./provision.js";
import { startReingestWorker } from "./reingest.js";

export interface WorkerDeps {
  config: Config;
  log: Logger;
  /** A connection with maxRetriesPerRequest: null, as BullMQ workers need. */
  connection: Redis;
  /** A fail-fast connection for small keyed records. */
  redis: Redis;
  gateways: Gateways;
  /** Every Slack call from a job goes through it. */
  notifier: Notifier;
  /** Jobs check again, when they start, that whoever asked still holds the role. */
  access: Access;
}

export async function startWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const { config } = deps;
  const log = deps.log.child({ queue: "provision" });
  const provision = startProvisionWorker({
    connection: deps.connection,
    prefix: config.redis.prefix,
    gateways: deps.gateways,
    bindings: new RedisBindingStore(deps.redis, config.redis.prefix),
    log,
    // One Slack message per job, edited in place (src/slack/provision-report.ts).
    jobReporter: (job) => createProvisionReporter({ notifier: deps.notifier, log }, job),
    stillAllowed: (userId) => authorize(deps.access, userId, "enable"),
  });
  const dlqScan = await startDlqScanWorker({
    connection: deps.connection,
    redis: deps.redis,
    prefix: config.redis.prefix,
    gateways: deps.gateways,
    bindings: new RedisBindingStore(deps.redis, config.redis.prefix),
    digests: new RedisDigestStore(deps.redis, config.redis.prefix),
    notifier: deps.notifier,
    config,
    scanIntervalMs: config.dlq.scanIntervalMs,
    reingestRate: config.reingest.rate,
    log: deps.log.child({ queue: "dlq-scan" }),
  });
  const reingest = startReingestWorker({
    connection: deps.connection,
    prefix: config.redis.prefix,
    gateways: deps.gateways,
    bindings: new RedisBindingStore(deps.redis, config.redis.prefix),
    digests: new RedisDigestStore(deps.redis, config.redis.prefix),
    notifier: deps.notifier,
    limiter: new RedisRateLimiter(deps.redis, config.redis.prefix),
    config,
    log: deps.log.child({ queue: "reingest" }),
    stillAllowed: (userId, permission) => authorize(deps.access, userId, permission),
  });
  return [provision, dlqScan, reingest];
}
