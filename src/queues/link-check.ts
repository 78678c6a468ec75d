/**
 * What Check again acts on: a record of each enable job whose instance is left to be linked by
 * hand. It is kept beside the job, not in it: a completed job is removed after an hour, and a
 * person may make the link days later. The record holds the job's data, so its `message` binds
 * the button to the job's report (ADR 0004) and the report can be rebuilt once the link is
 * there. One click per job at a time reads and changes it, so double clicks and replays of a
 * click that found the link do nothing more.
 */

import { type LinkFound, linkFound, withLinkMade } from "../provision/link-by-hand.js";
import type { ProvisionJobData } from "../provision/plan-to-job.js";
import type { JobQueues } from "./index.js";
import { lockKey, withLock } from "./lock.js";

/** As long as a failed job is kept for Retry and Clean up. */
const LINK_CHECK_TTL_SECONDS = 14 * 86_400;
/** Far longer than one ListAccountIntegrations takes. */
const CHECK_LOCK_MS = 15_000;

type RecordQueues = Pick<JobQueues, "redis" | "prefix">;

export interface LinkCheckRecord {
  jobId: string;
  data: ProvisionJobData;
  /** ISO time Check again found the link made; absent while it is missing. */
  linkedAt?: string;
}

const recordKey = (prefix: string, jobId: string) => `${prefix}:link-check:${jobId}`;

/** Called by the enable job when it completed with the link left to be made by hand. */
export async function keepLinkCheck(
  queues: RecordQueues,
  jobId: string,
  data: ProvisionJobData,
): Promise<void> {
  const record: LinkCheckRecord = { jobId, data };
  await queues.redis.set(
    recordKey(queues.prefix, jobId),
    JSON.stringify(record),
    "EX",
    LINK_CHECK_TTL_SECONDS,
  );
}

export async function readLinkCheck(
  queues: RecordQueues,
  jobId: string,
): Promise<LinkCheckRecord | undefined> {
  const raw = await queues.redis.get(recordKey(queues.prefix, jobId));
  return raw ? (JSON.parse(raw) as LinkCheckRecord) : undefined;
}

/** What a Check again click came to. */
export type LinkCheckOutcome =
  | (LinkFound & { record: LinkCheckRecord })
  /** An earlier click already found the link: nothing was read. */
  | { status: "already-linked"; record: LinkCheckRecord }
  /** The record expired (or Redis lost it). */
  | { status: "gone" }
  /** Another click on this job is being handled right now. */
  | { status: "busy" };

/**
 * Reads the instance's link (`domainFor`, the Profiles gateway's ListAccountIntegrations) and,
 * when it is the job's domain, records it: the caller then completes the report.
 */
export async function checkLinkOnce(
  queues: RecordQueues,
  jobId: string,
  domainFor: (instanceArn: string) => Promise<string | undefined>,
  now: () => Date = () => new Date(),
): Promise<LinkCheckOutcome> {
  const locked = await withLock(
    queues.redis,
    lockKey(queues.prefix, "link-check", jobId),
    CHECK_LOCK_MS,
    async (): Promise<LinkCheckOutcome> => {
      const record = await readLinkCheck(queues, jobId);
      if (!record) return { status: "gone" };
      if (record.linkedAt) return { status: "already-linked", record };
      const { request, checkpoint } = record.data;
      const found = linkFound(await domainFor(request.instance.arn), request.domain.name.trim());
      if (found.status !== "linked") return { ...found, record };
      const linked: LinkCheckRecord = {
        ...record,
        data: { ...record.data, checkpoint: withLinkMade(checkpoint) },
        linkedAt: now().toISOString(),
      };
      await queues.redis.set(recordKey(queues.prefix, jobId), JSON.stringify(linked), "KEEPTTL");
      return { ...found, record: linked };
    },
  );
  return locked.acquired ? locked.value : { status: "busy" };
}
