/**
 * One read-only pass over a dead-letter queue: receive, classify into a bounded summary, and
 * give every message back. It never deletes: SQS stays the only copy of a failed object.
 *
 * Received messages stay invisible (leased) until the scan ends, so the next ReceiveMessage
 * returns new ones instead of the same ten again; at the end they are all made visible at
 * once. That give-back is not on the way to the summary: the scan resolves once the last
 * receive is classified and its ids are written, and `returned` resolves once every held
 * message is visible again, so the caller reports (the digest) while it runs and holds its
 * lock until it is done (docs/adr/0012).
 *
 * The summary is bounded by classes × samples; what grows with the scan is the list of
 * receipt handles (at most MAX_HELD in memory), bounded by `maxMessages`. Past MAX_HELD the
 * handles go to `input.held` (Redis, in the scan job) in batches while the scan runs, and the
 * give-back reads them back from there, so every message is visible again when the scan is
 * over, whatever `maxMessages` is; without `input.held` (tests, tools) messages past MAX_HELD
 * come back by themselves when their lease (TAIL_LEASE_SECONDS) ends. The message ids per
 * class are streamed to `input.ids` (the digest store's recorder) in batches of FLUSH_IDS
 * while the scan runs, so the scan holds no list that grows with the queue; without
 * `input.ids` (tests) they are collected in memory and returned as `messageIds`.
 *
 * Several receives are in flight at once (`receivers`, 10 by default): SQS returns at most 10
 * messages per call, so one receive at a time spends the scan waiting on round trips.
 * Classification is off the receive path: a receiver hands its batch to the next turn of the
 * event loop (setImmediate) and asks for the next ten at once, so parsing runs while the
 * requests are on the wire. That backlog cannot grow past one batch per receiver, since each
 * turn of the loop classifies every batch handed over before it.
 *
 * A queue with a RedrivePolicy of its own moves a message on after `maxReceiveCount`
 * receives, and every scan is a receive: the scan reads each message's ApproximateReceiveCount
 * and stops receiving before the receive budget (src/dlq/receive-budget.ts) would let a message
 * lose the receive kept for its re-ingest (`stoppedShort`). Receives already in flight when it
 * decides finish (at most `receivers` − 1 batches). It also counts, without a list, the
 * messages that expire within a day (src/dlq/expiry.ts), from their SentTimestamp.
 *
 * Every scan has a `scanId`, and its message ids per class are what a digest's Discard or
 * Re-ingest may act on (src/dlq/digests.ts keeps them): a click acts on what the digest showed,
 * never on messages that arrived after the scan.
 */
import { randomBytes } from "node:crypto";
import type { SqsGateway, SqsMessage } from "../aws/sqs-gateway.js";
import type { Logger } from "../logger.js";
import { classify, type DlqClass } from "./classify.js";
import { parseDlqMessage } from "./parse.js";
import {
  type ReceiveCounts,
  type ReceiveTally,
  type RedriveLimit,
  scanMayReceive,
  tallyReceived,
} from "./receive-budget.js";
import { createScanSummary, type ScanSummary, type SummaryOptions } from "./summary.js";

export interface ScanDeps {
  sqs: Pick<SqsGateway, "receive" | "changeVisibilityBatch">;
  log: Logger;
}

export interface ScanInput {
  queueUrl: string;
  /** Stop after this many messages, even if the queue holds more. */
  maxMessages: number;
  samplesPerClass: number;
  /** How long received messages stay hidden; renewed while the scan runs. Default 120 s. */
  leaseSeconds?: number;
  /**
   * Long-poll wait per receive. Short polling (0) may answer empty while messages exist on
   * real SQS, which would end a scan early; 1 s asks every server and costs one second only
   * when the queue is really drained.
   */
  waitSeconds?: number;
  /**
   * ReceiveMessage calls in flight at once. SQS allows any number; each leases up to 10
   * messages, so `maxMessages` (at most 100,000) keeps a scan under the 120,000 in flight a
   * standard queue allows. Default 10.
   */
  receivers?: number;
  /** The queue's MessageRetentionPeriod and the scan's time: the summary counts what expires soon. */
  retention?: SummaryOptions["retention"];
  /** The queue's own RedrivePolicy and the receive counts known before: the receive budget. */
  redrive?: { limit: RedriveLimit; known?: ReceiveCounts };
  /** For tests: the clock the lease renewal reads. */
  now?: () => number;
  /** The scan's id; a new one (newScanId) when absent. The recorder below is keyed by it. */
  scanId?: string;
  /**
   * Where the message ids per class go while the scan runs, in batches (each id may come more
   * than once: a message received again after its lease lapsed; the sink dedupes). A write
   * that fails fails the scan. Absent: the ids are kept in memory and returned.
   */
  ids?: ScanIdSink;
  /**
   * Where the receipt handles past MAX_HELD go while the scan runs, for the give-back to read
   * back. A write that fails fails the scan. Absent: those messages stay hidden until their
   * lease ends.
   */
  held?: HeldLeases;
  /**
   * Aborted when the worker is stopping: no more receives, what the scan holds is given back,
   * and the result says `stopped` (it is not a digest of the queue).
   */
  signal?: AbortSignal;
}

/** Receives a scan's message ids per class in batches, while the scan runs. */
export interface ScanIdSink {
  add(ids: ScanMessageIds): Promise<void>;
}

/** Receipt handles kept outside the process while a scan runs (src/dlq/held-leases.ts). */
export interface HeldLeases {
  add(handles: string[]): Promise<void>;
  /** Takes up to `count` of the handles added (removing them); `[]` once none is left. */
  take(count: number): Promise<string[]>;
}

/** Message ids seen per class, each once (a message delivered twice is one id). */
export type ScanMessageIds = Partial<Record<DlqClass, string[]>>;

export interface ScanResult extends ScanSummary {
  /** Unique per scan: what a digest's buttons name, so a click acts on this scan's messages. */
  scanId: string;
  /** Only when no `ids` sink was given (the ids were kept in memory): each id once, sorted. */
  messageIds?: ScanMessageIds;
  /** False when the scan stopped at `maxMessages`: the queue may hold more than `total`. */
  complete: boolean;
  /**
   * Resolves (never rejects) once the give-back has ended, with how many messages it could
   * not return (they reappear when their lease runs out). A caller that holds the queue for
   * others (the scan lock) holds it until then: before, the scanned messages are still hidden.
   */
  returned: Promise<number>;
  /** The receive counts the scan saw (after its own receive), per count. */
  receives: ReceiveTally;
  /** True when the scan stopped receiving to stay within the receive budget. */
  stoppedShort: boolean;
  /** True when the worker stopped the scan before the queue was read to its end. */
  stopped: boolean;
}

const BATCH = 10;
const DEFAULT_LEASE_SECONDS = 120;
const DEFAULT_RECEIVERS = 10;
/** Handles kept in memory to give messages back at once; beyond this, in `input.held`. */
export const MAX_HELD = 10_000;
/**
 * Lease for messages past MAX_HELD, which are not renewed: long enough for the rest of a
 * bounded scan. Without `input.held` it is also how long they stay hidden after it.
 */
export const TAIL_LEASE_SECONDS = 15 * 60;
/**
 * Handles past MAX_HELD buffered before they go to `input.held`, and read back from it at a
 * time by the give-back: small, so that a scan past MAX_HELD holds little more than one that
 * stops at it (bench/dlq's memory figure).
 */
const HELD_BATCH = 200;
/** Ids buffered before they are handed to the sink (one pipelined write per batch). */
export const FLUSH_IDS = 500;
/** Sink writes queued before the receivers wait for them (keeps the buffer bounded). */
const MAX_QUEUED_WRITES = 2;

/** Sortable by time, unique across workers: base-36 milliseconds and 6 random bytes. */
export const newScanId = (now: number): string =>
  `${now.toString(36)}-${randomBytes(6).toString("hex")}`;

export async function scanQueue(deps: ScanDeps, input: ScanInput): Promise<ScanResult> {
  const { sqs, log } = deps;
  const { queueUrl } = input;
  const lease = Math.max(10, Math.floor(input.leaseSeconds ?? DEFAULT_LEASE_SECONDS));
  const waitSeconds = input.waitSeconds ?? 1;
  const receivers = Math.max(1, Math.floor(input.receivers ?? DEFAULT_RECEIVERS));
  const now = input.now ?? Date.now;
  const max = Math.max(0, Math.floor(input.maxMessages));
  const summary = createScanSummary({
    samplesPerClass: input.samplesPerClass,
    ...(input.retention && { retention: input.retention }),
  });
  const receives: ReceiveTally = {};
  let seenHighest = 0;
  let stoppedShort = false;
  /** Tallies each message's count as it arrives, so the next receive is decided on it. */
  const countReceives = (messages: SqsMessage[]) => {
    for (const m of messages) {
      const count = Number(m.Attributes?.ApproximateReceiveCount);
      if (!Number.isInteger(count) || count < 1) continue;
      tallyReceived(receives, count);
      seenHighest = Math.max(seenHighest, count);
    }
  };
  const held: string[] = [];
  /** Handles past MAX_HELD not yet handed to `input.held`. */
  let tail: string[] = [];
  const scanId = input.scanId ?? newScanId(now());
  const sink = input.ids;
  /** Without a sink: every id of the scan. With one: the ids not yet handed to it. */
  let ids = new Map<DlqClass, string[]>();
  let buffered = 0;
  let writes: Promise<void> = Promise.resolve();
  let queuedWrites = 0;
  /** Messages asked for by receives so far (a short answer gives the rest back). */
  let asked = 0;
  let drained = max === 0;
  let failure: { error: unknown } | undefined;
  let leasedAt = now();
  let renewing: Promise<void> | undefined;

  const classifyBatch = (messages: SqsMessage[]) => {
    for (const message of messages) {
      const parsed = parseDlqMessage(message);
      const cls = classify(parsed);
      summary.add(parsed, cls);
      if (parsed.messageId !== "") {
        const seen = ids.get(cls);
        if (seen) seen.push(parsed.messageId);
        else ids.set(cls, [parsed.messageId]);
        buffered += 1;
      }
    }
    if (sink && buffered >= FLUSH_IDS) flush();
  };
  /** Runs `task` after the writes before it (in order, one at a time); a failure fails the scan. */
  const write = (task: () => Promise<void>) => {
    queuedWrites += 1;
    writes = writes
      .then(() => (failure === undefined ? task() : undefined))
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        queuedWrites -= 1;
      });
  };
  /** Hands the buffered ids to the sink. */
  const flush = () => {
    if (!sink || buffered === 0) return;
    const batch: ScanMessageIds = Object.fromEntries(ids);
    ids = new Map();
    buffered = 0;
    write(() => sink.add(batch));
  };
  /** Hands the buffered handles past MAX_HELD to `input.held`. */
  const flushTail = () => {
    const store = input.held;
    if (!store || tail.length === 0) return;
    const batch = tail;
    tail = [];
    write(() => store.add(batch));
  };
  const classifyLater = (messages: SqsMessage[]) =>
    setImmediate(() => {
      try {
        classifyBatch(messages);
      } catch (error) {
        failure ??= { error };
      }
    });

  const receiver = async () => {
    while (!drained && failure === undefined && asked < max && !input.signal?.aborted) {
      // Renew before half the lease has gone, so no held message reappears and is counted twice.
      if (held.length > 0 && now() - leasedAt > (lease * 1000) / 2) {
        renewing ??= renewLease(deps, queueUrl, [...held], lease, receivers).finally(() => {
          leasedAt = now();
          renewing = undefined;
        });
      }
      if (renewing) await renewing;
      // Redis slower than SQS: wait for the writes rather than buffer ids without bound.
      if (queuedWrites >= MAX_QUEUED_WRITES) await writes;
      if (failure !== undefined) break;
      if (input.redrive && !scanMayReceive(input.redrive.limit, input.redrive.known, seenHighest)) {
        stoppedShort = true;
        break;
      }
      const want = Math.min(BATCH, max - asked);
      asked += want;
      // The first MAX_HELD messages are given back at the end; the rest come back by themselves.
      const holding = asked <= MAX_HELD;
      const messages = await sqs.receive(queueUrl, {
        max: want,
        visibilityTimeout: holding ? lease : Math.max(lease, TAIL_LEASE_SECONDS),
        waitSeconds,
      });
      asked -= want - messages.length;
      countReceives(messages);
      if (held.length === 0) leasedAt = now();
      if (holding) {
        for (const m of messages) if (m.ReceiptHandle) held.push(m.ReceiptHandle);
      } else if (input.held) {
        for (const m of messages) if (m.ReceiptHandle) tail.push(m.ReceiptHandle);
        if (tail.length >= HELD_BATCH) flushTail();
      }
      if (messages.length === 0) drained = true;
      else classifyLater(messages);
    }
  };
  const receiving = async () => {
    try {
      await receiver();
    } catch (error) {
      failure ??= { error };
    }
  };

  let returned: Promise<number> = Promise.resolve(0);
  try {
    // Every receiver has settled before anything is given back: a receive still in flight
    // would otherwise lease messages after the give-back.
    await Promise.all(Array.from({ length: receivers }, receiving));
    // Batches handed over before this point are classified before it resolves (FIFO turns).
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    // Also after a failed receive: leased messages must not stay hidden for the whole lease.
    // Started, not awaited: the last ids' writes and the caller's report run beside it. The
    // handles past MAX_HELD not yet written go back with the held ones; those written, once
    // every write has settled.
    if (failure === undefined) flush();
    held.push(...tail);
    tail = [];
    const written = writes;
    returned = (async () => {
      const failed = await giveBack(deps, queueUrl, held, receivers);
      held.length = 0;
      await written;
      return failed + (input.held ? await giveBackHeld(deps, queueUrl, input.held, receivers) : 0);
    })();
    // Every write settles before the scan ends, also when it failed: nothing is written after.
    await writes;
  }
  if (failure) {
    // A failed scan reports nothing: its caller only has to wait for the messages.
    await returned;
    throw failure.error;
  }
  const complete = drained && !stoppedShort;
  const stopped = !drained && input.signal?.aborted === true;
  const result = summary.snapshot();
  log.debug(
    { queueUrl, scanId, total: result.total, complete, stoppedShort, stopped },
    "dead-letter queue scanned",
  );
  const outcome = { scanId, complete, returned, receives, stoppedShort, stopped };
  if (sink) return { ...result, ...outcome };
  const messageIds: ScanMessageIds = Object.fromEntries(
    [...ids].map(([cls, list]) => [cls, unique(list)]),
  );
  return { ...result, ...outcome, messageIds };
}

/**
 * Each id once (a message received again after its lease lapsed is one id), sorted, in place:
 * a Set per class would hold a second structure as large as the list for the whole scan.
 */
function unique(list: string[]): string[] {
  list.sort();
  let kept = 0;
  for (const id of list) if (kept === 0 || list[kept - 1] !== id) list[kept++] = id;
  list.length = kept;
  return list;
}

/** Runs `task` over `items` in chunks of 10, with at most `lanes` calls in flight. */
async function inLanes<T>(
  items: T[],
  lanes: number,
  task: (part: T[]) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const part = items.slice(next, next + BATCH);
      next += BATCH;
      await task(part);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

async function renewLease(
  { sqs, log }: ScanDeps,
  queueUrl: string,
  handles: string[],
  lease: number,
  lanes: number,
): Promise<void> {
  let failed = 0;
  let code: string | undefined;
  await inLanes(handles, lanes, async (part) => {
    const out = await sqs.changeVisibilityBatch(
      queueUrl,
      part.map((receiptHandle) => ({ receiptHandle, visibilityTimeout: lease })),
    );
    failed += out.failed.length;
    code ??= out.failed[0]?.code;
  });
  if (failed > 0) {
    log.warn(
      { queueUrl, failed, code },
      "could not renew the scan's lease on some messages; they may be counted twice",
    );
  }
}

/**
 * Gives back what `input.held` holds, HELD_BATCH handles at a time; never throws. What it
 * cannot read comes back when its lease ends.
 */
async function giveBackHeld(
  deps: ScanDeps,
  queueUrl: string,
  store: HeldLeases,
  lanes: number,
): Promise<number> {
  let failed = 0;
  for (;;) {
    let handles: string[];
    try {
      handles = await store.take(HELD_BATCH);
    } catch (err) {
      deps.log.warn(
        { err, queueUrl },
        `could not read back the scan's leases past the first ${MAX_HELD}; those messages reappear within ${TAIL_LEASE_SECONDS / 60} minutes`,
      );
      return failed;
    }
    if (handles.length === 0) return failed;
    failed += await giveBack(deps, queueUrl, handles, lanes);
  }
}

/** Makes every held message visible again; never throws (the lease expiring is the fallback). */
async function giveBack(
  { sqs, log }: ScanDeps,
  queueUrl: string,
  handles: string[],
  lanes: number,
) {
  let failed = 0;
  let code: string | undefined;
  await inLanes(handles, lanes, async (part) => {
    try {
      const out = await sqs.changeVisibilityBatch(
        queueUrl,
        part.map((receiptHandle) => ({ receiptHandle, visibilityTimeout: 0 })),
      );
      failed += out.failed.length;
      code ??= out.failed[0]?.code;
    } catch (err) {
      failed += part.length;
      log.warn(
        { err, queueUrl },
        "could not return scanned messages; they reappear after the lease",
      );
    }
  });
  if (failed > 0) {
    log.warn(
      { queueUrl, failed, code },
      "some scanned messages stay hidden until their lease ends",
    );
  }
  return failed;
}
