/**
 * Guarded JSON helpers for dead-letter bodies, which may be anything: the caps here are what
 * bound the work the parser does per message.
 */

/** SQS refuses messages over 1 MiB, so a longer body did not come from a queue: don't scan it. */
export const MAX_SCAN_CHARS = 1_048_576;

/**
 * Profile objects are shallow; a deeper body is hostile or broken. Checked before parsing so
 * nothing downstream (stringify, redaction, the walkers) recurses without a bound.
 */
export const MAX_JSON_DEPTH = 64;

export type JsonParse = { ok: true; value: unknown; text: string } | { ok: false; reason: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** Index just past the string literal whose opening quote is at `start`. */
function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i += 1;
  }
  return text.length;
}

/** True when brackets nest deeper than `limit` outside string literals. Linear, no recursion. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
    }
    i += 1;
  }
  return false;
}

/** JSON.parse behind the size and depth caps; never throws. */
export function safeParseJson(input: string): JsonParse {
  // A byte-order mark is invisible in a console yet makes JSON.parse fail.
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (text.length > MAX_SCAN_CHARS) return { ok: false, reason: "larger than 1 MiB, not scanned" };
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return { ok: false, reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(text), text };
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function skipWhitespace(text: string, start: number): number {
  let i = start;
  while (i < text.length && /\s/.test(text.charAt(i))) i += 1;
  return i;
}

/** Index just past the JSON value starting at `start` (the text is known to be valid JSON). */
function skipValue(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === QUOTE) return skipString(text, start);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    let i = start;
    while (i < text.length && !/[\s,}\]]/.test(text.charAt(i))) i += 1;
    return i;
  }
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (d === OPEN_BRACE || d === OPEN_BRACKET) depth += 1;
    else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
    i += 1;
  }
  return text.length;
}

/** Span of the member `key` of the object starting at `start`; the last one wins, as in JSON.parse. */
function memberSpan(text: string, start: number, key: string): [number, number] | undefined {
  let found: [number, number] | undefined;
  let i = skipWhitespace(text, start + 1);
  while (i < text.length && text.charCodeAt(i) === QUOTE) {
    const keyEnd = skipString(text, i);
    const name: unknown = JSON.parse(text.slice(i, keyEnd));
    const valueStart = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
    const valueEnd = skipValue(text, valueStart);
    if (name === key) found = [valueStart, valueEnd];
    i = skipWhitespace(text, valueEnd);
    if (text.charAt(i) !== ",") break;
    i = skipWhitespace(text, i + 1);
  }
  return found;
}

/**
 * The exact source text of the value at `path` (object keys only) inside valid JSON `text`.
 * Re-serialising a parsed object would round large integers and reformat numbers; re-ingest must
 * send the object as it was written.
 */
export function sliceAtPath(text: string, path: readonly string[]): string | undefined {
  try {
    let start = skipWhitespace(text, 0);
    let end = skipValue(text, start);
    for (const key of path) {
      if (text.charCodeAt(start) !== OPEN_BRACE) return undefined;
      const span = memberSpan(text, start, key);
      if (!span) return undefined;
      [start, end] = span;
    }
    return text.slice(start, end);
  } catch {
    return undefined;
  }
}
