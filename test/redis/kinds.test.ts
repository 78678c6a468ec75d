/**
 * The bot's Redis building blocks on one node and on a Redis Cluster: the job queues, the
 * click and scan locks, the shared rate limiter, the replay check, and the multi-key writes
 * (the digest's scan records: pipelines, MULTI, RENAME, DEL of many keys; the group cache's
 * MGET). On the cluster every one of them must touch one slot, or Redis refuses it
 * (CROSSSLOT) and the test fails.
 */
import { type Job, type Queue, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { CachedGroupDirectory } from "../../src/access/directory.js";
import { refId } from "../../src/aws/targets.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { RedisSeenSignatures } from "../../src/http/seen.js";
import { createQueues } from "../../src/queues/index.js";
import { lockKey, whileHolding, withLock } from "../../src/queues/lock.js";
import { RedisRateLimiter } from "../../src/ratelimit.js";
import { createRedis, keysMatching, type Redis } from "../../src/redis.js";
import { at } from "../dlq/support/place.js";
import { REDIS_KINDS, redisConfig } from "../support/redis-cluster.js";

const DOMAIN_A = at("amazon-connect-a");

describe.each(REDIS_KINDS)("Redis building blocks on a %s", (kind) => {
  const prefix = testPrefix();
  const config = redisConfig(kind, prefix);
  let redis: Redis;
  beforeAll(() => {
    redis = createRedis(config, "client");
  });
  afterAll(async () => {
    await redis.quit();
    await deletePrefix(config, prefix);
  });

  it("runs each queued job once on a worker whose connection comes from the factory", async () => {
    const queues = createQueues(redis, prefix);
    const connection = createRedis(config, "worker");
    const runs = new Map<string, number>();
    const worker = new Worker(
      queues.reingest.name,
      async (job: Job) => {
        runs.set(job.id as string, (runs.get(job.id as string) ?? 0) + 1);
        return job.data.n * 2;
      },
      { connection, prefix, concurrency: 5 },
    );
    try {
      const jobs = await queues.reingest.addBulk(
        Array.from({ length: 30 }, (_, n) => ({ name: "double", data: { n } })),
      );
      // A job id given twice is one job: BullMQ's dedupe is a script over several keys.
      await queues.reingest.add("double", { n: 100 }, { jobId: "same" });
      await queues.reingest.add("double", { n: 100 }, { jobId: "same" });
      const events = await waitForCompleted(queues.reingest, 31);
      expect(events).toBe(31);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      expect(runs.size).toBe(31);
      expect(await (await queues.reingest.getJob(jobs[3]?.id as string))?.returnvalue).toBe(6);
    } finally {
      await worker.close();
      await connection.quit();
      await queues.close();
    }
  });

  it("lets one holder at a time have a lock, and only its owner release it", async () => {
    const key = lockKey(prefix, "provision", "job-1");
    const inner = await withLock(redis, key, 5_000, async () =>
      withLock(redis, key, 5_000, async () => "second"),
    );
    expect(inner).toEqual({ acquired: true, value: { acquired: false } });
    expect(await redis.exists(key)).toBe(0);
    await redis.set(key, "someone-else", "PX", 5_000);
    const held = await whileHolding(redis, key, { ttlMs: 300, waitMs: 0 }, async () => "ran");
    expect(held).toEqual({ held: false, value: "ran" });
    expect(await redis.get(key)).toBe("someone-else");
  });

  it("shares a token bucket: past the burst a caller is told to wait", async () => {
    const limiter = new RedisRateLimiter(redis, prefix);
    const waits = [];
    for (let i = 0; i < 4; i++) waits.push(await limiter.take("chat.postMessage:C1", 1, 3));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(0);
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

  it("acts on a request signature once", async () => {
    const seen = new RedisSeenSignatures(createRedis(config, "replay"), prefix);
    expect(await Promise.all([seen.seen("v0=abc"), seen.seen("v0=abc")])).toEqual([false, true]);
  });

  it("writes, renames and trims a digest's scan records in one slot", async () => {
    const digests = new RedisDigestStore(redis, prefix);
    for (let scan = 1; scan <= 5; scan++) {
      const recorder = digests.recordScanIds(DOMAIN_A, `scan-${scan}`);
      await recorder.add({
        throttled: [`m${scan}-1`, `m${scan}-2`],
        "missing-key": [`m${scan}-3`],
      });
      await recorder.commit();
    }
    expect(await digests.scanIds(DOMAIN_A, "scan-5", "throttled")).toEqual(["m5-1", "m5-2"]);
    await digests.remove(DOMAIN_A);
    const left: string[] = [];
    for await (const keys of keysMatching(redis, `${prefix}:dlq-*:${refId(DOMAIN_A)}*`))
      left.push(...keys);
    expect(left).toEqual([]);
  });

  it("reads every cached user group in one MGET", async () => {
    const directory = new CachedGroupDirectory(
      async (group) => (group === "S1" ? ["U1"] : ["U2"]),
      redis,
      prefix,
    );
    expect(await directory.groupsOf("U1", ["S1", "S2"])).toEqual(["S1"]);
    expect(await directory.groupsOf("U2", ["S1", "S2"])).toEqual(["S2"]);
  });
});

/** Counts completed jobs until `n` have completed (or BullMQ stops counting up). */
async function waitForCompleted(queue: Queue, n: number): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const done = await queue.getCompletedCount();
    if (done >= n) return done;
    await new Promise((r) => setTimeout(r, 100));
  }
  return queue.getCompletedCount();
}
