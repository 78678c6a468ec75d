/**
 * Token buckets that every bot and worker process shares through Redis, so N processes
 * together stay within one limit: Slack's per-method limits, and re-ingest's global and
 * per-profile pace. An in-memory twin serves unit tests.
 */
import { type Redis, type ScriptCommand, scriptCommand } from "./redis.js";

export interface RateLimiter {
  /**
   * Reserve the bucket's next token: resolves to 0 when one was there, or to the ms until the
   * reserved one is due. The caller waits that long and goes ahead: it never asks again, so
   * callers waiting on one bucket take one round trip each and go in the order they asked.
   */
  take(key: string, ratePerSecond: number, burst: number): Promise<number>;
}

/**
 * Each bucket is kept as the time its next token is due, when tokens come every `interval`
 * ms (GCRA): the bucket is full when that time has passed, and `burst` tokens may be taken
 * ahead of it. Whole milliseconds, the interval rounded up: a rate that does not divide a
 * second runs a hair slow rather than fast, and reservations one after another are exactly
 * an interval apart (1100 ms for a profile's bucket), where fractional tokens can come out a
 * millisecond short.
 */
const intervalMs = (ratePerSecond: number) => Math.ceil(1000 / ratePerSecond);

/** The reservation both limiters make: the wait for the next token, and when the one after is due. */
function reserve(due: number | undefined, now: number, interval: number, burst: number) {
  const next = Math.max(due ?? now, now);
  return { wait: Math.max(0, next - now - (burst - 1) * interval), due: next + interval };
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly due = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, rate: number, burst: number): Promise<number> {
    const { wait, due } = reserve(this.due.get(key), this.now(), intervalMs(rate), burst);
    this.due.set(key, due);
    return wait;
  }
}

// The same reservation in Redis, on Redis's own clock, so processes on different hosts agree.
// The key lives until its bucket is full again.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local due = tonumber(redis.call('HGET', KEYS[1], 'due')) or now
if due < now then due = now end
local wait = math.max(0, due - now - (burst - 1) * interval)
due = due + interval
redis.call('HSET', KEYS[1], 'due', tostring(due))
redis.call('PEXPIRE', KEYS[1], due - now + 1000)
return wait
`;

export class RedisRateLimiter implements RateLimiter {
  /** By its SHA1, where EVAL sent the text with every token, a re-ingest taking hundreds a second. */
  private readonly takeToken: ScriptCommand<number>;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    this.takeToken = scriptCommand(redis, "profilesBotTakeToken", TAKE);
  }

  async take(key: string, rate: number, burst: number): Promise<number> {
    const bucket = `${this.prefix}:ratelimit:${key}`;
    return Number(await this.takeToken(1, bucket, intervalMs(rate), burst));
  }
}
