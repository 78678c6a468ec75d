/**
 * Token buckets that every bot and worker process shares through Redis, so N processes
 * together stay within one limit: Slack's per-method limits, and re-ingest's global and
 * per-profile pace. An in-memory twin serves unit tests.
 */
import type { Redis } from "./redis.js";

export interface RateLimiter {
  /** Take one token; resolves to 0 when taken, or the ms to wait before trying again. */
  take(key: string, ratePerSecond: number, burst: number): Promise<number>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, rate: number, burst: number): Promise<number> {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / rate) * 1000);
  }
}

// Redis's own clock keeps processes on different hosts consistent.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate * 1000) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait
`;

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async take(key: string, rate: number, burst: number): Promise<number> {
    const wait = await this.redis.eval(TAKE, 1, `${this.prefix}:ratelimit:${key}`, rate, burst);
    return Number(wait);
  }
}
