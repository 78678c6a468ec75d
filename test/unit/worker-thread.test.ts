/**
 * ROLE=all's worker thread plumbing (src/worker-thread.ts), with small threads in place of
 * the bot's: the listeners' side sees a thread that fails, stops one, and reads its metrics.
 * test/e2e/role-all.test.ts runs the real one.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  startWorkerThread,
  stopWorkerThread,
  WORKER_SEMI_SPACE_MB,
  workerMetrics,
} from "../../src/worker-thread.js";
import { capture } from "./capture-log.js";

const fixture = (name: string) => new URL(`../fixtures/worker-thread/${name}`, import.meta.url);

describe("the worker thread", () => {
  it("that fails resolves exited with code 1, the error logged", async () => {
    const { lines, log } = capture();
    const worker = await startWorkerThread(fixture("crashes.mjs"), { ...process.env }, log);
    expect(await worker.exited).toBe(1);
    expect(worker.running()).toBe(false);
    expect(lines.join("")).toContain("the worker thread failed");
    expect(lines.join("")).toContain("a bug in the worker");
  });

  it("sends its own metrics when asked, without the process-wide ones, and stops when asked", async () => {
    const { log } = capture();
    const worker = await startWorkerThread(fixture("answers.mjs"), { ...process.env }, log);
    try {
      const [snapshot] = await workerMetrics(worker);
      expect(snapshot?.map((m) => m.name)).toEqual(["profiles_bot_jobs"]);
      await stopWorkerThread(worker);
      expect(await worker.exited).toBe(0);
      expect(worker.running()).toBe(false);
    } finally {
      await worker.thread.terminate();
    }
  });

  it("that has stopped answers no metrics and needs no stop", async () => {
    const { log } = capture();
    const worker = await startWorkerThread(fixture("crashes.mjs"), { ...process.env }, log);
    await worker.exited;
    expect(await workerMetrics(worker)).toEqual([]);
    await stopWorkerThread(worker);
  });

  it("gets a young generation of its own while the listeners keep npm start's 2 MB", () => {
    // A process started as npm start starts the bot.
    const out = execFileSync(
      process.execPath,
      ["--max-semi-space-size=2", fileURLToPath(fixture("young-generation.mjs"))],
      { encoding: "utf8" },
    );
    const limitMb = JSON.parse(out) as Record<string, number>;
    // V8 reserves three semi-spaces for an isolate's young generation (two for its scavenges,
    // one for new large objects) and counts them in the heap's limit; the old generation's
    // part is the same in all three isolates.
    expect(limitMb.workerThread).toBe((limitMb.listeners ?? 0) + 3 * (WORKER_SEMI_SPACE_MB - 2));
    // The flag is set back once the thread is made: a later thread gets the process's own.
    expect(limitMb.plainWorker).toBe(limitMb.listeners);
  });
});
