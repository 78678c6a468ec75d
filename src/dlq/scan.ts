/**
 * One read-only pass over a dead-letter queue: receive, classify into a bounded summary, and
 * give every message back. It never deletes: SQS stays the only copy of a failed object.
 *
 * Received messages stay invisible (leased) until the scan ends, so the next ReceiveMessage
 * returns new ones instead of the same ten again; at the end they are all made visible at
 * once. The summary is bounded by classes × samples; what grows with the scan is the list of
 * receipt handles and the message ids per class, and `maxMessages` bounds both.
 *
 * Every scan has a `scanId`, and its message ids per class are what a digest's Discard or
 * Re-ingest may act on (src/dlq/digests.ts keeps them): a click acts on what the digest showed,
 * never on messages that arrived after the scan.
 */
import { randomBytes } from "node:crypto";
import type { SqsGateway } from "../aws/sqs-gateway.js";
import type { Logger } from "../logger.js";
import { classify, type DlqClass } from "./classify.js";
import { parseDlqMessage } from "./parse.js";
import { createScanSummary, type ScanSummary } from "./summary.js";

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
  /** For tests: the clock the lease renewal reads. */
  now?: () => number;
}

/** Message ids seen per class, each once (a message delivered twice is one id). */
export type ScanMessageIds = Partial<Record<DlqClass, string[]>>;

export interface ScanResult extends ScanSummary {
  /** Unique per scan: what a digest's buttons name, so a click acts on this scan's messages. */
  scanId: string;
  messageIds: ScanMessageIds;
  /** False when the scan stopped at `maxMessages`: the queue may hold more than `total`. */
  complete: boolean;
  /** Messages whose lease could not be ended: they reappear when the lease runs out. */
  notReturned: number;
}

const BATCH = 10;
const DEFAULT_LEASE_SECONDS = 120;
/** Handles kept to give messages back at once; beyond this, the tail lease returns them. */
export const MAX_HELD = 10_000;
/** Lease for messages past MAX_HELD: long enough for the rest of a bounded scan. */
const TAIL_LEASE_SECONDS = 15 * 60;

/** Sortable by time, unique across workers: base-36 milliseconds and 6 random bytes. */
export const newScanId = (now: number): string =>
  `${now.toString(36)}-${randomBytes(6).toString("hex")}`;

export async function scanQueue(deps: ScanDeps, input: ScanInput): Promise<ScanResult> {
  const { sqs, log } = deps;
  const { queueUrl } = input;
  const lease = Math.max(10, Math.floor(input.leaseSeconds ?? DEFAULT_LEASE_SECONDS));
  const waitSeconds = input.waitSeconds ?? 1;
  const now = input.now ?? Date.now;
  const max = Math.max(0, Math.floor(input.maxMessages));
  const summary = createScanSummary({ samplesPerClass: input.samplesPerClass });
  const held: string[] = [];
  const ids = new Map<DlqClass, Set<string>>();
  let received = 0;
  let complete = max === 0;
  let notReturned = 0;
  let leasedAt = now();
  try {
    while (received < max) {
      // Renew before half the lease has gone, so no held message reappears and is counted twice.
      if (held.length > 0 && now() - leasedAt > (lease * 1000) / 2) {
        await renewLease(deps, queueUrl, held, lease);
        leasedAt = now();
      }
      const holding = held.length < MAX_HELD;
      const messages = await sqs.receive(queueUrl, {
        max: Math.min(BATCH, max - received),
        visibilityTimeout: holding ? lease : Math.max(lease, TAIL_LEASE_SECONDS),
        waitSeconds,
      });
      if (held.length === 0) leasedAt = now();
      if (messages.length === 0) {
        complete = true;
        break;
      }
      for (const message of messages) {
        received += 1;
        if (holding && message.ReceiptHandle) held.push(message.ReceiptHandle);
        const parsed = parseDlqMessage(message);
        const cls = classify(parsed);
        summary.add(parsed, cls);
        if (parsed.messageId !== "") {
          const seen = ids.get(cls) ?? new Set<string>();
          ids.set(cls, seen.add(parsed.messageId));
        }
      }
    }
  } finally {
    // Also after a failed receive: leased messages must not stay hidden for the whole lease.
    notReturned = await giveBack(deps, queueUrl, held);
  }
  const result = summary.snapshot();
  const scanId = newScanId(now());
  log.debug(
    { queueUrl, scanId, total: result.total, complete, notReturned },
    "dead-letter queue scanned",
  );
  const messageIds: ScanMessageIds = Object.fromEntries(
    [...ids].map(([cls, set]) => [cls, [...set]]),
  );
  return { ...result, scanId, messageIds, complete, notReturned };
}

async function renewLease(
  { sqs, log }: ScanDeps,
  queueUrl: string,
  handles: string[],
  lease: number,
): Promise<void> {
  const out = await sqs.changeVisibilityBatch(
    queueUrl,
    handles.map((receiptHandle) => ({ receiptHandle, visibilityTimeout: lease })),
  );
  if (out.failed.length > 0) {
    log.warn(
      { queueUrl, failed: out.failed.length, code: out.failed[0]?.code },
      "could not renew the scan's lease on some messages; they may be counted twice",
    );
  }
}

/** Makes every held message visible again; never throws (the lease expiring is the fallback). */
async function giveBack({ sqs, log }: ScanDeps, queueUrl: string, handles: string[]) {
  if (handles.length === 0) return 0;
  try {
    const out = await sqs.changeVisibilityBatch(
      queueUrl,
      handles.map((receiptHandle) => ({ receiptHandle, visibilityTimeout: 0 })),
    );
    if (out.failed.length > 0) {
      log.warn(
        { queueUrl, failed: out.failed.length, code: out.failed[0]?.code },
        "some scanned messages stay hidden until their lease ends",
      );
    }
    return out.failed.length;
  } catch (err) {
    log.warn({ err, queueUrl }, "could not return scanned messages; they reappear after the lease");
    return handles.length;
  }
}
