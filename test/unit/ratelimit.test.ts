/**
 * The shared rate limiter reserves: each caller takes one token with one call and learns when
 * it is due, so callers waiting on one bucket go in the order they asked, an interval apart,
 * without asking again. The Redis limiter (real Redis, its own clock) and the in-memory twin
 * make the same reservations.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { loadConfig } from "../../src/config.js";
import { MemoryRateLimiter, RedisRateLimiter } from "../../src/ratelimit.js";
import { createRedis, type Redis } from "../../src/redis.js";

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

describe("RedisRateLimiter", () => {
  const prefix = testPrefix();
  const config = loadConfig({ SLACK_BOT_TOKEN: "xoxb-x", ROLE: "worker", QUEUE_PREFIX: prefix });
  let redis: Redis;
  beforeAll(() => {
    redis = createRedis(config, "client");
  });
  afterAll(async () => {
    await redis.quit();
    await deletePrefix(config, prefix);
  });

  it("gives 30 callers at once 30 different slots, an interval apart", async () => {
    const limiter = new RedisRateLimiter(redis, prefix);
    const asked = Date.now();
    const waits = await Promise.all(Array.from({ length: 30 }, () => limiter.take("g", 100, 3)));
    const sorted = [...waits].sort((a, b) => a - b);
    expect(sorted.slice(0, 3)).toEqual([0, 0, 0]);
    // Slot k (after the burst) is due (k - 2) intervals of 10 ms after the first call; Redis's
    // clock moved on a little between the calls, which shortens the later waits by as much.
    const elapsed = Date.now() - asked;
    sorted.slice(3).forEach((wait, i) => {
      expect(wait).toBeLessThanOrEqual((i + 1) * 10);
      expect(wait).toBeGreaterThanOrEqual((i + 1) * 10 - elapsed - 1);
    });
    // One hash per bucket, gone once the bucket is full again.
    const key = `${prefix}:ratelimit:g`;
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30 * 10 + 1000);
  });
});
