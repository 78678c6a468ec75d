/**
 * Remembers the signatures of Slack requests already acted on, so a captured request sent
 * again within the timestamp window is refused. Redis shares the memory between every
 * bot process; the in-memory twin serves unit tests.
 */
import type { Redis } from "../redis.js";
import { MAX_SKEW_SECONDS } from "./skew.js";

export interface SeenSignatures {
  /**
   * Records the signature; resolves to true when it was recorded before. Rejects when the
   * store cannot tell, and the caller must then refuse the request rather than risk acting
   * on it twice.
   */
  seen(signature: string): Promise<boolean>;
}

/**
 * A signature is remembered for as long as its request could pass the timestamp check:
 * a timestamp is accepted from five minutes before it until the end of the second five
 * minutes after it, so a little over ten minutes; the extra minute covers bot processes
 * whose clocks differ.
 */
export const SEEN_TTL_SECONDS = 2 * MAX_SKEW_SECONDS + 60;

export class MemorySeenSignatures implements SeenSignatures {
  private readonly signatures = new Set<string>();

  async seen(signature: string): Promise<boolean> {
    if (this.signatures.has(signature)) return true;
    this.signatures.add(signature);
    return false;
  }
}

export class RedisSeenSignatures implements SeenSignatures {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Slack waits 3 s for an answer; a store slower than this counts as down. */
    private readonly timeoutMs = 1_000,
  ) {}

  async seen(signature: string): Promise<boolean> {
    const key = `${this.prefix}:seen-signature:${signature}`;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer SET NX within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      const reply = await Promise.race([
        this.redis.set(key, "1", "EX", SEEN_TTL_SECONDS, "NX"),
        timeout,
      ]);
      // NX: "OK" when the key was created now, null when it already existed.
      return reply === null;
    } finally {
      clearTimeout(timer);
    }
  }
}
