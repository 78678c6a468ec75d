/**
 * The heap a burst grew, given back once the thread is quiet (src/idle-memory.ts), in a
 * process of its own, its young generation capped at V8's default on 64 bits (16 MB a
 * semi-space), as npm start runs the bot.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { QUIET_CHECKS } from "../../src/idle-memory.js";

const fixture = fileURLToPath(new URL("../fixtures/idle-memory/burst.mjs", import.meta.url));
// V8 shrinks the young generation at a collection only when little was allocated over the
// last 5 s, so the quiet spell the test waits for (two checks) must be longer than that.
const CHECK_MS = 3_000;

describe("the heap after a burst", () => {
  it("stays grown by itself, and is given back by one collection once the thread is quiet", () => {
    const out = execFileSync(
      process.execPath,
      ["--max-semi-space-size=16", fixture, String(CHECK_MS)],
      { encoding: "utf8" },
    );
    const r = JSON.parse(out) as Record<string, number>;
    // The burst grew it, and without the give-back it stayed so.
    expect(r.grownMb).toBeGreaterThanOrEqual(8);
    expect(r.withoutMb).toBe(r.grownMb);
    // With it: nothing while busy, one collection after QUIET_CHECKS quiet checks, none after.
    expect(r.duringBurst).toBe(0);
    expect(r.collections).toBe(1);
    expect(r.afterMs).toBeGreaterThanOrEqual((QUIET_CHECKS - 1) * CHECK_MS);
    expect(r.afterMb).toBeLessThanOrEqual(r.startedMb ?? 1);
    expect(r.later).toBe(1);
  }, 60_000);
});
