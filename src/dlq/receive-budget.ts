/**
 * The receive budget: how many more times the bot may receive from a dead-letter queue that
 * has a RedrivePolicy of its own without a message moving on to the policy's target queue.
 *
 * Every ReceiveMessage raises the `ApproximateReceiveCount` of each message it returns, and a
 * message already received `maxReceiveCount` times is moved, not delivered, on its next
 * receive (docs/aws/sqs.md). A receive cannot choose its messages, so the rules work from the
 * highest count a message the next receive could return may have ("believed"): the highest
 * count the bot knows of (kept with the digest, see `afterPass`), and, within a pass, one less
 * than the highest it has just seen (a message with the same history, not yet received).
 *
 * Scans keep one receive in reserve for each message (REINGEST_RESERVE): the re-ingest's own
 * receive, so a message the digest shows can always still be replayed. Re-ingest keeps none:
 * its receive is the last one the bot needs. Neither ever makes the receive that moves a
 * message away.
 *
 * What the bot knows is kept small whatever the queue's size: the highest count and how many
 * messages have it, and per pass a tally per count value (at most `maxReceiveCount` entries).
 */
import { z } from "zod";
import { isPlainObject } from "./json.js";

/** A dead-letter queue's own RedrivePolicy: where a message goes after too many receives. */
export interface RedriveLimit {
  targetArn: string;
  maxReceiveCount: number;
}

/** What the bot knows of the queue's receive counts: the highest, and how many have it. */
export interface ReceiveCounts {
  highest: number;
  /** Absent when unknown: the highest is then an upper bound that is never lowered. */
  atHighest?: number;
}

/** Receives of one pass, per `ApproximateReceiveCount` after the pass's receive. */
export type ReceiveTally = Record<number, { left: number; deleted: number }>;

/** The receive kept for each message the digest shows: the re-ingest's own. */
export const REINGEST_RESERVE = 1;

const redriveSchema = z.object({
  deadLetterTargetArn: z.string().min(1),
  // SQS returns it as a number; older tools wrote it as a string.
  maxReceiveCount: z.coerce.number().int().min(1),
});

/** The queue's RedrivePolicy attribute, or undefined when it has none (or it is unreadable). */
export function parseRedrivePolicy(raw: string | undefined): RedriveLimit | undefined {
  if (!raw) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = redriveSchema.safeParse(json);
  return parsed.success
    ? { targetArn: parsed.data.deadLetterTargetArn, maxReceiveCount: parsed.data.maxReceiveCount }
    : undefined;
}

/** The highest count a message the next receive may return could have. */
export const believedHighest = (known: ReceiveCounts | undefined, seenHighest = 0): number =>
  Math.max(known?.highest ?? 0, seenHighest - 1);

/**
 * Whether one more receive leaves every message it may return delivered, with `reserve`
 * receives still to spare. No limit: always.
 */
export function mayReceive(
  limit: RedriveLimit | undefined,
  believed: number,
  reserve: number,
): boolean {
  return limit === undefined || believed + 1 + reserve <= limit.maxReceiveCount;
}

/** Whether a scan may start, or go on after seeing counts up to `seenHighest`. */
export const scanMayReceive = (
  limit: RedriveLimit | undefined,
  known: ReceiveCounts | undefined,
  seenHighest = 0,
): boolean => mayReceive(limit, believedHighest(known, seenHighest), REINGEST_RESERVE);

/**
 * Whether a re-ingest (or discard) pass may receive again, after seeing counts up to
 * `seenHighest`: its receive may be a message's last delivery, never the one that moves it.
 */
export const reingestMayReceive = (
  limit: RedriveLimit | undefined,
  known: ReceiveCounts | undefined,
  seenHighest = 0,
): boolean => mayReceive(limit, believedHighest(known, seenHighest), 0);

/** Counts one received message into a pass's tally. */
export function tallyReceived(tally: ReceiveTally, count: number): void {
  const entry = tally[count] ?? { left: 0, deleted: 0 };
  entry.left += 1;
  tally[count] = entry;
}

/** A message the pass received with `count` was then deleted. */
export function tallyDeleted(tally: ReceiveTally, count: number): void {
  const entry = tally[count];
  if (!entry || entry.left === 0) return;
  entry.left -= 1;
  entry.deleted += 1;
}

/** The highest count among the pass's messages still in the queue, and how many have it. */
export function highestLeft(tally: ReceiveTally): ReceiveCounts | undefined {
  let found: ReceiveCounts | undefined;
  for (const [key, { left }] of Object.entries(tally)) {
    const count = Number(key);
    if (left > 0 && (found === undefined || count > found.highest)) {
      found = { highest: count, atHighest: left };
    }
  }
  return found;
}

/**
 * What the bot knows after a pass that received each message at most once (scans and
 * re-ingest passes both do): a message it received with count r had r − 1 before.
 *
 * `complete`: the pass received every message in the queue (a scan that drained it), so
 * what it left is the whole truth. Otherwise messages it did not reach keep what was known:
 * those at the old highest that the pass did not take away stay there; once none are left,
 * the highest can only be lower, and drops by one (with an unknown count).
 */
export function afterPass(
  known: ReceiveCounts | undefined,
  tally: ReceiveTally,
  complete: boolean,
): ReceiveCounts {
  const left = highestLeft(tally);
  if (complete) return left ?? { highest: 0, atHighest: 0 };
  const top = known?.highest ?? 0;
  if (left && left.highest > top) return left;
  const taken = tally[top + 1];
  const remaining =
    known?.atHighest === undefined
      ? undefined
      : Math.max(0, known.atHighest - (taken ? taken.left + taken.deleted : 0));
  const leftAtTop = left?.highest === top ? left.atHighest : 0;
  if (remaining === undefined) return { highest: top };
  if (remaining + (leftAtTop ?? 0) > 0 || top === 0) {
    return { highest: top, atHighest: remaining + (leftAtTop ?? 0) };
  }
  return { highest: Math.max(top - 1, left?.highest ?? 0) };
}

/** Why scans are paused, for the digest. */
export interface ScanPause {
  targetArn: string;
  maxReceiveCount: number;
  /** The highest receive count the bot knows of, and how many messages have it (if known). */
  highest: number;
  atHighest?: number;
  /** Whether a re-ingest may still receive them (false: their next receive moves them). */
  reingestPossible: boolean;
}

export const pauseOf = (limit: RedriveLimit, known: ReceiveCounts | undefined): ScanPause => ({
  targetArn: limit.targetArn,
  maxReceiveCount: limit.maxReceiveCount,
  highest: known?.highest ?? 0,
  ...(known?.atHighest !== undefined && { atHighest: known.atHighest }),
  reingestPossible: reingestMayReceive(limit, known),
});

/** Receive counts read back from Redis, or undefined when the record is not one. */
export function readReceiveCounts(value: unknown): ReceiveCounts | undefined {
  if (!isPlainObject(value) || typeof value.highest !== "number") return undefined;
  return {
    highest: value.highest,
    ...(typeof value.atHighest === "number" && { atHighest: value.atHighest }),
  };
}
