/**
 * Dead-letter digests: one BullMQ job scheduler per bound domain (`scan-<domain>`, every
 * DLQ_SCAN_INTERVAL) whose jobs scan that domain's DLQ and keep its digest message up to date.
 * A `reconcile` scheduler on the same queue keeps the schedulers in line with the bindings,
 * so bindings written by provisioning (which knows nothing of this queue) get scanned too.
 *
 * A scan job reads like its steps: binding → lock → scan → digest state → render → post or
 * edit → thread replies for new classes (unless muted) → resolved state when empty.
 */
import { type Job, Queue, Worker, type WorkerOptions } from "bullmq";
import type { Gateways } from "../src/aws/gateways.js";
import type { Config } from "../src/config.js";
import { type DigestState, type DigestStore, isMuted } from "../src/dlq/digests.js";
import { scanQueue } from "../src/dlq/scan.js";
import { diffSummaries } from "../src/dlq/summary.js";
import type { Logger } from "../src/logger.js";
import type { BindingStore } from "../src/provision/bindings.js";
import type { Redis } from "../src/redis.js";
import type { Notifier, SlackMessage } from "../src/slack/notifier/notifier.js";
import { renderDigest, renderNewClassReply, renderResolved } from "../src/slack/render/digest.js";

export const DLQ_SCAN_QUEUE = "dlq-scan";
export const SCAN_JOB = "scan";
export const RECONCILE_JOB = "reconcile";
const RECONCILE_SCHEDULER = "reconcile-bindings";

/** Domain names are `[a-zA-Z0-9_-]`, so the id never holds the ':' BullMQ forbids. */
export const scanSchedulerId = (domain: string) => `scan-${domain}`;

export interface ScanJobData {
  domain: string;
}

/** Samples kept per class: enough for Inspect, small enough for one Redis hash field. */
export const SAMPLES_PER_CLASS = 3;

// ---- schedulers ---------------------------------------------------------------------------

/** Creates or re-times the domain's scheduler; its first scan runs at once. */
export async function scheduleDomainScan(queue: Queue, domain: string, everyMs: number) {
  await queue.upsertJobScheduler(
    scanSchedulerId(domain),
    { every: everyMs },
    {
      name: SCAN_JOB,
      data: { domain } satisfies ScanJobData,
      opts: { removeOnComplete: 100, removeOnFail: 100 },
    },
  );
}

export async function unscheduleDomainScan(queue: Queue, domain: string): Promise<boolean> {
  return queue.removeJobScheduler(scanSchedulerId(domain));
}

/** A scan outside the schedule (after `/profiles alerts`, or from a test). */
export async function enqueueScanNow(queue: Queue, domain: string): Promise<Job> {
  return queue.add(SCAN_JOB, { domain } satisfies ScanJobData, {
    jobId: `scan-now-${domain}-${Date.now()}`,
    removeOnComplete: 100,
    removeOnFail: 100,
  });
}

/**
 * Makes the schedulers match the bindings: one per bound domain at the configured interval,
 * none for unbound ones. Leaves an up-to-date scheduler alone, since upserting it again would
 * move its next run.
 */
export async function reconcileSchedulers(
  queue: Queue,
  bindings: BindingStore,
  everyMs: number,
): Promise<{ added: string[]; removed: string[] }> {
  const bound = new Set((await bindings.list()).map((b) => b.domain));
  const existing = new Map<string, number | undefined>();
  for (const s of await queue.getJobSchedulers(0, -1)) {
    if (s.key.startsWith("scan-")) existing.set(s.key.slice("scan-".length), s.every);
  }
  const added: string[] = [];
  const removed: string[] = [];
  for (const domain of bound) {
    if (existing.get(domain) === everyMs) continue;
    await scheduleDomainScan(queue, domain, everyMs);
    added.push(domain);
  }
  for (const domain of existing.keys()) {
    if (bound.has(domain)) continue;
    await unscheduleDomainScan(queue, domain);
    removed.push(domain);
  }
  return { added, removed };
}

// ---- one scan -----------------------------------------------------------------------------

export interface DlqScanDeps {
  gateways: Pick<Gateways, "sqs" | "profiles">;
  bindings: BindingStore;
  digests: DigestStore;
  notifier: Notifier;
  /** A fail-fast connection for the per-domain lock. */
  redis: Redis;
  prefix: string;
  config: { dlq: Pick<Config["dlq"], "preview" | "scanMaxMessages"> };
  log: Logger;
  /** Objects per second the re-ingest job is paced at, for the Re-ingest confirmation. */
  reingestRate?: number;
  now?: () => number;
  /** Long-poll wait per receive; tests pass 0. */
  waitSeconds?: number;
}

export type ScanOutcome =
  | { status: "unbound" | "no-queue" | "locked" }
  | { status: "posted" | "edited"; total: number; newClasses: string[]; replies: number }
  | { status: "resolved" | "quiet"; total: 0 };

/**
 * One scan at a time per domain, whatever the number of workers: a Redis lock (SET NX PX)
 * rather than a deterministic job id, because scans come from several producers (each
 * scheduler slot, `enqueueScanNow`, a reconcile re-creating a scheduler, a stalled job BullMQ
 * retries) whose ids can't all be made to collide, and because the lock is what actually
 * protects the shared things: the digest record and the DLQ's visibility lease. A scan that
 * finds the lock taken skips: the running one is reporting the same queue.
 */
const LOCK_MS = 10 * 60_000;

const RELEASE_IF_OWNER = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
`;

export const scanLockKey = (prefix: string, domain: string) => `${prefix}:dlq-scan-lock:${domain}`;

async function withDomainLock<T>(
  deps: DlqScanDeps,
  domain: string,
  run: () => Promise<T>,
): Promise<T | undefined> {
  const key = scanLockKey(deps.prefix, domain);
  const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  if ((await deps.redis.set(key, token, "PX", LOCK_MS, "NX")) !== "OK") return undefined;
  try {
    return await run();
  } finally {
    await deps.redis.eval(RELEASE_IF_OWNER, 1, key, token).catch(() => undefined);
  }
}

/** Slack refused the edit because the digest was deleted: post a new one instead. */
const isGone = (err: unknown) =>
  /message_not_found|channel_not_found|cant_update_message/.test(
    String((err as { data?: { error?: string } }).data?.error ?? (err as Error).message),
  );

export async function runScan(deps: DlqScanDeps, domain: string): Promise<ScanOutcome> {
  const log = deps.log.child({ domain });
  const now = deps.now ?? Date.now;

  // 1. Where the digest goes and which queue it watches.
  const binding = await deps.bindings.get(domain);
  if (!binding) return { status: "unbound" };
  const queueUrl =
    binding.queueUrl ?? (await deps.gateways.profiles.getDomain(domain))?.deadLetterQueueUrl;
  if (!queueUrl) return { status: "no-queue" };

  const outcome = await withDomainLock(deps, domain, async () => {
    // 2. Scan: read-only, every message goes back to the queue.
    const scan = await scanQueue(
      { sqs: deps.gateways.sqs, log },
      {
        queueUrl,
        maxMessages: deps.config.dlq.scanMaxMessages,
        samplesPerClass: SAMPLES_PER_CLASS,
        ...(deps.waitSeconds !== undefined && { waitSeconds: deps.waitSeconds }),
      },
    );
    const { complete, notReturned: _notReturned, ...summary } = scan;
    const scannedAt = now();

    // 3. The last digest: a digest in another channel (re-bound) is left behind.
    const stored = await deps.digests.get(domain);
    const state: DigestState | undefined =
      stored && stored.channel === binding.channelId ? stored : undefined;
    const hasMessage = state?.ts !== undefined && state.ts !== "";

    // 4. Empty queue: resolve the digest once, otherwise say nothing.
    if (summary.total === 0) {
      const was = state?.lastSummary?.total ?? 0;
      const resolveNow = hasMessage && state?.resolvedFrom === undefined && was > 0;
      if (resolveNow && state?.ts) {
        await deps.notifier.update(
          binding.channelId,
          state.ts,
          renderResolved({ domain, was, scannedAt }),
        );
      }
      await deps.digests.saveScan(domain, {
        channel: binding.channelId,
        ...(hasMessage && state?.ts ? { ts: state.ts } : {}),
        lastSummary: summary,
        lastComplete: complete,
        lastScanAt: scannedAt,
        ...(resolveNow
          ? { resolvedFrom: was }
          : state?.resolvedFrom !== undefined && { resolvedFrom: state.resolvedFrom }),
      });
      return { status: resolveNow ? "resolved" : "quiet", total: 0 } as const;
    }

    // 5. Render against the previous scan (none on a first digest: no trend, no replies).
    const previous = hasMessage ? state?.lastSummary : undefined;
    const message = renderDigest({
      domain,
      summary,
      complete,
      ...(previous && { previous }),
      scannedAt,
      preview: deps.config.dlq.preview,
      ...(state?.mutedUntil !== undefined && { mutedUntil: state.mutedUntil }),
      now: scannedAt,
      ...(deps.reingestRate !== undefined && { reingestRate: deps.reingestRate }),
    });

    // 6. Edit the digest in place, or post it.
    const ts = await postOrEdit(
      deps,
      binding.channelId,
      hasMessage ? state?.ts : undefined,
      message,
    );
    const edited = hasMessage && ts === state?.ts;
    await deps.digests.saveScan(domain, {
      channel: binding.channelId,
      ts,
      lastSummary: summary,
      lastComplete: complete,
      lastScanAt: scannedAt,
    });

    // 7. New classes get a reply in the thread, unless someone muted it.
    const diff = diffSummaries(previous, summary);
    const newClasses = edited ? diff.newClasses : [];
    let replies = 0;
    if (newClasses.length > 0 && !isMuted(state, scannedAt)) {
      for (const cls of newClasses) {
        const count = summary.classes[cls]?.count ?? 0;
        const reply = renderNewClassReply({ domain, cls, count, complete });
        try {
          await deps.notifier.post(binding.channelId, { ...reply, threadTs: ts });
          replies += 1;
        } catch (err) {
          log.warn({ err, cls }, "could not post a new class in the digest's thread");
        }
      }
    }
    return {
      status: edited ? "edited" : "posted",
      total: summary.total,
      newClasses,
      replies,
    } as const;
  });
  if (!outcome) log.debug("another scan of this domain is running; skipped");
  return outcome ?? { status: "locked" };
}

async function postOrEdit(
  deps: DlqScanDeps,
  channel: string,
  ts: string | undefined,
  message: SlackMessage,
): Promise<string> {
  if (ts) {
    try {
      await deps.notifier.update(channel, ts, message);
      return ts;
    } catch (err) {
      if (!isGone(err)) throw err;
      deps.log.info({ channel }, "the digest message is gone; posting a new one");
    }
  }
  return (await deps.notifier.post(channel, message)).ts;
}

// ---- the worker ---------------------------------------------------------------------------

export interface DlqScanWorkerDeps extends DlqScanDeps {
  /** A connection with maxRetriesPerRequest: null. */
  connection: Redis;
  scanIntervalMs: number;
  workerOptions?: Partial<WorkerOptions>;
}

export async function startDlqScanWorker(deps: DlqScanWorkerDeps): Promise<Worker> {
  const queue = new Queue(DLQ_SCAN_QUEUE, { connection: deps.connection, prefix: deps.prefix });
  const worker = new Worker<ScanJobData | Record<string, never>>(
    DLQ_SCAN_QUEUE,
    async (job) => {
      if (job.name === RECONCILE_JOB) {
        return reconcileSchedulers(queue, deps.bindings, deps.scanIntervalMs);
      }
      const domain = (job.data as ScanJobData).domain;
      const outcome = await runScan(deps, domain);
      // A binding removed by someone else: its scheduler goes with it.
      if (outcome.status === "unbound") await unscheduleDomainScan(queue, domain);
      return outcome;
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      // Scans wait on SQS, not on the CPU: several domains at once.
      concurrency: 4,
      ...deps.workerOptions,
    },
  );
  worker.on("error", (err) => deps.log.warn({ err: err.message }, "dlq-scan worker error"));
  worker.on("closed", () => {
    void queue.close();
  });
  try {
    await reconcileSchedulers(queue, deps.bindings, deps.scanIntervalMs);
    await queue.upsertJobScheduler(
      RECONCILE_SCHEDULER,
      { every: deps.scanIntervalMs },
      { name: RECONCILE_JOB, data: {}, opts: { removeOnComplete: 10, removeOnFail: 10 } },
    );
  } catch (err) {
    deps.log.warn({ err }, "could not reconcile the dead-letter scan schedulers at start");
  }
  return worker;
}
