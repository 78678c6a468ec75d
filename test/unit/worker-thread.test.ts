/**
 * ROLE=all's worker thread plumbing (src/worker-thread.ts), with small threads in place of
 * the bot's: the listeners' side sees a thread that fails, stops one, and reads its metrics.
 * test/e2e/role-all.test.ts runs the real one.
 */
import { describe, expect, it } from "vitest";
import { startWorkerThread, stopWorkerThread, workerMetrics } from "../../src/worker-thread.js";
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
});
