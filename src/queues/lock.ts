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

export const lockKey = (prefix: string, kind: string, id: string): string =>
  `${prefix}:lock:${kind}:${id}`;
