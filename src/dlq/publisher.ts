/**
 * How a dead-letter scan shows its result: the port the scan job publishes through. The
 * Slack implementation (src/slack/reporters/digest.ts) keeps one digest message per domain,
 * edited in place, with new classes as replies in its thread; tests use the in-memory one.
 */
import type { Place } from "../aws/targets.js";
import type { DlqClass } from "./classify.js";
import type { ScanPause } from "./receive-budget.js";
import type { ScanSummary } from "./summary.js";

export interface DigestView {
  domain: string;
  /** The domain's account and region: its buttons name them. */
  place: Place;
  /** The place as people read it (`prod (444455556666) · eu-west-2`): every digest says it. */
  where: string;
  /** The scan shown: the digest's Discard and Re-ingest buttons name it. */
  scanId?: string;
  summary: ScanSummary;
  /** False when the scan stopped at its bound: counts are lower bounds. */
  complete: boolean;
  /** The scan before, for the trend; absent on a first digest. */
  previous?: ScanSummary;
  scannedAt: number;
  mutedUntil?: number;
  /** Set when scans are paused to keep within the queue's RedrivePolicy: the digest says why. */
  paused?: ScanPause;
}

export interface DigestPublisher {
  /**
   * Edits the digest at `ts`, or posts a new one when there is none or it was deleted.
   * Answers the ts of the message that now shows it.
   */
  publish(channel: string, ts: string | undefined, digest: DigestView): Promise<string>;
  /** The queue is empty: the digest says so, once. */
  resolve(
    channel: string,
    ts: string,
    info: { domain: string; where: string; was: number; scannedAt: number },
  ): Promise<void>;
  /** A class that was not in the last scan gets its own reply in the digest's thread. */
  newClass(
    channel: string,
    threadTs: string,
    info: { domain: string; where: string; cls: DlqClass; count: number; complete: boolean },
  ): Promise<void>;
}

export type PublishedEvent =
  | { type: "publish"; channel: string; ts: string; edited: boolean; digest: DigestView }
  | { type: "resolve"; channel: string; ts: string; was: number }
  | { type: "newClass"; channel: string; threadTs: string; cls: DlqClass; count: number };

/** Keeps what was published, with made-up message timestamps. */
export class MemoryDigestPublisher implements DigestPublisher {
  readonly events: PublishedEvent[] = [];
  private next = 1;

  async publish(channel: string, ts: string | undefined, digest: DigestView): Promise<string> {
    const shown = ts ?? `${this.next++}.000000`;
    this.events.push({ type: "publish", channel, ts: shown, edited: ts !== undefined, digest });
    return shown;
  }

  async resolve(channel: string, ts: string, info: { was: number }): Promise<void> {
    this.events.push({ type: "resolve", channel, ts, was: info.was });
  }

  async newClass(
    channel: string,
    threadTs: string,
    info: { cls: DlqClass; count: number },
  ): Promise<void> {
    this.events.push({ type: "newClass", channel, threadTs, cls: info.cls, count: info.count });
  }
}
