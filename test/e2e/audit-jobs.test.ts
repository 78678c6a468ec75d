/**
 * Every job's final outcome reaches the audit stream: who asked (userId), the domain
 * (target), the job id, succeeded or failed, and the counts. Against the stack's worker on
 * real Redis and the emulator: a re-ingest that succeeds, a provisioning job that fails and
 * its clean-up.
 * Then on a queue of its own: attempts that will be retried are not final and leave no entry.
 */
import { Queue, Worker } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditJobOutcomes } from "../../jobs/index.js";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import {
  deletePrefix,
  SANDBOX_AWS_CREDENTIALS,
  type Stack,
  testPrefix,
} from "../../sandbox/stack.js";
import { type AuditEntry, RedisAuditLog } from "../../src/audit/audit.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { refId } from "../../src/aws/targets.js";
import { loadConfig } from "../../src/config.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { createLogger } from "../../src/logger.js";
import { provisionJobData } from "../../src/provision/plan-to-job.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import {
  cleanUpProvision,
  enqueueProvision,
  PROVISION_JOB_OPTIONS,
} from "../../src/queues/provision.js";
import { enqueueReingest } from "../../src/queues/reingest.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { createDomainWithDlq, putDeadLetter, queueOf, THROTTLED } from "../dlq/support/harness.js";
import { at, PLACE_TEXT } from "../dlq/support/place.js";
import { startTestStack } from "../support/e2e.js";
import { LINK_QUOTA_FAULT } from "../support/link-faults.js";

const USER = "U0ADMIN";

/** Entries for the action, waiting until there are `count` of them (or 30 s have passed). */
async function entries(audit: RedisAuditLog, action: string, count = 1): Promise<AuditEntry[]> {
  let found: AuditEntry[] = [];
  for (let i = 0; i < 300; i++) {
    found = (await audit.latest({ limit: 500 })).filter((e) => e.action === action);
    if (found.length >= count) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return found;
}

describe("job outcomes from the stack's worker", () => {
  let stack: Stack;
  let redis: Redis;
  let queues: JobQueues;
  let audit: RedisAuditLog;

  beforeAll(async () => {
    stack = await startTestStack({ env: { PROFILES_ADMINS: USER, REINGEST_RATE: "20" } });
    redis = createRedis(stack.config, "worker");
    queues = createQueues(redis, stack.config.redis.prefix);
    audit = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
  });
  afterAll(async () => {
    await queues?.close();
    await redis?.quit();
    await stack?.stop();
  });

  it("a re-ingest that succeeds: requester, domain, job id and its counts", async () => {
    const domain = "amazon-connect-audit-reingest";
    const clients = createAwsClients({
      region: "us-east-1",
      endpoint: stack.emulator.url,
      maxAttempts: 3,
      credentials: SANDBOX_AWS_CREDENTIALS,
    });
    try {
      const url = await createDomainWithDlq({ gateways: createGateways(clients), clients }, domain);
      for (let i = 0; i < 3; i++) {
        putDeadLetter({ emulator: stack.emulator } as never, url, {
          domain,
          objectTypeName: "Order",
          errorMessage: THROTTLED,
          object: { OrderId: `o-${i}`, AccountNumber: `A-${i}` },
        });
      }
      // A class re-ingest acts on what a digest showed: bind the domain, so its first scan
      // records the three, as the digest's button would name that scan.
      await stack.slack.driver.type(`/profiles alerts ${domain}`, { user: USER });
      const digests = new RedisDigestStore(redis, stack.config.redis.prefix);
      let scanId: string | undefined;
      for (let i = 0; i < 200 && !scanId; i++) {
        scanId = (await digests.get(at(domain)))?.scanId;
        if (!scanId) await new Promise((r) => setTimeout(r, 100));
      }
      expect(scanId).toBeTypeOf("string");
      const outcome = await enqueueReingest(queues, {
        ...at(domain),
        cls: "throttled",
        requestedBy: USER,
        ...(scanId && { scanId }),
      });
      const [entry] = await entries(audit, "job:reingest");
      expect(entry).toMatchObject({
        userId: USER,
        target: refId(at(domain)),
        place: PLACE_TEXT,
        jobId: outcome.jobId,
        outcome: "succeeded",
      });
      expect(entry?.params).toMatchObject({ class: "throttled", done: 3, failed: 0 });
      expect(queueOf({ emulator: stack.emulator } as never, url).messages).toHaveLength(0);
    } finally {
      clients.destroy();
    }
  });

  it("a provisioning job that fails: failed, with the step and the reason, once", async () => {
    const instanceId = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
    const domain = "amazon-connect-audit-provision";
    stack.emulator.faults.set(LINK_QUOTA_FAULT);
    const data = provisionJobData(
      {
        instance: {
          id: instanceId,
          arn: `arn:aws:connect:us-east-1:${ACCOUNT_ID}:instance/${instanceId}`,
          alias: "examplecorp",
        },
        domain: { mode: "new", name: domain, expirationDays: 366 },
        dlq: { mode: "new", name: `${domain}-dlq` },
        key: { mode: "new", alias: `alias/${domain}`, description: "audit test" },
        confirmRelink: false,
      },
      { requestedBy: USER, channelId: "C0OPS", teamId: "T0SANDBOX" },
    );
    const fast = { ...PROVISION_JOB_OPTIONS, backoff: { type: "fixed", delay: 100 } };
    const outcome = await enqueueProvision(queues, data, { jobOptions: fast });
    const [entry, ...more] = await entries(audit, "job:enable");
    const ref = `${ACCOUNT_ID}.us-east-1.${domain}`;
    expect(more).toHaveLength(0);
    expect(entry).toMatchObject({
      userId: USER,
      // The domain's whole reference: the same name in another account or region is another.
      target: ref,
      place: PLACE_TEXT,
      jobId: outcome.jobId,
      outcome: "failed",
    });
    expect(entry?.params?.failedStep).toBeTypeOf("string");
    expect(entry?.params?.steps).toBeTypeOf("number");
    expect(entry?.detail).toContain("maximum number of integrations");

    // Its clean-up names only the failed job; the entry still names the domain.
    const clicked = await cleanUpProvision(queues, outcome.jobId, USER, { attempts: 1 });
    expect(clicked.status).toBe("started");
    const [cleaned] = await entries(audit, "job:cleanup");
    expect(cleaned).toMatchObject({
      userId: USER,
      target: ref,
      place: PLACE_TEXT,
      outcome: "succeeded",
    });
    expect(cleaned?.params?.provisionJob).toBe(outcome.jobId);
  });
});

describe("only the final outcome", () => {
  const config = loadConfig({ SLACK_BOT_TOKEN: "xoxb-test", ROLE: "worker" });
  const prefix = testPrefix();
  let redis: Redis;
  let queue: Queue;
  let worker: Worker;

  afterEach(async () => {
    await worker?.close();
    await queue?.close();
    await redis?.quit();
    await deletePrefix(config, prefix);
  });

  it("a job retried twice and then done leaves one succeeded entry; one that fails every attempt, one failed entry", async () => {
    redis = createRedis(config, "worker");
    const audit = new RedisAuditLog(redis, prefix, createLogger("silent"));
    queue = new Queue("toy", { connection: redis, prefix });
    worker = new Worker(
      "toy",
      async (job) => {
        if (job.name === "discard") throw new Error(`attempt ${job.attemptsMade + 1} failed`);
        if (job.attemptsMade < 2) throw new Error("not yet");
        return { done: 5, failed: 1, left: { throttled: 2 }, failures: ["x"] };
      },
      { connection: redis, prefix },
    );
    auditJobOutcomes(worker, audit, createLogger("silent"), { describe: () => PLACE_TEXT });
    const options = { attempts: 3, backoff: { type: "fixed", delay: 10 } };
    await queue.add("reingest", { ...at("d-ok"), requestedBy: "U1", cls: "throttled" }, options);
    await queue.add("discard", { ...at("d-bad"), requestedBy: "U2", cls: "throttled" }, options);

    const [done] = await entries(audit, "job:reingest");
    const [failed] = await entries(audit, "job:discard");
    // A retried attempt fails before the next one starts, so its entry would be here by now.
    const all = await audit.latest({ limit: 50 });
    expect(all).toHaveLength(2);
    expect(done).toMatchObject({
      userId: "U1",
      target: refId(at("d-ok")),
      place: PLACE_TEXT,
      outcome: "succeeded",
    });
    expect(done?.params).toEqual({
      done: 5,
      failed: 1,
      "left.throttled": 2,
      failures: 1,
      class: "throttled",
    });
    expect(failed).toMatchObject({
      userId: "U2",
      target: refId(at("d-bad")),
      outcome: "failed",
      detail: "attempt 3 failed",
    });
  });
});
