import { describe, expect, it } from "vitest";
import { beforeDeadline, TIMED_OUT } from "../../src/deadline.js";

const settleAfter = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const failAfter = (ms: number, message: string) =>
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(message)), ms));
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("beforeDeadline", () => {
  it("gives the work's value when it comes first, and leaves no timer behind", async () => {
    const before = timers();
    expect(await beforeDeadline(settleAfter(5, "done"), 10_000)).toBe("done");
    expect(timers()).toBe(before);
  });

  it("gives TIMED_OUT when the deadline comes first", async () => {
    const started = performance.now();
    expect(await beforeDeadline(new Promise(() => {}), 30)).toBe(TIMED_OUT);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("fails with the work's error when it fails first", async () => {
    await expect(beforeDeadline(failAfter(5, "refused"), 10_000)).rejects.toThrow("refused");
  });

  it("handles a failure that comes after the deadline: nothing is left unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      expect(await beforeDeadline(failAfter(40, "too late"), 5)).toBe(TIMED_OUT);
      await settleAfter(80, undefined);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
