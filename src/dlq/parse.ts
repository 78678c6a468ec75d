import type { SqsMessage as Message } from "../aws/sqs-gateway.js";
import { isPlainObject, safeParseJson, sliceAtPath } from "./json.js";

/**
 * Reads a Customer Profiles dead-letter message. AWS does not document the body, so this
 * accepts every shape seen or plausible (see test/fixtures/dlq-messages) and calls anything
 * it cannot recover an object from "unreadable", keeping the raw body: such a message must
 * never be re-ingested or deleted by the bot.
 */

interface DlqMessageBase {
  messageId: string;
  /** `""` when the message came without one (a saved file): it can't be deleted then. */
  receiptHandle: string;
  errorText?: string;
  errorCode?: string;
  objectTypeName?: string;
  domainName?: string;
  /** Epoch milliseconds: SQS's SentTimestamp, else a timestamp found in the body. */
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

/** Wrappers are rarely more than two deep; the bound keeps hostile bodies cheap. */
const MAX_ENVELOPE_DEPTH = 4;
/** JSON inside a JSON string inside ...: three levels covers every encoder we know of. */
const MAX_STRING_DECODES = 3;
/** Error texts go to Slack and Redis: long stack traces are cut. */
const MAX_ERROR_CHARS = 2000;

const ERROR_TEXT_KEYS = [
  "errormessage",
  "errormsg",
  "errortext",
  "errordescription",
  "errordetail",
  "errordetails",
  "exceptionmessage",
  "failurereason",
  "statusreason",
  "error",
  "message",
  "msg",
  "reason",
  "failure",
  "cause",
  "description",
];
const ERROR_CODE_KEYS = [
  "errorcode",
  "errortype",
  "exceptiontype",
  "exception",
  "code",
  "type",
  "name",
];
/** "code", "type" and "name" beside an object mean something else: only inside an error object. */
const ENVELOPE_CODE_KEYS = ERROR_CODE_KEYS.filter(
  (key) => key.startsWith("error") || key.startsWith("exception"),
);
const TYPE_KEYS = ["objecttypename", "objecttype", "profileobjecttypename", "profileobjecttype"];
const DOMAIN_KEYS = ["domainname", "domain", "profiledomain", "domainarn"];
const TIME_KEYS = [
  "timestamp",
  "senttimestamp",
  "eventtime",
  "time",
  "occurredat",
  "failedat",
  "createdat",
];
/** Keys that hold the profile object and nothing else. */
const OBJECT_KEYS = [
  "object",
  "profileobject",
  "objectjson",
  "rawobject",
  "originalobject",
  "sourceobject",
];
/** Keys that may hold either a nested envelope or the object itself. */
const CONTAINER_KEYS = [
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
];
/** Keys that say "this is an envelope", so a missing object makes it unreadable, not the object. */
const STRONG_MARKERS = new Set([
  ...OBJECT_KEYS,
  "errormessage",
  "errormsg",
  "errorcode",
  "errortype",
  "failurereason",
  "objecttypename",
  "domainname",
]);
const WEAK_MARKERS = new Set(["error", "message", "reason", "exception", "failure"]);

const normaliseKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, "");

/** A value together with the JSON text it came from and its key path there. */
interface Located {
  value: unknown;
  text: string;
  path: string[];
}

interface Meta {
  errorText?: string;
  errorCode?: string;
  objectTypeName?: string;
  domainName?: string;
  sentAt?: number;
}

/** A node's members by normalised key; the last duplicate wins, as in JSON.parse. */
function membersOf(node: Located & { value: Record<string, unknown> }): Map<string, Located> {
  const members = new Map<string, Located>();
  for (const [key, value] of Object.entries(node.value)) {
    members.set(normaliseKey(key), { value, text: node.text, path: [...node.path, key] });
  }
  return members;
}

/** Follows JSON strings (possibly encoded more than once) to the object they hold. */
function decodeObject(start: Located): (Located & { value: Record<string, unknown> }) | undefined {
  let current = start;
  for (let i = 0; i <= MAX_STRING_DECODES; i += 1) {
    const { value } = current;
    if (isPlainObject(value)) return { ...current, value };
    if (typeof value !== "string" || i === MAX_STRING_DECODES) return undefined;
    const trimmed = value.trimStart();
    if (!trimmed.startsWith("{") && !trimmed.startsWith('"')) return undefined;
    const parsed = safeParseJson(value);
    if (!parsed.ok) return undefined;
    current = { value: parsed.value, text: parsed.text, path: [] };
  }
  return undefined;
}

const clip = (text: string): string =>
  text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

function scalarText(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return nonEmpty(value);
}

function firstOf<T>(
  members: Map<string, Located>,
  keys: readonly string[],
  read: (v: unknown) => T | undefined,
): T | undefined {
  for (const key of keys) {
    const member = members.get(key);
    const result = member === undefined ? undefined : read(member.value);
    if (result !== undefined) return result;
  }
  return undefined;
}

/** `{code, message}` style errors, one level deep (their own nesting is not worth chasing). */
function errorFromObject(error: Record<string, unknown>): Pick<Meta, "errorText" | "errorCode"> {
  const members = new Map(
    Object.entries(error).map(([k, v]) => [normaliseKey(k), { value: v, text: "", path: [] }]),
  );
  const errorText = firstOf(members, ERROR_TEXT_KEYS, nonEmpty);
  const errorCode = firstOf(members, ERROR_CODE_KEYS, scalarText);
  return { ...(errorText && { errorText: clip(errorText) }), ...(errorCode && { errorCode }) };
}

/** Error text from a member: plain text, an error object, or a JSON string holding one. */
function readError(value: unknown): Pick<Meta, "errorText" | "errorCode"> | undefined {
  const asObject = decodeObject({ value, text: "", path: [] });
  if (asObject) {
    const fromObject = errorFromObject(asObject.value);
    return fromObject.errorText || fromObject.errorCode ? fromObject : undefined;
  }
  const text = nonEmpty(value);
  return text === undefined ? undefined : { errorText: clip(text) };
}

function domainFrom(value: unknown): string | undefined {
  const text = nonEmpty(value);
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

function metaOf(members: Map<string, Located>): Meta {
  const error = firstOf(members, ERROR_TEXT_KEYS, readError);
  const errorCode = firstOf(members, ENVELOPE_CODE_KEYS, scalarText);
  const objectTypeName = firstOf(members, TYPE_KEYS, nonEmpty);
  const domainName = firstOf(members, DOMAIN_KEYS, domainFrom);
  const sentAt = firstOf(members, TIME_KEYS, timeFrom);
  return compact({
    ...error,
    errorCode: error?.errorCode ?? errorCode,
    objectTypeName,
    domainName,
    sentAt,
  });
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Fields already found (outer levels) win over the same fields found deeper. */
const mergeMeta = (outer: Meta, inner: Meta): Meta => ({ ...inner, ...outer });

const looksLikeEnvelope = (members: Map<string, Located>): boolean =>
  [...members.keys()].some((key) => STRONG_MARKERS.has(key) || key === "error");

interface Found {
  object: Located & { value: Record<string, unknown> };
  meta: Meta;
}

/** Searches an envelope (and the envelopes it wraps) for the profile object. */
function findObject(
  node: Located & { value: Record<string, unknown> },
  depth: number,
): Found | { meta: Meta } {
  const members = membersOf(node);
  const meta = metaOf(members);
  for (const key of OBJECT_KEYS) {
    const member = members.get(key);
    const object = member && decodeObject(member);
    if (object) return { object, meta };
  }
  const containers = CONTAINER_KEYS.flatMap((key) => {
    const member = members.get(key);
    const decoded = member && decodeObject(member);
    return decoded ? [decoded] : [];
  });
  let innerMeta: Meta = {};
  for (const container of containers) {
    if (depth >= MAX_ENVELOPE_DEPTH || !looksLikeEnvelope(membersOf(container))) continue;
    const inner = findObject(container, depth + 1);
    innerMeta = mergeMeta(innerMeta, inner.meta);
    if ("object" in inner) return { object: inner.object, meta: mergeMeta(meta, inner.meta) };
  }
  // "message" holding a plain object is more likely an error payload than the profile.
  const plain = containers.find(
    (c) => c.path.at(-1)?.toLowerCase() !== "message" && !looksLikeEnvelope(membersOf(c)),
  );
  return plain ? { object: plain, meta } : { meta: mergeMeta(meta, innerMeta) };
}

function attributeValue(value: unknown): unknown {
  if (isPlainObject(value)) return value.StringValue ?? value.stringValue;
  return value;
}

function attributeMeta(attributes: unknown): Meta {
  if (!isPlainObject(attributes)) return {};
  const members = new Map<string, Located>();
  for (const [key, value] of Object.entries(attributes)) {
    members.set(normaliseKey(key), { value: attributeValue(value), text: "", path: [] });
  }
  return metaOf(members);
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

function objectJsonOf(object: Located): string {
  if (object.path.length === 0) return object.text;
  const slice = sliceAtPath(object.text, object.path);
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
): ParsedDlqMessage {
  const objectJson = objectJsonOf(object);
  if (objectJson === "")
    return unreadable(envelope, meta, object.text, "object could not be serialised");
  return { kind: "readable", ...meta, ...envelope, object: object.value, objectJson };
}

/** What to do when the envelope search found no object: the body may be the object itself. */
function bodyAsObject(
  root: Located & { value: Record<string, unknown> },
  attrs: Meta,
  found: Meta,
  envelope: Envelope,
  raw: string,
): ParsedDlqMessage {
  const keys = [...membersOf(root).keys()];
  const strong = keys.some((key) => STRONG_MARKERS.has(key));
  const weak = keys.some((key) => WEAK_MARKERS.has(key));
  if (strong || (weak && attrs.errorText === undefined)) {
    return unreadable(envelope, mergeMeta(found, attrs), raw, "no profile object in the message");
  }
  return readable(envelope, attrs, root);
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
  const system = systemAttributes(message.Attributes);
  const attrs = attributeMeta(message.MessageAttributes);
  const envelope: Envelope = {
    messageId: typeof message.MessageId === "string" ? message.MessageId : "",
    receiptHandle: typeof message.ReceiptHandle === "string" ? message.ReceiptHandle : "",
    ...system,
  };
  const body = message.Body;
  if (typeof body !== "string") return unreadable(envelope, attrs, "", "message has no text body");
  const parsed = safeParseJson(body);
  if (!parsed.ok) return unreadable(envelope, attrs, body, `body is ${parsed.reason}`);
  const root = decodeObject({ value: parsed.value, text: parsed.text, path: [] });
  if (!root) return unreadable(envelope, attrs, body, "body is JSON but not an object");
  const found = findObject(root, 0);
  if ("object" in found) {
    const withTime = compact({ ...envelope, sentAt: envelope.sentAt ?? found.meta.sentAt });
    return readable(withTime, mergeMeta(found.meta, attrs), found.object);
  }
  // When the body is the object itself, its fields are the customer's, not an envelope's.
  return bodyAsObject(root, attrs, found.meta, envelope, body);
}
