/**
 * The `dlq-scan` queue's producer side: one BullMQ job scheduler per bound domain
 * (`scan-<domain>`, every DLQ_SCAN_INTERVAL), a `reconcile` scheduler that keeps them in line
 * with the bindings, and scans outside the schedule. The processor is jobs/dlq-scan.ts.
 */

import { bindingsRebuiltKey, RedisBindingStore } from "../provision/bindings.js";
import type { Redis } from "../redis.js";
import type { JobQueues } from "./index.js";
import { lockKey } from "./lock.js";
import { JOBS } from "./names.js";

export interface ScanJobData {
  domain: string;
}

const SCAN_SCHEDULER_PREFIX = "scan-";
const RECONCILE_SCHEDULER = "reconcile-bindings";

/** Domain names are `[a-zA-Z0-9_-]`, so the id never holds the ':' BullMQ forbids. */
const scanSchedulerId = (domain: string): string => `${SCAN_SCHEDULER_PREFIX}${domain}`;

/** The per-domain scan lock (src/queues/lock.ts); tests hold it to see a scan skip. */
export const scanLockKey = (prefix: string, domain: string): string =>
  lockKey(prefix, "dlq-scan", domain);

const KEEP = { removeOnComplete: 100, removeOnFail: 100 };

/** Creates or re-times the domain's scheduler; its first scan runs at once. */
export async function scheduleDomainScan(
  queues: JobQueues,
  domain: string,
  everyMs: number,
): Promise<void> {
  await queues.dlqScan.upsertJobScheduler(
    scanSchedulerId(domain),
    { every: everyMs },
    { name: JOBS.scan, data: { domain } satisfies ScanJobData, opts: KEEP },
  );
}

export function unscheduleDomainScan(queues: JobQueues, domain: string): Promise<boolean> {
  return queues.dlqScan.removeJobScheduler(scanSchedulerId(domain));
}

/** A scan outside the schedule (App Home's Scan now, or a test). */
export async function enqueueScanNow(
  queues: JobQueues,
  domain: string,
): Promise<{ jobId: string }> {
  const job = await queues.dlqScan.add(JOBS.scan, { domain } satisfies ScanJobData, {
    jobId: `scan-now-${domain}-${Date.now()}`,
    ...KEEP,
  });
  return { jobId: String(job.id) };
}

/**
 * Makes the schedulers match the bound domains: one per domain at the configured interval,
 * none for the others. Leaves an up-to-date scheduler alone, since upserting it again would
 * move its next run.
 */
export async function reconcileSchedulers(
  queues: JobQueues,
  boundDomains: readonly string[],
  everyMs: number,
): Promise<{ added: string[]; removed: string[] }> {
  const bound = new Set(boundDomains);
  const existing = new Map<string, number | undefined>();
  for (const s of await queues.dlqScan.getJobSchedulers(0, -1)) {
    if (s.key.startsWith(SCAN_SCHEDULER_PREFIX)) {
      existing.set(s.key.slice(SCAN_SCHEDULER_PREFIX.length), s.every ?? undefined);
    }
  }
  const added: string[] = [];
  const removed: string[] = [];
  for (const domain of bound) {
    if (existing.get(domain) === everyMs) continue;
    await scheduleDomainScan(queues, domain, everyMs);
    added.push(domain);
  }
  for (const domain of existing.keys()) {
    if (bound.has(domain)) continue;
    await unscheduleDomainScan(queues, domain);
    removed.push(domain);
  }
  return { added, removed };
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
    if (!scheduled.has(scanSchedulerId(binding.domain))) {
      problems.push(
        `domain ${binding.domain} is bound to channel ${binding.channelId} but has no scan schedule: a worker re-creates it at its next reconcile`,
      );
    }
  }
  return problems;
}
