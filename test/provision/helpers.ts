/**
 * Shared set-up for the provisioning tests: the seeded AWS emulator on a free port, real SDK
 * clients and gateways over it, real Redis under a fresh queue prefix (whose keys are
 * removed afterwards), and a provision worker with an in-memory reporter.
 */
import { randomUUID } from "node:crypto";
import type { Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { startProvisionWorker } from "../../jobs/provision.js";
import { ACCOUNT_ID, type EmulatorHandle, startSeededEmulator } from "../../sandbox/aws/index.js";
import { LEGACY_QUEUE_NAME } from "../../sandbox/aws/seed.js";
import type { StartOptions } from "../../sandbox/aws/server.js";
import { type Domain, findDomain, profileState } from "../../sandbox/aws/services/profiles.js";
import { type AwsClients, createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import type { DlqChoice, KeyChoice } from "../../src/enable/plan.js";
import { createLogger, type Logger } from "../../src/logger.js";
import { bindingsAt, type PlaceBindings, RedisBindingStore } from "../../src/provision/bindings.js";
import {
  type ProvisionJobData,
  type ProvisionRequest,
  provisionJobData,
} from "../../src/provision/plan-to-job.js";
import { MemoryReporter } from "../../src/provision/reporter.js";
import { keyMarker, type ProvisionGateways } from "../../src/provision/steps.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { PROVISION_JOB_OPTIONS } from "../../src/queues/provision.js";
import { PLACE } from "../dlq/support/place.js";
import { emulatorTarget } from "../support/targets.js";

export const REGION = "us-east-1";
export const REDIS_URL = "redis://127.0.0.1:6379";

/** Seeded instances (sandbox/aws/seed/connect-instances.json). */
export const EXAMPLECORP = {
  id: "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01",
  alias: "examplecorp",
  arn: `arn:aws:connect:${REGION}:${ACCOUNT_ID}:instance/5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01`,
};
/** Linked to the seeded domain amazon-connect-legacy. */
export const LEGACY_SUPPORT = {
  id: "8d3e6b2c-7a41-4f5e-b0c9-2e7f9a1d3c52",
  alias: "legacy-support",
  arn: `arn:aws:connect:${REGION}:${ACCOUNT_ID}:instance/8d3e6b2c-7a41-4f5e-b0c9-2e7f9a1d3c52`,
};
export const LEGACY_DOMAIN = "amazon-connect-legacy";

export const WHO = { requestedBy: "U0TESTER1", channelId: "C0ALERTS1", teamId: "T0TEAM001" };

export interface Harness {
  emulator: EmulatorHandle;
  clients: AwsClients;
  gateways: ProvisionGateways;
  redis: Redis;
  prefix: string;
  queue: Queue;
  queues: JobQueues;
  bindings: PlaceBindings;
  reporter: MemoryReporter;
  log: Logger;
  startWorker(): Worker;
  close(): Promise<void>;
}

export async function startHarness(emulatorOptions: StartOptions = {}): Promise<Harness> {
  const emulator = await startSeededEmulator({ port: 0, quotas: false, ...emulatorOptions });
  const clients = createAwsClients({
    region: REGION,
    endpoint: emulator.url,
    maxAttempts: 3,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const gateways = createGateways(clients);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `{pbtest-${randomUUID().slice(0, 8)}}`;
  const queues = createQueues(redis, prefix);
  const queue = queues.provision;
  const store = new RedisBindingStore(redis, prefix);
  // Tests read the bindings in the emulator's place; the worker gets the store of every place.
  const bindings = bindingsAt(store, PLACE);
  const reporter = new MemoryReporter();
  const log = createLogger("silent");
  const workers: Worker[] = [];
  return {
    emulator,
    clients,
    gateways,
    redis,
    prefix,
    queue,
    queues,
    bindings,
    reporter,
    log,
    startWorker() {
      const worker = startProvisionWorker({
        connection: redis,
        prefix,
        targets: emulatorTarget(gateways),
        bindings: store,
        log,
        reporter: reporter.factory,
      });
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queues.close();
      await removeKeys(redis, prefix);
      await redis.quit();
      clients.destroy();
      await emulator.close();
    },
  };
}

/** SCAN + DEL of this test's prefix only: other tests (and people) share the database. */
export async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

export function request(overrides: Partial<ProvisionRequest> = {}): ProvisionRequest {
  const domain = overrides.domain?.name ?? "amazon-connect-examplecorp";
  return {
    instance: EXAMPLECORP,
    domain: { mode: "new", name: domain, expirationDays: 366 },
    dlq: { mode: "new", name: `${domain}-dlq` },
    key: { mode: "new", alias: `alias/${domain}`, description: "Profiles for examplecorp" },
    confirmRelink: false,
    ...overrides,
  };
}

export const jobData = (overrides: Partial<ProvisionRequest> = {}): ProvisionJobData =>
  provisionJobData(request(overrides), WHO);

export const existingLegacyQueue = (
  h: Harness,
  mergePolicy = true,
): Extract<DlqChoice, { mode: "existing" }> => ({
  mode: "existing",
  url: `${h.emulator.url}/${ACCOUNT_ID}/${LEGACY_QUEUE_NAME}`,
  arn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${LEGACY_QUEUE_NAME}`,
  mergePolicy,
});

export const awsOwnedKey: KeyChoice = { mode: "aws-owned" };

/** Fast retries for tests; the production backoff starts at 1 s. */
export const FAST_RETRIES = { ...PROVISION_JOB_OPTIONS, backoff: { type: "fixed", delay: 100 } };

/** Polls until the job reaches one of `states`; fails with the job's state after `timeoutMs`. */
export async function waitForState(
  queue: Queue,
  jobId: string,
  states: string[],
  timeoutMs = 20_000,
): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  let state = "missing";
  while (Date.now() < deadline) {
    const job = await queue.getJob(jobId);
    state = job ? await job.getState() : "missing";
    // Read the job again: the copy above may predate the move that changed its state, and
    // would then lack failedReason, returnvalue and the last data written.
    const settled = states.includes(state) ? await queue.getJob(jobId) : undefined;
    if (settled) return settled;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${jobId} is ${state}, not ${states.join(" or ")}, after ${timeoutMs} ms`);
}

/** What the emulator holds that this job could have made, counted by name, marker or tag. */
export function inventory(
  h: Harness,
  jobId: string,
  names: { domain: string; queue: string; alias: string },
) {
  const { state } = h.emulator.ctx;
  const keys = Object.values(state.kms.keys).filter((k) =>
    k.description.includes(keyMarker(jobId)),
  );
  return {
    queues: Object.values(state.sqs.queues).filter((q) => q.name === names.queue),
    keys,
    liveKeys: keys.filter((k) => k.keyState !== "PendingDeletion"),
    aliases: Object.values(state.kms.aliases).filter((a) => a.aliasName === names.alias),
    domains: Object.values(profileState(state).domains).filter((d) => d.name === names.domain),
    domain: findDomain(state, names.domain, REGION) as Domain | undefined,
  };
}
