/**
 * The shared rate limiter reserves: each caller takes one token with one call and learns when
 * it is due, so callers waiting on one bucket go in the order they asked, an interval apart,
 * without asking again. The Redis limiter makes the same reservations on Redis's clock
 * (test/redis/kinds.test.ts, on one node and on a cluster).
 */
import { describe, expect, it } from "vitest";
import { MemoryRateLimiter } from "../../src/ratelimit.js";

describe("MemoryRateLimiter", () => {
  it("lets the burst through, then reserves one token an interval after the other", async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter(() => now);
    const waits = [];
    for (let i = 0; i < 6; i++) waits.push(await limiter.take("b", 10, 2));
    expect(waits).toEqual([0, 0, 100, 200, 300, 400]);
    // 250 ms later the reservations still stand: the next is due after the last.
    now = 250;
    expect(await limiter.take("b", 10, 2)).toBe(250);
    // Idle long enough, the bucket is full again.
    now = 10_000;
    expect([await limiter.take("b", 10, 2), await limiter.take("b", 10, 2)]).toEqual([0, 0]);
    expect(await limiter.take("b", 10, 2)).toBe(100);
  });

  it("keeps a profile's reservations exactly 1100 ms apart at a rate that does not divide a second", async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter(() => now);
    const due: number[] = [];
    for (let i = 0; i < 50; i++) {
      now += 7; // callers arriving a few ms apart
      due.push(now + (await limiter.take("p", 1000 / 1100, 1)));
    }
    for (let i = 1; i < due.length; i++) {
      expect((due[i] as number) - (due[i - 1] as number)).toBe(1100);
    }
  });
});
