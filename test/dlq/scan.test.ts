/**
 * scanQueue against the AWS emulator through the real SDK: counts per class, every message
 * visible again afterwards, nothing deleted, and the per-scan bound respected.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  SendMessageBatchCommand,
} from "@aws-sdk/client-sqs";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID, enqueueMessage, findQueueByUrl } from "../../sandbox/aws/state.js";
import { testPrefix } from "../../sandbox/stack.js";
import type { Gateways } from "../../src/aws/gateways.js";
import { classify, type DlqClass } from "../../src/dlq/classify.js";
import { heldLeasesKey, redisHeldLeases } from "../../src/dlq/held-leases.js";
import { parseDlqMessage } from "../../src/dlq/parse.js";
import { type HeldLeases, MAX_HELD, scanQueue } from "../../src/dlq/scan.js";
import { createLogger } from "../../src/logger.js";
import { FIXTURE_NAMES, fixture } from "./fixtures.js";
import { useEmptyEmulator } from "./support/empty-emulator.js";

const log = createLogger("silent");
const env = useEmptyEmulator();

/** Fills a new queue with `count` messages cycling through the fixtures; returns expected counts. */
async function fill(name: string, count: number) {
  const { QueueUrl } = await env.aws.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = QueueUrl ?? "";
  const expected: Partial<Record<DlqClass, number>> = {};
  const entries = Array.from({ length: count }, (_, i) => {
    const message = fixture(FIXTURE_NAMES[i % FIXTURE_NAMES.length] ?? "not-json");
    const cls = classify(parseDlqMessage(message));
    expected[cls] = (expected[cls] ?? 0) + 1;
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [key, value] of Object.entries(message.MessageAttributes ?? {})) {
      attributes[key] = { DataType: "String", StringValue: value.StringValue ?? "" };
    }
    return { Id: String(i), MessageBody: message.Body ?? "", MessageAttributes: attributes };
  });
  for (let i = 0; i < entries.length; i += 10) {
    const out = await env.aws.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: url, Entries: entries.slice(i, i + 10) }),
    );
    expect(out.Failed ?? []).toEqual([]);
  }
  return { url, expected };
}

async function depth(url: string) {
  const { Attributes } = await env.aws.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    hidden: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

describe("scanQueue", () => {
  it("counts 250 mixed messages per class, then gives every one back", async () => {
    const { url, expected } = await fill("scan-mixed", 250);
    // Every fixture class is there, unreadable included, so the counts below mean something.
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(6);
    expect(expected.unreadable).toBeGreaterThan(0);

    const summary = await scanQueue(
      { sqs: env.gateways.sqs, log },
      { queueUrl: url, maxMessages: 1000, samplesPerClass: 2, waitSeconds: 0 },
    );

    expect(summary.total).toBe(250);
    expect(summary.complete).toBe(true);
    expect(await summary.returned).toBe(0);
    const counts = Object.fromEntries(
      Object.entries(summary.classes).map(([cls, entry]) => [cls, entry?.count]),
    );
    expect(counts).toEqual(expected);
    // The ids per class are what a click on this scan's digest may act on: one per message.
    const idCounts = Object.fromEntries(
      Object.entries(summary.messageIds ?? {}).map(([cls, ids]) => [cls, new Set(ids).size]),
    );
    expect(idCounts).toEqual(expected);
    expect(summary.scanId).toMatch(/^[0-9a-z]+-[0-9a-f]{12}$/);
    for (const entry of Object.values(summary.classes)) {
      expect(entry?.samples.length).toBeLessThanOrEqual(2);
    }
    // Nothing deleted, nothing left hidden: the next reader sees all 250 at once.
    expect(await depth(url)).toEqual({ visible: 250, hidden: 0 });
    expect(env.emulator.calls.get("sqs:ReceiveMessage")).toBeGreaterThan(25);
    expect(env.emulator.calls.get("sqs:DeleteMessage") ?? 0).toBe(0);
    expect(env.emulator.calls.get("sqs:DeleteMessageBatch") ?? 0).toBe(0);

    // A second scan finds the same: the first one really gave them back.
    const again = await scanQueue(
      { sqs: env.gateways.sqs, log },
      { queueUrl: url, maxMessages: 1000, samplesPerClass: 2, waitSeconds: 0 },
    );
    expect(again.total).toBe(250);
    expect(again.scanId).not.toBe(summary.scanId);
    expect(again.messageIds?.unreadable?.sort()).toEqual(summary.messageIds?.unreadable?.sort());
  });

  it("stops at maxMessages and says the scan is incomplete", async () => {
    const { url } = await fill("scan-bounded", 95);
    const summary = await scanQueue(
      { sqs: env.gateways.sqs, log },
      { queueUrl: url, maxMessages: 42, samplesPerClass: 1, waitSeconds: 0 },
    );
    expect(summary.total).toBe(42);
    expect(summary.complete).toBe(false);
    expect(await summary.returned).toBe(0);
    expect(await depth(url)).toEqual({ visible: 95, hidden: 0 });
  });

  it("keeps the configured number of receives in flight, and still counts each message once", async () => {
    const { url, expected } = await fill("scan-receivers", 200);
    let inFlight = 0;
    let most = 0;
    const sqs = {
      receive: async (queueUrl: string, opts: Parameters<Gateways["sqs"]["receive"]>[1]) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          return await env.gateways.sqs.receive(queueUrl, opts);
        } finally {
          inFlight -= 1;
        }
      },
      changeVisibilityBatch: env.gateways.sqs.changeVisibilityBatch.bind(env.gateways.sqs),
    };
    const summary = await scanQueue(
      { sqs, log },
      { queueUrl: url, maxMessages: 1000, samplesPerClass: 1, waitSeconds: 0, receivers: 4 },
    );
    expect(most).toBe(4);
    expect(summary.total).toBe(200);
    expect(summary.complete).toBe(true);
    const idCounts = Object.fromEntries(
      Object.entries(summary.messageIds ?? {}).map(([cls, ids]) => [cls, ids.length]),
    );
    expect(idCounts).toEqual(expected);
    await summary.returned;
    expect(await depth(url)).toEqual({ visible: 200, hidden: 0 });
  });

  it("records a message received twice (its lease lapsed) under one id", async () => {
    const message = fixture(FIXTURE_NAMES[0] ?? "not-json");
    const batches = [
      [{ ...message, MessageId: "m-1", ReceiptHandle: "h-1" }],
      [{ ...message, MessageId: "m-1", ReceiptHandle: "h-2" }],
      [{ ...message, MessageId: "m-2", ReceiptHandle: "h-3" }],
    ];
    const returned: string[] = [];
    const sqs = {
      receive: async () => batches.shift() ?? [],
      changeVisibilityBatch: async (_url: string, entries: { receiptHandle: string }[]) => {
        returned.push(...entries.map((e) => e.receiptHandle));
        return { ok: entries.map((e) => e.receiptHandle), failed: [] };
      },
    };
    const summary = await scanQueue(
      { sqs, log },
      {
        queueUrl: "https://sqs.us-east-1.amazonaws.com/1/q",
        maxMessages: 10,
        samplesPerClass: 1,
        waitSeconds: 0,
        receivers: 1,
      },
    );
    expect(
      Object.values(summary.messageIds ?? {})
        .flat()
        .sort(),
    ).toEqual(["m-1", "m-2"]);
    await summary.returned;
    expect(returned.sort()).toEqual(["h-1", "h-2", "h-3"]);
  });

  it("resolves before its give-back ends, and `returned` once every message is visible again", async () => {
    const { url } = await fill("scan-give-back", 40);
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let givingBack = 0;
    const sqs = {
      receive: env.gateways.sqs.receive.bind(env.gateways.sqs),
      changeVisibilityBatch: async (
        ...args: Parameters<Gateways["sqs"]["changeVisibilityBatch"]>
      ) => {
        givingBack += 1;
        await gate;
        return env.gateways.sqs.changeVisibilityBatch(...args);
      },
    };
    const summary = await scanQueue(
      { sqs, log },
      { queueUrl: url, maxMessages: 1000, samplesPerClass: 1, waitSeconds: 0 },
    );
    // The summary is there while the give-back waits: the messages are still hidden.
    expect(summary.total).toBe(40);
    expect(givingBack).toBeGreaterThan(0);
    expect(await depth(url)).toEqual({ visible: 0, hidden: 40 });
    open();
    expect(await summary.returned).toBe(0);
    expect(await depth(url)).toEqual({ visible: 40, hidden: 0 });
  });

  it("stops receiving when its signal is aborted (the worker is stopping), says so, and gives back what it held", async () => {
    const { url } = await fill("scan-stopping", 300);
    const stopping = new AbortController();
    let calls = 0;
    const sqs = {
      receive: (queueUrl: string, opts: Parameters<Gateways["sqs"]["receive"]>[1]) => {
        calls += 1;
        if (calls === 5) stopping.abort("stopping");
        return env.gateways.sqs.receive(queueUrl, opts);
      },
      changeVisibilityBatch: env.gateways.sqs.changeVisibilityBatch.bind(env.gateways.sqs),
    };
    const summary = await scanQueue(
      { sqs, log },
      {
        queueUrl: url,
        maxMessages: 1_000,
        samplesPerClass: 1,
        waitSeconds: 0,
        receivers: 2,
        signal: stopping.signal,
      },
    );
    expect(summary).toMatchObject({ stopped: true, complete: false });
    // The receives in flight at the abort finish; no new one starts.
    expect(calls).toBeLessThanOrEqual(6);
    expect(summary.total).toBeLessThan(300);
    expect(await summary.returned).toBe(0);
    expect(await depth(url)).toEqual({ visible: 300, hidden: 0 });
  });

  it("gives back what it received when a receive fails midway", async () => {
    const { url } = await fill("scan-failing", 30);
    let calls = 0;
    const sqs = {
      receive: (queueUrl: string, opts: Parameters<Gateways["sqs"]["receive"]>[1]) => {
        calls += 1;
        if (calls === 3) return Promise.reject(new Error("network went away"));
        return env.gateways.sqs.receive(queueUrl, opts);
      },
      changeVisibilityBatch: env.gateways.sqs.changeVisibilityBatch.bind(env.gateways.sqs),
    };
    await expect(
      scanQueue(
        { sqs, log },
        { queueUrl: url, maxMessages: 100, samplesPerClass: 1, waitSeconds: 0 },
      ),
    ).rejects.toThrow("network went away");
    expect(await depth(url)).toEqual({ visible: 30, hidden: 0 });
  });
});

describe("scanQueue past the first MAX_HELD messages", () => {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const prefix = testPrefix();
  const ref = { account: ACCOUNT_ID, region: "us-east-1", domain: "amazon-connect-held" };
  afterAll(async () => {
    await redis.del(...["scan-1", "scan-2"].map((id) => heldLeasesKey(prefix, ref, id)));
    redis.disconnect();
  });

  /** A queue of `count` messages, written straight into the emulator (faster than sends). */
  async function big(name: string, count: number) {
    const { QueueUrl } = await env.aws.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const url = QueueUrl ?? "";
    const queue = findQueueByUrl(env.emulator.ctx.state, url);
    if (!queue) throw new Error(`no queue at ${url}`);
    const body = fixture("throttled-pascal").Body ?? "";
    for (let i = 0; i < count; i++) enqueueMessage(queue, { body }, env.emulator.ctx.now());
    return url;
  }

  const scan = (url: string, held?: HeldLeases) =>
    scanQueue(
      { sqs: env.gateways.sqs, log },
      {
        queueUrl: url,
        maxMessages: 20_000,
        samplesPerClass: 1,
        waitSeconds: 0,
        ...(held && { held }),
      },
    );

  it("gives every message back through the held leases, so the next scan sees them all", async () => {
    const count = MAX_HELD + 50;
    const url = await big("scan-held", count);
    const held = redisHeldLeases(redis, prefix, ref, "scan-1");
    const first = await scan(url, held);
    expect(first.total).toBe(count);
    expect(await first.returned).toBe(0);
    expect(await depth(url)).toEqual({ visible: count, hidden: 0 });
    expect(await redis.exists(heldLeasesKey(prefix, ref, "scan-1"))).toBe(0);
    // Right after: the whole queue again, not only the first MAX_HELD.
    const second = await scan(url, redisHeldLeases(redis, prefix, ref, "scan-2"));
    expect(second.total).toBe(count);
    await second.returned;
  }, 60_000);

  it("without them, leaves the messages past MAX_HELD hidden until their lease ends", async () => {
    const count = MAX_HELD + 50;
    const url = await big("scan-unheld", count);
    const first = await scan(url);
    expect(first.total).toBe(count);
    await first.returned;
    expect(await depth(url)).toEqual({ visible: MAX_HELD, hidden: 50 });
  }, 60_000);
});
