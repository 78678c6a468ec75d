/**
 * What the App Home shows, gathered from Redis only (bindings, digest state, the last key
 * check, recent jobs, the audit stream), so opening the Home tab never waits on AWS. Which jobs are worth
 * showing is decided where the queues are read (src/queues/recent-jobs.ts).
 */
import type { AuditEntry, AuditLog } from "../audit/audit.js";
import type { DomainRef, Place } from "../aws/targets.js";
import type { DigestStore } from "../dlq/digests.js";
import type { KeyCheck, KeyCheckStore } from "../domains/key-check.js";
import type { BindingStore } from "../provision/bindings.js";

export interface DomainOverview extends DomainRef {
  /** Where it is, for people (`targets.describe`); absent when the bot serves one place. */
  placeLabel?: string;
  channelId: string;
  hasQueue: boolean;
  /** Messages in the DLQ at the last scan; undefined before the first scan. */
  depth?: number;
  lastScanAt?: number;
  mutedUntil?: number;
  /** The last check of the domain's KMS key policy; absent until one ran (key-checks.ts). */
  keyCheck?: KeyCheck;
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

export async function gatherOverview(deps: {
  bindings: BindingStore;
  digests: DigestStore;
  keyChecks: Pick<KeyCheckStore, "get">;
  /** Listed in the order given: newest first. */
  jobs: () => Promise<JobOverview[]>;
  audit?: AuditLog;
  /** How people see a place; undefined when the bot serves only one. */
  describe?: (place: Place) => string | undefined;
}): Promise<Overview> {
  const bindings = await deps.bindings.list();
  const domains = await Promise.all(
    bindings.map(async (b): Promise<DomainOverview> => {
      const ref: DomainRef = { account: b.account, region: b.region, domain: b.domain };
      const [digest, keyCheck] = await Promise.all([deps.digests.get(b), deps.keyChecks.get(ref)]);
      const placeLabel = deps.describe?.(ref);
      return {
        ...ref,
        ...(placeLabel ? { placeLabel } : {}),
        channelId: b.channelId,
        hasQueue: Boolean(b.queueUrl),
        depth: digest?.lastSummary?.total,
        lastScanAt: digest?.lastScanAt,
        mutedUntil: digest?.mutedUntil,
        ...(keyCheck ? { keyCheck } : {}),
      };
    }),
  );
  // Grouped by place (when there are several), most failures first within each.
  domains.sort(
    (a, b) =>
      (a.placeLabel ?? "").localeCompare(b.placeLabel ?? "") ||
      (b.depth ?? -1) - (a.depth ?? -1) ||
      a.domain.localeCompare(b.domain),
  );

  const jobs = await deps.jobs();
  const audit = deps.audit ? await deps.audit.latest({ limit: 10 }) : undefined;
  return { domains, jobs, audit };
}
