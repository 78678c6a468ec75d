/**
 * Crash test: a re-ingest worker in its own process is SIGKILLed in the middle of 2,000
 * messages and restarted. Every original object ends either accepted in the domain or still
 * in the DLQ (checked at the kill, and at the end); none is lost. A message whose object was
 * accepted just before the kill may be replayed once more, which replaces the same object.
 *
 * The worker runs as `node --import tsx` (one process) so the signal reaches it, not a wrapper.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import {
  createDomainWithDlq,
  type DlqHarness,
  putDeadLetter,
  queueOf,
  startDlqHarness,
  storedObjects,
  THROTTLED,
} from "./support/harness.js";

const SCRIPT = fileURLToPath(new URL("./support/reingest-worker.ts", import.meta.url));
const DOMAIN = "amazon-connect-crash";
const TOTAL = 2_000;

interface Child {
  process: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: Child[] = [];
let h: DlqHarness | undefined;

afterEach(async () => {
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
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    env: {
      ...process.env,
      EMULATOR_URL: harness.emulator.url,
      PREFIX: harness.prefix,
      DOMAIN,
      QUEUE_URL: queueUrl,
      LEASE_SECONDS: "3",
      RATE: "400",
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
});
