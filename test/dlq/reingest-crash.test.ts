/**
 * Crash tests.
 *
 * 1. A re-ingest pass in its own process is SIGKILLed in the middle of 2,000 messages and
 *    restarted. Every original object ends either accepted in the domain or still in the DLQ
 *    (checked at the kill, and at the end); none is lost. A message whose object was accepted
 *    just before the kill may be replayed once more, which replaces the same object.
 * 2. A `reingest` job (the production processor) is SIGKILLed after about half of a class of
 *    40, while it holds the rest leased; another worker recovers the stalled job. The resumed
 *    job must account for its dead predecessor: its report says all 40 accepted (the numbers
 *    add up to the class) and only once the DLQ really is empty, not "finished" after the
 *    visible half while the other half is still hidden under the dead worker's lease.
 *
 * Workers run as `node --import tsx` (one process) so the signal reaches them, not a wrapper.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Worker } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { startReingestWorker } from "../../jobs/reingest.js";
import { ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { MemoryReingestReporter } from "../../src/dlq/reporter.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { enqueueReingest } from "../../src/queues/reingest.js";
import { startBoundDomain } from "../jobs/support.js";
import {
  createDomainWithDlq,
  type DlqHarness,
  putDeadLetter,
  queueOf,
  startDlqHarness,
  storedObjects,
  THROTTLED,
} from "./support/harness.js";
import { at, singlePlace } from "./support/place.js";

const SCRIPT = fileURLToPath(new URL("./support/reingest-worker.ts", import.meta.url));
const JOB_SCRIPT = fileURLToPath(new URL("./support/reingest-job-worker.ts", import.meta.url));
const DOMAIN = "amazon-connect-crash";
const TOTAL = 2_000;

interface Child {
  process: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: Child[] = [];
let h: DlqHarness | undefined;
let worker: Worker | undefined;
let queues: JobQueues | undefined;

afterEach(async () => {
  await worker?.close();
  await queues?.close();
  worker = undefined;
  queues = undefined;
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill("SIGKILL");
      await child.exited;
    }
  }
  await h?.close();
  h = undefined;
});

function startWorker(harness: DlqHarness, queueUrl: string): Child {
  return spawnChild(SCRIPT, {
    EMULATOR_URL: harness.emulator.url,
    PREFIX: harness.prefix,
    DOMAIN,
    QUEUE_URL: queueUrl,
    LEASE_SECONDS: "3",
    RATE: "400",
  });
}

function spawnChild(script: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const handle = { process: child, output, exited };
  children.push(handle);
  return handle;
}

const lastProgress = (child: Child) => {
  const matches = [...child.output.join("").matchAll(/PROGRESS (\d+)/g)];
  return Number(matches.at(-1)?.[1] ?? 0);
};

async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Order ids accepted in the domain, and order ids still in the DLQ (visible or leased). */
function account(harness: DlqHarness, url: string) {
  const accepted = new Set(storedObjects(harness, DOMAIN).map((o) => JSON.parse(o.object).OrderId));
  const inDlq = queueOf(harness, url).messages.map(
    (m) => JSON.parse(JSON.parse(m.body).object).OrderId as string,
  );
  return { accepted, inDlq: new Set(inDlq) };
}

describe("re-ingest crash", () => {
  it("loses nothing when the worker is SIGKILLed mid-run and restarted", async () => {
    // Each order has its own account: pacing per profile doesn't slow this test down.
    h = await startDlqHarness({ profileObjectsPerSecond: 1000 });
    const url = await createDomainWithDlq(h, DOMAIN);
    for (let i = 0; i < TOTAL; i++) {
      putDeadLetter(h, url, {
        domain: DOMAIN,
        objectTypeName: "Order",
        errorMessage: THROTTLED,
        object: { OrderId: `o-${i}`, AccountNumber: `A-${i}` },
      });
    }
    const orders = Array.from({ length: TOTAL }, (_, i) => `o-${i}`);

    const first = startWorker(h, url);
    await until(
      "the first worker to re-ingest 400 objects",
      60_000,
      () => lastProgress(first) >= 400,
    );
    first.process.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    await ingestionIdle(h.emulator.ctx.state);

    // At the kill: everything is accepted or still in the DLQ, and the worker was mid-way.
    const atKill = account(h, url);
    expect(atKill.accepted.size).toBeGreaterThanOrEqual(400);
    expect(atKill.accepted.size).toBeLessThan(TOTAL);
    expect(orders.filter((o) => !atKill.accepted.has(o) && !atKill.inDlq.has(o))).toEqual([]);

    const second = startWorker(h, url);
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.output.join("")).toMatch(/DONE \d+/);
    await ingestionIdle(h.emulator.ctx.state);

    const end = account(h, url);
    expect(orders.filter((o) => !end.accepted.has(o) && !end.inDlq.has(o))).toEqual([]);
    expect(end.accepted.size + end.inDlq.size).toBeGreaterThanOrEqual(TOTAL);
    // And the restarted worker finished the job: all accepted, the DLQ empty.
    expect(end.accepted.size).toBe(TOTAL);
    expect(end.inDlq.size).toBe(0);
  }, 120_000);

  it("a job recovered after its worker was SIGKILLed accounts for the whole class before it reports", async () => {
    const JOB_DOMAIN = "amazon-connect-crashjob";
    const CLASS_SIZE = 40;
    const bound = await startBoundDomain(JOB_DOMAIN, "C0CRASH");
    h = bound.h;
    const harness = bound.h;
    // Each order has its own account, so only the global pace (10/s) spaces them.
    for (let i = 0; i < CLASS_SIZE; i++) {
      putDeadLetter(harness, bound.url, {
        domain: JOB_DOMAIN,
        objectTypeName: "Order",
        errorMessage: THROTTLED,
        object: { OrderId: `o-${i}`, AccountNumber: `A-${i}` },
      });
    }
    const scanId = await bound.scan();
    queues = createQueues(harness.redis, harness.prefix);
    const outcome = await enqueueReingest(queues, {
      ...at(JOB_DOMAIN),
      cls: "throttled",
      scanId,
      requestedBy: "U0OPS",
    });

    // The first worker takes the job, receives the class ahead (leased for 60 s) and is
    // killed about half-way.
    const first = spawnChild(JOB_SCRIPT, {
      EMULATOR_URL: harness.emulator.url,
      PREFIX: harness.prefix,
      LEASE_SECONDS: "60",
      RATE: "10",
    });
    await until(
      "the job to re-ingest about half the class",
      60_000,
      () => lastProgress(first) >= 18,
    );
    first.process.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    await ingestionIdle(harness.emulator.ctx.state);
    const atKill = queueOf(harness, bound.url).messages;
    // Mid-way, and part of the rest is hidden under the dead worker's lease: a naive resume
    // re-ingests the visible ones and calls the class finished.
    expect(atKill.length).toBeGreaterThan(0);
    expect(atKill.length).toBeLessThan(CLASS_SIZE);
    expect(atKill.filter((m) => m.visibleAt > Date.now()).length).toBeGreaterThan(0);

    // Another worker finds the job stalled and runs it again.
    const reporter = new MemoryReingestReporter();
    worker = startReingestWorker({
      connection: harness.redis,
      prefix: harness.prefix,
      targets: singlePlace(harness.gateways),
      bindings: bound.bindings,
      digests: new RedisDigestStore(harness.redis, harness.prefix),
      reporter: reporter.factory,
      limiter: harness.limiter,
      config: { reingest: { rate: 10, profileIntervalMs: 1_100 } },
      log: harness.log,
      passOptions: { leaseSeconds: 60, waitSeconds: 0, settleMs: 300 },
      workerOptions: { lockDuration: 2_000, stalledInterval: 1_000 },
    });
    let dlqAtReport = -1;
    await until("the resumed job's final report", 90_000, () => {
      const end = reporter.events.find((e) => e.jobId === outcome.jobId && e.type === "reingested");
      if (end && dlqAtReport < 0) dlqAtReport = queueOf(harness, bound.url).messages.length;
      return end !== undefined;
    });
    const end = reporter.events.find((e) => e.type === "reingested");
    const result = end?.type === "reingested" ? end.result : undefined;
    // The report adds up to the class and says so only when nothing of it is in the DLQ.
    expect(result).toMatchObject({ done: CLASS_SIZE, failed: 0, notFound: 0, stoppedBy: "done" });
    expect(result?.cameBack).toEqual({});
    expect(dlqAtReport).toBe(0);
    await ingestionIdle(harness.emulator.ctx.state);
    expect(storedObjects(harness, JOB_DOMAIN)).toHaveLength(CLASS_SIZE);
    expect(queueOf(harness, bound.url).messages).toEqual([]);
  }, 180_000);
});
