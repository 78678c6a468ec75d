/**
 * Crash test: a worker in its own process is SIGKILLed right after each step's checkpoint
 * in turn, and restarted; BullMQ's stalled-job check hands the job to the next worker,
 * which resumes from the checkpoint. The end state has exactly one of everything.
 *
 * The worker runs as `node --import tsx` (tsx's loader, in one process) rather than through
 * `npx tsx`, whose wrapper process would stand between the test and the signal.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { ProvisionJobData } from "../../src/provision/plan-to-job.js";
import { STEP_ORDER } from "../../src/provision/types.js";
import { enqueueProvision } from "../../src/queues/provision.js";
import {
  EXAMPLECORP,
  FAST_RETRIES,
  type Harness,
  inventory,
  jobData,
  startHarness,
  WHO,
  waitForState,
} from "./helpers.js";

const SCRIPT = fileURLToPath(new URL("./crash-worker.ts", import.meta.url));
const DOMAIN = "amazon-connect-examplecorp";
const NAMES = { domain: DOMAIN, queue: `${DOMAIN}-dlq`, alias: `alias/${DOMAIN}` };

interface Child {
  process: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: Child[] = [];

function startWorkerProcess(h: Harness, crashAfter: string): Child {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    env: {
      ...process.env,
      EMULATOR_URL: h.emulator.url,
      PREFIX: h.prefix,
      CRASH_AFTER: crashAfter,
    },
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

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let h: Harness | undefined;
afterEach(async () => {
  // Every child we started is gone before the Redis keys and the emulator are.
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill("SIGKILL");
      await child.exited;
    }
  }
  await h?.close();
  h = undefined;
});

describe("crash recovery", () => {
  it("a worker killed after each step in turn ends with one queue, key, alias and domain", async () => {
    h = await startHarness();
    const { jobId } = await enqueueProvision(h.queues, jobData(), { jobOptions: FAST_RETRIES });
    const crashedAfter: string[] = [];

    for (const step of STEP_ORDER) {
      const job = await h.queue.getJob(jobId);
      const data = job?.data as ProvisionJobData | undefined;
      // A parallel branch may have finished this step before the previous kill landed.
      if (data?.checkpoint.done?.includes(step)) continue;
      const child = startWorkerProcess(h, step);
      const exit = await within(child.exited, 20_000, `the worker crashing after ${step}`).catch(
        (err: Error) => {
          throw new Error(`${err.message}\n${child.output.join("")}`);
        },
      );
      expect(exit.signal, child.output.join("")).toBe("SIGKILL");
      crashedAfter.push(step);
    }
    // Steps that run beside each other (the queue and key branches, the alias beside the
    // domain, the link beside the alert binding) may finish before a kill lands, but each
    // stage gets a crash: the queue and its policy, then one of each later pair.
    const oneOf = (...steps: string[]) => crashedAfter.some((s) => steps.includes(s));
    expect(crashedAfter.slice(0, 2)).toEqual(["queue", "queue-policy"]);
    expect(oneOf("alias", "domain")).toBe(true);
    expect(oneOf("link", "alert-binding")).toBe(true);

    const last = startWorkerProcess(h, "none");
    const finished = await waitForState(h.queue, jobId, ["completed", "failed"], 20_000);
    expect(await finished.getState(), finished.failedReason).toBe("completed");
    last.process.kill("SIGTERM");
    expect((await within(last.exited, 10_000, "the last worker stopping")).code).toBe(0);

    const inv = inventory(h, jobId, NAMES);
    expect(inv.queues).toHaveLength(1);
    expect(inv.keys).toHaveLength(1);
    expect(inv.aliases).toHaveLength(1);
    expect(inv.aliases[0]?.targetKeyId).toBe(inv.keys[0]?.keyId);
    expect(inv.domains).toHaveLength(1);
    expect(inv.domain?.defaultEncryptionKey).toBe(inv.keys[0]?.arn);
    expect(inv.domain?.deadLetterQueueUrl).toBe(inv.queues[0]?.url);
    expect(inv.domain?.integrations.map((i) => i.uri)).toEqual([EXAMPLECORP.arn]);
    expect((await h.bindings.get(DOMAIN))?.channelId).toBe(WHO.channelId);
  }, 180_000);
});
