/**
 * The BullMQ workers: one processor per queue. Each file in this folder reads like a list
 * of steps, calls services in src/ to do the work and reports through ports; the Slack
 * implementations of those ports come in from the composition root (src/runtime.ts).
 */
import type { Worker } from "bullmq";
import { type Access, authorize } from "../src/access/authorize.js";
import type { Gateways } from "../src/aws/gateways.js";
import type { Config } from "../src/config.js";
import { RedisDigestStore } from "../src/dlq/digests.js";
import type { DigestPublisher } from "../src/dlq/publisher.js";
import type { ReingestReporterFactory } from "../src/dlq/reporter.js";
import type { Logger } from "../src/logger.js";
import { RedisBindingStore } from "../src/provision/bindings.js";
import type { ProvisionReporter } from "../src/provision/reporter.js";
import type { JobQueues } from "../src/queues/index.js";
import { RedisRateLimiter } from "../src/ratelimit.js";
import type { Redis } from "../src/redis.js";
import { startDlqScanWorker } from "./dlq-scan.js";
import { type ProvisionJob, startProvisionWorker } from "./provision.js";
import { startReingestWorker } from "./reingest.js";

/** The ports jobs report through. */
export interface WorkerReporters {
  /** One per provisioning job: the Slack one edits that job's message. */
  provision: (job: ProvisionJob) => ProvisionReporter;
  reingest: ReingestReporterFactory;
  digest: DigestPublisher;
}

export interface WorkerDeps {
  config: Config;
  log: Logger;
  /** A connection with maxRetriesPerRequest: null, as BullMQ workers need. */
  connection: Redis;
  /** A fail-fast connection for small keyed records. */
  redis: Redis;
  /** The producer side, for the schedulers the scan worker keeps in line. */
  queues: JobQueues;
  gateways: Gateways;
  reporters: WorkerReporters;
  /** Jobs check again, when they start, that whoever asked still holds the role. */
  access: Access;
}

export async function startWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const { config } = deps;
  const prefix = config.redis.prefix;
  const bindings = new RedisBindingStore(deps.redis, prefix);
  const digests = new RedisDigestStore(deps.redis, prefix);
  const provision = startProvisionWorker({
    connection: deps.connection,
    prefix,
    gateways: deps.gateways,
    bindings,
    log: deps.log.child({ queue: "provision" }),
    jobReporter: deps.reporters.provision,
    stillAllowed: (userId) => authorize(deps.access, userId, "enable"),
  });
  const dlqScan = await startDlqScanWorker({
    connection: deps.connection,
    redis: deps.redis,
    queues: deps.queues,
    prefix,
    gateways: deps.gateways,
    bindings,
    digests,
    publisher: deps.reporters.digest,
    config,
    scanIntervalMs: config.dlq.scanIntervalMs,
    log: deps.log.child({ queue: "dlq-scan" }),
  });
  const reingest = startReingestWorker({
    connection: deps.connection,
    prefix,
    gateways: deps.gateways,
    bindings,
    digests,
    reporter: deps.reporters.reingest,
    limiter: new RedisRateLimiter(deps.redis, prefix),
    config,
    log: deps.log.child({ queue: "reingest" }),
    stillAllowed: (userId, permission) => authorize(deps.access, userId, permission),
  });
  return [provision, dlqScan, reingest];
}
