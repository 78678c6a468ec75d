/**
 * The audit trail: one entry per action (who, role, what, target, parameters, outcome,
 * duration, job id), appended to a capped Redis stream and written as a log line.
 * Parameters pass through `auditParams`, which keeps only short scalar values and masks
 * anything shaped like an email address, phone number or token.
 */
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
  target?: string;
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

export class RedisAuditLog implements AuditLog {
  private readonly key: string;
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly log: Logger,
    private readonly maxEntries = 10_000,
  ) {
    this.key = `${prefix}:audit`;
  }

  async record(entry: AuditEntry): Promise<void> {
    const clean = {
      ...entry,
      params: auditParams(entry.params),
      detail: entry.detail && redactText(entry.detail),
    };
    this.log.info({ audit: clean }, `audit: ${clean.action} by ${clean.userId}: ${clean.outcome}`);
    await this.redis.xadd(
      this.key,
      "MAXLEN",
      "~",
      this.maxEntries,
      "*",
      "e",
      JSON.stringify(clean),
    );
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

export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async record(entry: AuditEntry): Promise<void> {
    this.entries.push({ ...entry, params: auditParams(entry.params) });
  }
  async latest({ target, limit }: { target?: string; limit: number }): Promise<AuditEntry[]> {
    return [...this.entries]
      .reverse()
      .filter((e) => !target || e.target?.includes(target))
      .slice(0, limit);
  }
}
