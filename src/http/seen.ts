/**
 * Remembers the signatures of Slack requests already acted on, so a captured request sent
 * again within the timestamp window is refused. Redis shares the memory between every
 * bot process; the in-memory twin serves unit tests.
 */
import { beforeDeadline, TIMED_OUT } from "../deadline.js";
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

/** One request's check, waiting for its batch's reply. */
interface Pending {
  key: string;
  resolve: (repeat: boolean) => void;
  reject: (err: Error) => void;
}

/**
 * Requests' checks go to Redis in batches: every check that arrives within `batchMs` of the
 * last batch goes in the next one, one pipelined write of `SET key 1 EX ttl NX` each. A
 * check after a quiet spell goes at once (at the end of its event-loop turn, with whatever
 * else arrived in that turn). Under load this turns one Redis round trip per request into
 * one per few milliseconds: on a busy bot the round trips' system calls and wake-ups cost
 * more than the rest of the check (docs/adr/0015). Keys share the prefix's hash tag, so on a
 * Redis Cluster a batch is one node's pipeline.
 */
export class RedisSeenSignatures implements SeenSignatures {
  private pending: Pending[] = [];
  private scheduled = false;
  private lastBatchAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Slack waits 3 s for an answer; a store slower than this counts as down. */
    private readonly timeoutMs = 1_000,
    /** The least time between two batches; 0 sends each event-loop turn's checks at once. */
    private readonly batchMs = 2,
    private readonly maxBatch = 100,
  ) {}

  seen(signature: string): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ key: `${this.prefix}:seen-signature:${signature}`, resolve, reject });
      if (this.pending.length >= this.maxBatch) {
        this.send();
        return;
      }
      if (this.scheduled) return;
      this.scheduled = true;
      const wait = this.lastBatchAt + this.batchMs - performance.now();
      if (wait > 0) setTimeout(() => this.send(), wait);
      else setImmediate(() => this.send());
    });
  }

  private send(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.lastBatchAt = performance.now();
    const pipeline = this.redis.pipeline();
    for (const check of batch) pipeline.set(check.key, "1", "EX", SEEN_TTL_SECONDS, "NX");
    beforeDeadline(pipeline.exec(), this.timeoutMs)
      .then((replies) => {
        if (replies === TIMED_OUT)
          throw new Error(`Redis did not answer SET NX within ${this.timeoutMs} ms`);
        return replies;
      })
      .then(
        (replies) =>
          batch.forEach((check, i) => {
            const [err, reply] = replies?.[i] ?? [new Error("Redis sent no reply"), undefined];
            // NX: "OK" when the key was created now, null when it already existed.
            if (err) check.reject(err);
            else check.resolve(reply === null);
          }),
        (err: Error) => {
          for (const check of batch) check.reject(err);
        },
      );
  }
}
