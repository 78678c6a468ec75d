/**
 * What the bot remembers about each domain's digest: where the message is, what the last scan
 * found (to diff against and to show in Inspect), and whether someone muted its thread.
 *
 * In Redis each domain is one hash. The scan and the Mute button write different fields
 * (HSET of only their own), so a click during a scan is never overwritten by the scan's save.
 */
import type { Redis } from "ioredis";
import { readScanSummary, type ScanSummary } from "./summary.js";

export interface DigestState {
  domain: string;
  /** The channel the digest message is in, and its ts; absent until one was posted. */
  channel?: string;
  ts?: string;
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
}

export const isMuted = (state: Pick<DigestState, "mutedUntil"> | undefined, now: number) =>
  state?.mutedUntil !== undefined && state.mutedUntil > now;

/** `{profiles}:dlq-digest:<domain>`: under the configured prefix, so one hash tag covers it. */
export const digestKey = (prefix: string, domain: string): string =>
  `${prefix}:dlq-digest:${domain}`;

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
    await this.redis.del(digestKey(this.prefix, domain));
  }
}

export class MemoryDigestStore implements DigestStore {
  private readonly states = new Map<string, DigestState>();

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
  }
}
