/**
 * What the bot remembers about each domain's digest: where the message is, what the last scan
 * found (to diff against and to show in Inspect), and whether someone muted its thread.
 *
 * In Redis each domain is one hash. The scan and the Mute button write different fields
 * (HSET of only their own), so a click during a scan is never overwritten by the scan's save.
 *
 * Each scan's message ids per class are kept beside it (the last KEPT_SCANS scans of a domain,
 * each expiring after SCAN_IDS_TTL_SECONDS): a Discard or Re-ingest click names its digest's
 * scan and acts on those ids only, so it never touches a message that arrived after the digest
 * was shown. Memory is bounded by KEPT_SCANS × the scan's own bound (`DLQ_SCAN_MAX_MESSAGES`).
 *
 * The receive counts the bot knows of (src/dlq/receive-budget.ts) are one more field, written
 * by each scan and by each re-ingest or discard pass (`saveReceives`): what decides whether
 * the next scan may receive from a queue that has a RedrivePolicy of its own.
 *
 * The ids are streamed while the scan runs (`recordScanIds`): SADD in batches into a temporary
 * set per class (a message received twice is one member), then, when the scan succeeded,
 * `commit` RENAMEs each to its final name and only then writes the scan's marker hash (`at` and
 * its classes). `scanIds` answers from the marker, so a scan that failed or never committed
 * leaves nothing a button could act on; its temporary sets are deleted (and expire anyway).
 *
 * Every key is built from the domain's `refId` (account, region and name), so the same domain
 * name in two accounts or regions has two digests, two scan histories and two mutes.
 */

import { type DomainRef, refId } from "../aws/targets.js";
import { type Redis, throwFirstError } from "../redis.js";
import type { DlqClass } from "./classify.js";
import { refOf } from "./places.js";
import { type ReceiveCounts, readReceiveCounts } from "./receive-budget.js";
import type { ScanMessageIds } from "./scan.js";
import { readScanSummary, type ScanSummary } from "./summary.js";

/** The current scan and at least the one before it (a click on a digest edited meanwhile). */
export const KEPT_SCANS = 3;
/** A day and a bit more: a digest clicked the next morning still acts on what it showed. */
export const SCAN_IDS_TTL_SECONDS = 26 * 3600;

export interface DigestState extends DomainRef {
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
  /** The highest ApproximateReceiveCount known in the queue (the receive budget's input). */
  receives?: ReceiveCounts;
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
  receives?: ReceiveCounts;
}

export interface DigestStore {
  get(ref: DomainRef): Promise<DigestState | undefined>;
  /** Writes the scan's fields only; the mute is left as it is. */
  saveScan(ref: DomainRef, record: ScanRecord): Promise<void>;
  /** What a re-ingest or discard pass learnt of the receive counts; the rest is left as it is. */
  saveReceives(ref: DomainRef, receives: ReceiveCounts): Promise<void>;
  /** `undefined` unmutes. */
  setMute(ref: DomainRef, until: number | undefined): Promise<void>;
  remove(ref: DomainRef): Promise<void>;
  /**
   * Records a scan's ids as it runs: `add` any number of batches (duplicates allowed), then
   * `commit` (readable from then on; older scans beyond KEPT_SCANS are dropped) or `discard`.
   */
  recordScanIds(ref: DomainRef, scanId: string): ScanIdsRecorder;
  /**
   * The ids of one class that scan saw (`[]` when it saw none); `undefined` when the bot has
   * no record of that scan (too old, or never made).
   */
  scanIds(ref: DomainRef, scanId: string, cls: DlqClass): Promise<string[] | undefined>;
}

export interface ScanIdsRecorder {
  add(ids: ScanMessageIds): Promise<void>;
  commit(): Promise<void>;
  /** Drops what was added, unless committed; never throws (the temporary sets expire anyway). */
  discard(): Promise<void>;
}

export const isMuted = (state: Pick<DigestState, "mutedUntil"> | undefined, now: number) =>
  state?.mutedUntil !== undefined && state.mutedUntil > now;

/** `{profiles}:dlq-digest:<refId>`: under the configured prefix, so one hash tag covers it. */
export const digestKey = (prefix: string, ref: DomainRef): string =>
  `${prefix}:dlq-digest:${refId(ref)}`;
/** The domain's recent scan ids, newest first. */
const scansKey = (prefix: string, ref: DomainRef) => `${prefix}:dlq-scans:${refId(ref)}`;
/** One scan's marker: a hash with `at` and `classes` (a JSON list), written last. */
const scanIdsKey = (prefix: string, ref: DomainRef, scanId: string) =>
  `${prefix}:dlq-scan-ids:${refId(ref)}:${scanId}`;
/** One scan's ids of one class, once committed: a set. */
const scanClassKey = (prefix: string, ref: DomainRef, scanId: string, cls: string) =>
  `${prefix}:dlq-scan-class:${refId(ref)}:${scanId}:${cls}`;
/** The same while the scan runs: never read by `scanIds`. */
const scanTempKey = (prefix: string, ref: DomainRef, scanId: string, cls: string) =>
  `${prefix}:dlq-scan-tmp:${refId(ref)}:${scanId}:${cls}`;

/** SADD arguments per command: large batches are split so no command is huge. */
const SADD_CHUNK = 1_000;

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

/** A field stored as JSON, checked by `read`: undefined when absent, not JSON, or not its shape. */
function jsonField<T>(raw: string | undefined, read: (value: unknown) => T | undefined) {
  if (!raw) return undefined;
  try {
    return read(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

export class RedisDigestStore implements DigestStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async get(ref: DomainRef): Promise<DigestState | undefined> {
    const h = await this.redis.hgetall(digestKey(this.prefix, ref));
    if (Object.keys(h).length === 0) return undefined;
    const state: DigestState = refOf(ref);
    if (h.channel) state.channel = h.channel;
    if (h.ts) state.ts = h.ts;
    if (h.scanId) state.scanId = h.scanId;
    const summary = jsonField(h.lastSummary, readScanSummary);
    if (summary) state.lastSummary = summary;
    if (h.lastComplete) state.lastComplete = h.lastComplete === "1";
    const lastScanAt = num(h.lastScanAt);
    if (lastScanAt !== undefined) state.lastScanAt = lastScanAt;
    const resolvedFrom = num(h.resolvedFrom);
    if (resolvedFrom !== undefined) state.resolvedFrom = resolvedFrom;
    const mutedUntil = num(h.mutedUntil);
    if (mutedUntil !== undefined) state.mutedUntil = mutedUntil;
    const receives = jsonField(h.receives, readReceiveCounts);
    if (receives) state.receives = receives;
    return state;
  }

  async saveScan(ref: DomainRef, record: ScanRecord): Promise<void> {
    const key = digestKey(this.prefix, ref);
    const fields: Record<string, string> = {
      lastSummary: JSON.stringify(record.lastSummary),
      lastComplete: record.lastComplete ? "1" : "0",
      lastScanAt: String(record.lastScanAt),
      channel: record.channel ?? "",
      ts: record.ts ?? "",
      scanId: record.scanId ?? "",
      resolvedFrom: record.resolvedFrom === undefined ? "" : String(record.resolvedFrom),
      receives: record.receives ? JSON.stringify(record.receives) : "",
    };
    await this.redis.hset(key, fields);
  }

  async saveReceives(ref: DomainRef, receives: ReceiveCounts): Promise<void> {
    await this.redis.hset(digestKey(this.prefix, ref), "receives", JSON.stringify(receives));
  }

  async setMute(ref: DomainRef, until: number | undefined): Promise<void> {
    const key = digestKey(this.prefix, ref);
    if (until === undefined) await this.redis.hdel(key, "mutedUntil");
    else await this.redis.hset(key, "mutedUntil", String(until));
  }

  async remove(ref: DomainRef): Promise<void> {
    const scans = await this.redis.lrange(scansKey(this.prefix, ref), 0, -1);
    await this.redis.unlink(
      digestKey(this.prefix, ref),
      scansKey(this.prefix, ref),
      ...(await this.scanKeys(ref, scans)),
    );
  }

  /** Every key of these scans: their markers and their class sets. */
  private async scanKeys(ref: DomainRef, scans: string[]): Promise<string[]> {
    const keys: string[] = [];
    for (const id of scans) {
      const marker = scanIdsKey(this.prefix, ref, id);
      const classes = idsFrom(await this.redis.hget(marker, "classes"));
      keys.push(marker, ...classes.map((cls) => scanClassKey(this.prefix, ref, id, cls)));
    }
    return keys;
  }

  recordScanIds(ref: DomainRef, scanId: string): ScanIdsRecorder {
    const { redis, prefix } = this;
    const classes = new Set<string>();
    const temp = (cls: string) => scanTempKey(prefix, ref, scanId, cls);
    /** Set once the marker is written: the record is the scan's from then on, never discarded. */
    let committed = false;
    return {
      add: async (ids) => {
        const pipeline = redis.pipeline();
        let commands = 0;
        for (const [cls, list] of Object.entries(ids)) {
          if (!list || list.length === 0) continue;
          classes.add(cls);
          for (let i = 0; i < list.length; i += SADD_CHUNK) {
            pipeline.sadd(temp(cls), ...list.slice(i, i + SADD_CHUNK));
            commands += 1;
          }
          pipeline.expire(temp(cls), SCAN_IDS_TTL_SECONDS);
        }
        if (commands === 0) return;
        throwFirstError(await pipeline.exec());
      },
      commit: async () => {
        const clsList = [...classes];
        // The class sets take their final names first; the marker, written last, makes the
        // scan readable: a commit that fails half-way leaves no marker, so no usable record.
        if (clsList.length > 0) {
          const renames = redis.multi();
          for (const cls of clsList) {
            const final = scanClassKey(prefix, ref, scanId, cls);
            renames.rename(temp(cls), final).expire(final, SCAN_IDS_TTL_SECONDS);
          }
          throwFirstError(await renames.exec());
        }
        const marker = scanIdsKey(prefix, ref, scanId);
        const list = scansKey(prefix, ref);
        throwFirstError(
          await redis
            .multi()
            .hset(marker, { at: String(Date.now()), classes: JSON.stringify(clsList) })
            .expire(marker, SCAN_IDS_TTL_SECONDS)
            .lpush(list, scanId)
            .expire(list, SCAN_IDS_TTL_SECONDS)
            .exec(),
        );
        committed = true;
        const old = await redis.lrange(list, KEPT_SCANS, -1);
        if (old.length === 0) return;
        const oldKeys = await this.scanKeys(ref, old);
        // UNLINK, not DEL: a class set holds up to DLQ_SCAN_MAX_MESSAGES ids, and Redis frees
        // an unlinked one on a thread of its own instead of blocking every client meanwhile.
        await redis
          .multi()
          .ltrim(list, 0, KEPT_SCANS - 1)
          .unlink(...oldKeys)
          .exec();
      },
      discard: async () => {
        if (committed) return;
        const keys = [...classes].flatMap((cls) => [
          temp(cls),
          scanClassKey(prefix, ref, scanId, cls),
        ]);
        if (keys.length === 0) return;
        await redis.unlink(...keys).catch(() => undefined);
      },
    };
  }

  async scanIds(ref: DomainRef, scanId: string, cls: DlqClass): Promise<string[] | undefined> {
    const at = await this.redis.hget(scanIdsKey(this.prefix, ref, scanId), "at");
    if (at === null) return undefined;
    const ids = await this.redis.smembers(scanClassKey(this.prefix, ref, scanId, cls));
    return ids.sort();
  }
}

export class MemoryDigestStore implements DigestStore {
  private readonly states = new Map<string, DigestState>();
  private readonly scans = new Map<string, { scanId: string; ids: ScanMessageIds }[]>();

  async get(ref: DomainRef): Promise<DigestState | undefined> {
    const found = this.states.get(refId(ref));
    return found ? structuredClone(found) : undefined;
  }

  async saveScan(ref: DomainRef, record: ScanRecord): Promise<void> {
    const current = this.states.get(refId(ref));
    const next: DigestState = { ...refOf(ref), ...structuredClone(record) };
    if (current?.mutedUntil !== undefined) next.mutedUntil = current.mutedUntil;
    this.states.set(refId(ref), next);
  }

  async saveReceives(ref: DomainRef, receives: ReceiveCounts): Promise<void> {
    const current: DigestState = this.states.get(refId(ref)) ?? refOf(ref);
    this.states.set(refId(ref), { ...current, receives: { ...receives } });
  }

  async setMute(ref: DomainRef, until: number | undefined): Promise<void> {
    const current: DigestState = this.states.get(refId(ref)) ?? refOf(ref);
    if (until === undefined) delete current.mutedUntil;
    else current.mutedUntil = until;
    this.states.set(refId(ref), current);
  }

  async remove(ref: DomainRef): Promise<void> {
    this.states.delete(refId(ref));
    this.scans.delete(refId(ref));
  }

  private async saveScanIds(ref: DomainRef, scanId: string, ids: ScanMessageIds): Promise<void> {
    const kept = [{ scanId, ids: structuredClone(ids) }, ...(this.scans.get(refId(ref)) ?? [])];
    this.scans.set(refId(ref), kept.slice(0, KEPT_SCANS));
  }

  recordScanIds(ref: DomainRef, scanId: string): ScanIdsRecorder {
    const ids = new Map<string, Set<string>>();
    return {
      add: async (batch) => {
        for (const [cls, list] of Object.entries(batch)) {
          const seen = ids.get(cls) ?? new Set<string>();
          for (const id of list ?? []) seen.add(id);
          ids.set(cls, seen);
        }
      },
      commit: () =>
        this.saveScanIds(
          ref,
          scanId,
          Object.fromEntries([...ids].map(([cls, set]) => [cls, [...set].sort()])),
        ),
      discard: async () => {
        ids.clear();
      },
    };
  }

  async scanIds(ref: DomainRef, scanId: string, cls: DlqClass): Promise<string[] | undefined> {
    const found = this.scans.get(refId(ref))?.find((s) => s.scanId === scanId);
    return found ? [...(found.ids[cls] ?? [])] : undefined;
  }
}
