import type { SqsMessage as Message } from "../aws/sqs-gateway.js";
import {
  isPlainObject,
  type JsonPathPart,
  MAX_SCAN_CHARS,
  safeParseJson,
  sliceAtPath,
} from "./json.js";

/**
 * Reads a Customer Profiles dead-letter message. AWS does not document the body, so instead of
 * matching known shapes this searches the whole message (the body, JSON inside its strings,
 * arrays, and the SQS message attributes) for candidate fields, scores them, and keeps the
 * best: the error text, the error code, the object, its object type, the domain and a time
 * (docs/aws/customer-profiles.md, "Reading a message"). A message no candidate explains is
 * "unreadable" and keeps its raw body: the bot never re-ingests or deletes it.
 */

interface DlqMessageBase {
  messageId: string;
  /** `""` when the message came without one (a saved file): it can't be deleted then. */
  receiptHandle: string;
  errorText?: string;
  errorCode?: string;
  objectTypeName?: string;
  domainName?: string;
  /** Epoch milliseconds: SQS's SentTimestamp, else a timestamp found in the message. */
  sentAt?: number;
  receiveCount?: number;
}

export interface ReadableDlqMessage extends DlqMessageBase {
  kind: "readable";
  object: Record<string, unknown>;
  /** Exactly what to send back to PutProfileObject as `Object`. */
  objectJson: string;
}

export interface UnreadableDlqMessage extends DlqMessageBase {
  kind: "unreadable";
  raw: string;
  reason: string;
}

export type ParsedDlqMessage = ReadableDlqMessage | UnreadableDlqMessage;

// ---- bounds -------------------------------------------------------------------------------
// A hostile body must not make the search slow: every walk below stops at these.

/**
 * Envelope levels (objects, arrays, decoded strings) searched below the body; deeper ones are
 * not (JSON itself may nest 64 levels, but no wrapper does).
 */
const MAX_SEARCH_DEPTH = 16;
/** JSON inside a JSON string inside ...: four levels is more than any encoder we know of. */
const MAX_STRING_DECODES = 4;
/** Values visited per message; far above any real envelope plus a 250 KB profile object. */
const MAX_VISITS = 50_000;
/** Characters of JSON strings decoded per message, beyond the body itself. */
const MAX_DECODED_CHARS = 2 * MAX_SCAN_CHARS;
/** Error texts go to Slack and Redis: long stack traces are cut. */
const MAX_ERROR_CHARS = 2000;
/** A type or domain name longer than this is not one (AWS allows 255 and 64). */
const MAX_NAME_CHARS = 255;

// ---- what a field name says ----------------------------------------------------------------
// Keys are compared lower-cased without punctuation, so `ErrorMessage`, `errorMessage` and
// `error_message` are one key.

/** Text keys that say "the error" wherever they are (weight 3). */
const STRONG_TEXT_KEYS = new Set([
  "errormessage",
  "errormsg",
  "errortext",
  "errordescription",
  "errordetail",
  "errorreason",
  "exceptionmessage",
  "failuremessage",
  "failurereason",
  "statusreason",
]);
/** Keys that hold the error as text, or as an object or list describing it (weight 2). */
const ERROR_KEYS = new Set([
  "error",
  "errors",
  "errordetails",
  "errorinfo",
  "exception",
  "exceptions",
  "failure",
  "failures",
  "cause",
]);
/** Text keys that may be an error's, or anything's (weight 1; weight 3 inside an error). */
const WEAK_TEXT_KEYS = new Set(["message", "msg", "reason", "description", "detail", "text"]);
/** Code keys wherever they are. */
const CODE_KEYS = new Set([
  "errorcode",
  "errortype",
  "errorname",
  "exceptiontype",
  "exceptionname",
  "exceptioncode",
]);
/** Code keys inside an error only: beside an object, "type" and "name" mean something else. */
const ERROR_CODE_KEYS = new Set(["code", "type", "name", "status", "statuscode"]);
const TYPE_KEYS = new Set([
  "objecttypename",
  "objecttype",
  "profileobjecttypename",
  "profileobjecttype",
]);
const DOMAIN_KEYS = new Set(["domainname", "domain", "profiledomain", "domainarn"]);
const TIME_KEYS = new Set([
  "timestamp",
  "senttimestamp",
  "eventtime",
  "time",
  "occurredat",
  "failedat",
  "createdat",
]);
/** Keys that hold the profile object and nothing else. */
const OBJECT_KEYS = new Set([
  "object",
  "profileobject",
  "objectjson",
  "rawobject",
  "originalobject",
  "sourceobject",
]);
/** Keys that may hold a nested envelope or the object itself. */
const CONTAINER_KEYS = new Set([
  "payload",
  "data",
  "detail",
  "details",
  "body",
  "record",
  "request",
  "input",
  "event",
  "content",
  "message",
]);
/** Keys that say "this is an envelope", so the node is not a customer's object. */
const STRONG_MARKERS = new Set([
  ...STRONG_TEXT_KEYS,
  ...CODE_KEYS,
  ...OBJECT_KEYS,
  "objecttypename",
  "domainname",
]);
/** Keys an envelope may have, and so may a customer's object. */
const WEAK_MARKERS = new Set(["error", "errors", "exception", "failure", "message", "reason"]);

const KEY_CACHE_LIMIT = 4096;
const normalisedKeys = new Map<string, string>();

/** Keys repeat from message to message, so their normal form is remembered (boundedly). */
function normaliseKey(key: string): string {
  let normal = normalisedKeys.get(key);
  if (normal === undefined) {
    normal = key.toLowerCase().replace(/[^a-z0-9]/g, "");
    if (normalisedKeys.size < KEY_CACHE_LIMIT) normalisedKeys.set(key, normal);
  }
  return normal;
}

// ---- the search ---------------------------------------------------------------------------

/**
 * A value, the JSON text it came from, and how it was reached there (for the object's exact
 * text). The path is a chain to the parent, built into an array only for the chosen object:
 * most members are never chosen.
 */
interface Located {
  value: unknown;
  text: string;
  parent?: Located;
  key?: JsonPathPart;
}

/** The keys and indices from the text's top to this value. */
function pathOf(at: Located): JsonPathPart[] {
  const path: JsonPathPart[] = [];
  for (let node: Located | undefined = at; node?.key !== undefined; node = node.parent) {
    path.push(node.key);
  }
  return path.reverse();
}

type Source = "body" | "attributes";

interface Candidate<T> {
  value: T;
  score: number;
  source: Source;
}

interface ObjectCandidate {
  at: Located & { value: Record<string, unknown> };
  score: number;
  /** Its exact source text, once chooseObject has needed it. */
  json?: string;
  /** Found beside fields a customer's object may have too ("message", "reason"), no others. */
  weak?: boolean;
}

interface Scope {
  depth: number;
  /** Inside an error object or list: "message" and "code" are the error's. */
  inError: boolean;
  decodes: number;
  source: Source;
}

interface Search {
  visits: number;
  decodedChars: number;
  /** Set when a bound stopped the search: what was not searched may hold another object. */
  cut?: string;
  texts: Candidate<string>[];
  codes: Candidate<string>[];
  types: Candidate<string>[];
  domains: Candidate<string>[];
  times: Candidate<number>[];
  objects: ObjectCandidate[];
}

const newSearch = (): Search => ({
  visits: 0,
  decodedChars: 0,
  texts: [],
  codes: [],
  types: [],
  domains: [],
  times: [],
  objects: [],
});

/** Deeper candidates lose to shallower ones of the same kind; attributes lose to the body. */
const scoreOf = (weight: number, scope: Scope): number =>
  weight * 1000 - scope.depth * 10 - (scope.source === "attributes" ? 500 : 0);

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

function scalarText(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return nonEmpty(value);
}

/** AWS's name patterns: a value that fits one beats a value that doesn't. */
const OBJECT_TYPE_NAME = /^[a-zA-Z_][a-zA-Z_0-9-]*$/;
const DOMAIN_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function nameFrom(value: unknown): string | undefined {
  const text = nonEmpty(value);
  return text !== undefined && text.length <= MAX_NAME_CHARS ? text : undefined;
}

function domainFrom(value: unknown): string | undefined {
  const text = nameFrom(value);
  // An ARN names the domain after "domains/".
  return text?.includes(":domains/") ? text.slice(text.lastIndexOf("/") + 1) : text;
}

function timeFrom(value: unknown): number | undefined {
  const numeric =
    typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof numeric === "number") {
    if (!Number.isFinite(numeric) || numeric <= 0) return undefined;
    // Epoch seconds (Unix style) versus milliseconds (SQS style).
    return numeric < 1e11 ? Math.round(numeric * 1000) : Math.round(numeric);
  }
  // Date.parse accepts odd strings ("2" is a year): only ISO-8601 timestamps count.
  if (typeof numeric !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(numeric.trim())) return undefined;
  const parsed = Date.parse(numeric);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** `{DataType, StringValue}` (SQS) or `{Type, Value}` (SNS) around text: the text. */
function unwrapAttribute(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length > 3) return value;
  let inner: unknown;
  for (const key of keys) {
    const k = normaliseKey(key);
    if (k === "stringvalue" || k === "value") inner = value[key];
    else if (k !== "datatype" && k !== "type" && k !== "binaryvalue") return value;
  }
  // Only text is unwrapped: JSON in it starts a new text, so no path points into the wrapper.
  return typeof inner === "string" ? inner : value;
}

/** Whether the text starts (after whitespace) as a JSON object, array or string does. */
function looksLikeJson(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x7b || c === 0x5b || c === 0x22;
  }
  return false;
}

/**
 * The JSON a string holds, within the decode bounds; undefined when it holds none. A decoded
 * value starts a new text, so paths inside it are relative to that text.
 */
function decodeString(search: Search, text: string, scope: Scope): Located | undefined {
  if (!looksLikeJson(text)) return undefined;
  if (scope.decodes >= MAX_STRING_DECODES) {
    // What it holds was not searched, and could be another object: say so rather than guess.
    search.cut = `JSON inside strings goes deeper than ${MAX_STRING_DECODES} levels`;
    return undefined;
  }
  if (search.decodedChars + text.length > MAX_DECODED_CHARS) {
    search.cut = "JSON strings inside the message are larger than the bot decodes";
    return undefined;
  }
  search.decodedChars += text.length;
  const parsed = safeParseJson(text);
  return parsed.ok ? { value: parsed.value, text: parsed.text } : undefined;
}

/** Follows JSON strings (possibly encoded more than once) to the object they hold. */
function decodeObject(
  search: Search,
  start: Located,
  scope: Scope,
): { at: Located & { value: Record<string, unknown> }; scope: Scope } | undefined {
  let current = start;
  let inner = scope;
  for (;;) {
    const { value } = current;
    if (isPlainObject(value)) return { at: { ...current, value }, scope: inner };
    if (typeof value !== "string") return undefined;
    const decoded = decodeString(search, value, inner);
    if (!decoded) return undefined;
    current = decoded;
    inner = { ...inner, decodes: inner.decodes + 1, depth: inner.depth + 1 };
  }
}

const child = (at: Located, key: JsonPathPart, value: unknown): Located => ({
  value,
  text: at.text,
  parent: at,
  key,
});

const deeper = (scope: Scope, inError = scope.inError): Scope => ({
  ...scope,
  depth: scope.depth + 1,
  inError,
});

function hasMarker(value: Record<string, unknown>, markers: ReadonlySet<string>): boolean {
  for (const key of Object.keys(value)) if (markers.has(normaliseKey(key))) return true;
  return false;
}

const looksLikeEnvelope = (value: Record<string, unknown>): boolean =>
  hasMarker(value, STRONG_MARKERS) || hasMarker(value, ERROR_KEYS);

/** Any value: strings are searched when they hold JSON, objects and arrays always. */
function visit(search: Search, at: Located, scope: Scope): void {
  if (search.cut !== undefined) return;
  search.visits += 1;
  if (search.visits > MAX_VISITS) {
    search.cut = `the message has more than ${MAX_VISITS} values`;
    return;
  }
  if (scope.depth > MAX_SEARCH_DEPTH) return;
  const { value } = at;
  if (typeof value === "string") {
    const decoded = decodeString(search, value, scope);
    if (decoded) visit(search, decoded, { ...deeper(scope), decodes: scope.decodes + 1 });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length && search.cut === undefined; i += 1) {
      visit(search, child(at, i, value[i]), deeper(scope));
    }
  } else if (isPlainObject(value)) {
    visitObject(search, { ...at, value }, scope);
  }
}

/**
 * An error given as text, as an object or list describing it, or as JSON (encoded any number
 * of times, within the bounds) holding either. Inside an object or list given under an error
 * key, "message" and "code" are the error's (`errorContext`).
 */
function visitError(
  search: Search,
  at: Located,
  scope: Scope,
  weight: number,
  errorContext: boolean,
): void {
  const value = unwrapAttribute(at.value);
  if (typeof value === "string") {
    const decoded = decodeString(search, value, scope);
    if (decoded) {
      visitError(
        search,
        decoded,
        { ...deeper(scope), decodes: scope.decodes + 1 },
        weight,
        errorContext,
      );
      return;
    }
    const text = nonEmpty(value);
    if (text !== undefined)
      search.texts.push({ value: text, score: scoreOf(weight, scope), source: scope.source });
    return;
  }
  if (typeof value === "object" && value !== null)
    visit(search, { ...at, value }, deeper(scope, errorContext || scope.inError));
}

function visitObject(
  search: Search,
  at: Located & { value: Record<string, unknown> },
  scope: Scope,
): void {
  const keys = Object.keys(at.value);
  // Normalised once: a hostile object may have tens of thousands of keys.
  const normal = keys.map(normaliseKey);
  const marked = normal.some((k) => STRONG_MARKERS.has(k))
    ? "strong"
    : normal.some((k) => WEAK_MARKERS.has(k) || ERROR_KEYS.has(k))
      ? "weak"
      : undefined;
  for (let i = 0; i < keys.length; i += 1) {
    if (search.cut !== undefined) return;
    const key = keys[i] as string;
    const k = normal[i] as string;
    const raw = at.value[key];
    const member = child(at, key, raw);
    const value = unwrapAttribute(raw);
    if (STRONG_TEXT_KEYS.has(k)) visitError(search, member, scope, 3, true);
    else if (WEAK_TEXT_KEYS.has(k) && (scope.inError || typeof value === "string")) {
      // A "message" holding JSON may be a whole envelope (SNS wraps bodies this way), or wrap
      // one: what it holds is searched, and only inside an error are its fields the error's.
      visitError(search, { ...member, value }, scope, scope.inError ? 3 : 1, scope.inError);
    } else if (ERROR_KEYS.has(k)) visitError(search, member, scope, 2, true);
    else if (CODE_KEYS.has(k) || (scope.inError && ERROR_CODE_KEYS.has(k))) {
      const code = scalarText(value);
      if (code !== undefined)
        search.codes.push({ value: code, score: scoreOf(2, scope), source: scope.source });
    } else if (TYPE_KEYS.has(k)) push(search.types, nameFrom(value), scope, OBJECT_TYPE_NAME);
    else if (DOMAIN_KEYS.has(k)) push(search.domains, domainFrom(value), scope, DOMAIN_NAME);
    else if (TIME_KEYS.has(k)) push(search.times, timeFrom(value), scope);
    else if (OBJECT_KEYS.has(k)) {
      // The customer's object: a candidate, never searched (its fields are not the envelope's).
      const found = decodeObject(search, { ...member, value }, scope);
      if (found && scope.source === "body")
        search.objects.push({ at: found.at, score: scoreOf(3, found.scope) });
    } else if (CONTAINER_KEYS.has(k)) visitContainer(search, member, scope, marked);
    else if (typeof value === "object" && value !== null) visit(search, member, deeper(scope));
    else if (typeof value === "string") visit(search, member, scope);
  }
}

/** A candidate; a name that doesn't fit AWS's pattern is kept, but only as a last resort. */
function push<T>(into: Candidate<T>[], value: T | undefined, scope: Scope, pattern?: RegExp): void {
  if (value === undefined) return;
  const weight = pattern && !pattern.test(String(value)) ? 1 : 2;
  into.push({ value, score: scoreOf(weight, scope), source: scope.source });
}

/**
 * `payload`, `data`, `body`...: an envelope to search; or, beside envelope fields, the object
 * itself (or a wrapper around an envelope); or, beside none, searched further in case it wraps
 * one.
 */
function visitContainer(
  search: Search,
  member: Located,
  scope: Scope,
  marked: "strong" | "weak" | undefined,
): void {
  const found = decodeObject(search, member, scope);
  if (!found) {
    if (Array.isArray(member.value)) visit(search, member, deeper(scope));
    else if (typeof member.value === "string") visit(search, member, scope);
    return;
  }
  const key = normaliseKey(String(member.key));
  if (looksLikeEnvelope(found.at.value)) visit(search, found.at, deeper(found.scope));
  // "message" holding a plain object is more likely an error payload or a wrapper (SNS) than
  // the profile: searched, never the object, and not taken for an error's own fields either.
  else if (key === "message") visit(search, found.at, deeper(found.scope));
  else if (marked && scope.source === "body") {
    // The object itself, unless it wraps an envelope further down (then that one's object is
    // the object): what the search finds in it counts only in that case.
    const before = lengths(search);
    visit(search, found.at, deeper(found.scope));
    if (search.objects.length > before.objects) return;
    restore(search, before);
    search.objects.push({ at: found.at, score: scoreOf(2, found.scope), weak: marked === "weak" });
  }
  // Beside nothing that says "envelope", it may still wrap one further down.
  else visit(search, found.at, deeper(found.scope));
}

type Lengths = Record<"texts" | "codes" | "types" | "domains" | "times" | "objects", number>;

const lengths = (search: Search): Lengths => ({
  texts: search.texts.length,
  codes: search.codes.length,
  types: search.types.length,
  domains: search.domains.length,
  times: search.times.length,
  objects: search.objects.length,
});

/** Forgets the candidates found since `before`: they were a customer's fields. */
function restore(search: Search, before: Lengths): void {
  search.texts.length = before.texts;
  search.codes.length = before.codes;
  search.types.length = before.types;
  search.domains.length = before.domains;
  search.times.length = before.times;
}

// ---- choosing -----------------------------------------------------------------------------

function best<T>(candidates: Candidate<T>[], source?: Source): Candidate<T>[] {
  let top = Number.NEGATIVE_INFINITY;
  const kept: Candidate<T>[] = [];
  for (const c of candidates) {
    if (source !== undefined && c.source !== source) continue;
    if (c.score > top) {
      top = c.score;
      kept.length = 0;
    }
    if (c.score === top) kept.push(c);
  }
  return kept;
}

const clip = (text: string): string =>
  text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;

interface Meta {
  errorText?: string;
  errorCode?: string;
  objectTypeName?: string;
  domainName?: string;
  sentAt?: number;
}

/** The best of each field; errors listed side by side (a list of errors) are joined. */
function metaOf(search: Search, source?: Source): Meta {
  const texts = [...new Set(best(search.texts, source).map((c) => c.value))];
  return compact({
    errorText: texts.length > 0 ? clip(texts.join("; ")) : undefined,
    errorCode: best(search.codes, source)[0]?.value,
    objectTypeName: best(search.types, source)[0]?.value,
    domainName: best(search.domains, source)[0]?.value,
    sentAt: best(search.times, source)[0]?.value,
  });
}

/** The value without its undefined fields (a plain loop: this runs for every message). */
function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key in value) if (value[key] !== undefined) out[key] = value[key];
  return out as T;
}

const explains = (meta: Meta): boolean =>
  meta.errorText !== undefined || meta.errorCode !== undefined;

function objectJsonOf(object: Located): string {
  if (object.key === undefined) return object.text;
  const slice = sliceAtPath(object.text, pathOf(object));
  if (slice !== undefined) return slice;
  try {
    return JSON.stringify(object.value);
  } catch {
    return "";
  }
}

type Envelope = Pick<DlqMessageBase, "messageId" | "receiptHandle" | "sentAt" | "receiveCount">;

function unreadable(
  envelope: Envelope,
  meta: Meta,
  raw: string,
  reason: string,
): UnreadableDlqMessage {
  return { kind: "unreadable", ...meta, ...envelope, raw, reason };
}

function readable(
  envelope: Envelope,
  meta: Meta,
  object: Located & { value: Record<string, unknown> },
  raw: string,
  known?: string,
): ParsedDlqMessage {
  const objectJson = known ?? objectJsonOf(object);
  if (objectJson === "") return unreadable(envelope, meta, raw, "object could not be serialised");
  const sentAt = envelope.sentAt ?? meta.sentAt;
  return compact({
    kind: "readable" as const,
    ...meta,
    ...envelope,
    sentAt,
    object: object.value,
    objectJson,
  });
}

/** The best object, or why there is none to re-ingest. */
function chooseObject(search: Search): ObjectCandidate | string {
  let top = Number.NEGATIVE_INFINITY;
  for (const c of search.objects) top = Math.max(top, c.score);
  const tops = search.objects.filter((c) => c.score === top);
  if (tops.length === 0) return "no profile object in the message";
  const first = tops[0] as ObjectCandidate;
  if (tops.length === 1) return first;
  for (const c of tops) c.json = objectJsonOf(c.at);
  const texts = new Set(tops.map((c) => c.json));
  // Re-ingesting one and deleting the message would lose the others.
  if (texts.size > 1) return `the message holds ${texts.size} profile objects side by side`;
  return first;
}

/** SQS attributes, searched like the body but worth less than it. */
function searchAttributes(search: Search, attributes: unknown): void {
  if (!isPlainObject(attributes)) return;
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    Object.defineProperty(values, key, {
      value: attributeValue(value),
      enumerable: true,
      configurable: true,
    });
  }
  const scope: Scope = { depth: 0, inError: false, decodes: 0, source: "attributes" };
  visitObject(search, { value: values, text: "" }, scope);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function attributeValue(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const text = value.StringValue ?? value.stringValue;
  if (text !== undefined) return text;
  let binary = value.BinaryValue ?? value.binaryValue;
  // A message saved as JSON (the AWS CLI's receive-message output) holds it in base64.
  if (typeof binary === "string" && binary.length <= MAX_ERROR_CHARS * 8)
    binary = Buffer.from(binary, "base64");
  // Binary attributes are read only as UTF-8 text the size of an error (4 bytes a character).
  if (binary instanceof Uint8Array && binary.length <= MAX_ERROR_CHARS * 4) {
    try {
      return utf8.decode(binary);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function systemAttributes(attributes: unknown): Pick<Meta, "sentAt"> & { receiveCount?: number } {
  if (!isPlainObject(attributes)) return {};
  const sentAt = timeFrom(attributes.SentTimestamp);
  const count = Number(attributes.ApproximateReceiveCount);
  return compact({
    sentAt,
    receiveCount: Number.isInteger(count) && count >= 0 ? count : undefined,
  });
}

/** Never throws: every failure becomes an unreadable result that keeps the raw body. */
export function parseDlqMessage(msg: Message | null | undefined): ParsedDlqMessage {
  try {
    return parseUnsafe(msg);
  } catch {
    const raw = isPlainObject(msg) && typeof msg.Body === "string" ? msg.Body : "";
    const messageId = isPlainObject(msg) && typeof msg.MessageId === "string" ? msg.MessageId : "";
    return { kind: "unreadable", messageId, receiptHandle: "", raw, reason: "parser failed" };
  }
}

function parseUnsafe(msg: unknown): ParsedDlqMessage {
  const message = isPlainObject(msg) ? msg : {};
  const envelope: Envelope = compact({
    messageId: typeof message.MessageId === "string" ? message.MessageId : "",
    receiptHandle: typeof message.ReceiptHandle === "string" ? message.ReceiptHandle : "",
    ...systemAttributes(message.Attributes),
  });
  const search = newSearch();
  searchAttributes(search, message.MessageAttributes);
  const attrs = metaOf(search, "attributes");
  const body = message.Body;
  if (typeof body !== "string") return unreadable(envelope, attrs, "", "message has no text body");
  const parsed = safeParseJson(body);
  if (!parsed.ok) return unreadable(envelope, attrs, body, `body is ${parsed.reason}`);

  const bodyScope: Scope = { depth: 0, inError: false, decodes: 0, source: "body" };
  const root: Located = { value: parsed.value, text: parsed.text };
  visit(search, root, bodyScope);
  const meta = metaOf(search);
  if (search.cut !== undefined)
    return unreadable(envelope, meta, body, `not searched to the end: ${search.cut}`);

  const chosen = chooseObject(search);
  if (typeof chosen !== "string" && chosen.weak && explains(attrs)) {
    // `{"message": …, "data": {…}}` explained by attributes: an envelope around the object,
    // or the object itself with fields of those names? Re-ingesting the wrong one loses data.
    return unreadable(
      envelope,
      meta,
      body,
      "cannot tell whether the body is the object or wraps it",
    );
  }
  if (typeof chosen !== "string") {
    if (!explains(meta))
      return unreadable(envelope, meta, body, "no error text or code anywhere in the message");
    return readable(envelope, meta, chosen.at, body, chosen.json);
  }
  // No envelope holds an object: the body may be the object itself, explained by attributes
  // alone (its own fields are the customer's, not an envelope's).
  const asObject = decodeObject(search, root, bodyScope);
  if (!asObject) {
    const searched = search.objects.length > 0 || Array.isArray(parsed.value);
    return unreadable(envelope, meta, body, searched ? chosen : "body is JSON but not an object");
  }
  const value = asObject.at.value;
  if (search.objects.length > 0 || hasMarker(value, STRONG_MARKERS))
    return unreadable(envelope, meta, body, chosen);
  if (!explains(attrs)) {
    const reason = hasMarker(value, WEAK_MARKERS)
      ? "no profile object in the message"
      : "no error text or code anywhere in the message";
    return unreadable(envelope, meta, body, reason);
  }
  return readable(envelope, attrs, asObject.at, body);
}
