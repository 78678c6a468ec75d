/**
 * The `dlq-scan` queue's producer side: one BullMQ job scheduler per bound domain
 * (`scan-<refId>`, every DLQ_SCAN_INTERVAL), a `reconcile` scheduler that keeps them in line
 * with the bindings, and scans outside the schedule. The processor is jobs/dlq-scan.ts.
 * Every id and lock is the domain's refId: the same domain name in two accounts or regions
 * has two schedulers.
 */
import { type DomainRef, parseRefId, refId } from "../aws/targets.js";
import { refOf } from "../dlq/places.js";
import { bindingsRebuiltKey, RedisBindingStore } from "../provision/bindings.js";
import type { Redis } from "../redis.js";
import type { JobQueues } from "./index.js";
import { lockKey } from "./lock.js";
import { JOBS } from "./names.js";

export type ScanJobData = DomainRef;

const SCAN_SCHEDULER_PREFIX = "scan-";
const RECONCILE_SCHEDULER = "reconcile-bindings";

/** A refId never holds the ':' BullMQ forbids in ids. */
const scanSchedulerId = (ref: DomainRef): string => `${SCAN_SCHEDULER_PREFIX}${refId(ref)}`;

/** The per-domain scan lock (src/queues/lock.ts); tests hold it to see a scan skip. */
export const scanLockKey = (prefix: string, ref: DomainRef): string =>
  lockKey(prefix, "dlq-scan", refId(ref));

const KEEP = { removeOnComplete: 100, removeOnFail: 100 };

/** Creates or re-times the domain's scheduler; its first scan runs at once. */
export async function scheduleDomainScan(
  queues: JobQueues,
  ref: DomainRef,
  everyMs: number,
): Promise<void> {
  await queues.dlqScan.upsertJobScheduler(
    scanSchedulerId(ref),
    { every: everyMs },
    { name: JOBS.scan, data: refOf(ref), opts: KEEP },
  );
}

export function unscheduleDomainScan(queues: JobQueues, ref: DomainRef): Promise<boolean> {
  return queues.dlqScan.removeJobScheduler(scanSchedulerId(ref));
}

/** A scan outside the schedule (App Home's Scan now, or a test). */
export async function enqueueScanNow(
  queues: JobQueues,
  ref: DomainRef,
): Promise<{ jobId: string }> {
  const job = await queues.dlqScan.add(JOBS.scan, refOf(ref), {
    jobId: `scan-now-${refId(ref)}-${Date.now()}`,
    ...KEEP,
  });
  return { jobId: String(job.id) };
}

/**
 * Makes the schedulers match the bound domains: one per domain at the configured interval,
 * none for the others (a scheduler whose id names no place, from before domains had places,
 * goes too). Leaves an up-to-date scheduler alone, since upserting it again would move its
 * next run. Answers the refIds added and removed.
 */
export async function reconcileSchedulers(
  queues: JobQueues,
  boundDomains: readonly DomainRef[],
  everyMs: number,
): Promise<{ added: string[]; removed: string[] }> {
  const bound = new Map(boundDomains.map((ref) => [refId(ref), ref]));
  const existing = new Map<string, number | undefined>();
  for (const s of await queues.dlqScan.getJobSchedulers(0, -1)) {
    if (s.key.startsWith(SCAN_SCHEDULER_PREFIX)) {
      existing.set(s.key.slice(SCAN_SCHEDULER_PREFIX.length), s.every ?? undefined);
    }
  }
  const added: string[] = [];
  const removed: string[] = [];
  for (const [id, ref] of bound) {
    if (existing.get(id) === everyMs) continue;
    await scheduleDomainScan(queues, ref, everyMs);
    added.push(id);
  }
  for (const id of existing.keys()) {
    if (bound.has(id)) continue;
    const ref = parseRefId(id);
    if (ref) await unscheduleDomainScan(queues, ref);
    else await queues.dlqScan.removeJobScheduler(`${SCAN_SCHEDULER_PREFIX}${id}`);
    removed.push(id);
  }
  return { added, removed };
}

/** Every scan scheduler: the id after `scan-` (a refId, or a bare domain name from before places) and its interval. */
export async function scanSchedulers(
  queues: JobQueues,
): Promise<{ id: string; every: number | undefined }[]> {
  return (await queues.dlqScan.getJobSchedulers(0, -1))
    .filter((s) => s.key.startsWith(SCAN_SCHEDULER_PREFIX))
    .map((s) => ({ id: s.key.slice(SCAN_SCHEDULER_PREFIX.length), every: s.every ?? undefined }));
}

/**
 * The single-place bot's scheduler of `ref.domain` (`scan-<domain>`), upgraded: re-created
 * under the refId at the same interval when `bound` says the domain is bound there (and the
 * refId has none yet), then removed, with the delayed scan it held. Re-created first, so a
 * crash in between leaves two schedulers, never none; the next start removes the old one.
 * `moved` when re-created, `superseded` when only removed, `absent` when there was none.
 */
export async function moveBareScanScheduler(
  queues: JobQueues,
  ref: DomainRef,
  bound: () => Promise<boolean>,
): Promise<"moved" | "superseded" | "absent"> {
  const schedulers = await scanSchedulers(queues);
  const old = schedulers.find((s) => s.id === ref.domain);
  if (!old) return "absent";
  const exists = schedulers.some((s) => s.id === refId(ref));
  const recreate = !exists && old.every !== undefined && (await bound());
  if (recreate) await scheduleDomainScan(queues, ref, old.every as number);
  await queues.dlqScan.removeJobScheduler(`${SCAN_SCHEDULER_PREFIX}${ref.domain}`);
  return recreate ? "moved" : "superseded";
}

/** The scheduler that runs `reconcile` jobs, so bindings written elsewhere get scanned too. */
export async function scheduleReconcile(queues: JobQueues, everyMs: number): Promise<void> {
  await queues.dlqScan.upsertJobScheduler(
    RECONCILE_SCHEDULER,
    { every: everyMs },
    { name: JOBS.reconcile, data: {}, opts: { removeOnComplete: 10, removeOnFail: 10 } },
  );
}

/**
 * Why scans are not running as the bindings say, for /healthz; empty when they are. Reads
 * Redis only (the bindings' cache and the schedulers), never AWS, so a probe costs nothing:
 * a cache never rebuilt from the tags (Redis lost its data) is itself a reason.
 */
export async function scanScheduleProblems(
  queues: JobQueues,
  redis: Redis,
  prefix: string,
): Promise<string[]> {
  const problems: string[] = [];
  if ((await redis.exists(bindingsRebuiltKey(prefix))) === 0) {
    problems.push(
      "the digest bindings are not in Redis yet (it was emptied or is new): a worker rebuilds them from the domains' tags at its next reconcile",
    );
  }
  const scheduled = new Set(
    (await queues.dlqScan.getJobSchedulers(0, -1))
      .map((s) => s.key)
      .filter((key) => key.startsWith(SCAN_SCHEDULER_PREFIX)),
  );
  for (const binding of await new RedisBindingStore(redis, prefix).list()) {
    if (!scheduled.has(scanSchedulerId(binding))) {
      problems.push(
        `domain ${binding.domain} (account ${binding.account}, ${binding.region}) is bound to channel ${binding.channelId} but has no scan schedule: a worker re-creates it at its next reconcile`,
      );
    }
  }
  return problems;
}
