/**
 * `GET /metrics` end to end: a slash command, a scan that posts a digest, and a Re-ingest
 * click on it run through the real stack; then Prometheus's view of them is scraped with the
 * bearer token (and refused without it) and read with a parser of the text format that is
 * not prom-client, so what is checked is what a Prometheus server would read.
 *
 * That parser (parse-prometheus-text-format, the one on npm) folds a histogram's series into
 * one sample and keeps `_count` and `_sum` only when the histogram has no labels; ours all
 * have labels. So the text is parsed twice: as it is, for each family's type, and with the
 * histograms' TYPE lines left out, where every `_bucket`, `_count` and `_sum` series is a
 * family of its own with its labels, as they are on the wire.
 */
import type { Redis } from "ioredis";
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../sandbox/stack.js";
import { enqueueScanNow } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { DLQ_REINGEST_ACTION } from "../../src/slack/render/digest.js";
import { seedThrottledDlq } from "../dlq/support/harness.js";
import { at } from "../dlq/support/place.js";
import { boundDlqDomain } from "../support/bound-dlq.js";
import { throttledReingestValue } from "../support/buttons.js";
import { startTestStack } from "../support/e2e.js";
import { eventually } from "../support/eventually.js";

const DOMAIN = "amazon-connect-e2e-metrics";
const CHANNEL = "C0OPS";
const USER = "U0ADMIN";
const TOKEN = "metrics-test-token-0123456789";

let stack: Stack;
let redis: Redis;
let queues: JobQueues;
let destroy: () => void;

const scrape = (headers: Record<string, string> = {}) =>
  fetch(`${stack.runtime.url}/metrics`, { headers });

async function families(): Promise<Map<string, ParsedFamily>> {
  const res = await scrape({ authorization: `Bearer ${TOKEN}` });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const typed = parsePrometheusTextFormat(text);
  const histograms = typed.filter((f) => f.type === "HISTOGRAM").map((f) => f.name);
  expect(histograms).toEqual(
    expect.arrayContaining([
      "profiles_bot_ack_seconds",
      "profiles_bot_job_duration_seconds",
      "profiles_bot_aws_call_seconds",
    ]),
  );
  const untyped = text
    .split("\n")
    .filter((line) => !/^# TYPE \S+ histogram$/.test(line))
    .join("\n");
  // A histogram's `_count` lines alternate with its `_bucket` lines, so one name comes back
  // as several families there: their samples are put together.
  const all = new Map<string, ParsedFamily>();
  for (const family of [...typed, ...parsePrometheusTextFormat(untyped)]) {
    const seen = all.get(family.name);
    if (seen && seen.type === family.type) seen.metrics.push(...family.metrics);
    else all.set(family.name, { ...family, metrics: [...family.metrics] });
  }
  return all;
}

/** The sample of `family` whose labels include `labels`. */
function sample(all: Map<string, ParsedFamily>, family: string, labels: Record<string, string>) {
  const found = all
    .get(family)
    ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (!found) throw new Error(`no ${family} ${JSON.stringify(labels)}`);
  return found;
}

beforeAll(async () => {
  stack = await startTestStack({
    env: { METRICS_TOKEN: TOKEN, PROFILES_ADMINS: USER, REINGEST_RATE: "20" },
  });
  const bound = await boundDlqDomain(stack, { domain: DOMAIN, channelId: CHANNEL, boundBy: USER });
  const { clients, gateways, queueUrl: url } = bound;
  destroy = () => clients.destroy();
  redis = bound.redis;
  queues = createQueues(redis, stack.config.redis.prefix);
  // Two orders per account at once, for four accounts: four land in the DLQ, throttled;
  // one more message the re-ingest leaves alone.
  const seeded = { gateways, emulator: stack.emulator };
  expect(await seedThrottledDlq(seeded, url, DOMAIN, { accounts: 4, perAccount: 2 })).toBe(5);
});

afterAll(async () => {
  await queues?.close();
  destroy?.();
  await redis?.quit();
  await stack?.stop();
});

describe("GET /metrics", () => {
  it("refuses a scrape without the bearer token, or with a wrong one", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape({ authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await scrape({ authorization: TOKEN })).status).toBe(401);
  });

  it("shows a command, a scan and a re-ingest as Prometheus reads them", async () => {
    const { driver, timeline } = stack.slack;
    const command = await driver.type("/profiles help", { user: USER, channel: CHANNEL });
    expect(command.status).toBe(200);

    await enqueueScanNow(queues, at(DOMAIN));
    const digest = await timeline.waitFor(
      (t) =>
        t
          .messages(CHANNEL)
          .find(
            (m) => m.text.startsWith(`Dead-letter queue of ${DOMAIN}`) && throttledReingestValue(m),
          ),
      { timeoutMs: 20_000, description: "the digest with a Re-ingest button" },
    );
    // The digest is saved before it is posted: the scan's figures are readable now.
    const afterScan = await families();
    expect(Number(sample(afterScan, "profiles_bot_dlq_messages", { domain: DOMAIN }).value)).toBe(
      5,
    );
    const age = Number(
      sample(afterScan, "profiles_bot_dlq_oldest_message_age_seconds", { domain: DOMAIN }).value,
    );
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThan(3600);

    const message = { channel: CHANNEL, ts: digest.ts };
    const click = await driver.clickButton(DLQ_REINGEST_ACTION, {
      value: throttledReingestValue(digest) ?? "",
      message,
      user: USER,
    });
    expect(click.status).toBe(200);
    await timeline.waitFor(
      (t) => t.thread(CHANNEL, message.ts).find((m) => /Re-ingest of .* finished/.test(m.text)),
      { timeoutMs: 30_000, description: "the final re-ingest state in the digest's thread" },
    );

    // The thread's final state is posted just before the job ends: the worker counts the
    // job when BullMQ tells it the job completed.
    const all = await eventually(
      families,
      (f) => (f.get("profiles_bot_reingest_objects_total")?.metrics.length ?? 0) > 0,
    );
    // One ack observed per surface used: the command and the click.
    for (const surface of ["command", "action"]) {
      expect(
        Number(sample(all, "profiles_bot_ack_seconds_count", { surface }).value),
      ).toBeGreaterThanOrEqual(1);
      expect(
        Number(sample(all, "profiles_bot_ack_seconds_sum", { surface }).value),
      ).toBeGreaterThan(0);
    }
    // Jobs by queue and state: every queue and state has its series. Re-ingest jobs are
    // removed once complete, so the queue is empty; scans are kept (the last 100).
    const jobs = (queue: string, state: string) =>
      Number(sample(all, "profiles_bot_jobs", { queue, state }).value);
    for (const queue of ["provision", "dlq-scan", "reingest"]) {
      for (const state of ["waiting", "active", "delayed", "failed", "completed"]) {
        expect(jobs(queue, state)).toBeGreaterThanOrEqual(0);
      }
    }
    expect(jobs("reingest", "active") + jobs("reingest", "waiting")).toBe(0);
    expect(jobs("dlq-scan", "completed")).toBeGreaterThanOrEqual(1);
    const scans = sample(all, "profiles_bot_job_duration_seconds_count", {
      queue: "dlq-scan",
      name: "scan",
      outcome: "succeeded",
    });
    expect(Number(scans.value)).toBeGreaterThanOrEqual(1);
    const reingests = sample(all, "profiles_bot_job_duration_seconds_count", {
      queue: "reingest",
      name: "reingest",
      outcome: "succeeded",
    });
    expect(Number(reingests.value)).toBe(1);
    // The four throttled orders went back in; none failed or came back.
    const reingested = (outcome: string) =>
      Number(sample(all, "profiles_bot_reingest_objects_total", { outcome }).value);
    expect(reingested("accepted")).toBe(4);
    expect(reingested("failed")).toBe(0);
    expect(reingested("came_back")).toBe(0);
    // AWS calls by operation: the re-ingest's puts, the scan's receives, all succeeded.
    const puts = sample(all, "profiles_bot_aws_calls_total", {
      service: "CustomerProfilesClient",
      operation: "PutProfileObject",
      error: "none",
    });
    expect(Number(puts.value)).toBe(4);
    const receives = sample(all, "profiles_bot_aws_calls_total", {
      service: "SQSClient",
      operation: "ReceiveMessage",
      error: "none",
    });
    expect(Number(receives.value)).toBeGreaterThanOrEqual(1);
    expect(
      Number(
        sample(all, "profiles_bot_aws_call_seconds_count", {
          service: "SQSClient",
          operation: "ReceiveMessage",
        }).value,
      ),
    ).toBe(Number(receives.value));
    // Slack calls: the digest was posted; nothing was rate limited.
    const posts = sample(all, "profiles_bot_slack_calls_total", {
      method: "chat.postMessage",
      outcome: "ok",
    });
    expect(Number(posts.value)).toBeGreaterThanOrEqual(1);
    expect(
      (all.get("profiles_bot_slack_calls_total")?.metrics ?? []).filter(
        (m) => m.labels?.outcome === "rate_limited",
      ),
    ).toEqual([]);
    // The default process metrics.
    expect(
      Number(all.get("profiles_bot_process_resident_memory_bytes")?.metrics[0]?.value),
    ).toBeGreaterThan(10_000_000);
    expect(all.has("profiles_bot_nodejs_eventloop_lag_seconds")).toBe(true);
  });
});
