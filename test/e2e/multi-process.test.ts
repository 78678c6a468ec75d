/**
 * Two bot processes and two worker processes (four runtimes, one Redis prefix) under a burst
 * of 200 commands and clicks from the driver, spread over both bots: every request is
 * answered, re-ingest runs one job per domain and class at a time and loses none (the DLQ's
 * throttled class ends in the domain), and every action leaves exactly one audit entry, as
 * does every re-ingest job's final outcome. It runs on one Redis node and on a Redis Cluster.
 */
import { QueueEvents } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { startSeededEmulator } from "../../sandbox/aws/index.js";
import { ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import { type SlackStandIn, startSlackStandIn } from "../../sandbox/slack/index.js";
import {
  deletePrefix,
  SANDBOX_AWS_CREDENTIALS,
  SANDBOX_BOT_TOKEN,
  SANDBOX_SIGNING_SECRET,
  testPrefix,
} from "../../sandbox/stack.js";
import { type AuditEntry, RedisAuditLog } from "../../src/audit/audit.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { refId } from "../../src/aws/targets.js";
import { type Config, loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import { enqueueScanNow } from "../../src/queues/dlq-scan.js";
import { createQueues } from "../../src/queues/index.js";
import { QUEUES } from "../../src/queues/names.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { type Runtime, startRuntime } from "../../src/runtime.js";
import { DLQ_REINGEST_ACTION } from "../../src/slack/render/digest.js";
import { createDomainWithDlq, queueOf, storedObjects } from "../dlq/support/harness.js";
import { at } from "../dlq/support/place.js";
import { REDIS_KINDS, redisEnv } from "../support/redis-cluster.js";

const DOMAIN = "amazon-connect-e2e-multi";
const CHANNEL = "C0OPS";
const ADMIN = "U0ADMIN";
const OPERATOR = "U0AGENT";
/** Accounts with two orders put at once: one accepted, one throttled into the DLQ. */
const ACCOUNTS = 20;
const BURST = 200;
const IN_FLIGHT = 20;

/** Everything the test started, stopped in reverse order whatever happened. */
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups.length = 0;
});

type Kind = "status" | "help" | "audit" | "click";
/** The burst's mix, by request index: 60 status, 40 help, 40 refused audit, 60 clicks. */
const kindOf = (i: number): Kind =>
  (["status", "click", "help", "status", "audit", "click", "status", "help", "audit", "click"][
    i % 10
  ] ?? "help") as Kind;

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(REDIS_KINDS)("two bots and two workers on one Redis (%s)", (redisKind) => {
  it("answers a burst of 200 requests, runs no duplicate and loses no re-ingest, and audits each action once", async () => {
    const prefix = testPrefix();
    const log = createLogger("silent");
    const emulator = await startSeededEmulator({ port: 0, quotas: false });
    cleanups.push(() => emulator.close());
    const slack: SlackStandIn = await startSlackStandIn({
      port: 0,
      signingSecret: SANDBOX_SIGNING_SECRET,
    });
    cleanups.push(() => slack.close());

    const configFor = (role: "bot" | "worker"): Config =>
      loadConfig({
        SLACK_BOT_TOKEN: SANDBOX_BOT_TOKEN,
        SLACK_SIGNING_SECRET: SANDBOX_SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        AWS_ENDPOINT_URL: emulator.url,
        AWS_REGION: "us-east-1",
        HOST: "127.0.0.1",
        PORT: "0",
        ROLE: role,
        QUEUE_PREFIX: prefix,
        LOG_LEVEL: "silent",
        PROFILES_ADMINS: ADMIN,
        PROFILES_OPERATORS: OPERATOR,
        REINGEST_RATE: "100",
        // The test posts its digest itself; no scheduled scan should edit the channel meanwhile.
        DLQ_SCAN_INTERVAL: "1h",
        ...redisEnv(redisKind),
      });
    const config = configFor("bot");
    // Registered first, so it runs last: after every process has stopped.
    cleanups.push(() => deletePrefix(config, prefix));

    const runtimes: Runtime[] = [];
    for (const role of ["bot", "bot", "worker", "worker"] as const) {
      const runtime = await startRuntime(configFor(role), log, {
        awsCredentials: SANDBOX_AWS_CREDENTIALS,
      });
      runtimes.push(runtime);
      cleanups.push(() => runtime.stop());
    }
    const bots = runtimes.slice(0, 2);
    expect(new Set(bots.map((b) => b.url)).size).toBe(2);

    const redis: Redis = createRedis(config, "client");
    cleanups.push(() => redis.quit());
    const events = new QueueEvents(QUEUES.reingest, {
      connection: createRedis(config, "worker"),
      prefix,
    });
    cleanups.push(() => events.close());
    await events.waitUntilReady();
    // Job runs as BullMQ saw them, in stream order: an overlap would be a duplicate job.
    const running = new Map<string, number>();
    let maxRunning = 0;
    let runs = 0;
    let failedRuns = 0;
    events.on("active", ({ jobId }) => {
      const now = (running.get(jobId) ?? 0) + 1;
      running.set(jobId, now);
      maxRunning = Math.max(maxRunning, now);
    });
    const finish = ({ jobId }: { jobId: string }) =>
      running.set(jobId, (running.get(jobId) ?? 1) - 1);
    events.on("completed", (e) => {
      runs += 1;
      finish(e);
    });
    events.on("failed", (e) => {
      failedRuns += 1;
      finish(e);
    });

    // A domain whose DLQ holds ACCOUNTS throttled orders.
    const clients = createAwsClients({
      region: "us-east-1",
      endpoint: emulator.url,
      maxAttempts: 3,
      credentials: SANDBOX_AWS_CREDENTIALS,
    });
    cleanups.push(() => clients.destroy());
    const gateways = createGateways(clients);
    const url = await createDomainWithDlq({ gateways, clients }, DOMAIN);
    await new RedisBindingStore(redis, prefix).set({
      ...at(DOMAIN),
      channelId: CHANNEL,
      teamId: "T0SANDBOX",
      queueUrl: url,
      boundBy: ADMIN,
      boundAt: new Date().toISOString(),
    });
    await Promise.all(
      Array.from({ length: ACCOUNTS * 2 }, (_, i) =>
        gateways.profiles.putProfileObject(
          DOMAIN,
          "Order",
          JSON.stringify({ OrderId: `o-${i}`, AccountNumber: `A-${i % ACCOUNTS}` }),
        ),
      ),
    );
    const h = { emulator } as never;
    await ingestionIdle(emulator.ctx.state);
    expect(queueOf(h, url).messages).toHaveLength(ACCOUNTS);
    expect(storedObjects(h, DOMAIN)).toHaveLength(ACCOUNTS);
    // Past the emulator's one-object-per-profile-per-second window.
    await new Promise((r) => setTimeout(r, 1_100));

    // The digest, as a scan posts it: its buttons name the scan, and clicks are checked
    // against the digest the bot recorded.
    const queues = createQueues(createRedis(config, "worker"), prefix);
    cleanups.push(() => queues.close());
    await enqueueScanNow(queues, at(DOMAIN));
    const digest = await slack.timeline.waitFor(
      (t) =>
        t
          .messages(CHANNEL)
          .find((m) => !m.thread_ts && m.text.startsWith(`Dead-letter queue of ${DOMAIN}`)),
      { timeoutMs: 15_000, description: "the digest" },
    );
    const message = { channel: CHANNEL, ts: String(digest.ts) };

    const drivers = bots.map((b) =>
      slack.createDriver({
        botUrl: `${b.url}/slack/events`,
        signingSecret: SANDBOX_SIGNING_SECRET,
        channel: CHANNEL,
      }),
    );
    const sent = { status: 0, help: 0, audit: 0, click: 0 };
    const statuses: number[] = [];
    const send = async (i: number) => {
      const driver = drivers[i % 2];
      if (!driver) throw new Error("no driver");
      const kind = kindOf(i);
      sent[kind] += 1;
      const user = i % 4 < 2 ? ADMIN : OPERATOR;
      const res =
        kind === "status"
          ? await driver.type("/profiles status", { user })
          : kind === "help"
            ? await driver.type("/profiles help", { user })
            : kind === "audit"
              ? await driver.type("/profiles audit", { user: OPERATOR })
              : await driver.clickButton(DLQ_REINGEST_ACTION, {
                  blockId: "dlq-class-throttled",
                  message,
                  user,
                });
      statuses[i] = res.status;
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < BURST) await send(next++);
      }),
    );

    // Every request answered.
    expect(statuses.filter((s) => s === 200)).toHaveLength(BURST);
    expect(sent.click).toBeGreaterThan(0);
    expect(sent.audit).toBeGreaterThan(0);

    // The DLQ's throttled class ends drained into the domain.
    await until(
      async () => queueOf(h, url).messages.length,
      (n) => n === 0,
      30_000,
    );
    await ingestionIdle(emulator.ctx.state);
    expect(queueOf(h, url).messages).toHaveLength(0);
    expect(storedObjects(h, DOMAIN)).toHaveLength(ACCOUNTS * 2);

    // Exactly one audit entry per non-public request, none duplicated.
    const audit = new RedisAuditLog(redis, prefix, log);
    const count = (entries: AuditEntry[], action: string) =>
      entries.filter((e) => e.action === action).length;
    const REQUEST_ACTIONS = ["command:status", "command:audit", "action:dlq_reingest"];
    const expected = sent.status + sent.audit + sent.click;
    const requestEntries = await until(
      async () =>
        (await audit.latest({ limit: 1_000 })).filter((e) => REQUEST_ACTIONS.includes(e.action)),
      (e) => e.length >= expected,
      15_000,
    );
    expect(requestEntries).toHaveLength(expected);

    // One job at a time per domain and class, and every click either started a job that ran
    // or was told the one running was already there.
    const clicks = requestEntries.filter((e) => e.action === "action:dlq_reingest");
    const accepted = clicks.filter((e) => e.outcome === "accepted").length;
    const refused = clicks.filter((e) => e.outcome === "refused").length;
    expect(accepted + refused).toBe(sent.click);
    expect(accepted).toBeGreaterThanOrEqual(1);
    // A run goes on reading the DLQ for a while after its last put (came-backs), so it ends
    // well after the queue looks empty: wait for BullMQ to say each run finished.
    await until(
      async () => runs + failedRuns,
      (n) => n >= accepted,
      60_000,
    );
    expect(runs).toBe(accepted);
    expect(failedRuns).toBe(0);
    expect(maxRunning).toBe(1);
    // Each finished run is audited too, with its outcome, by the worker that ran it.
    const entries = await until(
      () => audit.latest({ limit: 1_000 }),
      (e) => count(e, "job:reingest") >= accepted,
      15_000,
    );
    // Time for a late duplicate to show up.
    await new Promise((r) => setTimeout(r, 500));
    const all = await audit.latest({ limit: 1_000 });
    expect(all.length).toBe(entries.length);
    expect(count(all, "command:status")).toBe(sent.status);
    expect(count(all, "command:audit")).toBe(sent.audit);
    expect(all.filter((e) => e.action === "command:audit").map((e) => e.outcome)).toEqual(
      Array(sent.audit).fill("refused"),
    );
    expect(count(all, "action:dlq_reingest")).toBe(sent.click);
    expect(all.filter((e) => e.action.startsWith("command:help"))).toEqual([]);
    expect(
      all.filter((e) => e.action === "job:reingest").map((e) => [e.outcome, e.target]),
    ).toEqual(Array(accepted).fill(["succeeded", refId(at(DOMAIN))]));
    expect(all).toHaveLength(expected + accepted);

    const told = await until(
      async () =>
        [ADMIN, OPERATOR].flatMap((u) =>
          slack.timeline.ephemerals(u).filter((e) => /already running/.test(e.text ?? "")),
        ).length,
      (n) => n >= refused,
      10_000,
    );
    expect(told).toBe(refused);
    // Each run replied once in the digest's thread, and ended in its final state.
    const replies = slack.timeline
      .thread(CHANNEL, message.ts)
      .filter((m) => /Re-ingest of|re-ingesting/i.test(m.text));
    expect(replies).toHaveLength(accepted);
    for (const reply of replies) expect(reply.text).toMatch(/Re-ingest of .* finished/);
  }, 90_000);
});
