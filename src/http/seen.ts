/**
 * Remembers the signatures of Slack requests already acted on, so a captured request sent
 * again within the timestamp window is refused. Redis shares the memory between every
 * bot process; the in-memory twin serves unit tests.
 */
import { beforeDeadline, TIMED_OUT } from "../deadline.js";
import { type Redis, type ScriptCommand, scriptCommand } from "../redis.js";
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
 * One batch's checks as one command: `SET key 1 EX ttl NX` for each key, in order, replying
 * 1 where the key was created now and 0 where it was there already. Redis runs a script
 * whole, so a signature twice in one batch is new once and a repeat once.
 */
const SEEN_SCRIPT = `
local created = {}
for i, key in ipairs(KEYS) do
  created[i] = redis.call('SET', key, '1', 'EX', ARGV[1], 'NX') and 1 or 0
end
return created
`;
/**
 * Requests' checks go to Redis in batches: every check that arrives within `batchMs` of the
 * last batch goes in the next one, one command for the batch (SEEN_SCRIPT). A check after a
 * quiet spell goes at once (at the end of its event-loop turn, with whatever else arrived in
 * that turn). Under load this turns one Redis round trip per request into one per few
 * milliseconds: on a busy bot the round trips' system calls and wake-ups cost more than the
 * rest of the check (docs/adr/0015). One command rather than an ioredis pipeline of one SET
 * per check: a pipeline kept each request's objects alive past a young collection, which
 * then promoted them to the old generation (docs/adr/0015). Keys share the prefix's hash
 * tag, so on a Redis Cluster a batch goes to one node.
 */
export class RedisSeenSignatures implements SeenSignatures {
  private pending: Pending[] = [];
  private scheduled = false;
  private lastBatchAt = Number.NEGATIVE_INFINITY;
  private readonly seenBatch: ScriptCommand<number[]>;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    /** Slack waits 3 s for an answer; a store slower than this counts as down. */
    private readonly timeoutMs = 1_000,
    /** The least time between two batches; 0 sends each event-loop turn's checks at once. */
    private readonly batchMs = 2,
    private readonly maxBatch = 100,
  ) {
    this.seenBatch = scriptCommand(redis, "profilesBotSeenBatch", SEEN_SCRIPT);
  }

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
    const keys = batch.map((check) => check.key);
    beforeDeadline(this.seenBatch(keys.length, ...keys, SEEN_TTL_SECONDS), this.timeoutMs)
      .then((created) => {
        if (created === TIMED_OUT)
          throw new Error(`Redis did not answer SET NX within ${this.timeoutMs} ms`);
        if (!Array.isArray(created) || created.length !== batch.length)
          throw new Error("Redis sent no reply for some of the checks");
        return created;
      })
      .then(
        (created) => {
          // 0: the key was there already, so this signature was acted on before.
          for (const [i, check] of batch.entries()) check.resolve(created[i] === 0);
        },
        (err: Error) => {
          for (const check of batch) check.reject(err);
        },
      );
  }
}
