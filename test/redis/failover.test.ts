/**
 * A master of a Redis Cluster dies in the middle of a burst of jobs: once its replica has
 * taken over the prefix's slot, the workers go on, and every job runs, none twice. The
 * workers are built as the bot builds its re-ingest workers (startQueueWorker, the queue's
 * settings, createRedis's worker connections), with a processor of the test's own. The
 * cluster is this file's own (the suite's shared one is never killed).
 */
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REINGEST_WORKER } from "../../jobs/reingest.js";
import { startQueueWorker } from "../../jobs/worker.js";
import { testPrefix } from "../../sandbox/stack.js";
import { createLogger } from "../../src/logger.js";
import { createQueues } from "../../src/queues/index.js";
import { QUEUES } from "../../src/queues/names.js";
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
  it("fails over to its replica, and the workers run every job once", async () => {
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
    const workers = connections.map((connection) =>
      startQueueWorker(
        QUEUES.reingest,
        async (job: Job<{ n: number }>) => {
          runs.set(job.data.n, (runs.get(job.data.n) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 20));
        },
        REINGEST_WORKER,
        {
          connection,
          prefix,
          log: createLogger("silent"),
          // A job whose fetch the dead master answered but the worker never heard is picked
          // up again once its lock lapses (the bot's default is 30 s). A lock longer than
          // the failover (about 4 s here) is what keeps the jobs in flight from running twice.
          workerOptions: { lockDuration: 15_000, stalledInterval: 5_000 },
        },
      ),
    );
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
      // The bound leaves room for a job orphaned by a lost reply: its lock, then a stalled check.
      await eventually(
        async () => runs.size,
        (n) => n >= JOBS,
        40_000,
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
  }, 90_000);
});
