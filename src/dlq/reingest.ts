/**
 * Re-ingest and discard: passes over a dead-letter queue that replay (or delete) the selected
 * messages and leave everything else where it was.
 *
 * What is selected: a class limited to the message ids a scan recorded (what the digest
 * showed; src/dlq/digests.ts), or one message by id. A message that arrived after the scan is
 * never selected, even in the right class, and a pass acts on at most as many messages as it
 * was given ids. A plain class (no ids) is for tools and benches only.
 *
 * Nothing is lost, by construction:
 * - a message is deleted only after PutProfileObject accepted its object (the gateway returns
 *   the unique key, or throws); a worker killed at any point leaves the rest in the queue;
 * - an unreadable message is never put and never deleted;
 * - a message outside the selection goes back at once (visibility 0). SQS hands the same
 *   visible messages out again, so one that comes back during the same pass is then held
 *   (leased) until the pass ends, or the pass would only ever see the same ten; at the end,
 *   and on any failure, everything held is made visible again;
 * - with a checkpoint (the job's, in Redis) every lease the pass holds is recorded with its
 *   receipt handle, and every accepted object with its message id. A pass that resumes a
 *   killed one first makes the dead pass's leases visible again (visibility 0), counts what
 *   it had accepted, and waits for leases it could not end; so it never reports a class
 *   finished while part of it is still hidden, and its numbers add up to the ids it was given.
 *
 * Came-backs. PutProfileObject accepting an object is not the end: ingestion is asynchronous,
 * and an object that fails it is written to the DLQ again as a new message (see
 * docs/aws/customer-profiles.md). A came-back is recognised by its object: the pass keeps a
 * hash of each object it put (object type name and the object's JSON with its keys sorted),
 * and a DLQ message the pass had not seen before, sent after that put, whose object hashes the
 * same while the pass has a put of that object not yet matched, is that object coming back
 * (a duplicate that was already in the DLQ is therefore never taken for one). Throttled came-backs are put again with the
 * profile's interval doubled each time, up to MAX_CAMEBACK_RETRIES; the others (and the last
 * ones) are left in the DLQ and reported by class. The pass keeps reading the DLQ until
 * `settleMs` has passed since its last accepted put. The result's `done` counts objects that
 * were accepted and did not come back.
 *
 * RedrivePolicy. When the DLQ has one of its own, every receive counts towards moving a
 * message on to the policy's target queue (src/dlq/receive-budget.ts). A pass then holds
 * every message it receives until it ends, instead of giving non-selected ones back at once,
 * so it receives each message once; and before each receive it checks the budget and stops
 * (`receive-limit`) rather than make the receive that would move a message away. What it saw
 * of the receive counts (`receives`) goes back to the digest, for the next scan's budget.
 *
 * Pacing (src/dlq/pacing.ts) spaces objects per profile. Received messages wait in a small
 * buffer, and workers pick the first one whose profile is not still inside its interval, so a
 * burst of objects for one profile does not hold up the others.
 */
import { createHash } from "node:crypto";
import type { ProfilesGateway } from "../aws/profiles-gateway.js";
import type { SqsGateway, SqsMessage } from "../aws/sqs-gateway.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { classify, DLQ_CLASSES, type DlqClass } from "./classify.js";
import { type ObjectTypeKeys, type Pacer, profileKeyOf, profilePaceKey } from "./pacing.js";
import { type ParsedDlqMessage, parseDlqMessage, type ReadableDlqMessage } from "./parse.js";
import {
  type ReceiveCounts,
  type ReceiveTally,
  type RedriveLimit,
  reingestMayReceive,
  tallyDeleted,
  tallyReceived,
} from "./receive-budget.js";

export type ReingestSelection =
  | { class: DlqClass; messageIds?: ReadonlySet<string> }
  | { messageId: string };

export interface ReingestProgress {
  /** Objects accepted by PutProfileObject so far (a came-back is subtracted at the end). */
  done: number;
  failed: number;
  /** Messages seen that were not selected (other classes, unreadable, later arrivals). */
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

/**
 * `done`: every id given was accounted for; `in-flight`: some of them are still hidden by
 * another reader, so the pass cannot say what became of them (they stay in the DLQ);
 * `receive-limit`: one more receive could have moved a message to the RedrivePolicy's target;
 * `stopping`: the worker is stopping (a restart, a deploy); the job carries on from its
 * checkpoint later.
 */
export type StopReason =
  | "stopping"
  | "receive-limit"
  | "drained"
  | "done"
  | "in-flight"
  | "max-messages"
  | "deadline"
  | "found"
  | "not-found";

export interface ReingestResult extends ReingestProgress {
  stoppedBy: StopReason;
  /** What this pass saw and left in the queue, per class (failed selected ones included). */
  left: Partial<Record<DlqClass, number>>;
  failures: ReingestFailure[];
  /** PutProfileObject calls AWS throttled and that were retried. */
  throttledRetries: number;
  /** Accepted objects whose message could not be deleted: they will be replayed again. */
  deleteFailures: number;
  /** Accepted objects that came back to the DLQ and are there now, by the class they came back as. */
  cameBack: Partial<Record<DlqClass, number>>;
  /** Came-backs put again (more slowly). */
  retriedCameBacks: number;
  /** Ids given that the pass never found: deleted by someone else, or expired. */
  notFound: number;
  /** Of those, how many the queue still held hidden by another reader when the pass ended. */
  inFlight: number;
  /** Leases of a killed predecessor made visible again, and objects it had accepted. */
  resumed?: { returned: number; acceptedBefore: number };
  /** The receive counts this pass saw, per count (for the digest's receive budget). */
  receives: ReceiveTally;
  /** The DLQ's own RedrivePolicy, when it has one: what `receive-limit` refers to. */
  redrive?: RedriveLimit;
}

/** A lease a pass holds: enough to end it from another process. */
export interface CheckpointLease {
  id: string;
  handle: string;
  /** Epoch ms when the lease ends by itself. */
  until: number;
}

/**
 * Where a pass records what a successor needs after a crash or a stop: its leases, the
 * objects it got accepted (message id → object hash), and the messages a discard deleted.
 * The job's Redis implementation is in jobs/reingest.ts.
 */
export interface PassCheckpoint {
  load(): Promise<{
    leases: CheckpointLease[];
    accepted: Map<string, string>;
    deleted: Set<string>;
  }>;
  leased(leases: CheckpointLease[]): Promise<void>;
  released(ids: string[]): Promise<void>;
  accepted(id: string, objectHash: string): Promise<void>;
  deleted(ids: string[]): Promise<void>;
}

export interface ReingestDeps {
  sqs: Pick<SqsGateway, "receive" | "deleteBatch" | "changeVisibilityBatch" | "queueInfo">;
  profiles: Pick<ProfilesGateway, "putProfileObject" | "getProfileObjectType">;
  pacer: Pacer;
  log: Logger;
  /** Called about once a second, and once at the end; its failures are logged, not thrown. */
  progress?: (p: ReingestProgress) => void | Promise<void>;
  checkpoint?: PassCheckpoint;
}

export interface PassOptions {
  /** How long received messages stay hidden; renewed while the pass runs. Default 120 s. */
  leaseSeconds?: number;
  /** Long-poll wait per receive (default 1: short polls may answer empty on real SQS). */
  waitSeconds?: number;
  /** Stop receiving after this long (ms since the start); what was received is finished. */
  deadlineMs?: number;
  /**
   * Aborted when the worker is stopping: the pass takes no new message, finishes the calls in
   * hand, deletes what was accepted, gives the rest back and ends with `stopping`.
   */
  signal?: AbortSignal;
  /**
   * How long after its last accepted put the pass keeps watching the DLQ for objects coming
   * back from asynchronous ingestion. Default 10 s.
   */
  settleMs?: number;
  /** How long to wait for given ids that another reader holds hidden. Default: one lease. */
  inFlightWaitMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The DLQ's own RedrivePolicy and the receive counts known before: the receive budget. */
  redrive?: { limit: RedriveLimit; known?: ReceiveCounts };
}

export interface ReingestInput extends PassOptions {
  domain: string;
  queueUrl: string;
  selection: ReingestSelection;
  /** Selected messages to handle at most in this run (one for a message by id). */
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
const DEFAULT_SETTLE_MS = 10_000;
const MAX_FAILURE_REASONS = 20;
/** Received-ahead messages at most: bounds memory, and SQS's in-flight count. */
const MAX_BUFFER = 2_000;
/** Retries of one object after AWS throttling or a 5xx before the run gives up. */
const MAX_RETRIES_PER_OBJECT = 8;
/** Times one object that came back throttled is put again, each time more slowly. */
export const MAX_CAMEBACK_RETRIES = 3;
/** Pause between receives while waiting for came-backs or for leases to end. */
const POLL_MS = 250;
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Leased {
  id: string;
  handle: string;
  leasedAt: number;
  /** ApproximateReceiveCount after this receive, when SQS gave it. */
  receiveCount?: number;
}

/** What identifies an object coming back: its type and its JSON with sorted keys, hashed. */
export function objectHash(objectTypeName: string | undefined, object: unknown): string {
  return createHash("sha256")
    .update(`${objectTypeName ?? ""}\n${canonicalJson(object)}`)
    .digest("base64url")
    .slice(0, 22);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The receive side of a pass: leases, what goes back at once and what is held, lease
 * renewal, the checkpoint, and giving everything back at the end. Re-ingest and discard
 * both use it.
 */
class QueuePass {
  /** Held until the pass ends: non-selected messages seen twice, and failed selected ones. */
  private readonly held = new Map<string, Leased>();
  /** Selected messages received and not yet finished (deleted or held). */
  readonly working = new Map<string, Leased>();
  /** Every id ever selected in this pass: a message is acted on once, even if seen again. */
  readonly selectedIds = new Set<string>();
  private readonly returnedOnce = new Set<string>();
  readonly left: Partial<Record<DlqClass, number>> = {};
  private readonly counted = new Set<string>();
  skipped = 0;
  /** The last receive answered nothing. */
  drained = false;
  /** Receive counts seen, per count; and the highest. */
  readonly receives: ReceiveTally = {};
  private seenHighest = 0;
  /** Set when the receive budget stopped the pass before a receive. */
  limited = false;
  private readonly redrive: PassOptions["redrive"];
  readonly lease: number;
  private readonly waitSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly sqs: ReingestDeps["sqs"],
    private readonly log: Logger,
    private readonly queueUrl: string,
    opts: PassOptions,
    private readonly checkpoint?: PassCheckpoint,
  ) {
    this.lease = Math.max(2, Math.floor(opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS));
    this.waitSeconds = opts.waitSeconds ?? 1;
    this.now = opts.now ?? Date.now;
    this.redrive = opts.redrive;
  }

  /** Whether this pass received the message before (as anything but a selected one). */
  hasSeen(id: string): boolean {
    return this.counted.has(id) || this.returnedOnce.has(id);
  }

  /** Messages this pass keeps hidden now. */
  get hidden(): number {
    return this.held.size + this.working.size;
  }

  /**
   * Ends a dead predecessor's leases (visibility 0). Answers how many went back, and the
   * leases that could not be ended (stale, or the message is gone), to wait for.
   */
  async restore(
    leases: CheckpointLease[],
  ): Promise<{ returned: number; stuck: CheckpointLease[] }> {
    if (leases.length === 0) return { returned: 0, stuck: [] };
    const out = await this.sqs.changeVisibilityBatch(
      this.queueUrl,
      leases.map((l) => ({ receiptHandle: l.handle, visibilityTimeout: 0 })),
    );
    const failed = new Map(out.failed.map((f) => [f.id, f.code]));
    // Already visible is as good as returned.
    const stuck = leases.filter((l) => {
      const code = failed.get(l.handle);
      return code !== undefined && code !== "MessageNotInflight";
    });
    await this.checkpoint?.released(leases.map((l) => l.id));
    return { returned: leases.length - stuck.length, stuck };
  }

  /** Receives one batch: the selected messages come back parsed; the others are dealt with. */
  async receive(
    isSelected: (parsed: ParsedDlqMessage, cls: DlqClass) => boolean,
  ): Promise<{ parsed: ParsedDlqMessage; cls: DlqClass; leased: Leased }[]> {
    const { redrive } = this;
    if (redrive && !reingestMayReceive(redrive.limit, redrive.known, this.seenHighest)) {
      this.limited = true;
      return [];
    }
    const messages = await this.sqs.receive(this.queueUrl, {
      max: BATCH,
      visibilityTimeout: this.lease,
      waitSeconds: this.waitSeconds,
    });
    const at = this.now();
    this.drained = messages.length === 0;
    if (this.drained) return [];
    const selected: { parsed: ParsedDlqMessage; cls: DlqClass; leased: Leased }[] = [];
    const giveBack: Leased[] = [];
    const kept: Leased[] = [];
    for (const message of messages) {
      const leased = leasedOf(message, at);
      if (!leased) continue; // No receipt handle: nothing can be done to it, and it was not leased.
      if (leased.receiveCount !== undefined) {
        tallyReceived(this.receives, leased.receiveCount);
        this.seenHighest = Math.max(this.seenHighest, leased.receiveCount);
      }
      const parsed = parseDlqMessage(message);
      const cls = classify(parsed);
      if (
        parsed.kind === "readable" &&
        !this.selectedIds.has(leased.id) &&
        isSelected(parsed, cls)
      ) {
        this.selectedIds.add(leased.id);
        this.working.set(leased.id, leased);
        selected.push({ parsed, cls, leased });
        kept.push(leased);
        continue;
      }
      this.skip(leased.id, cls);
      // Under a RedrivePolicy, giving it back would cost it another receive when it comes again.
      if (this.returnedOnce.has(leased.id) || redrive) {
        this.held.set(leased.id, leased);
        kept.push(leased);
      } else {
        this.returnedOnce.add(leased.id);
        giveBack.push(leased);
      }
    }
    await this.record(kept);
    if (giveBack.length > 0) await this.makeVisible(giveBack);
    return selected;
  }

  private async record(leases: Leased[]): Promise<void> {
    if (!this.checkpoint || leases.length === 0) return;
    await this.checkpoint.leased(
      leases.map((l) => ({ id: l.id, handle: l.handle, until: l.leasedAt + this.lease * 1000 })),
    );
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
  async delete(items: Leased[]): Promise<{ deletedIds: string[]; failed: number }> {
    if (items.length === 0) return { deletedIds: [], failed: 0 };
    const out = await this.sqs.deleteBatch(
      this.queueUrl,
      items.map((i) => i.handle),
    );
    for (const item of items) this.working.delete(item.id);
    const ok = new Set(out.ok);
    const deleted = items.filter((i) => ok.has(i.handle));
    for (const item of deleted) {
      if (item.receiveCount !== undefined) tallyDeleted(this.receives, item.receiveCount);
    }
    await this.checkpoint?.released(items.map((i) => i.id));
    if (out.failed.length > 0) {
      this.log.warn(
        { failed: out.failed.length, code: out.failed[0]?.code },
        "some messages could not be deleted after their objects were accepted; they will be replayed again",
      );
    }
    return { deletedIds: deleted.map((i) => i.id), failed: out.failed.length };
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
    const renewed = stale.filter((l) => !failed.has(l.handle));
    for (const l of renewed) l.leasedAt = at;
    await this.record(renewed);
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
      const failed = new Set(out.failed.map((f) => f.id));
      await this.checkpoint?.released(items.filter((l) => !failed.has(l.handle)).map((l) => l.id));
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
  const count = Number(message.Attributes?.ApproximateReceiveCount);
  return {
    id: message.MessageId ?? message.ReceiptHandle,
    handle: message.ReceiptHandle,
    leasedAt: at,
    ...(Number.isInteger(count) && count > 0 && { receiveCount: count }),
  };
}

/** The ids a selection is limited to; undefined for a plain class. */
function idsOf(selection: ReingestSelection): ReadonlySet<string> | undefined {
  if ("messageId" in selection) return new Set([selection.messageId]);
  return selection.messageIds;
}

/** Whether an original message (not a came-back) is selected. Never one with an empty id. */
const isSelectedBy =
  (selection: ReingestSelection) =>
  (parsed: ParsedDlqMessage, cls: DlqClass): boolean => {
    if (parsed.messageId === "") return false;
    if ("messageId" in selection) return parsed.messageId === selection.messageId;
    if (cls !== selection.class || cls === "unreadable") return false;
    return selection.messageIds === undefined || selection.messageIds.has(parsed.messageId);
  };

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
  hash: string;
  /** Set for a came-back: how many times its object has been put again before. */
  retry?: number;
}

export async function reingest(deps: ReingestDeps, input: ReingestInput): Promise<ReingestResult> {
  const { sqs, profiles, pacer, checkpoint } = deps;
  const { domain, queueUrl, selection } = input;
  // The job's logger already names the domain (by refId, its place included).
  const log = deps.log;
  const now = input.now ?? Date.now;
  const sleep = input.sleep ?? realSleep;
  const startedAt = now();
  const ids = idsOf(selection);
  // One message by id is one message, whatever the caller asked.
  const max = Math.max(
    0,
    Math.floor("messageId" in selection ? Math.min(1, input.maxMessages) : input.maxMessages),
  );
  const concurrency = Math.max(1, Math.floor(input.concurrency ?? 8));
  const profileInterval = pacer.profileIntervalMs;
  const settleMs = input.settleMs ?? DEFAULT_SETTLE_MS;
  const pass = new QueuePass(sqs, log, queueUrl, input, checkpoint);
  const inFlightWaitMs = input.inFlightWaitMs ?? pass.lease * 1000;
  const isOriginal = isSelectedBy(selection);

  const buffer: Work[] = [];
  /** Local hint of when each profile may go next, so workers pick others meanwhile. */
  const nextAt = new Map<string, number>();
  const typeKeys = new Map<string, Promise<ObjectTypeKeys | undefined>>();
  const failures = new Map<string, ReingestFailure>();
  /** Message id → object hash of every original whose object was accepted (resumed ones too). */
  const accepted = new Map<string, string>();
  /** Object hash → accepted puts not yet matched by a came-back. */
  const awaitingBack = new Map<string, number>();
  /** Object hash → when this pass first got it accepted (epoch ms). */
  const firstPutAt = new Map<string, number>();
  /** Object hash → times it was put again after coming back. */
  const retriesOf = new Map<string, number>();
  const cameBack: Partial<Record<DlqClass, number>> = {};
  let picked = 0;
  let bufferedOriginals = 0;
  let busy = 0;
  let failed = 0;
  let retriedCameBacks = 0;
  let throttledRetries = 0;
  let deleteFailures = 0;
  let lastAcceptedAt: number | undefined;
  let stoppedBy: StopReason | undefined;
  let fatal: unknown;
  let queueDepth = -1;
  let othersInFlight = 0;
  let waitingSince: number | undefined;
  /** Leases a predecessor held that could not be ended: wait for them to run out. */
  let stuckUntil = 0;
  let resumed: ReingestResult["resumed"];
  const pendingDeletes: Leased[] = [];
  let receiving: Promise<void> | undefined;

  const expectBack = (hash: string) => awaitingBack.set(hash, (awaitingBack.get(hash) ?? 0) + 1);
  /** Given ids seen in this pass or accepted before it (kept as a count: ids can be many). */
  let accountedFor = 0;
  const unaccounted = () => (ids ? ids.size - accountedFor : 0);

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

  /**
   * A message that is not one of the originals, carrying an object this pass put, that the
   * pass had not seen before and that SQS received after the first put of that object: it
   * came back. A duplicate of the object that was already in the DLQ is none of these, so it
   * is never touched.
   */
  function isCameBack(parsed: ParsedDlqMessage): boolean {
    if (parsed.kind !== "readable" || ids?.has(parsed.messageId)) return false;
    if (pass.hasSeen(parsed.messageId)) return false;
    const hash = objectHash(parsed.objectTypeName, parsed.object);
    if ((awaitingBack.get(hash) ?? 0) === 0) return false;
    const putAt = firstPutAt.get(hash);
    // SentTimestamp is SQS's clock: a second of slack for the difference with ours.
    return parsed.sentAt === undefined || putAt === undefined || parsed.sentAt >= putAt - 1_000;
  }

  async function workOf(parsed: ReadableDlqMessage, cls: DlqClass, leased: Leased): Promise<Work> {
    const keys = parsed.objectTypeName ? await objectTypeKeys(parsed.objectTypeName) : undefined;
    const profile = profilePaceKey(domain, profileKeyOf(parsed.object, keys));
    return { parsed, cls, leased, profile, hash: objectHash(parsed.objectTypeName, parsed.object) };
  }

  function takeCameBack(work: Work): void {
    const left = (awaitingBack.get(work.hash) ?? 1) - 1;
    if (left > 0) awaitingBack.set(work.hash, left);
    else awaitingBack.delete(work.hash);
    const retries = retriesOf.get(work.hash) ?? 0;
    // Only pacing failures are worth putting again unchanged; AWS pushed back, so slow down.
    if (work.cls === "throttled" && retries < MAX_CAMEBACK_RETRIES && !stoppedBy) {
      pacer.throttled();
      buffer.push({ ...work, retry: retries });
      return;
    }
    cameBack[work.cls] = (cameBack[work.cls] ?? 0) + 1;
    pass.keep(work.leased.id, work.cls);
    log.info(
      { messageId: work.leased.id, cls: work.cls, retries },
      "a re-ingested object came back to the DLQ; it stays there",
    );
  }

  /** Whether to keep reading although the queue answered empty, and how long to pause. */
  async function keepWaiting(): Promise<boolean> {
    if (busy > 0 || buffer.length > 0) return true;
    const t = now();
    if (lastAcceptedAt !== undefined && t - lastAcceptedAt < settleMs) return true;
    if (unaccounted() === 0) return false;
    if (t < stuckUntil) return true;
    const info = await sqs.queueInfo(queueUrl).catch(() => undefined);
    othersInFlight = info ? Math.max(0, info.approximateNotVisible - pass.hidden) : 0;
    waitingSince ??= t;
    return othersInFlight > 0 && t - waitingSince < inFlightWaitMs;
  }

  async function receiveMore(): Promise<void> {
    if (receiving) return receiving;
    receiving = (async () => {
      if (input.signal?.aborted) {
        stoppedBy = "stopping";
        return;
      }
      if (input.deadlineMs !== undefined && now() - startedAt >= input.deadlineMs) {
        stoppedBy ??= "deadline";
        return;
      }
      await pass.renew();
      const cameBackIds = new Set<string>();
      const batch = await pass.receive((parsed, cls) => {
        // First: with a plain class, a came-back is in the class too, and must not count twice.
        if (isCameBack(parsed)) {
          cameBackIds.add(parsed.messageId);
          return true;
        }
        // Past the bound: an original goes back untouched like any other message.
        return isOriginal(parsed, cls) && picked + bufferedOriginals < max && !stoppedBy;
      });
      if (pass.limited) {
        stoppedBy ??= "receive-limit";
        return;
      }
      for (const { parsed, cls, leased } of batch) {
        if (parsed.kind !== "readable") continue;
        const work = await workOf(parsed, cls, leased);
        if (!cameBackIds.has(parsed.messageId)) {
          if (ids?.has(leased.id) && !accepted.has(leased.id)) accountedFor += 1;
          bufferedOriginals += 1;
          buffer.push(work);
        } else takeCameBack(work);
      }
      if (picked + bufferedOriginals >= max && !isWatching()) {
        if (!ids) stoppedBy ??= "max-messages";
        else if (unaccounted() === 0) stoppedBy ??= "done";
      }
      if (!pass.drained) return;
      if (await keepWaiting()) await sleep(POLL_MS);
      else stoppedBy ??= ids ? "done" : "drained";
    })().finally(() => {
      receiving = undefined;
    });
    return receiving;
  }

  /** Came-backs may still arrive for the last puts. */
  const isWatching = () =>
    busy > 0 ||
    buffer.length > 0 ||
    (lastAcceptedAt !== undefined && now() - lastAcceptedAt < settleMs);

  const finishedReceiving = () => stoppedBy !== undefined || fatal !== undefined;

  async function next(): Promise<Work | undefined> {
    for (;;) {
      if (fatal !== undefined) return undefined;
      if (input.signal?.aborted) {
        stoppedBy = "stopping";
        return undefined;
      }
      const t = now();
      const i = buffer.findIndex(
        (w) => (nextAt.get(w.profile) ?? 0) <= t && (w.retry !== undefined || picked < max),
      );
      if (i >= 0) {
        const [work] = buffer.splice(i, 1) as [Work];
        // A came-back goes again after a longer pause each time: the profile was busier than paced.
        const interval =
          work.retry === undefined ? profileInterval : profileInterval * 2 ** (work.retry + 1);
        nextAt.set(work.profile, t + interval);
        if (work.retry === undefined) {
          bufferedOriginals -= 1;
          picked += 1;
        }
        return work;
      }
      if (!finishedReceiving() && buffer.length < bufferCap) {
        await receiveMore();
        continue;
      }
      if (buffer.length === 0) return undefined;
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
    if (work.retry !== undefined) {
      // A came-back refused on its retry: it is in the DLQ again, as what it came back as.
      cameBack[work.cls] = (cameBack[work.cls] ?? 0) + 1;
    } else failed += 1;
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

  async function acceptedNow(work: Work): Promise<void> {
    lastAcceptedAt = now();
    if (!firstPutAt.has(work.hash)) firstPutAt.set(work.hash, lastAcceptedAt);
    if (work.retry !== undefined) {
      retriedCameBacks += 1;
      retriesOf.set(work.hash, work.retry + 1);
    } else {
      accepted.set(work.leased.id, work.hash);
      // Recorded before the delete: a successor then knows the object is in, whatever happens.
      await checkpoint?.accepted(work.leased.id, work.hash);
    }
    expectBack(work.hash);
    pendingDeletes.push(work.leased);
    await flushDeletes(false);
  }

  async function handle(work: Work): Promise<void> {
    if (work.retry === undefined && accepted.has(work.leased.id)) {
      // A predecessor had it accepted and died before deleting its message.
      pendingDeletes.push(work.leased);
      return;
    }
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
        await acceptedNow(work);
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
        if (input.signal?.aborted) {
          // Not failed: it stays in the DLQ for the pass that carries on.
          pass.keep(work.leased.id, work.cls);
          return;
        }
      }
    }
  }

  let lastReport = 0;
  const progressEvery = input.progressEveryMs ?? 1_000;
  let depthAsked = 0;
  function snapshot(): ReingestProgress {
    const elapsedMs = Math.max(1, now() - startedAt);
    const done = accepted.size;
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
      busy += 1;
      try {
        await handle(work);
      } catch (err) {
        fatal ??= err;
        return;
      } finally {
        busy -= 1;
      }
      void report(false);
    }
  }

  try {
    if (checkpoint) {
      // 0. Resume: what a killed predecessor leased goes back, what it had accepted counts.
      const before = await checkpoint.load();
      for (const [id, hash] of before.accepted) {
        accepted.set(id, hash);
        expectBack(hash);
        if (ids?.has(id)) accountedFor += 1;
      }
      const restored = await pass.restore(before.leases);
      stuckUntil = Math.max(
        0,
        ...restored.stuck.filter((l) => !accepted.has(l.id)).map((l) => l.until),
      );
      if (before.leases.length > 0 || before.accepted.size > 0) {
        resumed = { returned: restored.returned, acceptedBefore: before.accepted.size };
        log.info({ ...resumed, stuck: restored.stuck.length }, "resuming a re-ingest pass");
      }
    }
    await report(true);
    await Promise.all(Array.from({ length: concurrency }, lane));
    await flushDeletes(true);
    if (fatal !== undefined) throw fatal;
  } finally {
    // Accepted objects' messages are deleted before the rest is given back.
    await flushDeletes(true).catch((err: unknown) =>
      log.warn({ err }, "could not delete some re-ingested messages; they will be replayed again"),
    );
    for (const work of buffer.splice(0)) {
      if (work.retry !== undefined) cameBack[work.cls] = (cameBack[work.cls] ?? 0) + 1;
      pass.keep(work.leased.id, work.cls);
    }
    await pass.end();
  }
  const notFound = unaccounted();
  // A pass that is stopping is unfinished: the one that carries on says what became of the rest.
  if (stoppedBy !== "stopping") {
    if (pass.limited && (notFound > 0 || !ids)) stoppedBy = "receive-limit";
    else if ("messageId" in selection)
      stoppedBy = accepted.size + failed === 0 ? "not-found" : "found";
    else if (ids)
      stoppedBy = notFound > 0 && othersInFlight > 0 ? "in-flight" : (stoppedBy ?? "done");
    else stoppedBy ??= picked >= max ? "max-messages" : "drained";
  }
  await report(true);
  const cameBackTotal = Object.values(cameBack).reduce((a, b) => a + (b ?? 0), 0);
  const result: ReingestResult = {
    ...snapshot(),
    done: Math.max(0, accepted.size - cameBackTotal),
    stoppedBy,
    left: pass.left,
    failures: [...failures.values()],
    throttledRetries,
    deleteFailures,
    cameBack,
    retriedCameBacks,
    notFound,
    inFlight: notFound > 0 ? othersInFlight : 0,
    ...(resumed && { resumed }),
    receives: pass.receives,
    ...(input.redrive && { redrive: input.redrive.limit }),
  };
  log.info(
    {
      done: result.done,
      failed,
      cameBack: cameBackTotal,
      notFound,
      skipped: pass.skipped,
      stoppedBy,
      throttledRetries,
    },
    "re-ingest pass finished",
  );
  return result;
}

// ---- discard -------------------------------------------------------------------------------

export interface DiscardInput extends PassOptions {
  queueUrl: string;
  cls: DlqClass;
  /** The scan's ids for the class: only these may be deleted. Absent: the class as it is. */
  messageIds?: ReadonlySet<string>;
  maxMessages: number;
}

export interface DiscardResult {
  deleted: number;
  deleteFailures: number;
  skipped: number;
  left: Partial<Record<DlqClass, number>>;
  stoppedBy: StopReason;
  /** Ids given that the pass never found (re-ingested, deleted or expired meanwhile). */
  notFound: number;
  receives: ReceiveTally;
  redrive?: RedriveLimit;
}

/**
 * Deletes one class's messages (those a scan recorded, when given ids). Never `unreadable`:
 * the bot does not delete what it could not read, because that copy in SQS may be the only
 * one (people delete those in SQS themselves).
 */
export async function discard(
  deps: Pick<ReingestDeps, "sqs" | "log" | "checkpoint">,
  input: DiscardInput,
): Promise<DiscardResult> {
  if (input.cls === "unreadable") {
    throw new AppError(
      "invalid_input",
      "The bot never deletes unreadable messages: it could not read them, so it cannot tell what would be lost. Inspect and delete them in SQS if you are sure.",
    );
  }
  const pass = new QueuePass(deps.sqs, deps.log, input.queueUrl, input, deps.checkpoint);
  const now = input.now ?? Date.now;
  const startedAt = now();
  const ids = input.messageIds;
  const max = Math.max(0, Math.floor(Math.min(input.maxMessages, ids?.size ?? Infinity)));
  const isSelected = isSelectedBy(
    ids ? { class: input.cls, messageIds: ids } : { class: input.cls },
  );
  let deleted = 0;
  let deleteFailures = 0;
  let stoppedBy: StopReason = ids ? "done" : "drained";
  /** What a predecessor stopped or killed part-way deleted: counted, and not "not found". */
  let deletedBefore = new Set<string>();
  try {
    if (deps.checkpoint) {
      const before = await deps.checkpoint.load();
      await pass.restore(before.leases);
      deletedBefore = before.deleted;
      deleted = deletedBefore.size;
    }
    for (;;) {
      if (deleted + deleteFailures >= max) {
        stoppedBy = ids ? "done" : "max-messages";
        break;
      }
      if (input.signal?.aborted) {
        stoppedBy = "stopping";
        break;
      }
      if (input.deadlineMs !== undefined && now() - startedAt >= input.deadlineMs) {
        stoppedBy = "deadline";
        break;
      }
      await pass.renew();
      const batch = await pass.receive(isSelected);
      if (pass.limited) {
        stoppedBy = "receive-limit";
        break;
      }
      if (pass.drained) break;
      const room = max - deleted - deleteFailures;
      const now_ = batch.slice(0, room);
      for (const extra of batch.slice(room)) pass.keep(extra.leased.id, extra.cls);
      const out = await pass.delete(now_.map((b) => b.leased));
      deleted += out.deletedIds.length;
      deleteFailures += out.failed;
      await deps.checkpoint?.deleted(out.deletedIds);
    }
  } finally {
    await pass.end();
  }
  const notFound = ids
    ? [...ids].filter((id) => !pass.selectedIds.has(id) && !deletedBefore.has(id)).length
    : 0;
  return {
    deleted,
    deleteFailures,
    skipped: pass.skipped,
    left: pass.left,
    stoppedBy,
    notFound,
    receives: pass.receives,
    ...(input.redrive && { redrive: input.redrive.limit }),
  };
}

/** Classes in digest order, with counts, for "what is left and why". */
export function leftByClass(left: Partial<Record<DlqClass, number>>): [DlqClass, number][] {
  return DLQ_CLASSES.flatMap((cls) => {
    const count = left[cls] ?? 0;
    return count > 0 ? [[cls, count] as [DlqClass, number]] : [];
  });
}
