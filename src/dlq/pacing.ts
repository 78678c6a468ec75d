/**
 * Re-ingest pacing: a global rate shared by every worker (PutProfileObject's 100 TPS quota is
 * shared with live ingestion) and at most one object per profile per interval, so replaying
 * throttled objects does not trip "Too many objects ingested on profile per second" again.
 *
 * Both limits are token buckets in the shared RateLimiter (Redis in production). The
 * per-profile token is taken last, right before the call, so the spacing it enforces is the
 * spacing PutProfileObject sees. Throttling from AWS halves the effective global rate (AIMD)
 * and it climbs back while calls succeed, so a busy account slows re-ingest down instead of
 * failing it.
 */
import { createHash } from "node:crypto";
import type { RateLimiter } from "../ratelimit.js";

export interface PacerOptions {
  limiter: RateLimiter;
  /** Objects per second across all workers. */
  globalRate: number;
  /** Minimum time between two objects of one profile (1100 ms: one a second with margin). */
  profileIntervalMs: number;
  /**
   * The account and region (`placeId`) this pacer paces: AWS's quota is per account and
   * region, so each place has its own global bucket (`reingest:global:<place>`) and its own
   * profile buckets. Unset: one global bucket (`reingest:global`).
   */
  place?: string;
  /** Limiter key of the global bucket, overriding the place's. */
  globalKey?: string;
  /** Lowest rate throttling may push the pace down to. */
  minRate?: number;
  /** How long after a throttle the rate stays down before it starts climbing again. */
  cooldownMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface Pacer {
  /** Resolves when the next object may go: a global token and the profile's slot are taken. */
  wait(profileKey: string): Promise<void>;
  /** AWS throttled a call: halve the effective rate for a while. */
  throttled(): void;
  /** A call succeeded: let the rate climb back towards the configured one. */
  succeeded(): void;
  /** The effective global rate now, objects per second. */
  readonly rate: number;
  /** The per-profile interval it enforces, for callers that schedule around it. */
  readonly profileIntervalMs: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The per-profile bucket's key. Hashed: profile keys are emails and phone numbers. */
export function profilePaceKey(domain: string, profileKey: string): string {
  const digest = createHash("sha256").update(profileKey).digest("base64url").slice(0, 22);
  return `${domain}:${digest}`;
}

export function createPacer(opts: PacerOptions): Pacer {
  const { limiter, globalRate, profileIntervalMs } = opts;
  if (!(globalRate > 0)) throw new Error("globalRate must be above 0");
  if (!(profileIntervalMs > 0)) throw new Error("profileIntervalMs must be above 0");
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const globalKey =
    opts.globalKey ?? (opts.place ? `reingest:global:${opts.place}` : "reingest:global");
  const profileBucket = opts.place ? `profile:${opts.place}:` : "profile:";
  const minRate = Math.min(globalRate, opts.minRate ?? Math.max(0.5, globalRate / 20));
  const cooldownMs = opts.cooldownMs ?? 5_000;
  const profileRate = 1000 / profileIntervalMs;
  // A small burst keeps the achieved rate at the pace when one worker hiccups, without
  // letting a whole second's worth of calls through at once.
  const burstOf = (rate: number) => Math.max(1, Math.min(10, Math.floor(rate / 10)));
  let rate = globalRate;
  let downUntil = 0;
  let lastRaise = 0;
  let lastCut = Number.NEGATIVE_INFINITY;

  async function takeToken(key: string, r: number, burst: number): Promise<void> {
    const wait = await limiter.take(key, r, burst);
    if (wait > 0) await sleep(wait);
  }

  return {
    get rate() {
      return rate;
    },
    profileIntervalMs,
    async wait(profileKey: string) {
      await takeToken(globalKey, rate, burstOf(rate));
      await takeToken(`${profileBucket}${profileKey}`, profileRate, 1);
    },
    throttled() {
      const t = now();
      // Calls in flight when AWS started refusing all come back throttled: one signal, one halving.
      if (t - lastCut >= 1_000) {
        rate = Math.max(minRate, rate / 2);
        lastCut = t;
      }
      downUntil = t + cooldownMs;
    },
    succeeded() {
      const t = now();
      if (rate >= globalRate || t < downUntil || t - lastRaise < 1_000) return;
      // Additive increase: a tenth of the configured rate per second of success.
      rate = Math.min(globalRate, rate + globalRate / 10);
      lastRaise = t;
    },
  };
}

/** What the object type's keys say (ProfilesGateway.getProfileObjectType(...).keys). */
export type ObjectTypeKeys = Record<
  string,
  { standardIdentifiers: string[]; fieldNames: string[] }[]
>;

/** Fields that name a customer when the object type's keys are unknown, in order of trust. */
const IDENTIFYING_FIELDS = [
  "profileid",
  "_profileid",
  "accountnumber",
  "customerid",
  "partyid",
  "email",
  "emailaddress",
  "personalemailaddress",
  "businessemailaddress",
  "phone",
  "phonenumber",
  "mobilephonenumber",
  "homephonenumber",
  "businessphonenumber",
];

const norm = (key: string) => key.toLowerCase().replace(/[^a-z0-9_]/g, "");

function scalar(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A field by its exact name, else case- and punctuation-insensitively. */
function fieldOf(object: Record<string, unknown>, name: string): string | undefined {
  const exact = scalar(object[name]);
  if (exact !== undefined) return exact;
  const wanted = norm(name);
  for (const [key, value] of Object.entries(object)) {
    if (norm(key) === wanted) return scalar(value);
  }
  return undefined;
}

function keyValue(
  object: Record<string, unknown>,
  name: string,
  defs: { fieldNames: string[] }[],
): string | undefined {
  for (const def of defs) {
    const parts = def.fieldNames.map((f) => fieldOf(object, f));
    if (parts.length > 0 && parts.every((p) => p !== undefined)) {
      return `${name}=${parts.join("_")}`;
    }
  }
  return undefined;
}

const hasId = (defs: { standardIdentifiers: string[] }[], id: string) =>
  defs.some((d) => d.standardIdentifiers.includes(id));

/**
 * The identity re-ingest paces an object by. From the object type's PROFILE keys where known
 * (a key that is both PROFILE and UNIQUE first, then the others by name, so the same object
 * always gets the same key), then its UNIQUE keys, then fields that usually identify a
 * customer, else the object itself (it is then paced on its own, which is the best guess
 * left). Values are lower-cased: Customer Profiles matches emails case-insensitively.
 */
export function profileKeyOf(
  object: Record<string, unknown>,
  objectTypeKeys?: ObjectTypeKeys,
): string {
  if (objectTypeKeys) {
    const entries = Object.entries(objectTypeKeys).sort(([a], [b]) => (a < b ? -1 : 1));
    const profileKeys = entries.filter(([, defs]) => hasId(defs, "PROFILE"));
    const ordered = [
      ...profileKeys.filter(([, defs]) => hasId(defs, "UNIQUE")),
      ...profileKeys.filter(([, defs]) => !hasId(defs, "UNIQUE")),
      ...entries.filter(([, defs]) => !hasId(defs, "PROFILE") && hasId(defs, "UNIQUE")),
    ];
    for (const [name, defs] of ordered) {
      const value = keyValue(object, name, defs);
      if (value !== undefined) return value.toLowerCase();
    }
  }
  const byNorm = new Map<string, string>();
  for (const [key, value] of Object.entries(object)) {
    const text = scalar(value);
    if (text !== undefined && !byNorm.has(norm(key))) byNorm.set(norm(key), text);
  }
  for (const field of IDENTIFYING_FIELDS) {
    const value = byNorm.get(field);
    if (value !== undefined) return `${field}=${value}`.toLowerCase();
  }
  return `object=${createHash("sha256").update(stableJson(object)).digest("base64url").slice(0, 22)}`;
}

/** JSON with sorted keys, so the same object hashes the same whatever its key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
