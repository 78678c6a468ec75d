/**
 * Re-ingest against the AWS emulator (real SDK clients, asynchronous ingestion, real DLQ)
 * with the Redis rate limiter: the selected class goes back into the domain, everything else
 * stays in the DLQ untouched and visible, and nothing is lost when AWS throttles.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import type { SqsMessage } from "../../sandbox/aws/state.js";
import { createPacer } from "../../src/dlq/pacing.js";
import { discard, type ReingestProgress, reingest } from "../../src/dlq/reingest.js";
import {
  createDomainWithDlq,
  type DlqHarness,
  MISSING_KEY,
  putDeadLetter,
  putRawMessage,
  queueOf,
  startDlqHarness,
  storedObjects,
  THROTTLED,
} from "./support/harness.js";

let h: DlqHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DOMAIN = "amazon-connect-reingest";
/** The emulator ingests within milliseconds: a short watch for came-backs is enough here. */
const SETTLE_MS = 300;

function pacerFor(harness: DlqHarness, globalRate = 50) {
  return createPacer({ limiter: harness.limiter, globalRate, profileIntervalMs: 1100 });
}

/** What the DLQ holds, visible or not, as the emulator sees it. */
function snapshot(harness: DlqHarness, url: string) {
  return queueOf(harness, url).messages.map((m: SqsMessage) => ({
    id: m.messageId,
    body: m.body,
    visible: m.visibleAt <= Date.now(),
    error: errorOf(m.body),
  }));
}

function errorOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { errorMessage?: string }).errorMessage;
  } catch {
    return undefined;
  }
}

describe("reingest", () => {
  it("drains the throttled class into the domain and leaves the rest untouched and visible", async () => {
    h = await startDlqHarness();
    const url = await createDomainWithDlq(h, DOMAIN);
    // Five orders per account at once: Customer Profiles keeps one per profile per second.
    const puts = [];
    for (let a = 0; a < 10; a++) {
      for (let o = 0; o < 5; o++) {
        puts.push(
          h.gateways.profiles.putProfileObject(
            DOMAIN,
            "Order",
            JSON.stringify({ OrderId: `o-${a}-${o}`, AccountNumber: `A-${a}`, Note: "x" }),
          ),
        );
      }
    }
    await Promise.all(puts);
    await ingestionIdle(h.emulator.ctx.state);
    expect(storedObjects(h, DOMAIN)).toHaveLength(10);
    expect(snapshot(h, url).filter((m) => m.error === THROTTLED)).toHaveLength(40);
    // Dead letters are older than a second by the time anyone re-ingests them.
    await new Promise((r) => setTimeout(r, 1_200));

    const others = [
      putDeadLetter(h, url, {
        domain: DOMAIN,
        objectTypeName: "Order",
        errorMessage: MISSING_KEY,
        object: { Note: "no keys at all" },
      }),
      putDeadLetter(h, url, {
        domain: DOMAIN,
        objectTypeName: "CRM-Contact",
        errorMessage: MISSING_KEY,
        object: { FirstName: "Ana" },
      }),
      putRawMessage(h, url, "not json at all"),
      putRawMessage(h, url, '{"errorMessage":"Too many objects ingested on profile per second"}'),
    ];
    // Throttled, but its object type is gone: PutProfileObject refuses it for good.
    const doomed = putDeadLetter(h, url, {
      domain: DOMAIN,
      objectTypeName: "Deleted-Type",
      errorMessage: THROTTLED,
      object: { AccountNumber: "A-1", OrderId: "o-x" },
    });
    const before = new Map(snapshot(h, url).map((m) => [m.id, m.body]));

    const reports: ReingestProgress[] = [];
    const result = await reingest(
      {
        sqs: h.gateways.sqs,
        profiles: h.gateways.profiles,
        pacer: pacerFor(h),
        log: h.log,
        progress: (p) => void reports.push(p),
      },
      {
        domain: DOMAIN,
        queueUrl: url,
        selection: { class: "throttled" },
        maxMessages: 1000,
        waitSeconds: 0,
        settleMs: SETTLE_MS,
        expected: 41,
      },
    );
    await ingestionIdle(h.emulator.ctx.state);

    expect(result.done).toBe(40);
    expect(result.failed).toBe(1);
    expect(result.failures[0]?.reason).toMatch(
      /PutProfileObject failed: ResourceNotFoundException/,
    );
    expect(result.stoppedBy).toBe("drained");
    expect(result.left).toEqual({ "missing-key": 2, unreadable: 2, throttled: 1 });
    // Every order is in the domain now, and paced: none was throttled again.
    expect(storedObjects(h, DOMAIN)).toHaveLength(50);
    const after = snapshot(h, url);
    expect(after.map((m) => m.id).sort()).toEqual(
      [...others.map((m) => m.messageId), doomed.messageId].sort(),
    );
    for (const m of after) {
      expect(m.visible).toBe(true);
      expect(m.body).toBe(before.get(m.id));
    }
    expect(reports.length).toBeGreaterThan(1);
    expect(reports.at(-1)?.done).toBe(40);
  });

  it("re-ingests one message by id and nothing else", async () => {
    h = await startDlqHarness();
    const url = await createDomainWithDlq(h, DOMAIN);
    const messages = Array.from({ length: 25 }, (_, i) =>
      putDeadLetter(h as DlqHarness, url, {
        domain: DOMAIN,
        objectTypeName: "Order",
        errorMessage: THROTTLED,
        object: { OrderId: `o-${i}`, AccountNumber: `A-${i}` },
      }),
    );
    const target = messages[17] as SqsMessage;
    const result = await reingest(
      { sqs: h.gateways.sqs, profiles: h.gateways.profiles, pacer: pacerFor(h), log: h.log },
      {
        domain: DOMAIN,
        queueUrl: url,
        selection: { messageId: target.messageId },
        maxMessages: 1,
        waitSeconds: 0,
        settleMs: SETTLE_MS,
      },
    );
    await ingestionIdle(h.emulator.ctx.state);
    expect(result).toMatchObject({ done: 1, failed: 0, stoppedBy: "found" });
    expect(storedObjects(h, DOMAIN).map((o) => JSON.parse(o.object).OrderId)).toEqual(["o-17"]);
    const left = snapshot(h, url);
    expect(left).toHaveLength(24);
    expect(left.every((m) => m.visible)).toBe(true);
    expect(left.map((m) => m.id)).not.toContain(target.messageId);
  });

  it("one message by id touches that message only, even beside a duplicate of its object", async () => {
    h = await startDlqHarness();
    const url = await createDomainWithDlq(h, DOMAIN);
    const same = { OrderId: "o-dup", AccountNumber: "A-dup" };
    const older = putDeadLetter(h, url, {
      domain: DOMAIN,
      objectTypeName: "Order",
      errorMessage: THROTTLED,
      object: same,
    });
    await new Promise((r) => setTimeout(r, 1_200));
    const target = putDeadLetter(h, url, {
      domain: DOMAIN,
      objectTypeName: "Order",
      errorMessage: THROTTLED,
      object: same,
    });
    const result = await reingest(
      { sqs: h.gateways.sqs, profiles: h.gateways.profiles, pacer: pacerFor(h), log: h.log },
      {
        domain: DOMAIN,
        queueUrl: url,
        selection: { messageId: target.messageId },
        // Asked for more, still one.
        maxMessages: 50,
        waitSeconds: 0,
        settleMs: SETTLE_MS,
      },
    );
    await ingestionIdle(h.emulator.ctx.state);
    expect(result).toMatchObject({ done: 1, failed: 0, stoppedBy: "found", retriedCameBacks: 0 });
    const left = snapshot(h, url);
    expect(left.map((m) => m.id)).toEqual([older.messageId]);
    expect(left[0]?.body).toBe(older.body);
    expect(left[0]?.visible).toBe(true);
  });

  it("drains with nothing lost when AWS throttles 30% of PutProfileObject calls", async () => {
    h = await startDlqHarness({
      faults: { "profile:PutProfileObject": { throttle: 0.3 } },
      // One SDK attempt: every throttle reaches the re-ingest loop, which must slow down and retry.
      maxAttempts: 1,
      retryMode: "standard",
    });
    const url = await createDomainWithDlq(h, DOMAIN);
    for (let i = 0; i < 80; i++) {
      putDeadLetter(h, url, {
        domain: DOMAIN,
        objectTypeName: "Order",
        errorMessage: THROTTLED,
        object: { OrderId: `o-${i}`, AccountNumber: `A-${i % 40}` },
      });
    }
    const pacer = createPacer({
      limiter: h.limiter,
      globalRate: 100,
      profileIntervalMs: 1100,
      minRate: 10,
    });
    const result = await reingest(
      { sqs: h.gateways.sqs, profiles: h.gateways.profiles, pacer, log: h.log },
      {
        domain: DOMAIN,
        queueUrl: url,
        selection: { class: "throttled" },
        maxMessages: 1000,
        waitSeconds: 0,
        settleMs: SETTLE_MS,
      },
    );
    await ingestionIdle(h.emulator.ctx.state);
    expect(result.throttledRetries).toBeGreaterThan(0);
    expect(result.done).toBe(80);
    expect(result.failed).toBe(0);
    expect(pacer.rate).toBeLessThanOrEqual(100);
    expect(storedObjects(h, DOMAIN)).toHaveLength(80);
    expect(snapshot(h, url)).toEqual([]);
  }, 60_000);

  it("never re-ingests or deletes unreadable messages, even when asked for their class", async () => {
    h = await startDlqHarness();
    const url = await createDomainWithDlq(h, DOMAIN);
    const raw = ["\u0000\u0001binary", "[1,2,3]", "{", '{"object":"{not json"}'].map((b) =>
      putRawMessage(h as DlqHarness, url, b),
    );
    const result = await reingest(
      { sqs: h.gateways.sqs, profiles: h.gateways.profiles, pacer: pacerFor(h), log: h.log },
      {
        domain: DOMAIN,
        queueUrl: url,
        selection: { class: "unreadable" },
        maxMessages: 100,
        waitSeconds: 0,
        settleMs: SETTLE_MS,
      },
    );
    expect(result.done).toBe(0);
    expect(result.left).toEqual({ unreadable: raw.length });
    expect(
      snapshot(h, url)
        .map((m) => m.id)
        .sort(),
    ).toEqual(raw.map((m) => m.messageId).sort());
    await expect(
      discard(
        { sqs: h.gateways.sqs, log: h.log },
        { queueUrl: url, cls: "unreadable", maxMessages: 100 },
      ),
    ).rejects.toThrow(/never deletes unreadable/);
    expect(snapshot(h, url)).toHaveLength(raw.length);
  });

  it("discards exactly one class", async () => {
    h = await startDlqHarness();
    const url = await createDomainWithDlq(h, DOMAIN);
    for (let i = 0; i < 23; i++) {
      putDeadLetter(h, url, {
        domain: DOMAIN,
        objectTypeName: "Order",
        errorMessage: i % 2 ? MISSING_KEY : THROTTLED,
        object: { Note: `n-${i}` },
      });
    }
    putRawMessage(h, url, "garbage");
    const result = await discard(
      { sqs: h.gateways.sqs, log: h.log },
      { queueUrl: url, cls: "missing-key", maxMessages: 1000, waitSeconds: 0 },
    );
    expect(result.deleted).toBe(11);
    expect(result.left).toEqual({ throttled: 12, unreadable: 1 });
    const left = snapshot(h, url);
    expect(left).toHaveLength(13);
    expect(left.every((m) => m.visible && m.error !== MISSING_KEY)).toBe(true);
  });
});
