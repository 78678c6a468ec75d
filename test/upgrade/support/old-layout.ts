/**
 * What the single-place bot (before Target, Place and refId; commit 56b1d22) left in Redis for
 * one bound domain, written the way it wrote it: every record under the bare domain name.
 * - the binding: a field of `<prefix>:alert-bindings`, JSON without account or region;
 * - the digest state: the hash `<prefix>:dlq-digest:<domain>` (RedisDigestStore.saveScan's
 *   fields and setMute's `mutedUntil`);
 * - two committed scans: the list `<prefix>:dlq-scans:<domain>` (newest first), each scan's
 *   marker hash (`at`, `classes`) and its class sets, all with the 26 h TTL;
 * - the last key check: `<prefix>:key-check:<domain>`, JSON with a week's TTL;
 * - the scan scheduler `scan-<domain>`, whose job data is `{ domain }`.
 */

import type { JobQueues } from "../../../src/queues/index.js";
import { JOBS } from "../../../src/queues/names.js";
import type { Redis } from "../../../src/redis.js";

export const OLD_SCAN_EVERY_MS = 600_000;
const SCAN_IDS_TTL_SECONDS = 26 * 3600;
const KEY_CHECK_TTL_SECONDS = 7 * 24 * 3600;

export interface OldDomain {
  domain: string;
  channelId: string;
  /** The digest message's ts. */
  ts: string;
  mutedUntil: number;
  /** The scans, newest first, each with its ids per class. */
  scans: { scanId: string; ids: Record<string, string[]> }[];
  keyArn: string;
}

export const oldDomain = (domain: string, channelId = "C0OPS"): OldDomain => ({
  domain,
  channelId,
  ts: "1764500000.000100",
  mutedUntil: Date.parse("2030-01-01T00:00:00Z"),
  scans: [
    { scanId: `${domain}-scan-2`, ids: { throttled: ["m-3", "m-4"], "missing-key": ["m-5"] } },
    { scanId: `${domain}-scan-1`, ids: { throttled: ["m-1"] } },
  ],
  keyArn: "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
});

export interface SeedOptions {
  /**
   * A binding cached before bindings were tags (`tagged: false`) and bound before its
   * domain had a dead-letter queue (no `queueUrl`), with no digest posted yet: what an end-to-
   * end test can seed before the emulator holds the domain. Default: a tagged binding whose
   * digest was posted.
   */
  untaggedUnposted?: boolean;
}

export async function seedOldDomain(
  redis: Redis,
  prefix: string,
  queues: JobQueues,
  old: OldDomain,
  opts: SeedOptions = {},
): Promise<void> {
  const { domain } = old;
  await redis.hset(
    `${prefix}:alert-bindings`,
    domain,
    JSON.stringify({
      domain,
      channelId: old.channelId,
      teamId: "T0TEAM",
      ...(!opts.untaggedUnposted && {
        queueUrl: `https://sqs.eu-west-2.amazonaws.com/111122223333/${domain}-dlq`,
      }),
      boundBy: "U0ADMIN",
      boundAt: "2026-11-01T10:00:00.000Z",
      tagged: !opts.untaggedUnposted,
    }),
  );
  const [newest] = old.scans;
  await redis.hset(
    `${prefix}:dlq-digest:${domain}`,
    opts.untaggedUnposted
      ? { mutedUntil: String(old.mutedUntil) }
      : {
          lastSummary: JSON.stringify({ total: 4 }),
          lastComplete: "1",
          lastScanAt: String(Date.parse("2026-11-30T09:00:00Z")),
          channel: old.channelId,
          ts: old.ts,
          scanId: newest?.scanId ?? "",
          resolvedFrom: "",
          receives: "",
          mutedUntil: String(old.mutedUntil),
        },
  );
  const list = `${prefix}:dlq-scans:${domain}`;
  for (const scan of [...old.scans].reverse()) {
    const classes = Object.keys(scan.ids);
    for (const cls of classes) {
      const set = `${prefix}:dlq-scan-class:${domain}:${scan.scanId}:${cls}`;
      await redis.sadd(set, ...(scan.ids[cls] as string[]));
      await redis.expire(set, SCAN_IDS_TTL_SECONDS);
    }
    const marker = `${prefix}:dlq-scan-ids:${domain}:${scan.scanId}`;
    await redis.hset(marker, { at: String(Date.now()), classes: JSON.stringify(classes) });
    await redis.expire(marker, SCAN_IDS_TTL_SECONDS);
    await redis.lpush(list, scan.scanId);
    await redis.expire(list, SCAN_IDS_TTL_SECONDS);
  }
  await redis.set(
    `${prefix}:key-check:${domain}`,
    JSON.stringify({
      domain,
      checkedAt: Date.parse("2026-11-30T08:00:00Z"),
      key: { arn: old.keyArn, policy: { verdict: "verified" } },
    }),
    "EX",
    KEY_CHECK_TTL_SECONDS,
  );
  await queues.dlqScan.upsertJobScheduler(
    `scan-${domain}`,
    { every: OLD_SCAN_EVERY_MS },
    { name: JOBS.scan, data: { domain }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
}
