/**
 * Retention: SQS drops a message `MessageRetentionPeriod` after it was first sent, without
 * notice, so a dead-letter queue loses failed objects that nobody re-ingests in time. The
 * scan's summary (src/dlq/summary.ts) counts, as it goes, the messages that expire within EXPIRY_WARNING_MS of the scan
 * (a count and the oldest send time, never a list), and the digest warns about them.
 */
/** Warn about messages that expire within this of the scan: a day to act. */
export const EXPIRY_WARNING_MS = 24 * 3_600_000;
/** The longest retention SQS allows (14 days), which the warning suggests. */
export const MAX_RETENTION_SECONDS = 1_209_600;

/** When SQS drops a message sent at `sentAt` (epoch ms). */
export const expiresAt = (sentAt: number, retentionSeconds: number): number =>
  sentAt + retentionSeconds * 1000;

/** Whether a message sent at `sentAt` expires within the warning window of `scannedAt`. */
export const expiresSoon = (sentAt: number, retentionSeconds: number, scannedAt: number): boolean =>
  expiresAt(sentAt, retentionSeconds) <= scannedAt + EXPIRY_WARNING_MS;

export interface ExpiryWarning {
  /** Messages that expire within the window (counted by the scan). */
  count: number;
  /** When the first of them goes (epoch ms; may be past when the digest is read late). */
  firstAt: number;
  retentionSeconds: number;
}

/** The digest's expiry warning for a scan, or undefined when nothing expires soon. */
export function expiryWarning(summary: {
  oldestSentAt?: number;
  retentionSeconds?: number;
  expiringSoon?: number;
}): ExpiryWarning | undefined {
  const { retentionSeconds, expiringSoon, oldestSentAt } = summary;
  if (retentionSeconds === undefined || oldestSentAt === undefined || !expiringSoon)
    return undefined;
  return {
    count: expiringSoon,
    firstAt: expiresAt(oldestSentAt, retentionSeconds),
    retentionSeconds,
  };
}
