/**
 * The re-ingest job through its reporting port: a real worker on real Redis, the emulator's
 * SQS and Customer Profiles through the real SDK, and the in-memory reporter, so what is
 * asserted is what the job reported and what AWS holds afterwards.
 */
import type { Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startReingestWorker } from "../../jobs/reingest.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { MemoryReingestReporter, type ReingestEvent } from "../../src/dlq/reporter.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { enqueueDiscard, enqueueReingest } from "../../src/queues/reingest.js";
import { type DlqHarness, MISSING_KEY, queueOf, THROTTLED } from "../dlq/support/harness.js";
import { type BoundDomain, startBoundDomain } from "./support.js";

const DOMAIN = "amazon-connect-reingestjob";
const CHANNEL = "C0REINGEST";

let h: DlqHarness;
let url: string;
let fail: BoundDomain["fail"];
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

beforeEach(async () => {
  const bound = await startBoundDomain(DOMAIN, CHANNEL);
  ({ h, url, fail } = bound);
  const { bindings } = bound;
  queues = createQueues(h.redis, h.prefix);
  reporter = new MemoryReingestReporter();
  worker = startReingestWorker({
    connection: h.redis,
    prefix: h.prefix,
    gateways: h.gateways,
    bindings,
    digests: new RedisDigestStore(h.redis, h.prefix),
    reporter: reporter.factory,
    limiter: h.limiter,
    config: { reingest: { rate: 50, profileIntervalMs: 1_000 } },
    log: h.log,
    passOptions: { leaseSeconds: 5, waitSeconds: 0 },
  });
});
afterEach(async () => {
  await worker?.close();
  await queues?.close();
  await h?.close();
});

describe("the reingest job, through its reporter port", () => {
  it("re-ingests a class, reports start and end, and leaves the other class in the DLQ", async () => {
    fail(THROTTLED, 3);
    fail(MISSING_KEY, 2);
    const outcome = await enqueueReingest(queues, {
      domain: DOMAIN,
      cls: "throttled",
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
    const outcome = await enqueueDiscard(queues, {
      domain: DOMAIN,
      cls: "missing-key",
      requestedBy: "U0ADMIN",
    });
    const end = await finalReport(outcome.jobId);
    expect(end).toMatchObject({ type: "discarded", result: { deleted: 2, deleteFailures: 0 } });
    await new Promise((r) => setTimeout(r, 100));
    expect(queueOf(h, url).messages.length).toBe(1);
  });
});
