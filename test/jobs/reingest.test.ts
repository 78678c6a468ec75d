/**
 * The re-ingest job through its reporting port: a real worker on real Redis, the emulator's
 * SQS and Customer Profiles through the real SDK, and the in-memory reporter, so what is
 * asserted is what the job reported and what AWS holds afterwards.
 */
import type { Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startReingestWorker } from "../../jobs/reingest.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { MemoryReingestReporter, type ReingestEvent } from "../../src/dlq/reporter.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { enqueueDiscard, enqueueReingest } from "../../src/queues/reingest.js";
import { type DlqHarness, MISSING_KEY, queueOf, THROTTLED } from "../dlq/support/harness.js";
import { at, singlePlace } from "../dlq/support/place.js";
import { type BoundDomain, startBoundDomain } from "./support.js";

const DOMAIN = "amazon-connect-reingestjob";
const CHANNEL = "C0REINGEST";

let h: DlqHarness;
let url: string;
let fail: BoundDomain["fail"];
let scan: BoundDomain["scan"];
let scanOnce: BoundDomain["scanOutcome"];
let bindings: BoundDomain["bindings"];
let queues: JobQueues;
let worker: Worker;
let reporter: MemoryReingestReporter;

const isEnd = (e: ReingestEvent) =>
  e.type === "reingested" || e.type === "discarded" || (e.type === "failed" && !e.willRetry);

/** Waits for the job's final report: reingested, discarded, or failed for good. */
async function finalReport(jobId: string): Promise<ReingestEvent> {
  for (let i = 0; i < 200; i++) {
    const end = reporter.events.find((e) => e.jobId === jobId && isEnd(e));
    if (end) return end;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} never reported an end: ${JSON.stringify(reporter.events)}`);
}

/** The reingest worker on this test's domain, at `rate` PutProfileObject calls a second. */
const startWorker = (rate: number) =>
  startReingestWorker({
    connection: h.redis,
    prefix: h.prefix,
    targets: singlePlace(h.gateways),
    bindings,
    digests: new RedisDigestStore(h.redis, h.prefix),
    reporter: reporter.factory,
    limiter: h.limiter,
    config: { reingest: { rate, profileIntervalMs: 1_000 } },
    log: h.log,
    passOptions: { leaseSeconds: 5, waitSeconds: 0, settleMs: 300 },
  });

beforeEach(async () => {
  const bound = await startBoundDomain(DOMAIN, CHANNEL);
  ({ h, url, fail, scan, bindings } = bound);
  scanOnce = bound.scanOutcome;
  queues = createQueues(h.redis, h.prefix);
  reporter = new MemoryReingestReporter();
  worker = startWorker(50);
});
afterEach(async () => {
  await worker?.close();
  await queues?.close();
  await h?.close();
});

describe("the reingest job, through its reporter port", () => {
  it("holds the domain's scan lock while it runs, so a scan meanwhile skips instead of digesting a half-leased queue", async () => {
    fail(THROTTLED, 4);
    fail(MISSING_KEY, 3);
    const scanId = await scan();
    // Slow enough that the pass is still running when the scan below starts.
    await worker.close();
    worker = startWorker(2);
    const outcome = await enqueueReingest(queues, {
      ...at(DOMAIN),
      cls: "throttled",
      scanId,
      requestedBy: "U0OPS",
    });
    await vi.waitFor(
      () =>
        expect(reporter.events.some((e) => e.jobId === outcome.jobId && e.type === "started")).toBe(
          true,
        ),
      { timeout: 10_000, interval: 20 },
    );
    const during = await scanOnce();
    expect(during.status).toBe("locked");
    const end = await finalReport(outcome.jobId);
    expect(end).toMatchObject({ type: "reingested", result: { done: 4, failed: 0 } });
    // Afterwards the scan runs, and sees what is left: the other class, not an empty queue.
    const after = await scanOnce();
    expect(after).toMatchObject({ status: "edited", total: 3 });
  });

  it("re-ingests a class, reports start and end, and leaves the other class in the DLQ", async () => {
    fail(THROTTLED, 3);
    fail(MISSING_KEY, 2);
    const scanId = await scan();
    const outcome = await enqueueReingest(queues, {
      ...at(DOMAIN),
      cls: "throttled",
      scanId,
      requestedBy: "U0OPS",
    });
    expect(outcome.status).toBe("started");
    const end = await finalReport(outcome.jobId);
    expect(end).toMatchObject({ type: "reingested", result: { done: 3, failed: 0 } });
    const mine = reporter.events.filter((e) => e.jobId === outcome.jobId);
    expect(mine[0]).toMatchObject({ type: "started", pace: 50 });
    // What AWS holds: the two missing-key messages are still there, the throttled ones gone.
    await new Promise((r) => setTimeout(r, 100));
    expect(queueOf(h, url).messages.length).toBe(2);
  });

  it("discards a class and reports how many were deleted", async () => {
    fail(MISSING_KEY, 2);
    fail(THROTTLED, 1);
    const scanId = await scan();
    const outcome = await enqueueDiscard(queues, {
      ...at(DOMAIN),
      cls: "missing-key",
      scanId,
      requestedBy: "U0ADMIN",
    });
    const end = await finalReport(outcome.jobId);
    expect(end).toMatchObject({ type: "discarded", result: { deleted: 2, deleteFailures: 0 } });
    await new Promise((r) => setTimeout(r, 100));
    expect(queueOf(h, url).messages.length).toBe(1);
  });

  it("acts only on what the clicked digest's scan showed: later arrivals wait for the next digest", async () => {
    fail(MISSING_KEY, 3);
    const scanId = await scan();
    const shown = new Set(queueOf(h, url).messages.map((m) => m.messageId));
    // Two more of the same class arrive after the scan, before the click's job runs.
    fail(MISSING_KEY, 2);
    const outcome = await enqueueDiscard(queues, {
      ...at(DOMAIN),
      cls: "missing-key",
      scanId,
      requestedBy: "U0ADMIN",
    });
    const end = await finalReport(outcome.jobId);
    // The confirmation's number (3) is the most that was acted on.
    expect(end).toMatchObject({ type: "discarded", result: { deleted: 3, notFound: 0 } });
    const left = queueOf(h, url).messages;
    expect(left).toHaveLength(2);
    expect(left.some((m) => shown.has(m.messageId))).toBe(false);
  });

  it("re-ingests only the scan's messages of the class, and counts every one of them", async () => {
    fail(THROTTLED, 4);
    const scanId = await scan();
    fail(THROTTLED, 3); // later arrivals
    const later = queueOf(h, url)
      .messages.slice(4)
      .map((m) => m.messageId);
    const outcome = await enqueueReingest(queues, {
      ...at(DOMAIN),
      cls: "throttled",
      scanId,
      requestedBy: "U0OPS",
    });
    const end = await finalReport(outcome.jobId);
    expect(end).toMatchObject({
      type: "reingested",
      result: { done: 4, failed: 0, notFound: 0, cameBack: {}, stoppedBy: "done" },
    });
    expect(
      queueOf(h, url)
        .messages.map((m) => m.messageId)
        .sort(),
    ).toEqual(later.sort());
  });

  it("refuses before any change when the digest's scan is unknown or missing", async () => {
    fail(MISSING_KEY, 2);
    for (const scanId of ["0-000000000000", undefined]) {
      const outcome = await enqueueDiscard(queues, {
        ...at(DOMAIN),
        cls: "missing-key",
        ...(scanId && { scanId }),
        requestedBy: "U0ADMIN",
      });
      const end = await finalReport(outcome.jobId);
      expect(end).toMatchObject({ type: "failed", willRetry: false });
      expect(end.type === "failed" && end.reason).toMatch(/Use the buttons on the current digest/);
      // Nothing was started, and the queue is as it was.
      expect(
        reporter.events.filter((e) => e.jobId === outcome.jobId && e.type === "started"),
      ).toEqual([]);
      expect(queueOf(h, url).messages).toHaveLength(2);
      reporter.events.length = 0;
    }
  });
});
