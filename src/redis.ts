/** Redis connections: one factory, so every connection gets the same URL and options. */
import { Redis, type RedisOptions } from "ioredis";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

export type { Redis };

/**
 * BullMQ workers block on Redis, so their connections must never give up on a command
 * (maxRetriesPerRequest: null). Commands from request handlers should fail fast instead.
 */
export function createRedis(
  config: Pick<Config, "redis">,
  purpose: "worker" | "client" | "replay",
  log?: Logger,
): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: purpose === "worker" ? null : 2,
    // The replay check of every Slack request: the checks of requests that arrive together
    // go to Redis in one write instead of one each.
    enableAutoPipelining: purpose === "replay",
    enableReadyCheck: true,
    connectionName: `profiles-bot:${purpose}`,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  };
  const redis = new Redis(config.redis.url, options);
  redis.on("error", (err) => log?.warn({ err: err.message, purpose }, "redis connection error"));
  return redis;
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
    const pong = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), timeoutMs)),
    ]);
    return pong === "PONG";
  } catch {
    return false;
  }
}
