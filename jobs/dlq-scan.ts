/**
 * The `dlq-scan` queue's processor. A scan job reads like its steps: binding → lock → the
 * queue's retention and RedrivePolicy (paused: the last digest says why, nothing is received) → scan →
 * digest state → the scan's message ids → publish (post or edit, naming the scan) → thread replies for new classes (unless muted) →
 * resolved state when empty. It publishes through the DigestPublisher port
 * (src/dlq/publisher.ts). A reconcile rebuilds the bindings' cache from the domains' tags and
 * keeps the per-domain schedulers in line with it, so bindings written by provisioning (which
 * knows nothing of this queue), set in Terraform, or lost with Redis's data get scanned again.
 * It runs from a timer in each worker process and on every Redis reconnect, and from a
 * `reconcile` job scheduler. Producers and schedulers are in src/queues/dlq-scan.ts.
 *
 * Each scan works on one domain in one place (a DomainRef), through that place's gateways
 * acting as the bot's scan (the assumed role's session is `profiles-bot-scan`); a place
 * whose role can't be assumed fails its own scans only.
 */
import type { Worker, WorkerOptions } from "bullmq";
import type { Gateways } from "../src/aws/gateways.js";
import { type DomainRef, type Place, parseRefId, refId, type Targets } from "../src/aws/targets.js";
import type { Config } from "../src/config.js";
import type { Actor } from "../src/context.js";
import {
  type DigestState,
  type DigestStore,
  isMuted,
  type ScanIdsRecorder,
} from "../src/dlq/digests.js";
import { redisHeldLeases } from "../src/dlq/held-leases.js";
import { refOf } from "../src/dlq/places.js";
import type { DigestPublisher } from "../src/dlq/publisher.js";
import {
  afterPass,
  parseRedrivePolicy,
  pauseOf,
  type ReceiveCounts,
  type RedriveLimit,
  scanMayReceive,
} from "../src/dlq/receive-budget.js";
import { newScanId, scanQueue } from "../src/dlq/scan.js";
import { diffSummaries } from "../src/dlq/summary.js";
import type { Logger } from "../src/logger.js";
import type { BindingStore } from "../src/provision/bindings.js";
import {
  reconcileSchedulers,
  type ScanJobData,
  scanLockKey,
  scheduleReconcile,
  unscheduleDomainScan,
} from "../src/queues/dlq-scan.js";
import type { JobQueues } from "../src/queues/index.js";
import { lockKey, withLock } from "../src/queues/lock.js";
import { JOBS, QUEUES } from "../src/queues/names.js";
import type { Redis } from "../src/redis.js";
import { startQueueWorker } from "./worker.js";

/** Samples kept per class: enough for Inspect, small enough for one Redis hash field. */
export const SAMPLES_PER_CLASS = 3;

/** Who scans: the bot itself, so an assumed role's session reads `profiles-bot-scan`. */
export const SCAN_ACTOR: Actor = { type: "system", reason: "scan" };

export interface DlqScanDeps {
  /** Each place's gateways, and how a place is named for people (the digest's header). */
  targets: {
    gateways(place: Place, actor: Actor): Pick<Gateways, "sqs" | "profiles">;
    describe: Targets["describe"];
  };
  bindings: BindingStore;
  digests: DigestStore;
  publisher: DigestPublisher;
  /** A fail-fast connection for the per-domain lock. */
  redis: Redis;
  prefix: string;
  /** `scanReceivers` unset: the scan's default (10). */
  config: {
    dlq: Pick<Config["dlq"], "scanMaxMessages"> & Partial<Pick<Config["dlq"], "scanReceivers">>;
  };
  log: Logger;
  now?: () => number;
  /** Long-poll wait per receive; tests pass 0. */
  waitSeconds?: number;
}

export type ScanOutcome =
  | { status: "unbound" | "no-queue" | "locked" }
  | { status: "posted" | "edited"; total: number; newClasses: string[]; replies: number }
  | { status: "resolved" | "quiet"; total: 0 }
  /** The receive budget is spent: nothing was received, the last digest says why. */
  | { status: "paused"; highest: number }
  /** The worker stopped it part-way: nothing published; the next scan reads the queue again. */
  | { status: "stopped" };

/**
 * One scan at a time per domain, whatever the number of workers: a Redis lock rather than a
 * deterministic job id, because scans come from several producers (each scheduler slot, Scan
 * now, a reconcile re-creating a scheduler, a stalled job BullMQ retries) whose ids can't all
 * be made to collide, and because the lock is what actually protects the shared things: the
 * digest record and the DLQ's visibility lease. A scan that finds the lock taken skips: the
 * running one is reporting the same queue.
 */
const LOCK_MS = 10 * 60_000;

export async function runScan(
  deps: DlqScanDeps,
  ref: DomainRef,
  /** Aborted when the worker is stopping (BullMQ's per-job signal). */
  signal?: AbortSignal,
): Promise<ScanOutcome> {
  const { domain } = ref;
  const log = deps.log.child({ domain: refId(ref) });
  const now = deps.now ?? Date.now;
  const place = { account: ref.account, region: ref.region };
  const where = deps.targets.describe(place);

  // 1. Where the digest goes and which queue it watches, in the domain's own place.
  const binding = await deps.bindings.get(ref);
  if (!binding) return { status: "unbound" };
  const gateways = deps.targets.gateways(place, SCAN_ACTOR);
  const queueUrl =
    binding.queueUrl ?? (await gateways.profiles.getDomain(domain))?.deadLetterQueueUrl;
  if (!queueUrl) return { status: "no-queue" };

  /** The scan's give-back, running while its digest posts: the lock is held until it ends. */
  let returned: Promise<number> | undefined;
  const locked = await withLock(deps.redis, scanLockKey(deps.prefix, ref), LOCK_MS, async () => {
    // 2. The queue's retention (for the expiry warning) and its own RedrivePolicy, read once
    //    per scan. With a policy, every receive counts towards moving a message on: a scan
    //    that could take a message's last spare receive does not start (src/dlq/receive-budget.ts).
    const settings = await gateways.sqs.receiveSettings(queueUrl);
    const limit = parseRedrivePolicy(settings?.redrivePolicy);
    const before = await deps.digests.get(ref);
    // An empty queue has no receive counts left to protect. (SQS's counts are approximate:
    // a wrong zero only lets the scan start, and it stops at the first counts it sees.)
    const known = settings?.messages === 0 ? undefined : before?.receives;
    if (limit && !scanMayReceive(limit, known)) {
      return showPaused(binding.channelId, limit, known, before);
    }
    // 3. Scan: read-only, every message goes back to the queue (while steps 4 to 7 run; the
    //    lock is held until they are all back). Its message ids per class go
    //    to Redis in batches while it runs, under temporary keys: readable only once committed
    //    (step 5), and deleted if the scan or anything before the commit fails (the
    //    recorder's discard does nothing once it has committed).
    const scanId = newScanId(Date.now());
    const recorder = deps.digests.recordScanIds(ref, scanId);
    try {
      return await scanAndPublish(queueUrl, binding.channelId, scanId, recorder, {
        ...(settings && { retentionSeconds: settings.retentionSeconds }),
        ...(limit && { limit }),
        ...(known && { known }),
      });
    } finally {
      await recorder.discard();
      await returned;
    }
  });
  if (!locked.acquired) log.debug("another scan of this domain is running; skipped");
  return locked.acquired ? locked.value : { status: "locked" };

  /** Scans paused: the last digest, edited (or posted) to say why; nothing is received. */
  async function showPaused(
    channelId: string,
    limit: RedriveLimit,
    known: ReceiveCounts | undefined,
    state: DigestState | undefined,
  ): Promise<ScanOutcome> {
    const highest = known?.highest ?? 0;
    log.info({ highest, maxReceiveCount: limit.maxReceiveCount }, "dead-letter scan paused");
    const shown = state?.lastSummary;
    if (!shown || shown.total === 0) return { status: "paused", highest };
    const ts = state?.channel === channelId ? state?.ts || undefined : undefined;
    const posted = await deps.publisher.publish(channelId, ts, {
      domain,
      place,
      where,
      ...(state?.scanId && { scanId: state.scanId }),
      summary: shown,
      complete: state?.lastComplete ?? false,
      scannedAt: state?.lastScanAt ?? now(),
      paused: pauseOf(limit, known),
      ...(state?.mutedUntil !== undefined && { mutedUntil: state.mutedUntil }),
    });
    if (posted !== ts) {
      await deps.digests.saveScan(ref, {
        channel: channelId,
        ts: posted,
        ...(state?.scanId && { scanId: state.scanId }),
        lastSummary: shown,
        lastComplete: state?.lastComplete ?? false,
        lastScanAt: state?.lastScanAt ?? now(),
        ...(known && { receives: known }),
      });
    }
    return { status: "paused", highest };
  }

  async function scanAndPublish(
    queueUrl: string,
    channelId: string,
    scanId: string,
    recorder: ScanIdsRecorder,
    budget: { retentionSeconds?: number; limit?: RedriveLimit; known?: ReceiveCounts },
  ): Promise<ScanOutcome> {
    const scan = await scanQueue(
      { sqs: gateways.sqs, log },
      {
        queueUrl,
        scanId,
        ids: recorder,
        // Leases past the first 10,000 wait in Redis for the give-back, not in memory.
        held: redisHeldLeases(deps.redis, deps.prefix, ref, scanId),
        maxMessages: deps.config.dlq.scanMaxMessages,
        ...(deps.config.dlq.scanReceivers !== undefined && {
          receivers: deps.config.dlq.scanReceivers,
        }),
        samplesPerClass: SAMPLES_PER_CLASS,
        ...(deps.waitSeconds !== undefined && { waitSeconds: deps.waitSeconds }),
        ...(signal && { signal }),
        ...(budget.retentionSeconds !== undefined && {
          retention: { seconds: budget.retentionSeconds, scannedAt: now() },
        }),
        ...(budget.limit && {
          redrive: { limit: budget.limit, ...(budget.known && { known: budget.known }) },
        }),
      },
    );
    const {
      complete,
      returned: givingBack,
      scanId: _scanId,
      messageIds: _messageIds,
      receives: tally,
      stoppedShort,
      stopped,
      ...summary
    } = scan;
    returned = givingBack;
    if (stopped) {
      // Part of the queue is no digest of it; the ids recorded so far are discarded.
      log.info({ scanned: summary.total }, "dead-letter scan stopped: the worker is stopping");
      return { status: "stopped" };
    }
    const scannedAt = now();
    // What the next scan starts from; the digest says when it may not.
    const receives = afterPass(budget.known, tally, complete);
    const paused =
      budget.limit && (stoppedShort || !scanMayReceive(budget.limit, receives))
        ? pauseOf(budget.limit, receives)
        : undefined;

    // 4. The last digest: a digest in another channel (re-bound) is left behind.
    const stored = await deps.digests.get(ref);
    const state: DigestState | undefined =
      stored && stored.channel === channelId ? stored : undefined;
    const hasMessage = state?.ts !== undefined && state.ts !== "";

    // 5. Empty queue: resolve the digest once, otherwise say nothing.
    if (summary.total === 0) {
      const was = state?.lastSummary?.total ?? 0;
      const resolveNow = hasMessage && state?.resolvedFrom === undefined && was > 0;
      if (resolveNow && state?.ts) {
        await deps.publisher.resolve(channelId, state.ts, { domain, where, was, scannedAt });
      }
      await deps.digests.saveScan(ref, {
        channel: channelId,
        ...(hasMessage && state?.ts ? { ts: state.ts } : {}),
        lastSummary: summary,
        lastComplete: complete,
        lastScanAt: scannedAt,
        receives,
        ...(resolveNow
          ? { resolvedFrom: was }
          : state?.resolvedFrom !== undefined && { resolvedFrom: state.resolvedFrom }),
      });
      return { status: resolveNow ? "resolved" : "quiet", total: 0 } as const;
    }

    // 6. Publish against the previous scan (none on a first digest: no trend, no replies):
    //    edit the digest in place, or post it. The scan's message ids are saved first, so a
    //    button naming this scan always finds what it may act on.
    await recorder.commit();
    const previous = hasMessage ? state?.lastSummary : undefined;
    const ts = await deps.publisher.publish(channelId, hasMessage ? state?.ts : undefined, {
      domain,
      place,
      where,
      scanId,
      summary,
      complete,
      ...(previous && { previous }),
      scannedAt,
      ...(paused && { paused }),
      ...(state?.mutedUntil !== undefined && { mutedUntil: state.mutedUntil }),
    });
    const edited = hasMessage && ts === state?.ts;
    await deps.digests.saveScan(ref, {
      channel: channelId,
      ts,
      scanId,
      lastSummary: summary,
      lastComplete: complete,
      lastScanAt: scannedAt,
      receives,
    });

    // 7. New classes get a reply in the thread, unless someone muted it.
    const diff = diffSummaries(previous, summary);
    const newClasses = edited ? diff.newClasses : [];
    let replies = 0;
    if (newClasses.length > 0 && !isMuted(state, scannedAt)) {
      for (const cls of newClasses) {
        const count = summary.classes[cls]?.count ?? 0;
        try {
          await deps.publisher.newClass(channelId, ts, { domain, where, cls, count, complete });
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
  }
}

// ---- the worker ---------------------------------------------------------------------------

export interface DlqScanWorkerDeps extends DlqScanDeps {
  /** A connection with maxRetriesPerRequest: null. */
  connection: Redis;
  /** The producer side, for reconciling schedulers. */
  queues: JobQueues;
  scanIntervalMs: number;
  config: { dlq: Pick<Config["dlq"], "scanMaxMessages" | "reconcileIntervalMs"> };
  workerOptions?: Partial<WorkerOptions>;
}

/** Longer than any reconcile takes; short enough that a crashed holder delays the next little. */
const RECONCILE_LOCK_MS = 30_000;

/**
 * Rebuilds the bindings' cache from their durable copy (the domains' tags), then makes the
 * schedulers match it. One process at a time; a reconcile that finds another running skips.
 */
export async function reconcile(
  deps: Pick<
    DlqScanWorkerDeps,
    "bindings" | "queues" | "redis" | "prefix" | "scanIntervalMs" | "log"
  >,
  why: "start" | "job" | "interval" | "reconnect" = "job",
) {
  const locked = await withLock(
    deps.redis,
    lockKey(deps.prefix, "dlq-scan-reconcile", "all"),
    RECONCILE_LOCK_MS,
    async () => {
      const rebuilt = await deps.bindings.rebuild?.();
      const bound = rebuilt?.bindings ?? (await deps.bindings.list());
      const changed = await reconcileSchedulers(deps.queues, bound, deps.scanIntervalMs);
      const moved = {
        ...changed,
        migrated: rebuilt?.migrated ?? [],
        dropped: rebuilt?.dropped ?? [],
        // Listed for the log and the tests; their bindings and schedulers were kept.
        unreachable: (rebuilt?.unreachable ?? []).map(
          (u) => `${u.place.account}.${u.place.region}`,
        ),
      };
      if (Object.values(moved).some((list) => list.length > 0)) {
        deps.log.info(
          { ...moved, why },
          "dead-letter scan schedulers reconciled with the bindings",
        );
      }
      return moved;
    },
  );
  return locked.acquired ? locked.value : { skipped: true };
}

/**
 * Reconciles every `everyMs` and whenever the Redis connection is ready again after it was
 * lost, from a timer in this process. Not from a BullMQ scheduler alone: a Redis that comes
 * back empty has lost that scheduler too. Returns the stop function.
 */
function keepReconciling(
  deps: Pick<
    DlqScanWorkerDeps,
    "bindings" | "queues" | "redis" | "prefix" | "scanIntervalMs" | "log"
  >,
  everyMs: number,
): () => void {
  let running = false;
  const run = (why: "interval" | "reconnect") => {
    if (running) return;
    running = true;
    reconcile(deps, why)
      .catch((err: unknown) =>
        deps.log.warn(
          { err: (err as Error).message, why },
          "could not reconcile the dead-letter scan schedulers",
        ),
      )
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(() => run("interval"), everyMs);
  // The timer never keeps a process alive that has nothing else to do.
  timer.unref();
  let lost = false;
  const onLost = () => {
    lost = true;
  };
  const onReady = () => {
    if (!lost) return;
    lost = false;
    run("reconnect");
  };
  deps.redis.on("close", onLost);
  deps.redis.on("end", onLost);
  deps.redis.on("ready", onReady);
  return () => {
    clearInterval(timer);
    deps.redis.off("close", onLost);
    deps.redis.off("end", onLost);
    deps.redis.off("ready", onReady);
  };
}

export async function startDlqScanWorker(deps: DlqScanWorkerDeps): Promise<Worker> {
  const worker = startQueueWorker<ScanJobData | Record<string, never>, unknown>(
    QUEUES.dlqScan,
    // Three parameters: BullMQ gives each job a signal, aborted when the worker is closing.
    async (job, _token, signal) => {
      if (job.name === JOBS.reconcile) return reconcile(deps);
      const ref = refOf(job.data as ScanJobData);
      // A job queued before domains had places: the reconcile replaces its scheduler.
      if (!parseRefId(refId(ref))) return { status: "unbound" };
      const outcome = await runScan(deps, ref, signal);
      // A binding removed by someone else: its scheduler goes with it.
      if (outcome.status === "unbound") await unscheduleDomainScan(deps.queues, ref);
      return outcome;
    },
    // Scans wait on SQS, not on the CPU: several domains at once.
    { concurrency: 4 },
    deps,
  );
  const stop = keepReconciling(deps, deps.config.dlq.reconcileIntervalMs);
  worker.on("closing", stop);
  try {
    await reconcile(deps, "start");
    await scheduleReconcile(deps.queues, deps.config.dlq.reconcileIntervalMs);
  } catch (err) {
    deps.log.warn({ err }, "could not reconcile the dead-letter scan schedulers at start");
  }
  return worker;
}
