/**
 * What the bot remembers about each domain's digest: where the message is, what the last scan
 * found (to diff against and to show in Inspect), and whether someone muted its thread.
 *
 * In Redis each domain is one hash. The scan and the Mute button write different fields
 * (HSET of only their own), so a click during a scan is never overwritten by the scan's save.
 *
 * Each scan's message ids per class are kept beside it (one hash per scan, the last
 * KEPT_SCANS scans of a domain, each expiring after SCAN_IDS_TTL_SECONDS): a Discard or
 * Re-ingest click names its digest's scan and acts on those ids only, so it never touches a
 * message that arrived after the digest was shown. Memory is bounded by KEPT_SCANS × the
 * scan's own bound (`DLQ_SCAN_MAX_MESSAGES` ids).
 */
import type { Redis } from "ioredis";
import type { DlqClass } from "./classify.js";
import type { ScanMessageIds } from "./scan.js";
import { readScanSummary, type ScanSummary } from "./summary.js";

/** The current scan and at least the one before it (a click on a digest edited meanwhile). */
export const KEPT_SCANS = 3;
/** A day and a bit more: a digest clicked the next morning still acts on what it showed. */
export const SCAN_IDS_TTL_SECONDS = 26 * 3600;

export interface DigestState {
  domain: string;
  /** The channel the digest message is in, and its ts; absent until one was posted. */
  channel?: string;
  ts?: string;
  /** The scan the digest message shows now; its buttons name it. */
  scanId?: string;
  lastSummary?: ScanSummary;
  /** False when the last scan stopped at the bound, so counts are lower bounds. */
  lastComplete?: boolean;
  /** Epoch ms. */
  lastScanAt?: number;
  /** Set while the digest shows the resolved state: the total it had before. */
  resolvedFrom?: number;
  /** Epoch ms; thread replies are held back until then. */
  mutedUntil?: number;
}

export interface ScanRecord {
  channel?: string;
  ts?: string;
  /** The scan the digest shows; absent when the digest shows no scan (resolved). */
  scanId?: string;
  lastSummary: ScanSummary;
  lastComplete: boolean;
  lastScanAt: number;
  resolvedFrom?: number;
}

export interface DigestStore {
  get(domain: string): Promise<DigestState | undefined>;
  /** Writes the scan's fields only; the mute is left as it is. */
  saveScan(domain: string, record: ScanRecord): Promise<void>;
  /** `undefined` unmutes. */
  setMute(domain: string, until: number | undefined): Promise<void>;
  remove(domain: string): Promise<void>;
  /** Keeps a scan's message ids per class; older scans beyond KEPT_SCANS are dropped. */
  saveScanIds(domain: string, scanId: string, ids: ScanMessageIds): Promise<void>;
  /**
   * The ids of one class that scan saw (`[]` when it saw none); `undefined` when the bot has
   * no record of that scan (too old, or never made).
   */
  scanIds(domain: string, scanId: string, cls: DlqClass): Promise<string[] | undefined>;
}

export const isMuted = (state: Pick<DigestState, "mutedUntil"> | undefined, now: number) =>
  state?.mutedUntil !== undefined && state.mutedUntil > now;

/** `{profiles}:dlq-digest:<domain>`: under the configured prefix, so one hash tag covers it. */
export const digestKey = (prefix: string, domain: string): string =>
  `${prefix}:dlq-digest:${domain}`;
/** The domain's recent scan ids, newest first. */
const scansKey = (prefix: string, domain: string) => `${prefix}:dlq-scans:${domain}`;
/** One scan's ids: a hash with `at` and one JSON list per class. */
const scanIdsKey = (prefix: string, domain: string, scanId: string) =>
  `${prefix}:dlq-scan-ids:${domain}:${scanId}`;

function idsFrom(raw: string | null): string[] {
  try {
    const value: unknown = JSON.parse(raw ?? "[]");
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}

const num = (raw: string | undefined): number | undefined => {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
};

function summaryFrom(raw: string | undefined): ScanSummary | undefined {
  if (!raw) return undefined;
  try {
    return readScanSummary(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

export class RedisDigestStore implements DigestStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async get(domain: string): Promise<DigestState | undefined> {
    const h = await this.redis.hgetall(digestKey(this.prefix, domain));
    if (Object.keys(h).length === 0) return undefined;
    const state: DigestState = { domain };
    if (h.channel) state.channel = h.channel;
    if (h.ts) state.ts = h.ts;
    if (h.scanId) state.scanId = h.scanId;
    const summary = summaryFrom(h.lastSummary);
    if (summary) state.lastSummary = summary;
    if (h.lastComplete) state.lastComplete = h.lastComplete === "1";
    const lastScanAt = num(h.lastScanAt);
    if (lastScanAt !== undefined) state.lastScanAt = lastScanAt;
    const resolvedFrom = num(h.resolvedFrom);
    if (resolvedFrom !== undefined) state.resolvedFrom = resolvedFrom;
    const mutedUntil = num(h.mutedUntil);
    if (mutedUntil !== undefined) state.mutedUntil = mutedUntil;
    return state;
  }

  async saveScan(domain: string, record: ScanRecord): Promise<void> {
    const key = digestKey(this.prefix, domain);
    const fields: Record<string, string> = {
      lastSummary: JSON.stringify(record.lastSummary),
      lastComplete: record.lastComplete ? "1" : "0",
      lastScanAt: String(record.lastScanAt),
      channel: record.channel ?? "",
      ts: record.ts ?? "",
      scanId: record.scanId ?? "",
      resolvedFrom: record.resolvedFrom === undefined ? "" : String(record.resolvedFrom),
    };
    await this.redis.hset(key, fields);
  }

  async setMute(domain: string, until: number | undefined): Promise<void> {
    const key = digestKey(this.prefix, domain);
    if (until === undefined) await this.redis.hdel(key, "mutedUntil");
    else await this.redis.hset(key, "mutedUntil", String(until));
  }

  async remove(domain: string): Promise<void> {
    const scans = await this.redis.lrange(scansKey(this.prefix, domain), 0, -1);
    await this.redis.del(
      digestKey(this.prefix, domain),
      scansKey(this.prefix, domain),
      ...scans.map((id) => scanIdsKey(this.prefix, domain, id)),
    );
  }

  async saveScanIds(domain: string, scanId: string, ids: ScanMessageIds): Promise<void> {
    const key = scanIdsKey(this.prefix, domain, scanId);
    const list = scansKey(this.prefix, domain);
    const fields: Record<string, string> = { at: String(Date.now()) };
    for (const [cls, classIds] of Object.entries(ids)) fields[cls] = JSON.stringify(classIds);
    await this.redis
      .multi()
      .hset(key, fields)
      .expire(key, SCAN_IDS_TTL_SECONDS)
      .lpush(list, scanId)
      .expire(list, SCAN_IDS_TTL_SECONDS)
      .exec();
    const old = await this.redis.lrange(list, KEPT_SCANS, -1);
    if (old.length === 0) return;
    await this.redis
      .multi()
      .ltrim(list, 0, KEPT_SCANS - 1)
      .del(...old.map((id) => scanIdsKey(this.prefix, domain, id)))
      .exec();
  }

  async scanIds(domain: string, scanId: string, cls: DlqClass): Promise<string[] | undefined> {
    const [at, ids] = await this.redis.hmget(scanIdsKey(this.prefix, domain, scanId), "at", cls);
    return at === null ? undefined : idsFrom(ids);
  }
}

export class MemoryDigestStore implements DigestStore {
  private readonly states = new Map<string, DigestState>();
  private readonly scans = new Map<string, { scanId: string; ids: ScanMessageIds }[]>();

  async get(domain: string): Promise<DigestState | undefined> {
    const found = this.states.get(domain);
    return found ? structuredClone(found) : undefined;
  }

  async saveScan(domain: string, record: ScanRecord): Promise<void> {
    const current = this.states.get(domain);
    const next: DigestState = { domain, ...structuredClone(record) };
    if (current?.mutedUntil !== undefined) next.mutedUntil = current.mutedUntil;
    this.states.set(domain, next);
  }

  async setMute(domain: string, until: number | undefined): Promise<void> {
    const current = this.states.get(domain) ?? { domain };
    if (until === undefined) delete current.mutedUntil;
    else current.mutedUntil = until;
    this.states.set(domain, current);
  }

  async remove(domain: string): Promise<void> {
    this.states.delete(domain);
    this.scans.delete(domain);
  }

  async saveScanIds(domain: string, scanId: string, ids: ScanMessageIds): Promise<void> {
    const kept = [{ scanId, ids: structuredClone(ids) }, ...(this.scans.get(domain) ?? [])];
    this.scans.set(domain, kept.slice(0, KEPT_SCANS));
  }

  async scanIds(domain: string, scanId: string, cls: DlqClass): Promise<string[] | undefined> {
    const found = this.scans.get(domain)?.find((s) => s.scanId === scanId);
    return found ? [...(found.ids[cls] ?? [])] : undefined;
  }
}
