/**
 * The audit trail: one entry per action (who, role, what, target, parameters, outcome,
 * duration, job id), written as a log line at once and appended to a capped Redis stream:
 * the entries made while one append is in flight go together in the next, one round trip.
 * Parameters pass through `auditParams`, which keeps only short scalar values and masks
 * anything shaped like an email address, phone number or token. AWS account ids are not
 * PII: in a refId, a place, an ARN or "account 111122223333" they are kept, so the trail
 * says which account was acted in (src/dlq/redact.ts).
 *
 * Redis may be down when something is refused or done; the entry must not be lost then. So
 * an entry Redis does not take is kept in memory, in order, and appended once Redis answers
 * again (on its reconnect, and by a retry timer); entries made meanwhile queue behind it, so
 * the stream keeps the order things happened in. The backlog is bounded: past its limit the
 * oldest entries give way, and the first entry appended after the outage says how many were
 * dropped and when they were made. Every entry, dropped or not, is in the log.
 *
 * An append whose answer is lost (the connection drops after Redis did it) is sent again,
 * by ioredis on its reconnect or by the backlog; so each entry carries an id, and a script
 * appends it only if that id was not appended before: an entry reaches the stream once.
 */
import { randomUUID } from "node:crypto";
import { redactText } from "../dlq/redact.js";
import type { Logger } from "../logger.js";
import type { Redis } from "../redis.js";

export type AuditOutcome = "refused" | "accepted" | "succeeded" | "failed";

export interface AuditEntry {
  at: string;
  userId: string;
  teamId?: string;
  role?: string;
  /** e.g. "command:/profiles enable", "action:dlq_reingest", "view:enable_review" */
  action: string;
  /** What it acted on: for a domain, its refId (`111122223333.eu-west-2.my-domain`). */
  target?: string;
  /** For people: the account and region a domain-scoped action acted in. */
  place?: string;
  params?: Record<string, string | number | boolean>;
  outcome: AuditOutcome;
  durationMs?: number;
  jobId?: string;
  detail?: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first; `target` filters on entries whose target is or contains it. */
  latest(opts: { target?: string; limit: number }): Promise<AuditEntry[]>;
}

const TOKEN = /\b(xox[abposr]-|xapp-)[A-Za-z0-9-]+/g;
const SECRET_KEY = /secret|token|password|credential|authorization/i;

/** Scalars only, short, with PII and tokens masked: what an audit entry may hold. */
export function auditParams(
  params: Record<string, unknown> = {},
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(params)) {
    if (SECRET_KEY.test(key)) continue;
    if (typeof value === "number" || typeof value === "boolean") out[key] = value;
    else if (typeof value === "string")
      out[key] = redactText(value.replace(TOKEN, "[redacted]")).slice(0, 200);
  }
  return out;
}

/** ioredis states in which a command would only wait for a reconnect. */
const DOWN = new Set(["reconnecting", "close", "end"]);

/** Longest `detail` kept: AWS and Slack error texts can be long. */
const MAX_DETAIL = 500;

/** An entry as stored: parameters filtered, detail masked and bounded. */
function cleanEntry(entry: AuditEntry): AuditEntry {
  return {
    ...entry,
    params: auditParams(entry.params),
    ...(entry.detail !== undefined && { detail: redactText(entry.detail).slice(0, MAX_DETAIL) }),
  };
}

/**
 * Appends ARGV[3] to the stream KEYS[1] unless the entry id KEYS[2] names was appended before,
 * which it remembers for ARGV[1] seconds. Both keys share the prefix's hash tag (one slot).
 */
const APPEND_ONCE = `
if redis.call("SET", KEYS[2], "1", "NX", "EX", ARGV[1]) then
  return redis.call("XADD", KEYS[1], "MAXLEN", "~", ARGV[2], "*", "e", ARGV[3])
end
return false
`;

/**
 * How long an appended entry's id is remembered: longer than a backlog waits for Redis in
 * any outage a process outlives, while the keys (one per entry) stay few.
 */
const APPENDED_TTL_SECONDS = 24 * 3600;

/**
 * Entries appended in one round trip at most. A busy bot audits every request, and one
 * `EVAL` round trip per entry cost the listeners' thread more than the rest of the entry.
 */
const APPEND_BATCH = 100;

/** An entry waiting for Redis: its id (the same on every attempt) and the stored form. */
interface Pending {
  id: string;
  at: string;
  line: string;
}

export interface RedisAuditOptions {
  /** Entries the stream keeps, roughly (XADD MAXLEN ~). */
  maxEntries?: number;
  /** Entries kept in memory while Redis does not answer; past it the oldest are dropped. */
  backlogLimit?: number;
  /** First wait before appending the backlog again; it doubles up to 5 s. */
  retryMs?: number;
}

export class RedisAuditLog implements AuditLog {
  private readonly key: string;
  private readonly maxEntries: number;
  private readonly backlogLimit: number;
  private readonly retryMs: number;
  /** Entries Redis has not taken yet, oldest first. */
  private readonly backlog: Pending[] = [];
  /** Entries the bound dropped; `id` is the id of the notice that stands for them. */
  private dropped: { id: string; count: number; from: string; to: string } | undefined;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wait: number;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly log: Logger,
    o: RedisAuditOptions = {},
  ) {
    this.key = `${prefix}:audit`;
    this.maxEntries = o.maxEntries ?? 10_000;
    this.backlogLimit = Math.max(1, o.backlogLimit ?? 1_000);
    this.retryMs = o.retryMs ?? 500;
    this.wait = this.retryMs;
    // ioredis emits "ready" on every reconnect: the moment the backlog can go.
    redis.on("ready", () => {
      if (this.backlog.length) void this.flush();
    });
  }

  /** Entries waiting for Redis in this process. */
  get pending(): number {
    return this.backlog.length;
  }

  /**
   * Resolves once the entry is in the stream, or in the backlog when Redis did not take it;
   * never rejects. While a backlog waits (Redis is down), it resolves at once: a caller is
   * not held up for the length of an outage.
   */
  async record(entry: AuditEntry): Promise<void> {
    const clean = cleanEntry(entry);
    this.log.info({ audit: clean }, `audit: ${clean.action} by ${clean.userId}: ${clean.outcome}`);
    const outage = this.backlog.length > 0 || this.dropped !== undefined;
    this.backlog.push({ id: randomUUID(), at: clean.at, line: JSON.stringify(clean) });
    this.bound(clean.at);
    const flushed = this.flush();
    if (!outage) await flushed;
  }

  /** Drops the oldest entries past the limit, remembering how many and when they were made. */
  private bound(at: string): void {
    while (this.backlog.length > this.backlogLimit) {
      const oldestAt = (this.backlog.shift() as Pending).at;
      const d = this.dropped;
      this.dropped = {
        id: d?.id ?? randomUUID(),
        count: (d?.count ?? 0) + 1,
        from: d && d.from < oldestAt ? d.from : oldestAt,
        to: d && d.to > oldestAt ? d.to : oldestAt,
      };
      this.log.error(
        { dropped: this.dropped.count, backlogLimit: this.backlogLimit, at },
        "audit backlog full while Redis is unreachable: the oldest entry is dropped from it (it stays in the log)",
      );
    }
  }

  /** Appends the backlog in order; one run at a time, so nothing overtakes. */
  private flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.drain().finally(() => {
        this.flushing = undefined;
      });
    }
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.dropped || this.backlog.length) {
      // Commands sent now would only wait in ioredis's offline queue; "ready" brings us back.
      if (DOWN.has(this.redis.status)) {
        this.retryLater();
        return;
      }
      // Out of the backlog while they are sent, so that the bound never drops an entry in
      // flight. The notice for dropped entries goes first, alone.
      const notice = this.dropped;
      const batch = notice ? [] : this.backlog.splice(0, APPEND_BATCH);
      const sending = notice
        ? [{ id: notice.id, line: JSON.stringify(droppedNotice(notice, this.backlogLimit)) }]
        : batch;
      const { taken, error } = await this.append(sending).catch((err: Error) => ({
        taken: 0,
        error: err,
      }));
      if (notice && taken === 1) this.dropped = undefined;
      if (error) {
        const back = batch.slice(taken);
        this.backlog.unshift(...back);
        if (back.length) this.bound((back[0] as Pending).at);
        this.log.warn(
          { err: error.message, pending: this.backlog.length },
          "Redis did not take the audit entry; it is kept in memory until Redis answers",
        );
        this.retryLater();
        return;
      }
    }
    this.wait = this.retryMs;
  }

  private retryLater(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.wait);
    // A backlog must not keep a stopping process alive; what it holds is in the log.
    this.timer.unref();
    this.wait = Math.min(this.wait * 2, 5_000);
  }

  /**
   * Appends the entries in order, as one pipeline (Redis runs it in order): one round trip
   * however many there are. Resolves with how many Redis took before the first it did not,
   * and that one's error; the entries after it may have been appended too, and when they are
   * sent again their ids keep them from being appended twice.
   */
  private async append(
    entries: { id: string; line: string }[],
  ): Promise<{ taken: number; error?: Error }> {
    const pipeline = this.redis.pipeline();
    for (const { id, line } of entries) {
      const appendedKey = `${this.key}-appended:${id}`;
      pipeline.eval(
        APPEND_ONCE,
        2,
        this.key,
        appendedKey,
        APPENDED_TTL_SECONDS,
        this.maxEntries,
        line,
      );
    }
    const replies = (await pipeline.exec()) ?? [];
    const failed = entries.findIndex((_, i) => !replies[i] || replies[i]?.[0]);
    if (failed < 0) return { taken: entries.length };
    return { taken: failed, error: replies[failed]?.[0] ?? new Error("Redis sent no reply") };
  }

  async latest({ target, limit }: { target?: string; limit: number }): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    let end = "+";
    while (out.length < limit) {
      const batch = (await this.redis.xrevrange(this.key, end, "-", "COUNT", 200)) as [
        string,
        string[],
      ][];
      if (batch.length === 0) break;
      for (const [, fields] of batch) {
        const entry = JSON.parse(fields[1] ?? "{}") as AuditEntry;
        if (!target || entry.target?.includes(target)) out.push(entry);
        if (out.length >= limit) break;
      }
      const last = batch[batch.length - 1]?.[0] as string;
      end = `(${last}`;
      if (batch.length < 200) break;
    }
    return out;
  }
}

/** The entry that stands in the stream for those the backlog could not hold. */
function droppedNotice(
  dropped: { count: number; from: string; to: string },
  limit: number,
): AuditEntry {
  return {
    at: new Date().toISOString(),
    userId: "(system)",
    action: "audit:backlog-overflow",
    outcome: "failed",
    params: { dropped: dropped.count, from: dropped.from, to: dropped.to },
    detail: `${dropped.count} audit entries made between ${dropped.from} and ${dropped.to}, while Redis was unreachable, did not fit the in-memory backlog of ${limit}; they are in the log lines "audit: …" of this process.`,
  };
}

export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async record(entry: AuditEntry): Promise<void> {
    this.entries.push(cleanEntry(entry));
  }
  async latest({ target, limit }: { target?: string; limit: number }): Promise<AuditEntry[]> {
    return [...this.entries]
      .reverse()
      .filter((e) => !target || e.target?.includes(target))
      .slice(0, limit);
  }
}
