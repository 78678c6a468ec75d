/**
 * Redis over TLS, as managed Redis (ElastiCache with in-transit encryption) serves it: one
 * node at a rediss:// URL and a TLS cluster (REDIS_TLS=true), both with certificates from a
 * private CA given in REDIS_TLS_CA_FILE. The bot's connections, BullMQ's included, work over
 * them, and without the CA the connection is refused, so it really is TLS.
 */
import { rmSync } from "node:fs";
import { type Job, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPrefix } from "../../sandbox/stack.js";
import { type Config, type Env, loadConfig } from "../../src/config.js";
import { createQueues } from "../../src/queues/index.js";
import { createRedis, redisAnswers } from "../../src/redis.js";
import {
  type ClusterTls,
  makeTestCertificates,
  type RedisCluster,
  startRedisCluster,
} from "../support/redis-cluster.js";
import { type OwnRedis, startOwnRedis } from "../support/redis-server.js";

let certs: ClusterTls & { dir: string };
let single: OwnRedis;
let cluster: RedisCluster;
beforeAll(async () => {
  certs = await makeTestCertificates();
  [single, cluster] = await Promise.all([
    startOwnRedis([], certs),
    startRedisCluster({ tls: certs }),
  ]);
}, 60_000);
afterAll(async () => {
  await single?.stop();
  await cluster?.stop();
  rmSync(certs.dir, { recursive: true, force: true });
});

const configOf = (env: Env): Config =>
  loadConfig({ SLACK_BOT_TOKEN: "xoxb-tls", ROLE: "worker", QUEUE_PREFIX: testPrefix(), ...env });

/** A job queued and run by a worker over the connections the config makes. */
async function runsAJob(config: Config): Promise<unknown> {
  const redis = createRedis(config, "client");
  const connection = createRedis(config, "worker");
  const queues = createQueues(redis, config.redis.prefix);
  const worker = new Worker(queues.reingest.name, async (job: Job) => job.data.n + 1, {
    connection,
    prefix: config.redis.prefix,
  });
  try {
    const job = await queues.reingest.add("tls", { n: 41 });
    for (let i = 0; i < 100 && !(await job.isCompleted()); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    return (await queues.reingest.getJob(job.id as string))?.returnvalue;
  } finally {
    await worker.close();
    await queues.close();
    connection.disconnect();
    redis.disconnect();
  }
}

describe("Redis over TLS", () => {
  it("runs a job on one node at a rediss:// URL with a private CA", async () => {
    const config = configOf({ REDIS_URL: single.url, REDIS_TLS_CA_FILE: certs.ca });
    expect(config.redis.url).toMatch(/^rediss:\/\//);
    expect(await runsAJob(config)).toBe(42);
  });

  it("runs a job on a TLS cluster (REDIS_TLS=true) with a private CA", async () => {
    const config = configOf({
      REDIS_CLUSTER_NODES: cluster.nodes,
      REDIS_TLS: "true",
      REDIS_TLS_CA_FILE: certs.ca,
    });
    expect(await runsAJob(config)).toBe(42);
  });

  it("does not connect when the server's certificate is not from a trusted CA", async () => {
    const redis = createRedis(configOf({ REDIS_URL: single.url }), "client");
    try {
      expect(await redisAnswers(redis, 1_000)).toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});
