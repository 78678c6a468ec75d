/**
 * Masks customer data in dead-letter samples before they reach Slack. `redacted` keeps what an
 * engineer needs to debug a mapping (field names, nesting, value types) and nothing a customer
 * could be recognised by.
 */

export type PreviewMode = "off" | "redacted" | "full";

/** Past this depth a sample is not worth showing, and recursion must stop somewhere. */
const MAX_DEPTH = 24;
/** Slack shows a few thousand characters at most; longer arrays and objects are elided. */
const MAX_ITEMS = 50;

const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** A run of digits and phone punctuation; the digit count decides if it is a phone number. */
const PHONE_CANDIDATE = /(?<![\w.-])\+?\(?\d[\d\s().\-/]{5,}\d(?!\w)/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

const digitCount = (text: string): number => text.replace(/\D/g, "").length;

/** 7–15 digits is the E.164 range; dates and short numbers (sizes, counts) stay readable. */
const isPhoneLike = (text: string): boolean => {
  const digits = digitCount(text);
  return digits >= 7 && digits <= 15 && !ISO_DATE.test(text);
};

const isEmail = (text: string): boolean => {
  EMAIL.lastIndex = 0;
  const match = EMAIL.exec(text.trim());
  return match !== null && match[0].length === text.trim().length;
};

/**
 * Where a 12-digit AWS account id stands in text the bot reads or writes: an ARN
 * (`arn:aws:iam::111122223333:role/x`), a domain's refId or a place
 * (`111122223333.eu-west-2.my-domain`), an AWS endpoint's URL
 * (`https://sqs.eu-west-2.amazonaws.com/111122223333/q`) and the bot's own "account
 * 111122223333". An account id is no one's phone number, and an audit that masks it cannot
 * say which account was acted in; the same twelve digits standing alone still read as a
 * phone number (+441632960123), since nothing says they are an account.
 */
const AWS_NAME = new RegExp(
  [
    /\barn:aws[a-z-]*:[^\s"'`<>(),;]+/.source,
    /(?<![\w.+-])\d{12}\.[a-z]{2}(?:-[a-z]+)+-\d(?:\.[A-Za-z0-9_-]+)?(?![\w-])/.source,
    /\bhttps?:\/\/[\w.-]+\.amazonaws\.com(?:\.cn)?\/[^\s"'`<>(),;]*/.source,
    /\baccount(?: id)?:? \d{12}(?!\w)/.source,
  ].join("|"),
  "gi",
);

/** Emails and phone numbers masked in text holding no AWS name. */
const maskPii = (text: string): string =>
  text
    .replace(EMAIL, "«email»")
    .replace(PHONE_CANDIDATE, (match) => (isPhoneLike(match) ? "«phone»" : match));

/**
 * Masks emails and phone numbers inside free text such as an error message. AWS names keep
 * their account ids (AWS_NAME); an email inside one (an assumed role's session name can be
 * one) is still masked.
 */
export function redactText(text: string): string {
  let out = "";
  let from = 0;
  for (const match of text.matchAll(AWS_NAME)) {
    out += maskPii(text.slice(from, match.index));
    out += match[0].replace(EMAIL, "«email»");
    from = match.index + match[0].length;
  }
  return out + maskPii(text.slice(from));
}

const normalise = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, "");

/** What a field name says its value is; field names are the best clue to PII in a profile. */
function fieldKind(
  key: string | undefined,
): "email" | "phone" | "name" | "address" | "date" | "id" | undefined {
  if (key === undefined) return undefined;
  const k = normalise(key);
  if (k.includes("email")) return "email";
  if (/phone|mobile|fax|telephone/.test(k)) return "phone";
  if (/address|street|city|postal|zip|province|county|state$|country/.test(k)) return "address";
  if (/name$|^name|surname|nickname/.test(k)) return "name";
  if (/birth|dob/.test(k)) return "date";
  if (/(id|key|number|arn|uuid)$/.test(k)) return "id";
  return undefined;
}

/** Keeps only the last two characters of long ids, so a person can match a sample to a record. */
function maskId(text: string): string {
  return text.length >= 8 ? `«id(${text.length}) …${text.slice(-2)}»` : `«id(${text.length})»`;
}

function maskString(text: string, key: string | undefined): string {
  if (isEmail(text)) return "«email»";
  const kind = fieldKind(key);
  if (
    kind === "email" ||
    kind === "phone" ||
    kind === "name" ||
    kind === "address" ||
    kind === "date"
  ) {
    return `«${kind}»`;
  }
  if (isPhoneLike(text) && /^[\d\s+().\-/]+$/.test(text)) return "«phone»";
  // Free text in an id field (rare) could still hold an email or phone: mask the whole value.
  if (kind === "id" && !/[@\s]/.test(text)) return maskId(text);
  return `«string(${text.length})»`;
}

/** Field names are kept, unless the name itself is PII (objects keyed by email or phone). */
function maskKey(key: string): string {
  if (isEmail(key)) return "«email»";
  if (isPhoneLike(key) && /^[\d\s+().\-/]+$/.test(key)) return "«phone»";
  return key;
}

/** Two fields masked to the same name must both stay visible. */
function uniqueKey(target: Record<string, unknown>, key: string): string {
  let candidate = key;
  for (let n = 2; Object.hasOwn(target, candidate); n += 1) candidate = `${key} ${n}`;
  return candidate;
}

function redactValue(value: unknown, key: string | undefined, depth: number): unknown {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "string") return maskString(value, key);
  if (typeof value === "number" || typeof value === "bigint") {
    const kind = fieldKind(key);
    return kind === "phone" || kind === "date" ? `«${kind}»` : "«number»";
  }
  if (typeof value !== "object") return `«${typeof value}»`;
  if (depth >= MAX_DEPTH) return "«nested»";
  if (Array.isArray(value)) return redactArray(value, key, depth);
  return redactObject(value as Record<string, unknown>, depth);
}

function redactArray(items: readonly unknown[], key: string | undefined, depth: number): unknown[] {
  const shown = items.slice(0, MAX_ITEMS).map((item) => redactValue(item, key, depth + 1));
  return items.length > MAX_ITEMS ? [...shown, `«${items.length - MAX_ITEMS} more»`] : shown;
}

function redactObject(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  const entries = Object.entries(object);
  const result: Record<string, unknown> = {};
  for (const [key, value] of entries.slice(0, MAX_ITEMS)) {
    // defineProperty, because a plain assignment to "__proto__" would change the prototype.
    Object.defineProperty(result, uniqueKey(result, maskKey(key)), {
      value: redactValue(value, key, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (entries.length > MAX_ITEMS) result["«more»"] = `«${entries.length - MAX_ITEMS} more fields»`;
  return result;
}

/**
 * A sample as the preview mode allows: `off` shows nothing, `full` shows the value as it is
 * (an admin's explicit choice), `redacted` masks every value but keeps the shape.
 */
export function redact(value: unknown, mode: "off"): undefined;
export function redact(value: unknown, mode: PreviewMode): unknown;
export function redact(value: unknown, mode: PreviewMode): unknown {
  if (mode === "off") return undefined;
  if (mode === "full") return value;
  return redactValue(value, undefined, 0);
}
