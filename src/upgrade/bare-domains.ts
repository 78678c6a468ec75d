/**
 * Upgrading from the single-place bot: it kept every per-domain record under the bare domain
 * name (`{profiles}:dlq-digest:my-domain`, the bindings' field `my-domain`, the scheduler
 * `scan-my-domain`), where this version keys them by the domain's refId
 * (`{profiles}:dlq-digest:111122223333.eu-west-2.my-domain`). Left as they were, those records
 * are never read again and the domains' digests go quiet. So at every start, before any
 * worker or listener runs, the records still under a bare name are moved to the refId of the
 * place the old bot served: the bot's own account (STS GetCallerIdentity, as the default
 * target knows it) in AWS_REGION.
 *
 * What the single-place bot kept per domain, and what moves:
 * - its digest binding, a field of `<prefix>:alert-bindings` (JSON; it gains account and region);
 * - its digest state, the hash `<prefix>:dlq-digest:<domain>` (channel, message ts, scan id,
 *   last summary, receive counts, mute), with its scan records: the list
 *   `<prefix>:dlq-scans:<domain>`, each scan's marker `<prefix>:dlq-scan-ids:<domain>:<scan>`
 *   and its class sets `<prefix>:dlq-scan-class:<domain>:<scan>:<class>` (their TTLs kept);
 * - its last key check, `<prefix>:key-check:<domain>` (JSON, TTL kept);
 * - its scan scheduler `scan-<domain>`: re-created as `scan-<refId>` at the same interval
 *   when the domain is bound, then removed.
 * Short-lived keys (scan locks, a running scan's temporary sets) are left to expire.
 *
 * Each record moves in one Lua script on keys that share the prefix's hash tag (one slot, so
 * a Redis Cluster runs it too): a crash leaves every record either where it was or where it
 * goes, never both or half, and the next start moves what is left. Where the refId already
 * has a record (this version wrote one first), that one wins: the old one is deleted, except
 * that a digest state's fields the new one lacks are copied into it. A script moves a record
 * only if it is still what was read, so processes starting together (ROLE=all) each move a
 * record at most once between them, and only the one that moved it logs and audits it.
 */
import type { AuditLog } from "../audit/audit.js";
import { type DomainRef, type Place, refId, type Targets } from "../aws/targets.js";
import type { Logger } from "../logger.js";
import { bindingsKey } from "../provision/bindings.js";
import { moveBareScanScheduler, scanSchedulers } from "../queues/dlq-scan.js";
import type { JobQueues } from "../queues/index.js";
import { keysMatching, type Redis } from "../redis.js";

/** A domain name as Customer Profiles allows it: never a dot, so never a refId. */
const BARE = /^[a-zA-Z0-9_-]{1,64}$/;

/** A prefix as SCAN's MATCH reads it: its glob characters taken literally. */
const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, "\\$&");

/** The kinds of record a domain had, as the log, the audit and the tests name them. */
export type RecordKind = "binding" | "digest" | "key check" | "scan schedule";

export interface MovedDomain {
  domain: string;
  ref: DomainRef;
  /** Moved to the refId. */
  moved: RecordKind[];
  /** The refId had its own already: the old record was dropped (a digest's missing fields copied). */
  superseded: RecordKind[];
  /** Left where it was: not JSON, or not a record this version can read. */
  unreadable: RecordKind[];
}

export type MigrationReport =
  | { status: "nothing" }
  | { status: "skipped"; reason: string; domains: string[] }
  | { status: "moved"; place: Place; domains: MovedDomain[] };

export interface MigrationDeps {
  redis: Redis;
  prefix: string;
  queues: JobQueues;
  targets: Pick<Targets, "all" | "targetOf" | "describe">;
  /** AWS_REGION: the region the single-place bot served. */
  awsRegion?: string;
  audit: AuditLog;
  log: Logger;
}

/**
 * Where the single-place bot worked: the bot's own account (the target without a role) in
 * AWS_REGION, or in that target's first region when AWS_REGION is unset (then the bot, like
 * the old one, works in the SDK's region). A reason instead when this version does not serve
 * it: the records must not be moved where nothing reads them.
 */
export function legacyPlace(
  targets: Pick<Targets, "all" | "targetOf">,
  awsRegion: string | undefined,
): { place: Place } | { reason: string } {
  const own = targets.all().find((t) => t.roleArn === undefined);
  if (!own) {
    return {
      reason:
        "AWS_TARGETS has no target with the bot's own credentials, where the single-place bot worked: add one (a target without roleArn) with AWS_REGION among its regions",
    };
  }
  const place = { account: own.account, region: awsRegion ?? (own.regions[0] as string) };
  if (!targets.targetOf(place)) {
    return {
      reason: `the single-place bot worked in ${place.region} of account ${place.account}, which AWS_TARGETS does not serve: add ${place.region} to the regions of target ${own.name}`,
    };
  }
  return { place };
}

/** The bare domain names that still have a record of the single-place bot. */
export async function bareDomains(
  redis: Redis,
  prefix: string,
  queues: JobQueues,
): Promise<string[]> {
  const found = new Set<string>();
  for (const field of await redis.hkeys(bindingsKey(prefix))) {
    if (BARE.test(field)) found.add(field);
  }
  // One pass over the prefix's keys: starts are frequent, and SCAN reads the whole key space.
  const kinds = [`${prefix}:dlq-digest:`, `${prefix}:dlq-scans:`, `${prefix}:key-check:`];
  for await (const keys of keysMatching(redis, `${globEscape(prefix)}:*`)) {
    for (const key of keys) {
      const kind = kinds.find((k) => key.startsWith(k));
      const name = kind ? key.slice(kind.length) : undefined;
      if (name && BARE.test(name)) found.add(name);
    }
  }
  for (const { id } of await scanSchedulers(queues)) {
    if (BARE.test(id)) found.add(id);
  }
  return [...found].sort();
}

/** Moves every bare-named record to the legacy place's refIds; a second run finds nothing. */
export async function migrateBareDomains(deps: MigrationDeps): Promise<MigrationReport> {
  const domains = await bareDomains(deps.redis, deps.prefix, deps.queues);
  if (domains.length === 0) return { status: "nothing" };
  const legacy = legacyPlace(deps.targets, deps.awsRegion);
  if ("reason" in legacy) {
    deps.log.warn(
      { domains },
      `records of the single-place bot were left under their bare domain names, so these domains get no digests: ${legacy.reason}, then start the bot again`,
    );
    return { status: "skipped", reason: legacy.reason, domains };
  }
  const { place } = legacy;
  const moved: MovedDomain[] = [];
  for (const domain of domains) {
    const done = await moveDomain(deps, { ...place, domain });
    if (done.moved.length + done.superseded.length + done.unreadable.length === 0) continue;
    moved.push(done);
    await report(deps, done);
  }
  return { status: "moved", place, domains: moved };
}

async function moveDomain(deps: MigrationDeps, ref: DomainRef): Promise<MovedDomain> {
  const done: MovedDomain = {
    domain: ref.domain,
    ref,
    moved: [],
    superseded: [],
    unreadable: [],
  };
  const note = (kind: RecordKind, outcome: Outcome) => {
    if (outcome !== "absent") done[outcome].push(kind);
  };
  // The binding first: the scheduler is re-created only for a domain bound under its refId.
  note("binding", await moveBinding(deps, ref));
  note("digest", await moveDigest(deps, ref));
  note("key check", await moveKeyCheck(deps, ref));
  note(
    "scan schedule",
    await moveBareScanScheduler(
      deps.queues,
      ref,
      async () => (await deps.redis.hexists(bindingsKey(deps.prefix), refId(ref))) === 1,
    ),
  );
  return done;
}

/** What happened to one record; `absent` when the domain had none of that kind. */
type Outcome = "moved" | "superseded" | "unreadable" | "absent";

const OUTCOMES: Record<number, Outcome> = { 0: "absent", 1: "moved", 2: "superseded" };

/**
 * A JSON record (a hash field or a string key) is rewritten with its place; the script
 * moves it only while it still holds what was read (ARGV[1]), else answers -1 and the
 * caller reads it again.
 */
async function compareAndMove(
  read: () => Promise<string | null>,
  move: (was: string, next: string) => Promise<unknown>,
  ref: DomainRef,
): Promise<Outcome> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const was = await read();
    if (was === null) return "absent";
    const next = withPlace(was, ref);
    if (next === undefined) return "unreadable";
    const answer = Number(await move(was, next));
    if (answer !== -1) return OUTCOMES[answer] ?? "absent";
  }
  // Rewritten three times while being moved: someone is writing it; the next start moves it.
  return "absent";
}

/** The old JSON record with the place's account and region, or undefined when it is not one. */
function withPlace(raw: string, ref: DomainRef): string | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
    return JSON.stringify({
      ...value,
      account: ref.account,
      region: ref.region,
      domain: ref.domain,
    });
  } catch {
    return undefined;
  }
}

/** KEYS[1] the bindings hash; ARGV: the old field, the value read, the refId, the new value. */
const MOVE_FIELD = `
local was = redis.call("HGET", KEYS[1], ARGV[1])
if not was then return 0 end
if was ~= ARGV[2] then return -1 end
redis.call("HDEL", KEYS[1], ARGV[1])
if redis.call("HSETNX", KEYS[1], ARGV[3], ARGV[4]) == 1 then return 1 end
return 2
`;

function moveBinding(deps: MigrationDeps, ref: DomainRef): Promise<Outcome> {
  const key = bindingsKey(deps.prefix);
  return compareAndMove(
    () => deps.redis.hget(key, ref.domain),
    (was, next) => deps.redis.eval(MOVE_FIELD, 1, key, ref.domain, was, refId(ref), next),
    ref,
  );
}

/** KEYS: the old key, the new one; ARGV: the value read, the new value. The TTL goes along. */
const MOVE_STRING = `
local was = redis.call("GET", KEYS[1])
if not was then return 0 end
if was ~= ARGV[1] then return -1 end
local ttl = redis.call("PTTL", KEYS[1])
redis.call("DEL", KEYS[1])
if redis.call("EXISTS", KEYS[2]) == 1 then return 2 end
if ttl > 0 then redis.call("SET", KEYS[2], ARGV[2], "PX", ttl) else redis.call("SET", KEYS[2], ARGV[2]) end
return 1
`;

function moveKeyCheck(deps: MigrationDeps, ref: DomainRef): Promise<Outcome> {
  const from = `${deps.prefix}:key-check:${ref.domain}`;
  const to = `${deps.prefix}:key-check:${refId(ref)}`;
  return compareAndMove(
    () => deps.redis.get(from),
    (was, next) => deps.redis.eval(MOVE_STRING, 2, from, to, was, next),
    ref,
  );
}

/**
 * KEYS: pairs of (old, new). The first pair is the digest hash: its fields go into the new
 * hash where that lacks them. Every other old key is RENAMEd (its TTL goes along) unless the
 * new name exists, in which case the old key is deleted. Answers 2 when the refId had a
 * digest hash already, 1 when anything moved, 0 when no old key was left (another process
 * moved them first).
 */
const MOVE_DIGEST = `
local answer = 0
if redis.call("EXISTS", KEYS[1]) == 1 then
  if redis.call("EXISTS", KEYS[2]) == 1 then
    local fields = redis.call("HGETALL", KEYS[1])
    for i = 1, #fields, 2 do redis.call("HSETNX", KEYS[2], fields[i], fields[i + 1]) end
    redis.call("DEL", KEYS[1])
    answer = 2
  else
    redis.call("RENAME", KEYS[1], KEYS[2])
    answer = 1
  end
end
for i = 3, #KEYS, 2 do
  if redis.call("EXISTS", KEYS[i]) == 1 then
    if answer == 0 then answer = 1 end
    if redis.call("EXISTS", KEYS[i + 1]) == 1 then redis.call("DEL", KEYS[i])
    else redis.call("RENAME", KEYS[i], KEYS[i + 1]) end
  end
end
return answer
`;

async function moveDigest(deps: MigrationDeps, ref: DomainRef): Promise<Outcome> {
  const { redis, prefix } = deps;
  const old = (kind: string, rest = "") => `${prefix}:${kind}:${ref.domain}${rest}`;
  const now = (kind: string, rest = "") => `${prefix}:${kind}:${refId(ref)}${rest}`;
  const pairs: [string, string][] = [
    [old("dlq-digest"), now("dlq-digest")],
    [old("dlq-scans"), now("dlq-scans")],
  ];
  // The old bot wrote a scan's records before listing it, and nothing writes them now.
  for (const scan of await redis.lrange(old("dlq-scans"), 0, -1)) {
    const marker = `:${scan}`;
    pairs.push([old("dlq-scan-ids", marker), now("dlq-scan-ids", marker)]);
    const classes = parseList(await redis.hget(old("dlq-scan-ids", marker), "classes"));
    for (const cls of classes) {
      const set = `:${scan}:${cls}`;
      pairs.push([old("dlq-scan-class", set), now("dlq-scan-class", set)]);
    }
  }
  const answer = Number(await redis.eval(MOVE_DIGEST, pairs.length * 2, ...pairs.flat()));
  return OUTCOMES[answer] ?? "absent";
}

const parseList = (raw: string | null): string[] => {
  try {
    const value: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
};

/** One log line and one audit entry per domain this process moved something of. */
async function report(deps: MigrationDeps, done: MovedDomain): Promise<void> {
  const id = refId(done.ref);
  const list = (kinds: RecordKind[]) => kinds.join(", ");
  deps.log.info(
    {
      domain: done.domain,
      refId: id,
      moved: done.moved,
      superseded: done.superseded,
      unreadable: done.unreadable,
    },
    "moved a domain's records from its bare name to its refId (upgrade from the single-place bot)",
  );
  await deps.audit.record({
    at: new Date().toISOString(),
    userId: "(system)",
    action: "upgrade:bare-domain",
    target: id,
    place: deps.targets.describe(done.ref),
    params: {
      domain: done.domain,
      ...(done.moved.length > 0 && { moved: list(done.moved) }),
      ...(done.superseded.length > 0 && { superseded: list(done.superseded) }),
      ...(done.unreadable.length > 0 && { unreadable: list(done.unreadable) }),
    },
    outcome: done.unreadable.length > 0 ? "failed" : "succeeded",
    ...(done.unreadable.length > 0 && {
      detail: `left under the bare name ${done.domain}, not being JSON records: ${list(done.unreadable)}`,
    }),
  });
}
