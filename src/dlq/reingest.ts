/**
 * Re-ingest and discard: passes over a dead-letter queue that replay (or delete) the selected
 * messages and leave everything else where it was.
 *
 * Nothing is lost, by construction:
 * - a message is deleted only after PutProfileObject accepted its object (the gateway returns
 *   the unique key, or throws); a worker killed at any point leaves the rest in the queue,
 *   where they reappear once their lease ends;
 * - an unreadable message is never put and never deleted;
 * - a message outside the selection goes back at once (visibility 0). SQS hands the same
 *   visible messages out again, so one that comes back during the same pass is then held
 *   (leased) until the pass ends, or the pass would only ever see the same ten; at the end,
 *   and on any failure, everything held is made visible again.
 *
 * Pacing (src/dlq/pacing.ts) spaces objects per profile. Received messages wait in a small
 * buffer, and workers pick the first one whose profile is not still inside its interval, so a
 * burst of objects for one profile does not hold up the others.
 */
import type { ProfilesGateway } from "../aws/profiles-gateway.js";
import type { SqsGateway, SqsMessage } from "../aws/sqs-gateway.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { classify, DLQ_CLASSES, type DlqClass } from "./classify.js";
import { type ObjectTypeKeys, type Pacer, profileKeyOf, profilePaceKey } from "./pacing.js";
import { type ParsedDlqMessage, parseDlqMessage, type ReadableDlqMessage } from "./parse.js";

export type ReingestSelection = { class: DlqClass } | { messageId: string };

export interface ReingestProgress {
  done: number;
  failed: number;
  /** Messages seen that were not selected (other classes, unreadable). */
  skipped: number;
  /** Selected messages received and waiting for their turn. */
  queued: number;
  /** Messages in the DLQ now (visible and in flight), from GetQueueAttributes; -1 unknown. */
  queueDepth: number;
  /** Selected messages still to do, estimated: `expected` minus done and failed when given. */
  remaining?: number;
  /** Objects per second since the start. */
  rate: number;
  /** The pace now (lower than configured after AWS throttled). */
  pace?: number;
  etaSeconds?: number;
  elapsedMs: number;
}

export interface ReingestFailure {
  reason: string;
  count: number;
  cls: DlqClass;
}

export type StopReason = "drained" | "max-messages" | "deadline" | "found" | "not-found";

export interface ReingestResult extends ReingestProgress {
  stoppedBy: StopReason;
  /** What this pass saw and left in the queue, per class (failed selected ones included). */
  left: Partial<Record<DlqClass, number>>;
  failures: ReingestFailure[];
  /** PutProfileObject calls AWS throttled and that were retried. */
  throttledRetries: number;
  /** Accepted objects whose message could not be deleted: they will be replayed again. */
  deleteFailures: number;
}

export interface ReingestDeps {
  sqs: Pick<SqsGateway, "receive" | "deleteBatch" | "changeVisibilityBatch" | "queueInfo">;
  profiles: Pick<ProfilesGateway, "putProfileObject" | "getProfileObjectType">;
  pacer: Pacer;
  log: Logger;
  /** Called about once a second, and once at the end; its failures are logged, not thrown. */
  progress?: (p: ReingestProgress) => void | Promise<void>;
}

export interface PassOptions {
  /** How long received messages stay hidden; renewed while the pass runs. Default 120 s. */
  leaseSeconds?: number;
  /** Long-poll wait per receive (default 1: short polls may answer empty on real SQS). */
  waitSeconds?: number;
  /** Stop receiving after this long (ms since the start); what was received is finished. */
  deadlineMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ReingestInput extends PassOptions {
  domain: string;
  queueUrl: string;
  selection: ReingestSelection;
  /** Selected messages to handle at most in this run. */
  maxMessages: number;
  /** How many selected messages there were at the last scan, for the remaining estimate. */
  expected?: number;
  /** PutProfileObject calls in flight at most (the pacer sets the rate). Default 8. */
  concurrency?: number;
  /** Minimum ms between progress reports. Default 1000. */
  progressEveryMs?: number;
}

const BATCH = 10;
const DEFAULT_LEASE_SECONDS = 120;
const MAX_FAILURE_REASONS = 20;
/** Received-ahead messages at most: bounds memory, and SQS's in-flight count. */
const MAX_BUFFER = 2_000;
/** Retries of one object after AWS throttling or a 5xx before the run gives up. */
const MAX_RETRIES_PER_OBJECT = 8;
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Leased {
  id: string;
  handle: string;
  leasedAt: number;
}

/**
 * The receive side of a pass: leases, what goes back at once and what is held, lease
 * renewal, and giving everything back at the end. Re-ingest and discard both use it.
 */
class QueuePass {
  /** Held until the pass ends: non-selected messages seen twice, and failed selected ones. */
  private readonly held = new Map<string, Leased>();
  /** Selected messages received and not yet finished (deleted or held). */
  readonly working = new Map<string, Leased>();
  private readonly returnedOnce = new Set<string>();
  readonly left: Partial<Record<DlqClass, number>> = {};
  private readonly counted = new Set<string>();
  skipped = 0;
  drained = false;
  readonly lease: number;
  private readonly waitSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly sqs: ReingestDeps["sqs"],
    private readonly log: Logger,
    private readonly queueUrl: string,
    opts: PassOptions,
  ) {
    this.lease = Math.max(2, Math.floor(opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS));
    this.waitSeconds = opts.waitSeconds ?? 1;
    this.now = opts.now ?? Date.now;
  }

  /** Receives one batch: the selected messages come back parsed; the others are dealt with. */
  async receive(
    isSelected: (parsed: ParsedDlqMessage, cls: DlqClass) => boolean,
  ): Promise<{ parsed: ParsedDlqMessage; cls: DlqClass; leased: Leased }[]> {
    const messages = await this.sqs.receive(this.queueUrl, {
      max: BATCH,
      visibilityTimeout: this.lease,
      waitSeconds: this.waitSeconds,
    });
    const at = this.now();
    if (messages.length === 0) {
      this.drained = true;
      return [];
    }
    const selected: { parsed: ParsedDlqMessage; cls: DlqClass; leased: Leased }[] = [];
    const giveBack: Leased[] = [];
    for (const message of messages) {
      const leased = leasedOf(message, at);
      if (!leased) continue; // No receipt handle: nothing can be done to it, and it was not leased.
      const parsed = parseDlqMessage(message);
      const cls = classify(parsed);
      if (parsed.kind === "readable" && isSelected(parsed, cls) && !this.working.has(leased.id)) {
        this.working.set(leased.id, leased);
        selected.push({ parsed, cls, leased });
        continue;
      }
      this.skip(leased.id, cls);
      if (this.returnedOnce.has(leased.id)) this.held.set(leased.id, leased);
      else {
        this.returnedOnce.add(leased.id);
        giveBack.push(leased);
      }
    }
    if (giveBack.length > 0) await this.makeVisible(giveBack);
    return selected;
  }

  private skip(id: string, cls: DlqClass) {
    if (this.counted.has(id)) return;
    this.counted.add(id);
    this.skipped += 1;
    this.left[cls] = (this.left[cls] ?? 0) + 1;
  }

  /** A selected message that was not re-ingested: it stays, and is given back at the end. */
  keep(id: string, cls: DlqClass) {
    const leased = this.working.get(id);
    this.working.delete(id);
    if (leased) this.held.set(id, leased);
    this.left[cls] = (this.left[cls] ?? 0) + 1;
  }

  /** Selected messages whose work is done: delete them, checking every entry. */
  async delete(items: Leased[]): Promise<{ ok: number; failed: number }> {
    if (items.length === 0) return { ok: 0, failed: 0 };
    const out = await this.sqs.deleteBatch(
      this.queueUrl,
      items.map((i) => i.handle),
    );
    for (const item of items) this.working.delete(item.id);
    if (out.failed.length > 0) {
      this.log.warn(
        { failed: out.failed.length, code: out.failed[0]?.code },
        "some messages could not be deleted after their objects were accepted; they will be replayed again",
      );
    }
    return { ok: out.ok.length, failed: out.failed.length };
  }

  /** Extends the lease of everything still hidden by this pass, before half of it has gone. */
  async renew(): Promise<void> {
    const due = this.now() - (this.lease * 1000) / 2;
    const stale = [...this.held.values(), ...this.working.values()].filter((l) => l.leasedAt < due);
    if (stale.length === 0) return;
    const out = await this.sqs.changeVisibilityBatch(
      this.queueUrl,
      stale.map((l) => ({ receiptHandle: l.handle, visibilityTimeout: this.lease })),
    );
    const failed = new Set(out.failed.map((f) => f.id));
    const at = this.now();
    for (const l of stale) if (!failed.has(l.handle)) l.leasedAt = at;
    if (failed.size > 0) {
      this.log.warn(
        { failed: failed.size, code: out.failed[0]?.code },
        "could not renew the lease on some messages; they may be seen twice",
      );
    }
  }

  /** Gives back everything still hidden; never throws (the lease running out is the fallback). */
  async end(): Promise<void> {
    const all = [...this.held.values(), ...this.working.values()];
    this.held.clear();
    this.working.clear();
    if (all.length > 0) await this.makeVisible(all);
  }

  private async makeVisible(items: Leased[]): Promise<void> {
    try {
      const out = await this.sqs.changeVisibilityBatch(
        this.queueUrl,
        items.map((l) => ({ receiptHandle: l.handle, visibilityTimeout: 0 })),
      );
      if (out.failed.length > 0) {
        this.log.warn(
          { failed: out.failed.length, code: out.failed[0]?.code },
          "some messages stay hidden until their lease ends",
        );
      }
    } catch (err) {
      this.log.warn(
        { err },
        "could not return messages to the queue; they reappear after the lease",
      );
    }
  }
}

function leasedOf(message: SqsMessage, at: number): Leased | undefined {
  if (!message.ReceiptHandle) return undefined;
  return {
    id: message.MessageId ?? message.ReceiptHandle,
    handle: message.ReceiptHandle,
    leasedAt: at,
  };
}

const isSelectedBy =
  (selection: ReingestSelection) =>
  (parsed: ParsedDlqMessage, cls: DlqClass): boolean =>
    "class" in selection
      ? cls === selection.class && cls !== "unreadable"
      : parsed.messageId === selection.messageId;

const isThrottle = (err: unknown) => err instanceof AppError && err.code === "aws_throttled";
const isRetryable = (err: unknown) => err instanceof AppError && err.retryable;
/** Failures that are about this object, not about the bot's access or AWS's health. */
const isPerObject = (err: unknown) =>
  err instanceof AppError && (err.code === "aws_validation" || err.code === "not_found");

/** The reason a person reads in Slack: AWS's code and message, without the fix boilerplate. */
function reasonOf(err: unknown): string {
  if (err instanceof AppError) {
    const text = err.reason;
    return text.length > 300 ? `${text.slice(0, 299)}…` : text;
  }
  return String(err).slice(0, 300);
}

interface Work {
  parsed: ReadableDlqMessage;
  cls: DlqClass;
  leased: Leased;
  profile: string;
}

export async function reingest(deps: ReingestDeps, input: ReingestInput): Promise<ReingestResult> {
  const { sqs, profiles, pacer } = deps;
  const { domain, queueUrl, selection } = input;
  const log = deps.log.child({ domain });
  const now = input.now ?? Date.now;
  const sleep = input.sleep ?? realSleep;
  const startedAt = now();
  const max = Math.max(0, Math.floor(input.maxMessages));
  const concurrency = Math.max(1, Math.floor(input.concurrency ?? 8));
  const profileInterval = pacer.profileIntervalMs;
  const pass = new QueuePass(sqs, log, queueUrl, input);
  const isSelected = isSelectedBy(selection);

  const buffer: Work[] = [];
  /** Local hint of when each profile may go next, so workers pick others meanwhile. */
  const nextAt = new Map<string, number>();
  const typeKeys = new Map<string, Promise<ObjectTypeKeys | undefined>>();
  const failures = new Map<string, ReingestFailure>();
  let picked = 0;
  let done = 0;
  let failed = 0;
  let throttledRetries = 0;
  let deleteFailures = 0;
  let stoppedBy: StopReason | undefined;
  let fatal: unknown;
  let queueDepth = -1;
  const pendingDeletes: Leased[] = [];
  let receiving: Promise<void> | undefined;

  // Enough received ahead that, when the DLQ holds bursts for one profile (it usually does),
  // other profiles are ready while those wait out their interval: about eight intervals' worth
  // at the configured pace.
  const bufferCap = Math.min(
    MAX_BUFFER,
    Math.max(BATCH * 2, concurrency * 4, Math.ceil(((pacer.rate * profileInterval) / 1000) * 8)),
  );

  function objectTypeKeys(name: string): Promise<ObjectTypeKeys | undefined> {
    let found = typeKeys.get(name);
    if (!found) {
      found = profiles
        .getProfileObjectType(domain, name)
        .then((t) => t?.keys)
        .catch((err: unknown) => {
          // Pacing then falls back to identifying fields; not a reason to stop.
          log.debug({ err, objectType: name }, "could not read the object type's keys");
          return undefined;
        });
      typeKeys.set(name, found);
    }
    return found;
  }

  async function receiveMore(): Promise<void> {
    if (receiving) return receiving;
    receiving = (async () => {
      if (input.deadlineMs !== undefined && now() - startedAt >= input.deadlineMs) {
        stoppedBy ??= "deadline";
        return;
      }
      await pass.renew();
      const batch = await pass.receive(isSelected);
      for (const { parsed, cls, leased } of batch) {
        if (parsed.kind !== "readable") continue;
        if (picked + buffer.length >= max || stoppedBy) {
          // Over the bound: it goes back untouched at the end of the pass.
          pass.keep(leased.id, cls);
          continue;
        }
        const keys = parsed.objectTypeName
          ? await objectTypeKeys(parsed.objectTypeName)
          : undefined;
        const profile = profilePaceKey(domain, profileKeyOf(parsed.object, keys));
        buffer.push({ parsed, cls, leased, profile });
      }
      if (pass.drained) stoppedBy ??= "drained";
    })().finally(() => {
      receiving = undefined;
    });
    return receiving;
  }

  const finishedReceiving = () =>
    stoppedBy !== undefined || fatal !== undefined || picked + buffer.length >= max || pass.drained;

  async function next(): Promise<Work | undefined> {
    for (;;) {
      if (fatal !== undefined) return undefined;
      const t = now();
      const i = buffer.findIndex((w) => (nextAt.get(w.profile) ?? 0) <= t);
      if (i >= 0 && picked < max) {
        const [work] = buffer.splice(i, 1) as [Work];
        nextAt.set(work.profile, t + profileInterval);
        picked += 1;
        return work;
      }
      if (!finishedReceiving() && buffer.length < bufferCap) {
        await receiveMore();
        continue;
      }
      if (buffer.length === 0 || picked >= max) return undefined;
      const soonest = Math.min(...buffer.map((w) => nextAt.get(w.profile) ?? 0));
      await sleep(Math.min(1000, Math.max(5, soonest - t)));
    }
  }

  async function flushDeletes(force: boolean): Promise<void> {
    if (pendingDeletes.length === 0 || (!force && pendingDeletes.length < BATCH)) return;
    const part = pendingDeletes.splice(0, pendingDeletes.length);
    const out = await pass.delete(part);
    deleteFailures += out.failed;
  }

  function fail(work: Work, reason: string) {
    failed += 1;
    pass.keep(work.leased.id, work.cls);
    const key = `${work.cls}\u0000${reason}`;
    const entry = failures.get(key);
    if (entry) entry.count += 1;
    else if (failures.size < MAX_FAILURE_REASONS)
      failures.set(key, { reason, count: 1, cls: work.cls });
    log.info(
      { messageId: work.leased.id, reason },
      "re-ingest of a message failed; it stays in the queue",
    );
  }

  async function handle(work: Work): Promise<void> {
    const type = work.parsed.objectTypeName;
    if (!type) {
      fail(
        work,
        "The message names no object type, so the bot cannot tell PutProfileObject which one it is.",
      );
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      await pacer.wait(work.profile);
      try {
        await profiles.putProfileObject(domain, type, work.parsed.objectJson);
        pacer.succeeded();
        done += 1;
        pendingDeletes.push(work.leased);
        await flushDeletes(false);
        return;
      } catch (err) {
        if (isPerObject(err)) {
          fail(work, reasonOf(err));
          return;
        }
        if (!isRetryable(err) || attempt >= MAX_RETRIES_PER_OBJECT) throw err;
        if (isThrottle(err)) {
          throttledRetries += 1;
          pacer.throttled();
        }
        log.debug(
          { err, attempt },
          "PutProfileObject throttled or unavailable; retrying the object",
        );
        await sleep(Math.min(5_000, 100 * 2 ** attempt));
      }
    }
  }

  let lastReport = 0;
  const progressEvery = input.progressEveryMs ?? 1_000;
  let depthAsked = 0;
  function snapshot(): ReingestProgress {
    const elapsedMs = Math.max(1, now() - startedAt);
    const rate = (done * 1000) / elapsedMs;
    const remaining =
      input.expected !== undefined
        ? Math.max(0, input.expected - done - failed)
        : buffer.length + pass.working.size || undefined;
    return {
      done,
      failed,
      skipped: pass.skipped,
      queued: buffer.length,
      queueDepth,
      ...(remaining !== undefined && { remaining }),
      rate,
      pace: pacer.rate,
      ...(remaining !== undefined && rate > 0 && { etaSeconds: Math.ceil(remaining / rate) }),
      elapsedMs,
    };
  }
  async function report(force: boolean): Promise<void> {
    const t = now();
    if (!deps.progress || (!force && t - lastReport < progressEvery)) return;
    lastReport = t;
    // GetQueueAttributes at most every 5 s: the depth is approximate anyway.
    if (force || t - depthAsked >= 5_000) {
      depthAsked = t;
      const info = await sqs.queueInfo(queueUrl).catch(() => undefined);
      if (info) queueDepth = info.approximateMessages + info.approximateNotVisible;
    }
    try {
      await deps.progress(snapshot());
    } catch (err) {
      log.warn({ err }, "could not report re-ingest progress");
    }
  }

  async function lane(): Promise<void> {
    for (;;) {
      const work = await next();
      if (!work) return;
      try {
        await handle(work);
      } catch (err) {
        fatal ??= err;
        return;
      }
      // One message asked for, and handled: stop receiving.
      if ("messageId" in selection) stoppedBy ??= "found";
      void report(false);
    }
  }

  try {
    await report(true);
    await Promise.all(Array.from({ length: concurrency }, lane));
    await flushDeletes(true);
    if (fatal !== undefined) throw fatal;
  } finally {
    // Accepted objects' messages are deleted before the rest is given back.
    await flushDeletes(true).catch((err: unknown) =>
      log.warn({ err }, "could not delete some re-ingested messages; they will be replayed again"),
    );
    for (const work of buffer.splice(0)) pass.keep(work.leased.id, work.cls);
    await pass.end();
  }
  stoppedBy ??= picked >= max ? "max-messages" : "drained";
  if ("messageId" in selection && done + failed === 0) stoppedBy = "not-found";
  await report(true);
  const result: ReingestResult = {
    ...snapshot(),
    stoppedBy: stoppedBy ?? "drained",
    left: pass.left,
    failures: [...failures.values()],
    throttledRetries,
    deleteFailures,
  };
  log.info(
    { done, failed, skipped: pass.skipped, stoppedBy: result.stoppedBy, throttledRetries },
    "re-ingest pass finished",
  );
  return result;
}

// ---- discard -------------------------------------------------------------------------------

export interface DiscardInput extends PassOptions {
  queueUrl: string;
  cls: DlqClass;
  maxMessages: number;
}

export interface DiscardResult {
  deleted: number;
  deleteFailures: number;
  skipped: number;
  left: Partial<Record<DlqClass, number>>;
  stoppedBy: StopReason;
}

/**
 * Deletes one class's messages. Never `unreadable`: the bot does not delete what it could not
 * read, because that copy in SQS may be the only one (people delete those in SQS themselves).
 */
export async function discard(
  deps: Pick<ReingestDeps, "sqs" | "log">,
  input: DiscardInput,
): Promise<DiscardResult> {
  if (input.cls === "unreadable") {
    throw new AppError(
      "invalid_input",
      "The bot never deletes unreadable messages: it could not read them, so it cannot tell what would be lost. Inspect and delete them in SQS if you are sure.",
    );
  }
  const pass = new QueuePass(deps.sqs, deps.log, input.queueUrl, input);
  const now = input.now ?? Date.now;
  const startedAt = now();
  const max = Math.max(0, Math.floor(input.maxMessages));
  let deleted = 0;
  let deleteFailures = 0;
  let stoppedBy: StopReason = "drained";
  try {
    for (;;) {
      if (deleted + deleteFailures >= max) {
        stoppedBy = "max-messages";
        break;
      }
      if (input.deadlineMs !== undefined && now() - startedAt >= input.deadlineMs) {
        stoppedBy = "deadline";
        break;
      }
      await pass.renew();
      const batch = await pass.receive((_, cls) => cls === input.cls);
      if (pass.drained) break;
      const room = max - deleted - deleteFailures;
      const now_ = batch.slice(0, room);
      for (const extra of batch.slice(room)) pass.keep(extra.leased.id, extra.cls);
      const out = await pass.delete(now_.map((b) => b.leased));
      deleted += out.ok;
      deleteFailures += out.failed;
    }
  } finally {
    await pass.end();
  }
  return { deleted, deleteFailures, skipped: pass.skipped, left: pass.left, stoppedBy };
}

/** Classes in digest order, with counts, for "what is left and why". */
export function leftByClass(left: Partial<Record<DlqClass, number>>): [DlqClass, number][] {
  return DLQ_CLASSES.flatMap((cls) => {
    const count = left[cls] ?? 0;
    return count > 0 ? [[cls, count] as [DlqClass, number]] : [];
  });
}
