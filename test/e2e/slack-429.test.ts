/**
 * Slack answering 429 to a quarter of chat.update calls: the digest (edited by scans, with
 * a change in between) and a re-ingest's progress reply still end in their final state,
 * because the notifier waits out Retry-After and sends the latest content.
 */

import { QueueEvents } from "bullmq";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterEach, describe, expect, it } from "vitest";
import type { ScanOutcome } from "../../jobs/dlq-scan.js";
import { ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import { SANDBOX_AWS_CREDENTIALS, type Stack } from "../../sandbox/stack.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import { enqueueScanNow } from "../../src/queues/dlq-scan.js";
import { createQueues } from "../../src/queues/index.js";
import { QUEUES } from "../../src/queues/names.js";
import { createRedis } from "../../src/redis.js";
import { DLQ_REINGEST_ACTION } from "../../src/slack/render/digest.js";
import { createDomainWithDlq, queueOf, storedObjects } from "../dlq/support/harness.js";
import { at } from "../dlq/support/place.js";
import { startTestStack } from "../support/e2e.js";
import { readMessage } from "../support/messages.js";

const DOMAIN = "amazon-connect-e2e-429";
const METRICS_TOKEN = "slack-429-metrics-token-0123";
const CHANNEL = "C0OPS";
const ADMIN = "U0ADMIN";

const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups.length = 0;
});

describe("Slack rate-limiting chat.update", () => {
  it("still leaves the digest and the re-ingest reply in their final state", async () => {
    const stack: Stack = await startTestStack({
      slack: { seed: 23, rateLimit: { "chat.update": { fraction: 0.25, retryAfter: 1 } } },
      env: {
        DLQ_SCAN_INTERVAL: "1h",
        REINGEST_RATE: "100",
        PROFILES_ADMINS: ADMIN,
        METRICS_TOKEN,
      },
    });
    cleanups.push(() => stack.stop());
    const { timeline } = stack.slack;
    const h = { emulator: stack.emulator } as never;

    const clients = createAwsClients({
      region: "us-east-1",
      endpoint: stack.emulator.url,
      maxAttempts: 3,
      credentials: SANDBOX_AWS_CREDENTIALS,
    });
    cleanups.push(() => clients.destroy());
    const gateways = createGateways(clients);
    const redisA = createRedis(stack.config, "worker");
    const redisB = createRedis(stack.config, "worker");
    cleanups.push(() => redisA.disconnect());
    cleanups.push(() => redisB.disconnect());
    const prefix = stack.config.redis.prefix;
    const queues = createQueues(redisA, prefix);
    cleanups.push(() => queues.close());
    const events = new QueueEvents(QUEUES.dlqScan, { connection: redisB, prefix });
    cleanups.push(() => events.close());
    await events.waitUntilReady();

    const url = await createDomainWithDlq({ gateways, clients }, DOMAIN);
    await new RedisBindingStore(redisA, prefix).set({
      ...at(DOMAIN),
      channelId: CHANNEL,
      teamId: "T0SANDBOX",
      queueUrl: url,
      boundBy: ADMIN,
      boundAt: new Date().toISOString(),
    });

    /** Two orders at once for each account: one accepted, one throttled into the DLQ. */
    const ingest = async (accounts: string[]) => {
      await Promise.all(
        accounts.flatMap((account) =>
          [1, 2].map((n) =>
            gateways.profiles.putProfileObject(
              DOMAIN,
              "Order",
              JSON.stringify({ OrderId: `${account}-${n}`, AccountNumber: account }),
            ),
          ),
        ),
      );
      await ingestionIdle(stack.emulator.ctx.state);
    };
    const scanNow = async (): Promise<ScanOutcome> => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const { jobId } = await enqueueScanNow(queues, at(DOMAIN));
        const job = await queues.dlqScan.getJob(jobId);
        const outcome = (await job?.waitUntilFinished(events, 30_000)) as ScanOutcome;
        if (outcome.status !== "locked") return outcome;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error("the domain stayed locked");
    };
    const digests = () =>
      timeline
        .messages(CHANNEL)
        .filter((m) => !m.thread_ts && m.text.startsWith(`Dead-letter queue of ${DOMAIN}`));
    /** The one digest once its text shows `final`, and still so a moment later. */
    const settledDigest = async (final: RegExp, description: string) => {
      await timeline.waitFor(() => digests().find((m) => final.test(readMessage(m))), {
        timeoutMs: 20_000,
        description,
      });
      await new Promise((r) => setTimeout(r, 1_500));
      const all = digests();
      expect(all).toHaveLength(1);
      const digest = all[0] as MessageRecord;
      expect(readMessage(digest)).toMatch(final);
      return digest;
    };

    // First scan: 10 throttled.
    await ingest(Array.from({ length: 10 }, (_, i) => `A-${i}`));
    expect(queueOf(h, url).messages).toHaveLength(10);
    expect((await scanNow()).status).toMatch(/posted|edited/);
    const first = await settledDigest(/Throttled: 10\b/, "the first digest");

    // A change, then the scan edits the same message: 25 throttled (↑ 15).
    await ingest(Array.from({ length: 15 }, (_, i) => `B-${i}`));
    expect(queueOf(h, url).messages).toHaveLength(25);
    expect(await scanNow()).toMatchObject({ status: "edited", total: 25 });
    const second = await settledDigest(/Throttled: 25 \(↑ 15\)/, "the edited digest");
    expect(second.ts).toBe(first.ts);
    expect(second.history.length).toBeGreaterThan(0);

    // Re-ingest from the digest's button, with progress edited into its thread reply.
    await new Promise((r) => setTimeout(r, 1_100));
    const click = await stack.slack.driver.clickButton(DLQ_REINGEST_ACTION, {
      message: { channel: CHANNEL, ts: second.ts },
      blockId: "dlq-class-throttled",
      user: ADMIN,
    });
    expect(click.status).toBe(200);
    const reply = await timeline.waitFor(
      (t) => t.thread(CHANNEL, second.ts).find((m) => /Re-ingest of .* finished/.test(m.text)),
      { timeoutMs: 30_000, description: "the final re-ingest state in the digest's thread" },
    );
    await new Promise((r) => setTimeout(r, 1_500));
    // Still final: no late progress edit overwrote it.
    expect(reply.text).toMatch(/Re-ingest of .* finished/);
    expect(reply.text).toMatch(/\*25\* accepted, \*0\* failed/);
    const versions = [...reply.history.map((v) => v.text), reply.text];
    expect(versions.length).toBeGreaterThan(1);
    const jobReplies = timeline
      .thread(CHANNEL, second.ts)
      .filter((m) => /Re-ingest of|re-ingesting/i.test(m.text));
    expect(jobReplies).toHaveLength(1);
    await ingestionIdle(stack.emulator.ctx.state);
    expect(queueOf(h, url).messages).toHaveLength(0);
    expect(storedObjects(h, DOMAIN)).toHaveLength(50);

    // The next scan finds the queue empty and turns the same digest resolved.
    expect(await scanNow()).toMatchObject({ status: "resolved" });
    const resolved = await settledDigest(
      /The dead-letter queue is empty \(was 25\)/,
      "the resolved digest",
    );
    expect(resolved.ts).toBe(first.ts);

    // Slack did answer 429 to some of those edits.
    const updates = timeline.callsTo("chat.update");
    const limited = updates.filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThan(1);
    // ...and each message whose edit was refused was edited successfully afterwards.
    for (const refused of limited) {
      expect(updates.some((c) => c.ok && c.args.ts === refused.args.ts && c.at >= refused.at)).toBe(
        true,
      );
    }
    // The metrics count each of those 429s, and the refused edits as rate limited.
    const res = await fetch(`${stack.runtime.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const families = parsePrometheusTextFormat(await res.text());
    const chatUpdate = (name: string, outcome?: string) =>
      Number(
        families
          .find((f) => f.name === name)
          ?.metrics.find(
            (m) =>
              m.labels?.method === "chat.update" &&
              (outcome === undefined || m.labels?.outcome === outcome),
          )?.value ?? 0,
      );
    expect(chatUpdate("profiles_bot_slack_rate_limited_total")).toBe(limited.length);
    expect(chatUpdate("profiles_bot_slack_calls_total", "rate_limited")).toBe(limited.length);
    expect(chatUpdate("profiles_bot_slack_calls_total", "ok")).toBe(
      updates.filter((c) => c.ok).length,
    );
  }, 90_000);
});
