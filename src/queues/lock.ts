/**
 * A short Redis lock (SET NX PX with an owner token), shared by every process: one click per
 * provisioning job at a time, one scan per domain at a time. Released only by its owner, so a
 * holder that outlived the TTL never frees someone else's lock.
 *
 * Two kinds of holder share a lock: `withLock` takes it only when it is free and skips
 * otherwise (a periodic scan: the next one comes soon), and `whileHolding` waits for it (a
 * re-ingest a person asked for). A waiter marks the lock as wanted, and a skipping holder
 * does not take a wanted lock, so scans every few seconds cannot starve a waiting re-ingest.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "../redis.js";

const RELEASE_IF_OWNER = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
`;

/** Takes the lock (KEYS[1]) when it is free and nobody waits for it (KEYS[2]). */
const TAKE_UNLESS_WANTED = `
if redis.call("EXISTS", KEYS[2]) == 1 then return 0 end
if redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2], "NX") then return 1 end
return 0
`;

/** The mark a waiter keeps on a lock while it waits; same hash tag, so the same slot. */
export const wantedKey = (key: string): string => `${key}:wanted`;

type Locked<T> = { acquired: true; value: T } | { acquired: false };

export async function withLock<T>(
  redis: Redis,
  key: string,
  ttlMs: number,
  run: () => Promise<T>,
): Promise<Locked<T>> {
  const token = randomUUID();
  const taken = await redis.eval(TAKE_UNLESS_WANTED, 2, key, wantedKey(key), token, ttlMs);
  if (taken !== 1) return { acquired: false };
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
  /** Aborted (the worker is stopping): the wait ends at once, and `run` does not run. */
  signal?: AbortSignal;
}

/** What `whileHolding` answers: `run`'s value, or that a stop ended the wait before it ran. */
export type Held<T> = { held: boolean; value: T } | { held: false; stopped: true };

/**
 * Runs `run` while holding the lock, renewed every third of its TTL, for work that lasts
 * longer than any TTL one would pick (a re-ingest pass). Waits up to `waitMs` for the lock,
 * marked wanted meanwhile so that `withLock` holders leave it free once released; past that
 * wait, runs anyway and answers `held: false`, for work that is safe without it and
 * only more precise with it. A stop (`signal`) ends the wait without running `run`.
 */
export async function whileHolding<T>(
  redis: Redis,
  key: string,
  opts: HoldOptions,
  run: () => Promise<T>,
): Promise<Held<T>> {
  const token = randomUUID();
  const until = Date.now() + opts.waitMs;
  const pollMs = opts.pollMs ?? 250;
  let held = false;
  let marked = false;
  const { signal } = opts;
  while (!signal?.aborted) {
    held = (await redis.set(key, token, "PX", opts.ttlMs, "NX")) === "OK";
    if (held || Date.now() >= until) break;
    // Wanted: skipping holders leave the lock alone once it is freed. The mark lives as long
    // as the lock would, so a waiter that dies holds scans off no longer than a holder would.
    await redis.set(wantedKey(key), token, "PX", opts.ttlMs);
    marked = true;
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
  if (marked) await redis.eval(RELEASE_IF_OWNER, 1, wantedKey(key), token).catch(() => undefined);
  if (!held && signal?.aborted) return { held: false, stopped: true };
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
