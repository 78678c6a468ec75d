/**
 * What the App Home shows, gathered from Redis only (bindings, digest state, BullMQ jobs,
 * the audit stream), so opening the Home tab never waits on AWS.
 */
import type { Queue } from "bullmq";
import type { AuditEntry, AuditLog } from "../audit/audit.js";
import type { DigestStore } from "../dlq/digests.js";
import type { BindingStore } from "../provision/bindings.js";

export interface DomainOverview {
  domain: string;
  channelId: string;
  hasQueue: boolean;
  /** Messages in the DLQ at the last scan; undefined before the first scan. */
  depth?: number;
  lastScanAt?: number;
  mutedUntil?: number;
}

export interface JobOverview {
  queue: string;
  id: string;
  name: string;
  state: string;
  at: number;
  /** A short description from the job's data (domain or instance), when there is one. */
  subject?: string;
}

export interface Overview {
  domains: DomainOverview[];
  jobs: JobOverview[];
  audit?: AuditEntry[];
}

const STATES = ["active", "waiting", "delayed", "failed", "completed"] as const;

function subjectOf(data: unknown): string | undefined {
  const d = (data ?? {}) as Record<string, unknown>;
  const request = (d.request ?? {}) as Record<string, unknown>;
  const domain = (request.domain ?? {}) as Record<string, unknown>;
  const pick = d.domain ?? domain.name ?? (request.instance as Record<string, unknown>)?.alias;
  return typeof pick === "string" ? pick : undefined;
}

export async function gatherOverview(deps: {
  bindings: BindingStore;
  digests: DigestStore;
  queues: Record<string, Queue>;
  audit?: AuditLog;
  jobsPerQueue?: number;
}): Promise<Overview> {
  const bindings = await deps.bindings.list();
  const domains = await Promise.all(
    bindings.map(async (b): Promise<DomainOverview> => {
      const digest = await deps.digests.get(b.domain);
      return {
        domain: b.domain,
        channelId: b.channelId,
        hasQueue: Boolean(b.queueUrl),
        depth: digest?.lastSummary?.total,
        lastScanAt: digest?.lastScanAt,
        mutedUntil: digest?.mutedUntil,
      };
    }),
  );
  domains.sort((a, b) => (b.depth ?? -1) - (a.depth ?? -1) || a.domain.localeCompare(b.domain));

  const jobs: JobOverview[] = [];
  for (const [name, queue] of Object.entries(deps.queues)) {
    for (const state of STATES) {
      const found = await queue.getJobs([state], 0, (deps.jobsPerQueue ?? 5) - 1, false);
      for (const job of found) {
        if (!job?.id || job.name === "reconcile-bindings") continue;
        jobs.push({
          queue: name,
          id: job.id,
          name: job.name,
          state,
          at: job.finishedOn ?? job.processedOn ?? job.timestamp,
          subject: subjectOf(job.data),
        });
      }
    }
  }
  jobs.sort((a, b) => b.at - a.at);
  const audit = deps.audit ? await deps.audit.latest({ limit: 10 }) : undefined;
  return { domains, jobs, audit };
}
