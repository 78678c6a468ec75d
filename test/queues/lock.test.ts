/**
 * The lock a scan and a re-ingest share, on the real Redis under a prefix of its own: scans
 * that take the lock again the moment they free it (as a short scan interval does) must not
 * starve a re-ingest waiting for it, and a re-ingest that got it leaves no mark behind.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { loadConfig } from "../../src/config.js";
import { lockKey, wantedKey, whileHolding, withLock } from "../../src/queues/lock.js";

let redis: Redis;
const prefix = testPrefix();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
});
afterAll(async () => {
  await redis.quit();
  await deletePrefix(loadConfig({ SLACK_BOT_TOKEN: "xoxb-test", ROLE: "worker" }), prefix);
});

describe("a lock shared by skipping holders and a waiting one", () => {
  it("hands the lock to the waiter even when skipping holders retake it at once", async () => {
    const key = lockKey(prefix, "dlq-scan", "111122223333.us-east-1.examplecorp");
    let stop = false;
    let scans = 0;
    let skipped = 0;
    // A scan after another, each holding the lock 100 ms and retrying as soon as it ends.
    const scanning = (async () => {
      while (!stop) {
        const locked = await withLock(redis, key, 5_000, () => sleep(100));
        if (locked.acquired) scans++;
        else {
          skipped++;
          await sleep(5);
        }
      }
    })();
    // The scans are under way (a loaded machine may take a while to start them).
    while (scans === 0) await sleep(20);
    const got = await whileHolding(redis, key, { ttlMs: 5_000, waitMs: 5_000 }, async () => {
      const scansWhileHeld = scans;
      await sleep(300);
      return scans - scansWhileHeld;
    });
    stop = true;
    await scanning;
    // While the waiter held the lock no scan ran, and scans did run before and after.
    expect(got).toEqual({ held: true, value: 0 });
    expect(scans).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(0);
    expect(await redis.exists(wantedKey(key))).toBe(0);
  });

  it("stops waiting when the worker stops: nothing runs, the mark goes, the holder keeps the lock", async () => {
    const key = lockKey(prefix, "dlq-scan", "111122223333.us-east-1.stopping");
    await redis.set(key, "a-scan", "PX", 30_000);
    const stopping = new AbortController();
    let ran = false;
    const waiting = whileHolding(
      redis,
      key,
      { ttlMs: 30_000, waitMs: 60_000, pollMs: 5_000, signal: stopping.signal },
      async () => {
        ran = true;
      },
    );
    // The waiter has marked the lock wanted before the stop comes.
    while ((await redis.exists(wantedKey(key))) === 0) await sleep(10);
    stopping.abort("stopping");
    // Within the test's own time-out, far below the minute's wait and mid-poll.
    expect(await waiting).toEqual({ held: false, stopped: true });
    expect(ran).toBe(false);
    expect(await redis.exists(wantedKey(key))).toBe(0);
    expect(await redis.get(key)).toBe("a-scan");
  }, 4_000);

  it("lets a skipping holder take a lock nobody waits for", async () => {
    const key = lockKey(prefix, "provision", "job-free");
    expect(await withLock(redis, key, 5_000, async () => "ran")).toEqual({
      acquired: true,
      value: "ran",
    });
    await redis.set(wantedKey(key), "a-waiter", "PX", 5_000);
    expect(await withLock(redis, key, 5_000, async () => "ran")).toEqual({ acquired: false });
  });
});
