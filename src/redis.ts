/**
 * Redis connections: one factory, so every connection (BullMQ's included) gets the same
 * address, TLS and options, on one node or on a Redis Cluster.
 */
import { Cluster, type ClusterOptions, type RedisOptions, Redis as SingleRedis } from "ioredis";
import type { Config } from "./config.js";
import { beforeDeadline } from "./deadline.js";
import type { Logger } from "./logger.js";

/** A connection to one node or to a cluster: both speak the same commands. */
export type Redis = SingleRedis | Cluster;

/** Runs a script: how many of the arguments are keys, then the keys, then the other arguments. */
export type ScriptCommand<R> = (numKeys: number, ...args: (string | number)[]) => Promise<R>;

/**
 * A Lua script that a connection runs often, as a command of its own: ioredis sends the text
 * once and then only its SHA1 (EVALSHA), and sends the text again to a node that lost it.
 * Defined once per connection, under `name`.
 */
export function scriptCommand<R>(redis: Redis, name: string, lua: string): ScriptCommand<R> {
  if (!(name in redis)) redis.defineCommand(name, { lua });
  const commands = redis as unknown as Record<string, ScriptCommand<R>>;
  return (numKeys, ...args) => (commands[name] as ScriptCommand<R>)(numKeys, ...args);
}

/** Throws the first error of a pipeline's or transaction's results. */
export function throwFirstError(results: [Error | null, unknown][] | null): void {
  const failed = (results ?? []).find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}

type RedisConfig = Pick<Config, "redis">;

/**
 * BullMQ workers block on Redis, so their connections must never give up on a command
 * (maxRetriesPerRequest: null). Commands from request handlers should fail fast instead.
 */
export function createRedis(
  config: RedisConfig,
  purpose: "worker" | "client" | "replay",
  log?: Logger,
): Redis {
  const { clusterNodes, tls, username, password } = config.redis;
  const options = {
    maxRetriesPerRequest: purpose === "worker" ? null : 2,
    enableReadyCheck: true,
    connectionName: `profiles-bot:${purpose}`,
    ...(tls ? { tls: { ...tls } } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  } satisfies RedisOptions;
  const retry = (times: number) => Math.min(times * 200, 5_000);
  const redis: Redis = clusterNodes
    ? new Cluster(clusterNodes, {
        redisOptions: options,
        clusterRetryStrategy: retry,
        // Each node announces its address in CLUSTER SLOTS. With TLS, the certificate names
        // the host (ElastiCache's node names), so connect by name rather than a resolved IP.
        ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
        // A failover moves the prefix's slot to a replica a few seconds after its master
        // dies (cluster-node-timeout and an election). Commands are retried for about 15 s
        // meanwhile instead of failing the job that sent them (ioredis gives up after 16
        // tries 100 ms apart by default, sooner than a failover).
        slotsRefreshTimeout: 2_000,
        retryDelayOnFailover: 300,
        retryDelayOnClusterDown: 300,
        retryDelayOnTryAgain: 300,
        maxRedirections: 50,
      } satisfies ClusterOptions)
    : new SingleRedis(config.redis.url, {
        ...options,
        retryStrategy: retry,
      });
  redis.on("error", (err: Error) =>
    log?.warn({ err: err.message, purpose }, "redis connection error"),
  );
  return redis;
}

/** Where the bot's Redis is, for messages: host:port or the cluster's nodes, never a password. */
export function redisAddress(config: RedisConfig): string {
  const { clusterNodes, url } = config.redis;
  if (clusterNodes) {
    return `the Redis Cluster at ${clusterNodes.map((n) => `${n.host}:${n.port}`).join(", ")}`;
  }
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "6379"}`;
  } catch {
    return "(unreadable REDIS_URL)";
  }
}

/**
 * Every key matching a SCAN pattern, in batches. A cluster's SCAN reads one node only, so
 * on a cluster each master is scanned.
 */
export async function* keysMatching(redis: Redis, pattern: string): AsyncIterable<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes("master") : [redis];
  for (const node of nodes) {
    for await (const keys of node.scanStream({ match: pattern, count: 500 })) {
      if ((keys as string[]).length > 0) yield keys as string[];
    }
  }
}

/** BullMQ loses jobs when Redis evicts keys; say so loudly at start-up. */
export async function checkEvictionPolicy(redis: Redis, log: Logger): Promise<string | undefined> {
  try {
    const reply = (await redis.config("GET", "maxmemory-policy")) as string[];
    const policy = reply[1];
    if (policy && policy !== "noeviction") {
      log.warn(
        { policy },
        `Redis maxmemory-policy is ${policy}; set it to noeviction (redis-server --maxmemory-policy noeviction), or queued jobs can vanish under memory pressure.`,
      );
    }
    return policy;
  } catch (err) {
    // Managed Redis services often disable CONFIG; not knowing is not an error.
    log.debug({ err: (err as Error).message }, "could not read maxmemory-policy");
    return undefined;
  }
}

export async function redisAnswers(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  try {
    return (await beforeDeadline(redis.ping(), timeoutMs)) === "PONG";
  } catch {
    return false;
  }
}
