/**
 * The `dlq-scan` queue's producer side: one BullMQ job scheduler per bound domain
 * (`scan-<domain>`, every DLQ_SCAN_INTERVAL), a `reconcile` scheduler that keeps them in line
 * with the bindings, and scans outside the schedule. The processor is jobs/dlq-scan.ts.
 */
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
