/**
 * A stop (SIGTERM for a restart or a deploy closes the workers) under the long dead-letter
 * jobs, which BullMQ tells through each job's signal.
 *
 * - A re-ingest: the pass takes no new message, deletes what was accepted, gives the rest
 *   back, and the job goes back to the queue with its checkpoint, its reply saying it is
 *   paused. The worker closes without waiting for the rest of the class, no attempt is used
 *   up, and the worker that takes the job up finishes it: every object accepted once
 *   counted, none lost.
 * - A re-ingest still waiting for the domain's scan lock: the wait ends at once, nothing is
 *   started, and the job goes back to the queue the same way.
 * - A discard: it stops between two batches; the pass that carries on from its checkpoint
 *   counts what the first deleted, and calls none of those "not found".
 * - A scan: it stops receiving, gives back what it held and publishes nothing (part of a
 *   queue is no digest of it); the next scan reads the whole queue.
 */
import type { Worker } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { RedisPassCheckpoint, startReingestWorker } from "../../jobs/reingest.js";
import { ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { discard } from "../../src/dlq/reingest.js";
import { MemoryReingestReporter } from "../../src/dlq/reporter.js";
import { scanLockKey } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { wantedKey } from "../../src/queues/lock.js";
import { enqueueReingest } from "../../src/queues/reingest.js";
import { type BoundDomain, startBoundDomain } from "../jobs/support.js";
import { eventually } from "../support/eventually.js";
import { putDeadLetter, queueOf, storedObjects, THROTTLED } from "./support/harness.js";
import { at, singlePlace } from "./support/place.js";

const DOMAIN = "amazon-connect-stopping";
const CLASS_SIZE = 60;

let bound: BoundDomain | undefined;
let queues: JobQueues | undefined;
const workers: Worker[] = [];

afterEach(async () => {
  for (const w of workers.splice(0)) await w.close();
  await queues?.close();
  await bound?.h.close();
  bound = undefined;
  queues = undefined;
});

function reingestWorker(b: BoundDomain, reporter: MemoryReingestReporter): Worker {
  const worker = startReingestWorker({
    connection: b.h.redis,
    prefix: b.h.prefix,
    targets: singlePlace(b.h.gateways),
    bindings: b.bindings,
    digests: new RedisDigestStore(b.h.redis, b.h.prefix),
    reporter: reporter.factory,
    limiter: b.h.limiter,
    // 10 a second: the class takes 6 s, far longer than the stop.
    config: { reingest: { rate: 10, profileIntervalMs: 1_100 } },
    log: b.h.log,
    passOptions: { leaseSeconds: 60, waitSeconds: 0, settleMs: 300, progressEveryMs: 50 },
  });
  workers.push(worker);
  return worker;
}

/** The domain's throttled class, as the digest of `scanId` showed it, queued for re-ingest. */
async function enqueueThrottled(b: BoundDomain, scanId: string): Promise<string> {
  queues = createQueues(b.h.redis, b.h.prefix);
  const { jobId } = await enqueueReingest(queues, {
    ...at(DOMAIN),
    cls: "throttled",
    scanId,
    requestedBy: "U0OPS",
  });
  return jobId;
}

/** Closes the worker, as a stop does, and leaves nothing for afterEach to close. */
async function stopWorker(worker: Worker): Promise<void> {
  await worker.close();
  workers.splice(workers.indexOf(worker), 1);
}

/** The job waits in the queue with its attempts intact. */
async function expectBackInTheQueue(jobId: string): Promise<void> {
  const job = await queues?.reingest.getJob(jobId);
  expect(await job?.getState()).toMatch(/^(delayed|waiting|prioritized)$/);
  expect(job?.attemptsMade).toBe(0);
}

describe("a stop under a running re-ingest", () => {
  it("pauses the job with nothing held, and the next worker finishes the class", async () => {
    bound = await startBoundDomain(DOMAIN, "C0STOP");
    const b = bound;
    for (let i = 0; i < CLASS_SIZE; i++) {
      putDeadLetter(b.h, b.url, {
        domain: DOMAIN,
        objectTypeName: "Order",
        errorMessage: THROTTLED,
        object: { OrderId: `o-${i}`, AccountNumber: `A-${i}` },
      });
    }
    const jobId = await enqueueThrottled(b, await b.scan());

    const first = new MemoryReingestReporter();
    const worker = reingestWorker(b, first);
    const done = () =>
      first.events.reduce((n, e) => (e.type === "progress" ? Math.max(n, e.progress.done) : n), 0);
    expect(
      await eventually(
        async () => done(),
        (n) => n >= 10,
        30_000,
        20,
      ),
    ).toBeGreaterThanOrEqual(10);

    await stopWorker(worker);

    // Paused, not failed: the reply says why, the job waits with its attempts intact.
    expect(first.events.filter((e) => e.type === "reingested" || e.type === "discarded")).toEqual(
      [],
    );
    const paused = first.events.filter((e) => e.type === "failed");
    expect(paused).toMatchObject([{ type: "failed", willRetry: true }]);
    expect(paused[0]?.type === "failed" && paused[0].reason).toContain("stopping");
    await expectBackInTheQueue(jobId);

    // Stopped well before the class was through, and nothing is held: what was not accepted
    // is back in the DLQ, visible, for whoever carries on.
    await ingestionIdle(b.h.emulator.ctx.state);
    const accepted = storedObjects(b.h, DOMAIN).length;
    expect(accepted).toBeGreaterThanOrEqual(10);
    expect(accepted).toBeLessThan(CLASS_SIZE);
    const left = queueOf(b.h, b.url).messages;
    expect(left.length).toBe(CLASS_SIZE - accepted);
    expect(left.filter((m) => m.visibleAt > Date.now())).toEqual([]);

    const second = new MemoryReingestReporter();
    reingestWorker(b, second);
    const end = await eventually(
      async () => second.events.find((e) => e.type === "reingested"),
      (e) => e !== undefined,
      60_000,
      50,
    );
    const result = end?.type === "reingested" ? end.result : undefined;
    expect(result).toMatchObject({ done: CLASS_SIZE, failed: 0, notFound: 0, stoppedBy: "done" });
    expect(result?.resumed?.acceptedBefore).toBe(accepted);
    await ingestionIdle(b.h.emulator.ctx.state);
    expect(storedObjects(b.h, DOMAIN)).toHaveLength(CLASS_SIZE);
    expect(queueOf(b.h, b.url).messages).toEqual([]);
  }, 120_000);

  it("does not wait out a scan: a pass waiting for the domain's lock goes back to the queue at once", async () => {
    bound = await startBoundDomain(DOMAIN, "C0STOP");
    const b = bound;
    b.fail(THROTTLED, 5);
    const scanId = await b.scan();
    // A scan of the domain holds its lock; the pass would wait up to a minute for it.
    const lock = scanLockKey(b.h.prefix, at(DOMAIN));
    await b.h.redis.set(lock, "a-running-scan", "PX", 60_000);
    const jobId = await enqueueThrottled(b, scanId);
    const reporter = new MemoryReingestReporter();
    const worker = reingestWorker(b, reporter);
    await eventually(
      () => b.h.redis.exists(wantedKey(lock)),
      (n) => n === 1,
      30_000,
      20,
    );

    // The test's time-out is well under the minute the pass would otherwise wait.
    await stopWorker(worker);

    expect(reporter.events.map((e) => e.type)).toEqual(["failed"]);
    const [paused] = reporter.events;
    expect(paused).toMatchObject({ type: "failed", willRetry: true });
    expect(paused?.type === "failed" && paused.reason).toContain("stopping");
    await expectBackInTheQueue(jobId);
    // The scan keeps its lock, the pass's mark is gone, and no message was touched.
    expect(await b.h.redis.get(lock)).toBe("a-running-scan");
    expect(await b.h.redis.exists(wantedKey(lock))).toBe(0);
    expect(storedObjects(b.h, DOMAIN)).toEqual([]);
    expect(queueOf(b.h, b.url).messages.filter((m) => m.visibleAt > Date.now())).toEqual([]);
  }, 20_000);

  it("a scan stopped part-way publishes nothing, holds nothing, and the next scan reads it all", async () => {
    bound = await startBoundDomain(DOMAIN, "C0STOP");
    const b = bound;
    b.fail(THROTTLED, 50);
    const stopping = new AbortController();
    stopping.abort("stopping");
    expect(await b.scanOutcome(stopping.signal)).toEqual({ status: "stopped" });
    expect(b.publisher.events).toEqual([]);
    expect(await b.digests.get(at(DOMAIN))).toBeUndefined();
    expect(queueOf(b.h, b.url).messages.filter((m) => m.visibleAt > Date.now())).toEqual([]);

    expect(await b.scanOutcome()).toMatchObject({ status: "posted", total: 50 });
  }, 60_000);

  it("a discard stopped between two batches is carried on and counted whole", async () => {
    bound = await startBoundDomain(DOMAIN, "C0STOP");
    const b = bound;
    b.fail(THROTTLED, 95);
    await b.scan();
    const ids = new Set(queueOf(b.h, b.url).messages.map((m) => m.messageId));
    expect(ids.size).toBe(95);
    const checkpoint = new RedisPassCheckpoint(b.h.redis, b.h.prefix, "discard-stop", "r1");
    const stopping = new AbortController();
    let batches = 0;
    const sqs = {
      receive: b.h.gateways.sqs.receive.bind(b.h.gateways.sqs),
      changeVisibilityBatch: b.h.gateways.sqs.changeVisibilityBatch.bind(b.h.gateways.sqs),
      queueInfo: b.h.gateways.sqs.queueInfo.bind(b.h.gateways.sqs),
      deleteBatch: async (url: string, handles: string[]) => {
        batches += 1;
        if (batches === 3) stopping.abort("stopping");
        return b.h.gateways.sqs.deleteBatch(url, handles);
      },
    };
    const input = {
      queueUrl: b.url,
      cls: "throttled" as const,
      messageIds: ids,
      maxMessages: ids.size,
      waitSeconds: 0,
    };
    const first = await discard(
      { sqs, log: b.h.log, checkpoint },
      { ...input, signal: stopping.signal },
    );
    expect(first.stoppedBy).toBe("stopping");
    expect(first.deleted).toBe(30);
    expect(queueOf(b.h, b.url).messages).toHaveLength(65);

    const second = await discard({ sqs: b.h.gateways.sqs, log: b.h.log, checkpoint }, input);
    expect(second).toMatchObject({ stoppedBy: "done", deleted: 95, notFound: 0 });
    expect(queueOf(b.h, b.url).messages).toEqual([]);
  }, 60_000);
});
