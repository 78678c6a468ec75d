/**
 * Dead-letter digests end to end: objects ingested too fast land in the emulator's DLQ,
 * `/profiles alerts` binds the domain, scans post and then edit one digest message with the
 * right counts, a new class gets a thread reply, Inspect opens redacted samples, Mute holds
 * the replies back, and an empty queue turns the digest resolved.
 */
import {
  CreateDomainCommand,
  PutProfileObjectCommand,
  PutProfileObjectTypeCommand,
  type PutProfileObjectTypeCommandInput,
} from "@aws-sdk/client-customer-profiles";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { type Job, type Queue, QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanOutcome } from "../../jobs/dlq-scan.js";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { CRM_CONTACT_TYPE, ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import { SANDBOX_AWS_CREDENTIALS, type Stack } from "../../sandbox/stack.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { refId } from "../../src/aws/targets.js";
import { dlqPolicyStatement } from "../../src/enable/policies.js";
import { enqueueScanNow, scanLockKey } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { QUEUES } from "../../src/queues/names.js";
import { createRedis } from "../../src/redis.js";
import { at } from "../dlq/support/place.js";
import { startTestStack } from "../support/e2e.js";
import { readMessage } from "../support/messages.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const DOMAIN = "amazon-connect-dlqdigest";
const REGION = "us-east-1";
/** Customer data the objects carry: none of it may reach Slack with previews redacted. */
const PII = ["Zebediah", "Quartermaine", "zeb.quartermaine@example.org", "+15555550177"];

let stack: Stack;
let aws: ReturnType<typeof createAwsClients>;
let queueUrl: string;
let queues: JobQueues;
let scanQueue: Queue;

/** A scan outside the schedule, as App Home's Scan now adds it. */
async function addScan(): Promise<Job> {
  const { jobId } = await enqueueScanNow(queues, at(DOMAIN));
  const job = await scanQueue.getJob(jobId);
  if (!job) throw new Error(`scan job ${jobId} vanished`);
  return job;
}
let events: QueueEvents;
let redisA: ReturnType<typeof createRedis>;
let redisB: ReturnType<typeof createRedis>;

async function createDomainWithDlq(): Promise<string> {
  const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `${DOMAIN}-dlq` }));
  const url = QueueUrl ?? "";
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  const statement = dlqPolicyStatement({
    queueArn: Attributes?.QueueArn ?? "",
    accountId: ACCOUNT_ID,
    region: REGION,
    domainName: DOMAIN,
  });
  await aws.sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: url,
      Attributes: { Policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) },
    }),
  );
  await aws.profiles.send(
    new CreateDomainCommand({
      DomainName: DOMAIN,
      DefaultExpirationDays: 30,
      DeadLetterQueueUrl: url,
    }),
  );
  await aws.profiles.send(
    new PutProfileObjectTypeCommand({
      DomainName: DOMAIN,
      ObjectTypeName: "CRM-Contact",
      ...(CRM_CONTACT_TYPE as Pick<
        PutProfileObjectTypeCommandInput,
        "Description" | "Fields" | "Keys"
      >),
    }),
  );
  return url;
}

const contact = (account: string | undefined, email: string) => ({
  ...(account && { AccountNumber: account }),
  FirstName: "Zebediah",
  LastName: "Quartermaine",
  Email: email,
  Phone: "+15555550177",
});

/** Puts the objects back to back (faster than one a second per profile), then waits for ingestion. */
async function ingest(objects: object[]): Promise<void> {
  for (const object of objects) {
    await aws.profiles.send(
      new PutProfileObjectCommand({
        DomainName: DOMAIN,
        ObjectTypeName: "CRM-Contact",
        Object: JSON.stringify(object),
      }),
    );
  }
  await ingestionIdle(stack.emulator.ctx.state);
}

/** Runs one scan through the worker, as the scheduler would, and returns what it did. */
async function scanNow(): Promise<ScanOutcome> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const job = await addScan();
    const outcome = (await job.waitUntilFinished(events, 15_000)) as ScanOutcome;
    // The scheduler's own first scan may hold the domain's lock: try again after it.
    if (outcome.status !== "locked") return outcome;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the domain stayed locked");
}

const digests = (): MessageRecord[] =>
  stack.slack.timeline
    .messages(CHANNEL)
    .filter((m) => !m.thread_ts && m.text.startsWith(`Dead-letter queue of ${DOMAIN}`));

function theDigest(): MessageRecord {
  const all = digests();
  expect(all).toHaveLength(1);
  return all[0] as MessageRecord;
}

const replies = (digest: MessageRecord) =>
  stack.slack.timeline.thread(CHANNEL, digest.ts).filter((m) => m.ts !== digest.ts);

beforeAll(async () => {
  // Scheduled scans every hour: the test runs its scans itself, so counts are deterministic.
  stack = await startTestStack({ env: { DLQ_SCAN_INTERVAL: "1h" } });
  aws = createAwsClients({
    region: REGION,
    endpoint: stack.emulator.url,
    maxAttempts: 2,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
  redisA = createRedis(stack.config, "worker");
  redisB = createRedis(stack.config, "worker");
  queues = createQueues(redisA, stack.config.redis.prefix);
  scanQueue = queues.dlqScan;
  events = new QueueEvents(QUEUES.dlqScan, {
    connection: redisB,
    prefix: stack.config.redis.prefix,
  });
  await events.waitUntilReady();
  queueUrl = await createDomainWithDlq();
});

afterAll(async () => {
  await events?.close();
  await queues?.close();
  redisA?.disconnect();
  redisB?.disconnect();
  aws?.destroy();
  await stack?.stop();
});

describe("dead-letter digest", () => {
  it("binds with /profiles alerts and posts a digest with the counts per class", async () => {
    // Four objects for one profile in the same second: one accepted, three throttled.
    // Two without the UNIQUE key's field: missing key.
    await ingest([
      contact("7001", "zeb.quartermaine@example.org"),
      contact("7001", "zeb.quartermaine@example.org"),
      contact("7001", "zeb.quartermaine@example.org"),
      contact("7001", "zeb.quartermaine@example.org"),
      contact(undefined, "nobody@example.org"),
      contact(undefined, "nobody@example.org"),
      contact("7002", "second@example.org"),
    ]);

    const res = await stack.slack.driver.type(`/profiles alerts ${DOMAIN}`);
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3000);
    const answer = await stack.slack.timeline.waitFor(
      (t) => t.ephemerals(USER, CHANNEL).find((e) => e.text.includes("Dead-letter digests for")),
      { timeoutMs: 10_000, description: "the alerts answer" },
    );
    expect(answer.text).toContain(`<#${CHANNEL}>`);
    expect(answer.text).toContain("every 1 hour");

    const outcome = await scanNow();
    expect(["posted", "edited"]).toContain(outcome.status);
    const digest = theDigest();
    const text = readMessage(digest);
    expect(text).toContain("5 failed objects");
    expect(text).toMatch(/Throttled: 3\b/);
    expect(text).toMatch(/Missing key: 2\b/);
    expect(text).toContain("Safe to re-ingest");
    const json = JSON.stringify(digest.blocks);
    for (const pii of PII) expect(json).not.toContain(pii);
    expect(json).toContain('"action_id":"dlq_reingest"');
  });

  it("edits the same message on the next scan and replies in its thread for a new class", async () => {
    const before = theDigest();
    const versions = before.history.length;
    // Three more for a new profile (one accepted, two throttled), and one whose keys find two
    // different profiles (7001 by account, 7002 by email).
    await ingest([
      contact("7003", "third@example.org"),
      contact("7003", "third@example.org"),
      contact("7003", "third@example.org"),
      contact("7001", "second@example.org"),
    ]);
    const outcome = await scanNow();
    expect(outcome).toMatchObject({ status: "edited", total: 8, newClasses: ["multi-profile"] });

    const digest = theDigest();
    expect(digest.ts).toBe(before.ts);
    expect(digest.history.length).toBeGreaterThan(versions);
    const text = readMessage(digest);
    expect(text).toMatch(/Throttled: 5 \(↑ 2\)/);
    expect(text).toMatch(/Missing key: 2 \(no change\)/);
    expect(text).toMatch(/Several profiles: 1 \(new\)/);
    const thread = replies(digest);
    expect(thread).toHaveLength(1);
    expect(thread[0]?.text).toContain("Several profiles");
  });

  it("opens Inspect with redacted samples and a Re-ingest this message button", async () => {
    const digest = theDigest();
    const res = await stack.slack.driver.clickButton("dlq_inspect", {
      blockId: "dlq-class-throttled",
      message: { channel: CHANNEL, ts: digest.ts },
    });
    expect(res.status).toBe(200);
    const view = await stack.slack.timeline.waitFor((t) => t.currentView(USER), {
      timeoutMs: 10_000,
      description: "the Inspect modal",
    });
    const json = JSON.stringify(view);
    expect(json).toContain("Throttled");
    expect(json).toContain("Too many objects ingested on profile per second");
    expect(json).toContain('"action_id":"dlq_reingest_one"');
    expect(json).toContain("AccountNumber");
    for (const pii of PII) expect(json).not.toContain(pii);
  });

  it("stops thread replies while muted, but keeps editing the digest", async () => {
    const digest = theDigest();
    await stack.slack.driver.select("dlq_mute", `24h|${DOMAIN}`, {
      message: { channel: CHANNEL, ts: digest.ts },
    });
    await stack.slack.timeline.waitFor(
      () => replies(digest).find((m) => m.text.includes(`<@${USER}> muted this digest until`)),
      { timeoutMs: 10_000, description: "the mute reply" },
    );
    const repliesBefore = replies(digest).length;

    // A new class (a body nobody can read) while muted.
    await aws.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "not json at all" }),
    );
    const outcome = await scanNow();
    expect(outcome).toMatchObject({ status: "edited", newClasses: ["unreadable"], replies: 0 });
    const text = readMessage(theDigest());
    expect(text).toMatch(/Unreadable: 1 \(new\)/);
    expect(text).toContain("thread muted until");
    expect(replies(digest)).toHaveLength(repliesBefore);
  });

  it("turns the digest resolved once the queue is empty", async () => {
    for (;;) {
      const { Messages = [] } = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) {
        await aws.sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle ?? "" }),
        );
      }
    }
    const repliesBefore = replies(theDigest()).length;
    expect(await scanNow()).toMatchObject({ status: "resolved" });
    const resolved = stack.slack.timeline
      .messages(CHANNEL)
      .filter((m) => !m.thread_ts && m.text.startsWith(`Dead-letter queue of ${DOMAIN}`));
    expect(resolved).toHaveLength(1);
    expect(readMessage(resolved[0] as MessageRecord)).toContain(
      "The dead-letter queue is empty (was 9)",
    );
    // A second empty scan changes nothing and posts nothing.
    const versions = (resolved[0] as MessageRecord).history.length;
    expect(await scanNow()).toMatchObject({ status: "quiet" });
    expect((resolved[0] as MessageRecord).history.length).toBe(versions);
    expect(replies(resolved[0] as MessageRecord)).toHaveLength(repliesBefore);
  });

  it("runs one scan at a time per domain: a scan that finds the domain's lock taken skips", async () => {
    // Another worker's scan, as far as Redis can tell.
    const key = scanLockKey(stack.config.redis.prefix, at(DOMAIN));
    expect(await redisA.set(key, "another-worker", "PX", 30_000, "NX")).toBe("OK");
    const job = await addScan();
    expect(await job.waitUntilFinished(events, 15_000)).toEqual({ status: "locked" });
    // The skipped scan left the other holder's lock alone.
    expect(await redisA.get(key)).toBe("another-worker");
    await redisA.del(key);
    expect(await scanNow()).toMatchObject({ status: "quiet" });
  });

  it("keeps a scheduler per bound domain, and removes it with `off`", async () => {
    const scheduler = await scanQueue.getJobScheduler(`scan-${refId(at(DOMAIN))}`);
    expect(scheduler?.every).toBe(3_600_000);

    await stack.slack.driver.type(`/profiles alerts ${DOMAIN} off`);
    await stack.slack.timeline.waitFor(
      (t) => t.ephemerals(USER, CHANNEL).find((e) => e.text.includes("are off")),
      { timeoutMs: 10_000, description: "the alerts off answer" },
    );
    expect(await scanQueue.getJobScheduler(`scan-${refId(at(DOMAIN))}`)).toBeUndefined();
    expect(await scanNow()).toMatchObject({ status: "unbound" });
  });

  it("tells a domain without a dead-letter queue how to add one, and binds nothing", async () => {
    await stack.slack.driver.type("/profiles alerts amazon-connect-legacy");
    const answer = await stack.slack.timeline.waitFor(
      (t) => t.ephemerals(USER, CHANNEL).find((e) => e.text.includes("has no dead-letter queue")),
      { timeoutMs: 10_000, description: "the no-DLQ answer" },
    );
    expect(answer.text).toContain("/profiles enable");
    expect(await scanQueue.getJobScheduler("scan-amazon-connect-legacy")).toBeUndefined();

    const bad = await stack.slack.driver.type("/profiles alerts not/a/domain");
    expect((bad.body as { text?: string }).text).toContain(
      "letters, digits, hyphens or underscores",
    );
  });
});
