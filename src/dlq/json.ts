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
const COMMA = 0x2c;

/**
 * Index just past the string literal whose opening quote is at `start`. The search for the
 * closing quote is indexOf's (native, so strings, most of a body, cost little); a quote after
 * an odd run of backslashes is escaped.
 */
function skipString(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** True when `text` holds more than `limit` opening brackets at all: cheap, native scans. */
function opensMoreThan(text: string, limit: number): boolean {
  let count = 0;
  for (const opener of ["{", "["]) {
    for (let i = text.indexOf(opener); i >= 0; i = text.indexOf(opener, i + 1)) {
      count += 1;
      if (count > limit) return true;
    }
  }
  return false;
}

/** True when brackets nest deeper than `limit` outside string literals. Linear, no recursion. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  // Too few brackets to nest that deep, whatever their order: the common case.
  if (!opensMoreThan(text, limit)) return false;
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

/** JSON's whitespace: space, tab, line feed, carriage return. */
const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

function skipWhitespace(text: string, start: number): number {
  let i = start;
  while (i < text.length && isJsonSpace(text.charCodeAt(i))) i += 1;
  return i;
}

/** Index just past the JSON value starting at `start` (the text is known to be valid JSON). */
function skipValue(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === QUOTE) return skipString(text, start);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    let i = start;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (isJsonSpace(d) || d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET) break;
      i += 1;
    }
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
    const literal = text.slice(i + 1, keyEnd - 1);
    // Only a key with escapes needs decoding; most keys are compared as they are written.
    const name: unknown = literal.includes("\\") ? JSON.parse(text.slice(i, keyEnd)) : literal;
    const valueStart = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
    const valueEnd = skipValue(text, valueStart);
    if (name === key) found = [valueStart, valueEnd];
    i = skipWhitespace(text, valueEnd);
    if (text.charAt(i) !== ",") break;
    i = skipWhitespace(text, i + 1);
  }
  return found;
}

/** Span of element `index` of the array starting at `start`. */
function elementSpan(text: string, start: number, index: number): [number, number] | undefined {
  let i = skipWhitespace(text, start + 1);
  for (let n = 0; i < text.length && text.charCodeAt(i) !== CLOSE_BRACKET; n += 1) {
    const end = skipValue(text, i);
    if (n === index) return [i, end];
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) !== COMMA) return undefined;
    i = skipWhitespace(text, i + 1);
  }
  return undefined;
}

/** A step into JSON: an object's key or an array's index. */
export type JsonPathPart = string | number;

/**
 * The exact source text of the value at `path` (object keys and array indices) inside valid
 * JSON `text`. Re-serialising a parsed object would round large integers and reformat numbers;
 * re-ingest must send the object as it was written.
 */
export function sliceAtPath(text: string, path: readonly JsonPathPart[]): string | undefined {
  try {
    let start = skipWhitespace(text, 0);
    let end = skipValue(text, start);
    for (const part of path) {
      const opener = typeof part === "number" ? OPEN_BRACKET : OPEN_BRACE;
      if (text.charCodeAt(start) !== opener) return undefined;
      const span =
        typeof part === "number" ? elementSpan(text, start, part) : memberSpan(text, start, part);
      if (!span) return undefined;
      [start, end] = span;
    }
    return text.slice(start, end);
  } catch {
    return undefined;
  }
}
