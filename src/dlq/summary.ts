import { DLQ_CLASSES, type DlqClass, isDlqClass } from "./classify.js";
import { expiresSoon } from "./expiry.js";
import { isPlainObject } from "./json.js";
import type { ParsedDlqMessage } from "./parse.js";
import { type PreviewMode, redact, redactText } from "./redact.js";

/**
 * What one scan of a dead-letter queue found, small enough to keep in Redis and diff against
 * the next scan. Memory is bounded by classes × samplesPerClass × the sample caps below, never by
 * the number of messages scanned: counts and timestamps are folded in, samples stop at the bound.
 * Duplicate deliveries of one message during a scan are counted twice (de-duplicating every id
 * would make memory grow with the queue); samples are de-duplicated.
 */

/** Caps per sample, so one huge object can't blow the Redis record or a Slack message. */
const SAMPLE_LIMITS = { depth: 8, items: 20, stringChars: 512, rawChars: 1000 } as const;

export interface DlqSample {
  messageId: string;
  sentAt?: number;
  receiveCount?: number;
  objectTypeName?: string;
  /** Unredacted, like `object`: redact when rendering (see `renderSample`). */
  errorText?: string;
  /** The profile object, pruned to the sample caps (long strings cut, long arrays shortened). */
  object?: unknown;
  /** Unreadable messages: the start of the raw body, and why it could not be read. */
  raw?: string;
  rawLength?: number;
  reason?: string;
}

export interface ClassSummary {
  count: number;
  oldestSentAt?: number;
  newestSentAt?: number;
  samples: DlqSample[];
}

export interface ScanSummary {
  total: number;
  samplesPerClass: number;
  classes: Partial<Record<DlqClass, ClassSummary>>;
  /** The oldest SentTimestamp seen, whatever the class (epoch ms). */
  oldestSentAt?: number;
  /** The queue's MessageRetentionPeriod at the scan, when it was read. */
  retentionSeconds?: number;
  /** Messages that expire within a day of the scan (src/dlq/expiry.ts). */
  expiringSoon?: number;
}

export interface ScanSummaryBuilder {
  add(parsed: ParsedDlqMessage, cls: DlqClass): void;
  /** A copy: later `add` calls don't change it. */
  snapshot(): ScanSummary;
  toJSON(): ScanSummary;
}

function pruneString(text: string): string {
  const { stringChars } = SAMPLE_LIMITS;
  return text.length > stringChars
    ? `${text.slice(0, stringChars)}…(+${text.length - stringChars})`
    : text;
}

/** A bounded copy of a profile object for a sample; keeps the shape, drops the bulk. */
export function pruneForSample(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return pruneString(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= SAMPLE_LIMITS.depth) return "…";
  const { items } = SAMPLE_LIMITS;
  if (Array.isArray(value)) {
    const kept = value.slice(0, items).map((item) => pruneForSample(item, depth + 1));
    return value.length > items ? [...kept, `…(+${value.length - items})`] : kept;
  }
  const entries = Object.entries(value);
  const pruned = entries
    .slice(0, items)
    .map(([k, v]) => [k, pruneForSample(v, depth + 1)] as const);
  const result = Object.fromEntries(pruned);
  if (entries.length > items) result["…"] = `+${entries.length - items} fields`;
  return result;
}

function sampleOf(parsed: ParsedDlqMessage): DlqSample {
  const common: DlqSample = {
    messageId: parsed.messageId,
    ...(parsed.sentAt !== undefined && { sentAt: parsed.sentAt }),
    ...(parsed.receiveCount !== undefined && { receiveCount: parsed.receiveCount }),
    ...(parsed.objectTypeName !== undefined && { objectTypeName: parsed.objectTypeName }),
    ...(parsed.errorText !== undefined && { errorText: parsed.errorText }),
  };
  if (parsed.kind === "readable") return { ...common, object: pruneForSample(parsed.object) };
  return {
    ...common,
    raw: parsed.raw.slice(0, SAMPLE_LIMITS.rawChars),
    rawLength: parsed.raw.length,
    reason: parsed.reason,
  };
}

function addTo(entry: ClassSummary, parsed: ParsedDlqMessage, samplesPerClass: number): void {
  entry.count += 1;
  const { sentAt } = parsed;
  if (sentAt !== undefined) {
    if (entry.oldestSentAt === undefined || sentAt < entry.oldestSentAt)
      entry.oldestSentAt = sentAt;
    if (entry.newestSentAt === undefined || sentAt > entry.newestSentAt)
      entry.newestSentAt = sentAt;
  }
  const seen =
    parsed.messageId !== "" && entry.samples.some((s) => s.messageId === parsed.messageId);
  if (entry.samples.length < samplesPerClass && !seen) entry.samples.push(sampleOf(parsed));
}

export interface SummaryOptions {
  samplesPerClass: number;
  /** The queue's retention and the scan's time: count what expires soon (src/dlq/expiry.ts). */
  retention?: { seconds: number; scannedAt: number };
}

export function createScanSummary(options: SummaryOptions): ScanSummaryBuilder {
  const samplesPerClass = Math.max(0, Math.floor(options.samplesPerClass));
  const { retention } = options;
  const summary: ScanSummary = {
    total: 0,
    samplesPerClass,
    classes: {},
    ...(retention && { retentionSeconds: retention.seconds, expiringSoon: 0 }),
  };
  const snapshot = (): ScanSummary => structuredClone(summary);
  return {
    add(parsed, cls) {
      summary.total += 1;
      const { sentAt } = parsed;
      if (sentAt !== undefined) {
        if (summary.oldestSentAt === undefined || sentAt < summary.oldestSentAt)
          summary.oldestSentAt = sentAt;
        if (retention && expiresSoon(sentAt, retention.seconds, retention.scannedAt))
          summary.expiringSoon = (summary.expiringSoon ?? 0) + 1;
      }
      const entry = summary.classes[cls] ?? { count: 0, samples: [] };
      summary.classes[cls] = entry;
      addTo(entry, parsed, samplesPerClass);
    },
    snapshot,
    toJSON: snapshot,
  };
}

/** A summary read back from Redis, or undefined when it isn't one (an old or corrupt record). */
export function readScanSummary(value: unknown): ScanSummary | undefined {
  if (!isPlainObject(value) || typeof value.total !== "number" || !isPlainObject(value.classes)) {
    return undefined;
  }
  const classes: Partial<Record<DlqClass, ClassSummary>> = {};
  for (const [cls, entry] of Object.entries(value.classes)) {
    if (!isDlqClass(cls) || !isPlainObject(entry) || typeof entry.count !== "number") continue;
    classes[cls] = {
      ...entry,
      count: entry.count,
      samples: Array.isArray(entry.samples) ? entry.samples : [],
    };
  }
  const samplesPerClass = typeof value.samplesPerClass === "number" ? value.samplesPerClass : 0;
  const optional = (name: "oldestSentAt" | "retentionSeconds" | "expiringSoon") =>
    typeof value[name] === "number" ? { [name]: value[name] } : {};
  return {
    total: value.total,
    samplesPerClass,
    classes,
    ...optional("oldestSentAt"),
    ...optional("retentionSeconds"),
    ...optional("expiringSoon"),
  };
}

export interface CountChange {
  previous: number;
  current: number;
  delta: number;
}

export interface ClassChange extends CountChange {
  cls: DlqClass;
}

export interface SummaryDiff {
  total: CountChange;
  /** Every class present in either scan, in display order. */
  classes: ClassChange[];
  /** Present now, absent (or zero) before: each gets its own thread reply. */
  newClasses: DlqClass[];
  /** Present before, gone now. */
  clearedClasses: DlqClass[];
}

const countIn = (summary: ScanSummary | undefined, cls: DlqClass): number =>
  summary?.classes[cls]?.count ?? 0;

/**
 * Trend between two scans. Without a previous scan every class counts as new; a caller that
 * doesn't want to announce classes on the very first digest checks `previous` itself.
 */
export function diffSummaries(
  previous: ScanSummary | undefined,
  current: ScanSummary,
): SummaryDiff {
  const classes = DLQ_CLASSES.filter(
    (cls) => countIn(previous, cls) > 0 || countIn(current, cls) > 0,
  ).map((cls): ClassChange => {
    const before = countIn(previous, cls);
    const now = countIn(current, cls);
    return { cls, previous: before, current: now, delta: now - before };
  });
  const before = previous?.total ?? 0;
  return {
    total: { previous: before, current: current.total, delta: current.total - before },
    classes,
    newClasses: classes.filter((c) => c.previous === 0 && c.current > 0).map((c) => c.cls),
    clearedClasses: classes.filter((c) => c.previous > 0 && c.current === 0).map((c) => c.cls),
  };
}

export interface RenderedSample {
  messageId: string;
  sentAt?: number;
  objectTypeName?: string;
  errorText?: string;
  object?: unknown;
  raw?: string;
  reason?: string;
}

/**
 * A sample as Slack may show it under the preview mode. Redacted raw bodies show only their
 * length: free text can hold names that no pattern recognises.
 */
export function renderSample(sample: DlqSample, mode: PreviewMode): RenderedSample | undefined {
  if (mode === "off") return undefined;
  const full = mode === "full";
  const rendered: RenderedSample = { messageId: sample.messageId };
  if (sample.sentAt !== undefined) rendered.sentAt = sample.sentAt;
  if (sample.objectTypeName !== undefined) rendered.objectTypeName = sample.objectTypeName;
  if (sample.errorText !== undefined)
    rendered.errorText = full ? sample.errorText : redactText(sample.errorText);
  if (sample.object !== undefined) rendered.object = redact(sample.object, mode);
  if (sample.raw !== undefined)
    rendered.raw = full ? sample.raw : `«raw body, ${sample.rawLength ?? sample.raw.length} chars»`;
  if (sample.reason !== undefined) rendered.reason = sample.reason;
  return rendered;
}
