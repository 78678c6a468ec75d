/**
 * A short Redis lock (SET NX PX with an owner token), shared by every process: one click per
 * provisioning job at a time, one scan per domain at a time. Released only by its owner, so a
 * holder that outlived the TTL never frees someone else's lock.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "../redis.js";

const RELEASE_IF_OWNER = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
`;

type Locked<T> = { acquired: true; value: T } | { acquired: false };

export async function withLock<T>(
  redis: Redis,
  key: string,
  ttlMs: number,
  run: () => Promise<T>,
): Promise<Locked<T>> {
  const token = randomUUID();
  if ((await redis.set(key, token, "PX", ttlMs, "NX")) !== "OK") return { acquired: false };
  try {
    return { acquired: true, value: await run() };
  } finally {
    await redis.eval(RELEASE_IF_OWNER, 1, key, token).catch(() => undefined);
  }
}

const RENEW_IF_OWNER = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return 0
`;

export interface HoldOptions {
  /** The lock's life without renewal: a holder that dies frees it this long after. */
  ttlMs: number;
  /** How long to wait for a lock someone else holds before running without it. */
  waitMs: number;
  pollMs?: number;
}

/**
 * Runs `run` while holding the lock, renewed every third of its TTL, for work that lasts
 * longer than any TTL one would pick (a re-ingest pass). Waits up to `waitMs` for the lock;
 * past that, runs anyway and answers `held: false`, for work that is safe without it and
 * only more precise with it.
 */
export async function whileHolding<T>(
  redis: Redis,
  key: string,
  opts: HoldOptions,
  run: () => Promise<T>,
): Promise<{ held: boolean; value: T }> {
  const token = randomUUID();
  const until = Date.now() + opts.waitMs;
  let held = false;
  for (;;) {
    held = (await redis.set(key, token, "PX", opts.ttlMs, "NX")) === "OK";
    if (held || Date.now() >= until) break;
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 250));
  }
  const renew = held
    ? setInterval(
        () => {
          redis.eval(RENEW_IF_OWNER, 1, key, token, opts.ttlMs).catch(() => undefined);
        },
        Math.max(100, Math.floor(opts.ttlMs / 3)),
      )
    : undefined;
  renew?.unref();
  try {
    return { held, value: await run() };
  } finally {
    if (renew) clearInterval(renew);
    if (held) await redis.eval(RELEASE_IF_OWNER, 1, key, token).catch(() => undefined);
  }
}

export const lockKey = (prefix: string, kind: string, id: string): string =>
  `${prefix}:lock:${kind}:${id}`;
