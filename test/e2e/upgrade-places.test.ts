/**
 * Upgrading a single-place bot, end to end: its records are seeded under the bare domain
 * name on real Redis (test/upgrade/support/old-layout.ts) before the whole stack starts on
 * that prefix. At start the runtime moves them to the domain's refId in the bot's own
 * account and AWS_REGION and audits it; the old scheduler gives way to one under the refId;
 * and a scan of the domain posts its digest to the channel the old binding named.
 */
import { QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanOutcome } from "../../jobs/dlq-scan.js";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import {
  deletePrefix,
  SANDBOX_AWS_CREDENTIALS,
  type Stack,
  testPrefix,
} from "../../sandbox/stack.js";
import { RedisAuditLog } from "../../src/audit/audit.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { type DomainRef, refId } from "../../src/aws/targets.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { createLogger } from "../../src/logger.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import { enqueueScanNow, scanSchedulers } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { QUEUES } from "../../src/queues/names.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { createDomainWithDlq, putDeadLetter, THROTTLED } from "../dlq/support/harness.js";
import { startTestStack } from "../support/e2e.js";
import { redisConfig } from "../support/redis-cluster.js";
import { oldDomain, seedOldDomain } from "../upgrade/support/old-layout.js";

const REGION = "us-east-1";
const CHANNEL = "C0UPGRADE";
const DOMAIN = "amazon-connect-upgraded";
const REF: DomainRef = { account: ACCOUNT_ID, region: REGION, domain: DOMAIN };
const OLD = oldDomain(DOMAIN, CHANNEL);

const prefix = testPrefix();
let stack: Stack;
let redis: Redis;
let blocking: Redis;
let queues: JobQueues;
let events: QueueEvents;
let aws: ReturnType<typeof createAwsClients>;

beforeAll(async () => {
  const config = redisConfig("single node", prefix);
  redis = createRedis(config, "client");
  blocking = createRedis(config, "worker");
  queues = createQueues(redis, prefix);
  // The old bot's records, before the new one starts on the same prefix.
  await seedOldDomain(redis, prefix, queues, OLD, { untaggedUnposted: true });
  stack = await startTestStack({
    env: { QUEUE_PREFIX: prefix, DLQ_SCAN_INTERVAL: "1h" },
  });
  events = new QueueEvents(QUEUES.dlqScan, { connection: blocking, prefix });
  await events.waitUntilReady();
  aws = createAwsClients({
    region: REGION,
    endpoint: stack.emulator.url,
    maxAttempts: 2,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
}, 60_000);

afterAll(async () => {
  await events?.close();
  await queues?.close();
  await stack?.stop();
  aws?.destroy();
  redis?.disconnect();
  blocking?.disconnect();
  // startTestStack removes its own prefix; this one is the test's.
  await deletePrefix(redisConfig("single node", prefix), prefix);
});

/** One scan through the worker, again while another scan holds the domain's lock. */
async function scanNow(): Promise<ScanOutcome> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const { jobId } = await enqueueScanNow(queues, REF);
    const job = await queues.dlqScan.getJob(jobId);
    if (!job) throw new Error(`scan job ${jobId} vanished`);
    const outcome = (await job.waitUntilFinished(events, 15_000)) as ScanOutcome;
    if (outcome.status !== "locked") return outcome;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the domain stayed locked");
}

describe("a bot upgraded from the single-place version", () => {
  it("moves the old records to the domain's refId at start, and audits it", async () => {
    const binding = await new RedisBindingStore(redis, prefix).get(REF);
    expect(binding).toMatchObject({ ...REF, channelId: CHANNEL, boundBy: "U0ADMIN" });
    expect(await redis.hexists(`${prefix}:alert-bindings`, DOMAIN)).toBe(0);
    expect((await new RedisDigestStore(redis, prefix).get(REF))?.mutedUntil).toBe(OLD.mutedUntil);
    expect(
      await redis.exists(`${prefix}:dlq-digest:${DOMAIN}`, `${prefix}:key-check:${DOMAIN}`),
    ).toBe(0);
    const ids = (await scanSchedulers(queues)).map((s) => s.id);
    expect(ids).toContain(refId(REF));
    expect(ids).not.toContain(DOMAIN);

    const audit = new RedisAuditLog(redis, prefix, createLogger("silent"));
    const [entry] = await audit.latest({ target: refId(REF), limit: 5 });
    expect(entry).toMatchObject({
      userId: "(system)",
      action: "upgrade:bare-domain",
      target: refId(REF),
      outcome: "succeeded",
      params: { domain: DOMAIN, moved: "binding, digest, key check, scan schedule" },
    });
  });

  it("posts the domain's digest to the channel the old binding named", async () => {
    const gateways = createGateways(aws);
    const queueUrl = await createDomainWithDlq({ gateways, clients: aws }, DOMAIN);
    putDeadLetter(stack, queueUrl, {
      domain: DOMAIN,
      objectTypeName: "CRM-Contact",
      errorMessage: THROTTLED,
      object: { AccountNumber: "9001" },
    });

    const outcome = await scanNow();

    expect(outcome).toMatchObject({ status: "posted", total: 1 });
    const digest = await stack.slack.timeline.waitFor(
      () =>
        stack.slack.timeline
          .messages(CHANNEL)
          .find((m) => !m.thread_ts && m.text.startsWith(`Dead-letter queue of ${DOMAIN}`)),
      { timeoutMs: 15_000, description: "the digest in the old binding's channel" },
    );
    expect((await new RedisDigestStore(redis, prefix).get(REF))?.ts).toBe(digest.ts);
  });
});
