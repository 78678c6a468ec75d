/**
 * Customer Profiles' asynchronous ingestion. PutProfileObject answers at once and ingests a
 * few ms later, as AWS does: an object that fails processing never reaches the caller as an
 * error, it lands on the domain's DLQ. That asynchrony is the behaviour profiles-bot exists
 * for, so the emulator keeps it. sandbox/aws/README.md ("Customer Profiles ingestion and the
 * dead-letter message shape") describes the message written there.
 */
import { createHash, randomUUID } from "node:crypto";
import { type EmulatorState, enqueueMessage, findQueueByUrl } from "../state.js";
import type { EmulatorContext } from "../types.js";
import { deadLetterProblem, queueKeyUsable, usableKey } from "./profiles-policy.js";
import {
  type Domain,
  findDomain,
  type ObjectTypeField,
  type Profile,
  type ProfileObjectType,
} from "./profiles-state.js";

export const INGESTION_ERRORS = {
  throttled: "Too many objects ingested on profile per second",
  missingKey: "The UNIQUE key or PROFILE key does not exist in the profile object",
  invalidKmsKey: "Customer Profiles cannot ingest the object due to invalid KMS key",
  tooLarge: (bytes: number) => `Your data contains profile object larger than ${bytes} bytes`,
  multipleProfiles: "All keys of this object are binding to more than one profiles",
} as const;

/** The value at a field's `_source.a.b` path in the object, as a string, if present. */
function fieldValue(
  object: Record<string, unknown>,
  fieldName: string,
  fields: Record<string, ObjectTypeField>,
): string | undefined {
  const source = fields[fieldName]?.Source ?? `_source.${fieldName}`;
  let value: unknown = object;
  for (const part of source.replace(/^_source\./, "").split(".")) {
    value =
      value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (value === undefined || value === null || value === "") return undefined;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

interface ObjectKeys {
  /** Key name → value, for every key of the type the object has a value for. */
  values: Record<string, string>;
  /** Keys that find the profile: PROFILE, LOOKUP_ONLY and NEW_ONLY ones. */
  profileKeys: string[];
  /** Keys kept on the profile afterwards: LOOKUP_ONLY ones only search. */
  storedKeys: string[];
  uniqueKeys: string[];
  missingUnique: boolean;
}

function keysOf(type: ProfileObjectType, object: Record<string, unknown>): ObjectKeys {
  const out: ObjectKeys = {
    values: {},
    profileKeys: [],
    storedKeys: [],
    uniqueKeys: [],
    missingUnique: false,
  };
  for (const [keyName, list] of Object.entries(type.keys)) {
    for (const key of list) {
      const parts = (key.FieldNames ?? []).map((f) => fieldValue(object, f, type.fields));
      const complete = parts.length > 0 && parts.every((p) => p !== undefined);
      const ids = key.StandardIdentifiers ?? [];
      if (ids.includes("UNIQUE") && !complete) out.missingUnique = true;
      if (!complete) continue;
      out.values[keyName] = parts.join("_");
      if (ids.includes("UNIQUE")) out.uniqueKeys.push(keyName);
      if (ids.includes("PROFILE") || ids.includes("LOOKUP_ONLY") || ids.includes("NEW_ONLY")) {
        out.profileKeys.push(keyName);
      }
      if (ids.includes("PROFILE") || ids.includes("NEW_ONLY")) out.storedKeys.push(keyName);
    }
  }
  return out;
}

/**
 * The ProfileObjectUniqueKey: stable for an object's UNIQUE key so that putting the same
 * object again answers the same key (and replaces the stored object), random otherwise.
 */
export function uniqueKeyOf(
  domain: Domain,
  type: ProfileObjectType | undefined,
  objectJson: string,
): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(objectJson);
  } catch {
    parsed = undefined;
  }
  if (type && parsed && typeof parsed === "object") {
    const keys = keysOf(type, parsed as Record<string, unknown>);
    if (!keys.missingUnique && keys.uniqueKeys.length > 0) {
      const material = [
        domain.name,
        type.name,
        ...keys.uniqueKeys.map((k) => `${k}=${keys.values[k]}`),
      ];
      return createHash("sha256").update(material.join("\u0000")).digest("base64url").slice(0, 32);
    }
  }
  return randomUUID().replaceAll("-", "");
}

/** Where `_profile.X` / `_profile.Attributes.X` targets put an object's values on its profile. */
function applyTargets(
  profile: Profile,
  type: ProfileObjectType,
  object: Record<string, unknown>,
): void {
  for (const [fieldName, field] of Object.entries(type.fields)) {
    const target = field.Target;
    if (!target?.startsWith("_profile.")) continue;
    const value = fieldValue(object, fieldName, type.fields);
    if (value === undefined) continue;
    const path = target.slice("_profile.".length);
    if (path.startsWith("Attributes."))
      profile.attributes[path.slice("Attributes.".length)] = value;
    else profile.fields[path] = value;
  }
}

type Verdict = { ok: true; profileId: string } | { ok: false; error: string };

/**
 * A domain's profiles by key: `keyName NUL value` → profile ids. Customer Profiles finds an
 * object's profile through an index; scanning every profile instead made each object cost
 * O(profiles), and a re-ingest of thousands of objects O(n²). Built from the domain's
 * profiles the first time a domain object is seen (a loaded or new state has new domain
 * objects) and kept as `ingest`, the only writer of profiles and their keys, adds to them.
 */
const keyIndexes = new WeakMap<Domain, Map<string, Set<string>>>();

const indexKey = (keyName: string, value: string) => `${keyName}\u0000${value}`;

function indexProfileKey(
  index: Map<string, Set<string>>,
  keyName: string,
  value: string,
  profileId: string,
) {
  const key = indexKey(keyName, value);
  const ids = index.get(key);
  if (ids) ids.add(profileId);
  else index.set(key, new Set([profileId]));
}

function keyIndexOf(domain: Domain): Map<string, Set<string>> {
  let index = keyIndexes.get(domain);
  if (!index) {
    index = new Map();
    for (const profile of Object.values(domain.profiles)) {
      for (const [keyName, values] of Object.entries(profile.keys)) {
        for (const value of values) indexProfileKey(index, keyName, value, profile.profileId);
      }
    }
    keyIndexes.set(domain, index);
  }
  return index;
}

/**
 * Store an object and attach it to its profile, or say why it cannot be. `arrivedAt` is
 * when PutProfileObject was called: the per-profile rate counts arrivals, not processing.
 */
export function ingest(
  state: EmulatorState,
  options: { profileObjectsPerSecond: number; maxObjectBytes: number } | undefined,
  domain: Domain,
  type: ProfileObjectType,
  objectJson: string,
  uniqueKey: string,
  arrivedAt: number,
): Verdict {
  if (options && Buffer.byteLength(objectJson, "utf8") > options.maxObjectBytes) {
    return { ok: false, error: INGESTION_ERRORS.tooLarge(options.maxObjectBytes) };
  }
  for (const ref of [type.encryptionKey, domain.defaultEncryptionKey]) {
    if (ref && !usableKey(state, ref, domain.region)) {
      return { ok: false, error: INGESTION_ERRORS.invalidKmsKey };
    }
  }
  const object = JSON.parse(objectJson) as Record<string, unknown>;
  const keys = keysOf(type, object);
  if (keys.missingUnique || keys.profileKeys.length === 0) {
    return { ok: false, error: INGESTION_ERRORS.missingKey };
  }
  const index = keyIndexOf(domain);
  const matches = new Set<string>();
  for (const keyName of keys.profileKeys) {
    const value = keys.values[keyName] as string;
    for (const profileId of index.get(indexKey(keyName, value)) ?? []) {
      // Checked against the profile itself, so an entry the index still holds can't match.
      if (domain.profiles[profileId]?.keys[keyName]?.includes(value)) matches.add(profileId);
    }
  }
  if (matches.size > 1) return { ok: false, error: INGESTION_ERRORS.multipleProfiles };

  let profile = domain.profiles[[...matches][0] ?? ""];
  if (profile && options) {
    const window = recentArrivals(state, profile.profileId, arrivedAt);
    if (window.length >= options.profileObjectsPerSecond) {
      return { ok: false, error: INGESTION_ERRORS.throttled };
    }
    window.push(arrivedAt);
  }
  if (!profile) {
    if (!type.allowProfileCreation) return { ok: false, error: INGESTION_ERRORS.missingKey };
    profile = {
      profileId: randomUUID().replaceAll("-", ""),
      keys: {},
      fields: {},
      attributes: {},
      createdAt: arrivedAt,
    };
    domain.profiles[profile.profileId] = profile;
    if (options) recentArrivals(state, profile.profileId, arrivedAt).push(arrivedAt);
  }
  for (const keyName of keys.storedKeys) {
    const value = keys.values[keyName] as string;
    const list = profile.keys[keyName] ?? [];
    if (!list.includes(value)) list.push(value);
    profile.keys[keyName] = list;
    indexProfileKey(index, keyName, value, profile.profileId);
  }
  applyTargets(profile, type, object);
  domain.objects[uniqueKey] = {
    uniqueKey,
    objectTypeName: type.name,
    object: objectJson,
    profileId: profile.profileId,
    keys: keys.values,
    ingestedAt: arrivedAt,
  };
  return { ok: true, profileId: profile.profileId };
}

function writeDeadLetter(
  state: EmulatorState,
  domain: Domain,
  objectTypeName: string,
  objectJson: string,
  error: string,
  now: number,
): void {
  if (!domain.deadLetterQueueUrl) return;
  const queue = findQueueByUrl(state, domain.deadLetterQueueUrl);
  // A queue deleted, or its policy or key withdrawn since CreateDomain: AWS's write fails
  // and the object is lost, with nothing returned to the caller.
  if (
    !queue ||
    deadLetterProblem(state, domain.deadLetterQueueUrl, domain.region, domain.name) ||
    !queueKeyUsable(state, queue, domain)
  ) {
    domain.droppedDeadLetters += 1;
    return;
  }
  const body = JSON.stringify({
    domainName: domain.name,
    objectTypeName,
    errorMessage: error,
    object: objectJson,
    timestamp: new Date(now).toISOString(),
  });
  enqueueMessage(
    queue,
    {
      body,
      messageAttributes: {
        ErrorMessage: { DataType: "String", StringValue: error },
        ObjectTypeName: { DataType: "String", StringValue: objectTypeName },
      },
      senderId: "AROAPROFILESERVICE:profile.amazonaws.com",
    },
    now,
  );
}

// Ingestion runs outside any request: its queue and per-profile arrival windows live beside
// the state, not in it, so saved state stays plain data. One runtime serves the whole state
// (every place), so ingestionIdle waits for all of them; each job keeps its own place.
interface Job {
  /** The request's context: `ctx.state` is the place the domain is in. */
  ctx: EmulatorContext;
  region: string;
  domainName: string;
  objectTypeName: string;
  objectJson: string;
  uniqueKey: string;
  arrivedAt: number;
}

interface Runtime {
  jobs: Job[];
  timer?: NodeJS.Timeout;
  arrivals: Map<string, number[]>;
  idle: (() => void)[];
}

const runtimes = new WeakMap<EmulatorState, Runtime>();

function runtimeOf(state: EmulatorState): Runtime {
  let rt = runtimes.get(state);
  if (!rt) {
    rt = { jobs: [], arrivals: new Map(), idle: [] };
    runtimes.set(state, rt);
  }
  return rt;
}

/** Arrivals accepted for a profile in the second before `now` (the list is live). */
function recentArrivals(state: EmulatorState, profileId: string, now: number): number[] {
  const { arrivals } = runtimeOf(state);
  const kept = (arrivals.get(profileId) ?? []).filter((t) => now - t < 1000);
  arrivals.set(profileId, kept);
  return kept;
}

const INGESTION_DELAY_MS = 5;

function drain(root: EmulatorState): void {
  const rt = runtimeOf(root);
  rt.timer = undefined;
  for (const job of rt.jobs.splice(0)) {
    const state = job.ctx.state;
    const domain = findDomain(state, job.domainName, job.region);
    const type = domain?.objectTypes[job.objectTypeName];
    if (!domain || !type) continue;
    const verdict = ingest(
      state,
      job.ctx.options,
      domain,
      type,
      job.objectJson,
      job.uniqueKey,
      job.arrivedAt,
    );
    if (!verdict.ok) {
      writeDeadLetter(
        state,
        domain,
        job.objectTypeName,
        job.objectJson,
        verdict.error,
        job.ctx.now(),
      );
    }
  }
  for (const resolve of rt.idle.splice(0)) resolve();
}

/**
 * Resolves once every object put so far, in every place, has been ingested or dead-lettered:
 * for tests. `root` is the whole state (the emulator handle's `ctx.state`).
 */
export function ingestionIdle(root: EmulatorState): Promise<void> {
  const rt = runtimeOf(root);
  if (rt.jobs.length === 0 && !rt.timer) return Promise.resolve();
  return new Promise((resolve) => rt.idle.push(resolve));
}

/** Queues an accepted object; PutProfileObject has already answered by the time it is read. */
export function scheduleIngestion(ctx: EmulatorContext, job: Omit<Job, "ctx">): void {
  const rt = runtimeOf(ctx.root);
  rt.jobs.push({ ctx, ...job });
  if (!rt.timer) {
    rt.timer = setTimeout(() => drain(ctx.root), INGESTION_DELAY_MS);
    rt.timer.unref();
  }
}
