/**
 * Redis comes back empty: the whole stack (emulator, Slack stand-in, bot and worker on real
 * Redis) binds a domain with `/profiles alerts` and mutes its digest; then every key under
 * the test's prefix is deleted, as FLUSHALL would for this bot (the shared Redis itself is
 * never flushed). /healthz says `degraded` with the reason while the bound domain has no
 * scan schedule, the worker's reconcile rebuilds the bindings and the mute from the domain's
 * tags, scans resume by themselves, the digest goes to the same channel, and the mute holds.
 */
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanOutcome } from "../../jobs/dlq-scan.js";
import { findDomain } from "../../sandbox/aws/services/profiles.js";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import { SANDBOX_AWS_CREDENTIALS, type Stack } from "../../sandbox/stack.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { RedisBindingStore, TaggedBindingStore } from "../../src/provision/bindings.js";
import { enqueueScanNow } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { lockKey } from "../../src/queues/lock.js";
import { QUEUES } from "../../src/queues/names.js";
import { createRedis, keysMatching, type Redis } from "../../src/redis.js";
import { createDomainWithDlq } from "../dlq/support/harness.js";
import { at, tagsIn } from "../dlq/support/place.js";
import { startTestStack } from "../support/e2e.js";
import { eventually } from "../support/eventually.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const DOMAIN = "amazon-connect-redisloss";
const REGION = "us-east-1";

let stack: Stack;
let aws: ReturnType<typeof createAwsClients>;
let queueUrl: string;
let redis: Redis;
let blocking: Redis;
let queues: JobQueues;
let events: QueueEvents;

interface Health {
  status: number;
  body: { ok: boolean; status: string; redis: string; reasons?: string[] };
}

async function health(): Promise<Health> {
  const res = await fetch(`${stack.runtime.url}/healthz`);
  return { status: res.status, body: (await res.json()) as Health["body"] };
}

const digests = (): MessageRecord[] =>
  stack.slack.timeline
    .messages(CHANNEL)
    .filter((m) => !m.thread_ts && m.text.startsWith(`Dead-letter queue of ${DOMAIN}`));

const replies = (digest: MessageRecord) =>
  stack.slack.timeline.thread(CHANNEL, digest.ts).filter((m) => m.ts !== digest.ts);

/** Runs one scan through the worker, retrying while another scan holds the domain's lock. */
async function scanNow(): Promise<ScanOutcome> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const { jobId } = await enqueueScanNow(queues, at(DOMAIN));
    const job = await queues.dlqScan.getJob(jobId);
    if (!job) throw new Error(`scan job ${jobId} vanished`);
    const outcome = (await job.waitUntilFinished(events, 15_000)) as ScanOutcome;
    if (outcome.status !== "locked") return outcome;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the domain stayed locked");
}

/** Every key under the test's prefix but `keep`: what FLUSHALL does to this bot's data. */
async function emptyRedis(keep: string): Promise<number> {
  let deleted = 0;
  for await (const keys of keysMatching(redis, `${stack.config.redis.prefix}*`)) {
    const doomed = keys.filter((k) => k !== keep);
    if (doomed.length) deleted += await redis.del(...doomed);
  }
  return deleted;
}

/** A dead letter as Customer Profiles writes it. */
const deadLetter = (errorMessage: string, account: string) =>
  aws.sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify({
        domainName: DOMAIN,
        objectTypeName: "CRM-Contact",
        errorMessage,
        object: JSON.stringify({ AccountNumber: account }),
        timestamp: new Date().toISOString(),
      }),
    }),
  );

beforeAll(async () => {
  // Scans once an hour: after the loss only a reconcile can bring them back. Reconciles
  // every second, so the test need not wait long for one.
  stack = await startTestStack({
    env: { DLQ_SCAN_INTERVAL: "1h", DLQ_RECONCILE_INTERVAL: "1s" },
  });
  aws = createAwsClients({
    region: REGION,
    endpoint: stack.emulator.url,
    maxAttempts: 2,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
  redis = createRedis(stack.config, "client");
  blocking = createRedis(stack.config, "worker");
  queues = createQueues(redis, stack.config.redis.prefix);
  events = new QueueEvents(QUEUES.dlqScan, {
    connection: blocking,
    prefix: stack.config.redis.prefix,
  });
  await events.waitUntilReady();
  queueUrl = await createDomainWithDlq({ gateways: createGateways(aws), clients: aws }, DOMAIN);
}, 60_000);

afterAll(async () => {
  await events?.close();
  await queues?.close();
  redis?.disconnect();
  blocking?.disconnect();
  aws?.destroy();
  await stack?.stop();
});

describe("Redis comes back empty", () => {
  let mutedUntil: number | undefined;

  it("keeps the binding and the mute as tags on the domain", async () => {
    await deadLetter("Too many objects ingested on profile per second", "9001");
    const res = await stack.slack.driver.type(`/profiles alerts ${DOMAIN}`);
    expect(res.status).toBe(200);
    const digest = await stack.slack.timeline.waitFor(() => digests()[0], {
      timeoutMs: 15_000,
      description: "the first digest",
    });
    await stack.slack.driver.select("dlq_mute", `24h|${DOMAIN}`, {
      message: { channel: CHANNEL, ts: digest.ts },
    });
    await stack.slack.timeline.waitFor(
      () => replies(digest).find((m) => m.text.includes(`<@${USER}> muted this digest until`)),
      { timeoutMs: 10_000, description: "the mute reply" },
    );
    mutedUntil = (await new RedisDigestStore(redis, stack.config.redis.prefix).get(at(DOMAIN)))
      ?.mutedUntil;
    expect(mutedUntil).toBeGreaterThan(Date.now());

    const tags = findDomain(stack.emulator.ctx.state, DOMAIN, REGION)?.tags;
    expect(tags).toMatchObject({
      "profiles-bot:channel": CHANNEL,
      "profiles-bot:muted-until": new Date(mutedUntil ?? 0).toISOString(),
    });
    const before = await eventually(health, (h) => h.body.status === "ok");
    expect(before).toEqual({ status: 200, body: { ok: true, status: "ok", redis: "up" } });
  });

  it("says degraded while the domain has no scan schedule, then rebuilds, scans again in the same channel, and stays muted", async () => {
    const digestsBefore = digests().length;
    // Hold the reconcile lock so that the degraded state lasts until the test has seen it.
    const reconcileLock = lockKey(stack.config.redis.prefix, "dlq-scan-reconcile", "all");
    await redis.set(reconcileLock, "held-by-the-test", "PX", 60_000);
    // Let a reconcile already past the lock finish before the data goes.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await emptyRedis(reconcileLock)).toBeGreaterThan(0);
    expect(await new RedisBindingStore(redis, stack.config.redis.prefix).list()).toEqual([]);
    expect(await queues.dlqScan.getJobSchedulers(0, -1)).toEqual([]);

    const degraded = await health();
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatchObject({ ok: true, status: "degraded", redis: "up" });
    expect(degraded.body.reasons?.join(" ")).toMatch(/bindings are not in Redis/);

    // Any reader rebuilds the cache from the tags (App Home does this); only a reconcile
    // brings the schedule back.
    const reader = new TaggedBindingStore(
      redis,
      stack.config.redis.prefix,
      tagsIn(createGateways(aws).profiles),
    );
    expect((await reader.list()).map((b) => [b.domain, b.channelId])).toEqual([[DOMAIN, CHANNEL]]);
    const stillDegraded = await eventually(health, (h) =>
      (h.body.reasons ?? []).some((r) => r.includes(`domain ${DOMAIN}`)),
    );
    expect(stillDegraded.body.status).toBe("degraded");
    expect(stillDegraded.body.reasons).toContain(
      `domain ${DOMAIN} (account ${at(DOMAIN).account}, ${at(DOMAIN).region}) is bound to channel ${CHANNEL} but has no scan schedule: a worker re-creates it at its next reconcile`,
    );

    await redis.del(reconcileLock);
    const healed = await eventually(health, (h) => h.body.status === "ok");
    expect(healed).toEqual({ status: 200, body: { ok: true, status: "ok", redis: "up" } });

    // The re-created schedule's first scan posts the digest again, in the same channel.
    const again = await stack.slack.timeline.waitFor(
      () => (digests().length > digestsBefore ? digests().at(-1) : undefined),
      { timeoutMs: 15_000, description: "the digest after the loss" },
    );
    expect(again.channel).toBe(CHANNEL);
    const elsewhere = stack.slack.timeline
      .allMessages()
      .filter((m) => m.text.startsWith(`Dead-letter queue of ${DOMAIN}`) && m.channel !== CHANNEL);
    expect(elsewhere).toEqual([]);

    // The mute came back from the tag: a new class gets no thread reply.
    expect(
      (await new RedisDigestStore(redis, stack.config.redis.prefix).get(at(DOMAIN)))?.mutedUntil,
    ).toBe(mutedUntil);
    await aws.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "not json at all" }),
    );
    const outcome = await scanNow();
    expect(outcome).toMatchObject({ status: "edited", newClasses: ["unreadable"], replies: 0 });
  }, 90_000);
});
