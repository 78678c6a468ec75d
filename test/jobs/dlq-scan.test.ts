/**
 * The scan job's steps, through its publishing port: first digest, edit with a new class in
 * the thread, mute, and the resolved line once the queue is empty. Real Redis (digest state,
 * bindings, the lock), the emulator's SQS through the real SDK, and the in-memory publisher,
 * so what is asserted is what the job decided to show, not how Slack renders it.
 */
import { PurgeQueueCommand } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runScan } from "../../jobs/dlq-scan.js";
import { refId } from "../../src/aws/targets.js";
import { KEPT_SCANS, RedisDigestStore } from "../../src/dlq/digests.js";
import { MemoryDigestPublisher } from "../../src/dlq/publisher.js";
import { FLUSH_IDS } from "../../src/dlq/scan.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import { scanLockKey } from "../../src/queues/dlq-scan.js";
import { type DlqHarness, MISSING_KEY, queueOf, THROTTLED } from "../dlq/support/harness.js";
import { at, singlePlace } from "../dlq/support/place.js";
import { type BoundDomain, startBoundDomain } from "./support.js";

const DOMAIN = "amazon-connect-scanjob";
const CHANNEL = "C0SCANJOB";

let h: DlqHarness;
let url: string;
let fail: BoundDomain["fail"];
let publisher: MemoryDigestPublisher;
let digests: RedisDigestStore;
let now: number;

const scan = (overrides: Partial<Parameters<typeof runScan>[0]> = {}) =>
  runScan(
    {
      targets: singlePlace(h.gateways),
      bindings: new RedisBindingStore(h.redis, h.prefix),
      digests,
      publisher,
      redis: h.redis,
      prefix: h.prefix,
      config: { dlq: { scanMaxMessages: 1_000 } },
      log: h.log,
      now: () => now,
      waitSeconds: 0,
      ...overrides,
    },
    at(DOMAIN),
  );

beforeEach(async () => {
  now = Date.UTC(2026, 10, 30, 9, 0, 0);
  ({ h, fail, url } = await startBoundDomain(DOMAIN, CHANNEL, now));
  publisher = new MemoryDigestPublisher();
  digests = new RedisDigestStore(h.redis, h.prefix);
});
afterEach(async () => {
  await h?.close();
});

describe("the dlq-scan job, through its publisher port", () => {
  it("posts a first digest, edits it in place, replies for a new class, then resolves once", async () => {
    fail(THROTTLED, 3);
    expect(await scan()).toMatchObject({ status: "posted", total: 3, newClasses: [] });
    const [first] = publisher.events;
    expect(first).toMatchObject({ type: "publish", channel: CHANNEL, edited: false });
    expect(first?.type === "publish" && first.digest.summary.classes.throttled?.count).toBe(3);
    // A first digest has no trend: nothing to compare with.
    expect(first?.type === "publish" && first.digest.previous).toBeUndefined();

    fail(MISSING_KEY, 2);
    now += 60_000;
    expect(await scan()).toMatchObject({
      status: "edited",
      total: 5,
      newClasses: ["missing-key"],
      replies: 1,
    });
    const firstTs = first?.type === "publish" ? first.ts : "";
    expect(publisher.events.slice(1)).toEqual([
      expect.objectContaining({ type: "publish", ts: firstTs, edited: true }),
      { type: "newClass", channel: CHANNEL, threadTs: firstTs, cls: "missing-key", count: 2 },
    ]);

    // Empty the queue: the digest says so once, and a second empty scan says nothing.
    await h.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(await scan()).toEqual({ status: "resolved", total: 0 });
    expect(await scan()).toEqual({ status: "quiet", total: 0 });
    expect(publisher.events.filter((e) => e.type === "resolve")).toEqual([
      { type: "resolve", channel: CHANNEL, ts: firstTs, was: 5 },
    ]);
  });

  it("names each scan in the digest and keeps its message ids per class, for the last scans", async () => {
    fail(THROTTLED, 3);
    fail(MISSING_KEY, 1);
    await scan();
    const first = await digests.get(at(DOMAIN));
    const firstId = first?.scanId ?? "";
    expect(firstId).not.toBe("");
    const published = publisher.events[0];
    expect(published?.type === "publish" && published.digest.scanId).toBe(firstId);
    const inDlq = (errorMessage: string) =>
      queueOf(h, url)
        .messages.filter((m) => m.body.includes(errorMessage))
        .map((m) => m.messageId)
        .sort();
    expect((await digests.scanIds(at(DOMAIN), firstId, "throttled"))?.sort()).toEqual(
      inDlq(THROTTLED),
    );
    expect(await digests.scanIds(at(DOMAIN), firstId, "kms")).toEqual([]);

    // A later arrival belongs to the next scan, not to the one the first digest showed.
    fail(THROTTLED, 1);
    now += 60_000;
    await scan();
    const secondId = (await digests.get(at(DOMAIN)))?.scanId ?? "";
    expect(secondId).not.toBe(firstId);
    expect(await digests.scanIds(at(DOMAIN), firstId, "throttled")).toHaveLength(3);
    expect(await digests.scanIds(at(DOMAIN), secondId, "throttled")).toHaveLength(4);

    // Bounded: only the last KEPT_SCANS scans are kept, each with a TTL of at least a day.
    for (let i = 0; i < KEPT_SCANS; i++) {
      now += 60_000;
      await scan();
    }
    expect(await digests.scanIds(at(DOMAIN), firstId, "throttled")).toBeUndefined();
    const current = (await digests.get(at(DOMAIN)))?.scanId ?? "";
    const keys = await h.redis.keys(`${h.prefix}:dlq-scan-ids:${refId(at(DOMAIN))}:*`);
    expect(keys).toHaveLength(KEPT_SCANS);
    for (const key of keys) expect(await h.redis.ttl(key)).toBeGreaterThanOrEqual(24 * 3600);
    expect(await digests.scanIds(at(DOMAIN), current, "missing-key")).toHaveLength(1);
  });

  it("keeps a muted digest up to date without thread replies", async () => {
    fail(THROTTLED, 1);
    await scan();
    await digests.setMute(at(DOMAIN), now + 3_600_000);
    fail(MISSING_KEY, 1);
    expect(await scan()).toMatchObject({
      status: "edited",
      newClasses: ["missing-key"],
      replies: 0,
    });
    expect(publisher.events.map((e) => e.type)).toEqual(["publish", "publish"]);
    const last = publisher.events.at(-1);
    expect(last?.type === "publish" && last.digest.mutedUntil).toBe(now + 3_600_000);
  });

  it("scans with DLQ_SCAN_RECEIVERS receives in flight, every message counted and given back", async () => {
    fail(THROTTLED, 60);
    let inFlight = 0;
    let most = 0;
    const sqs = h.gateways.sqs;
    const counting = Object.assign(Object.create(sqs) as typeof sqs, {
      receive: async (...args: Parameters<typeof sqs.receive>) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          return await sqs.receive(...args);
        } finally {
          inFlight -= 1;
        }
      },
    });
    const outcome = await scan({
      targets: singlePlace({ ...h.gateways, sqs: counting }),
      config: { dlq: { scanMaxMessages: 1_000, scanReceivers: 3 } },
    });
    expect(outcome).toMatchObject({ status: "posted", total: 60 });
    expect(most).toBe(3);
    const queue = queueOf(h, url);
    expect(queue.messages).toHaveLength(60);
    expect(queue.messages.every((m) => m.visibleAt <= Date.now())).toBe(true);
  });

  it("streams the scan's ids to Redis: recorded per class exactly as seen, each once", async () => {
    // More than FLUSH_IDS messages, so the ids reach Redis in several batches during the scan.
    fail(THROTTLED, FLUSH_IDS + 250);
    fail(MISSING_KEY, 7);
    expect(await scan({ config: { dlq: { scanMaxMessages: 5_000 } } })).toMatchObject({
      status: "posted",
      total: FLUSH_IDS + 257,
    });
    const scanId = (await digests.get(at(DOMAIN)))?.scanId ?? "";
    const inDlq = (errorMessage: string) =>
      queueOf(h, url)
        .messages.filter((m) => m.body.includes(errorMessage))
        .map((m) => m.messageId)
        .sort();
    expect(await digests.scanIds(at(DOMAIN), scanId, "throttled")).toEqual(inDlq(THROTTLED));
    expect(await digests.scanIds(at(DOMAIN), scanId, "missing-key")).toEqual(inDlq(MISSING_KEY));
    expect(await digests.scanIds(at(DOMAIN), scanId, "kms")).toEqual([]);
    // Nothing temporary is left behind once the scan is committed.
    expect(await h.redis.keys(`${h.prefix}:dlq-scan-tmp:${DOMAIN}:*`)).toEqual([]);

    // A message received twice (in two batches) is recorded once.
    const recorder = digests.recordScanIds(at(DOMAIN), "twice");
    await recorder.add({ throttled: ["a", "b"] });
    await recorder.add({ throttled: ["b", "c"], kms: ["k"] });
    await recorder.commit();
    expect(await digests.scanIds(at(DOMAIN), "twice", "throttled")).toEqual(["a", "b", "c"]);
    expect(await digests.scanIds(at(DOMAIN), "twice", "kms")).toEqual(["k"]);
  });

  it("a scan that fails after writing some ids leaves no record a button could act on", async () => {
    fail(THROTTLED, FLUSH_IDS + 500);
    let receives = 0;
    const sqs = Object.assign(Object.create(h.gateways.sqs) as typeof h.gateways.sqs, {
      receive: async (...args: Parameters<typeof h.gateways.sqs.receive>) => {
        // Past the first flush of ids to Redis, then SQS fails.
        receives += 1;
        if (receives > (FLUSH_IDS + 200) / 10) throw new Error("SQS is down");
        return h.gateways.sqs.receive(...args);
      },
    });
    const scanIds: string[] = [];
    let added = 0;
    const watched = Object.assign(Object.create(digests) as RedisDigestStore, {
      recordScanIds: (domain: string, scanId: string) => {
        scanIds.push(scanId);
        const recorder = digests.recordScanIds(at(domain), scanId);
        return {
          ...recorder,
          add: async (ids: Parameters<typeof recorder.add>[0]) => {
            await recorder.add(ids);
            added += Object.values(ids).flat().length;
          },
        };
      },
    });
    await expect(
      scan({
        targets: singlePlace({ ...h.gateways, sqs }),
        digests: watched,
        config: { dlq: { scanMaxMessages: 5_000, scanReceivers: 1 } },
      }),
    ).rejects.toThrow("SQS is down");
    // Some ids had reached Redis before the failure; none of them is readable.
    expect(added).toBeGreaterThanOrEqual(FLUSH_IDS);
    expect(scanIds).toHaveLength(1);
    expect(await digests.scanIds(at(DOMAIN), scanIds[0] ?? "", "throttled")).toBeUndefined();
    expect(await h.redis.keys(`${h.prefix}:dlq-scan-*:${DOMAIN}:*`)).toEqual([]);
    expect(publisher.events).toEqual([]);
    expect((await digests.get(at(DOMAIN)))?.scanId).toBeUndefined();
  });

  it("skips while another worker holds the domain's lock, and publishes nothing", async () => {
    fail(THROTTLED, 1);
    await h.redis.set(scanLockKey(h.prefix, at(DOMAIN)), "another-worker", "PX", 30_000);
    expect(await scan()).toEqual({ status: "locked" });
    expect(publisher.events).toEqual([]);
    expect(await h.redis.get(scanLockKey(h.prefix, at(DOMAIN)))).toBe("another-worker");
    expect(await h.redis.keys(`${h.prefix}:dlq-scan-*:${DOMAIN}:*`)).toEqual([]);
  });

  it("does nothing for a domain that is not bound to a channel", async () => {
    await new RedisBindingStore(h.redis, h.prefix).remove(at(DOMAIN));
    fail(THROTTLED, 1);
    expect(await scan()).toEqual({ status: "unbound" });
    expect(publisher.events).toEqual([]);
  });
});
