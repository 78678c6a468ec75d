/**
 * A scan's receipt handles past the first MAX_HELD (src/dlq/scan.ts), kept in Redis while the
 * scan runs so that its give-back can make those messages visible again without the process
 * holding a list that grows with the queue: a list per scan, pushed in batches and popped in
 * pages by the give-back. It expires with the messages' own lease (TAIL_LEASE_SECONDS): a
 * scan killed before its give-back leaves nothing behind that outlives the leases it names.
 */
import { type DomainRef, refId } from "../aws/targets.js";
import { type Redis, throwFirstError } from "../redis.js";
import { type HeldLeases, TAIL_LEASE_SECONDS } from "./scan.js";

/** `{profiles}:dlq-scan-held:<refId>:<scanId>`: under the configured prefix (one hash tag). */
export const heldLeasesKey = (prefix: string, ref: DomainRef, scanId: string): string =>
  `${prefix}:dlq-scan-held:${refId(ref)}:${scanId}`;

export function redisHeldLeases(
  redis: Redis,
  prefix: string,
  ref: DomainRef,
  scanId: string,
): HeldLeases {
  const key = heldLeasesKey(prefix, ref, scanId);
  return {
    async add(handles) {
      if (handles.length === 0) return;
      throwFirstError(
        await redis
          .multi()
          .rpush(key, ...handles)
          .expire(key, TAIL_LEASE_SECONDS)
          .exec(),
      );
    },
    async take(count) {
      return (await redis.lpop(key, count)) ?? [];
    },
  };
}
