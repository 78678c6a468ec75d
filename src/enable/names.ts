import { cleanText } from "../text.js";
import { invalid, quoted, type Validation, valid } from "./validation.js";

export const DOMAIN_NAME_MAX = 64;
export const EXPIRATION_DAYS_MIN = 1;
export const EXPIRATION_DAYS_MAX = 1098;
export const QUEUE_NAME_MAX = 80;
/** SQS keeps a message at most 14 days (MessageRetentionPeriod 1,209,600 s); its default is 4. */
export const RETENTION_DAYS_MIN = 1;
export const RETENTION_DAYS_MAX = 14;
export const SECONDS_PER_DAY = 86_400;
/** Long enough that failures from a Friday night outlast a long weekend. */
export const DEFAULT_RETENTION_DAYS = RETENTION_DAYS_MAX;
export const ALIAS_NAME_MAX = 256;
/** The prefix AWS's managed policy AmazonConnect_FullAccess lets Connect write to. */
export const CONNECT_DOMAIN_PREFIX = "amazon-connect-";

const DOMAIN_NAME = /^[a-zA-Z0-9_-]+$/;
const QUEUE_NAME = /^[a-zA-Z0-9_-]+$/;
const ALIAS_NAME = /^[a-zA-Z0-9:/_-]+$/;
const ALIAS_PREFIX = "alias/";
const RESERVED_ALIAS_PREFIX = "alias/aws/";

/** Names the first character a pattern rejects, in words a person reads quickly. */
const describeFirstInvalid = (value: string, allowed: RegExp): string => {
  const bad = [...value].find((char) => !allowed.test(char)) ?? "";
  if (bad === " ") return "a space";
  if (bad === "\t") return "a tab";
  if (bad === "\n" || bad === "\r") return "a line break";
  // A bidi-control or zero-width character would vanish from the sentence: name it instead.
  if (cleanText(bad) === "") {
    return `an invisible character (U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")})`;
  }
  return quoted(bad);
};

export const validateDomainName = (input: string): Validation<string> => {
  const name = input.trim();
  const rule = `Use 1–${DOMAIN_NAME_MAX} letters, digits, hyphens or underscores`;
  if (name.length === 0) return invalid(`${rule} for the domain name.`);
  if (!DOMAIN_NAME.test(name)) {
    return invalid(
      `${rule}: ${quoted(name)} contains ${describeFirstInvalid(name, /[a-zA-Z0-9_-]/)}.`,
    );
  }
  if (name.length > DOMAIN_NAME_MAX) {
    return invalid(`${rule}: ${quoted(name)} is ${name.length} characters long.`);
  }
  return valid(name);
};

/** Slack's plain-text input hands us a string, so this parses as well as range-checks. */
export const validateExpirationDays = (input: string): Validation<number> => {
  const text = input.trim();
  const rule = `Enter a whole number of days from ${EXPIRATION_DAYS_MIN} to ${EXPIRATION_DAYS_MAX}`;
  if (text.length === 0) return invalid(`${rule} to keep profile data.`);
  if (!/^\d+$/.test(text)) return invalid(`${rule}: ${quoted(text)} is not a whole number.`);
  const days = Number(text);
  if (days < EXPIRATION_DAYS_MIN || days > EXPIRATION_DAYS_MAX) {
    return invalid(`${rule}: ${quoted(text)} is out of range.`);
  }
  return valid(days);
};

/** How long a new dead-letter queue keeps failed objects; SQS allows at most 14 days. */
export const validateRetentionDays = (input: string): Validation<number> => {
  const text = input.trim();
  const rule = `Enter a whole number of days from ${RETENTION_DAYS_MIN} to ${RETENTION_DAYS_MAX}`;
  if (text.length === 0) return invalid(`${rule} to keep failed objects in the queue.`);
  if (!/^\d+$/.test(text)) return invalid(`${rule}: ${quoted(text)} is not a whole number.`);
  const days = Number(text);
  if (days < RETENTION_DAYS_MIN || days > RETENTION_DAYS_MAX) {
    return invalid(
      `${rule}: ${quoted(text)} is out of range (SQS keeps a message at most ${RETENTION_DAYS_MAX} days).`,
    );
  }
  return valid(days);
};

export const validateQueueName = (input: string): Validation<string> => {
  const name = input.trim();
  const rule = `Use 1–${QUEUE_NAME_MAX} letters, digits, hyphens or underscores`;
  if (name.length === 0) return invalid(`${rule} for the queue name.`);
  if (name.toLowerCase().endsWith(".fifo")) {
    return invalid(
      `Drop the '.fifo' suffix from ${quoted(name)}: the dead-letter queue must be a standard queue, not a FIFO one.`,
    );
  }
  if (!QUEUE_NAME.test(name)) {
    return invalid(
      `${rule}: ${quoted(name)} contains ${describeFirstInvalid(name, /[a-zA-Z0-9_-]/)}.`,
    );
  }
  if (name.length > QUEUE_NAME_MAX) {
    return invalid(`${rule}: ${quoted(name)} is ${name.length} characters long.`);
  }
  return valid(name);
};

/** People type `my-key` as often as `alias/my-key`; both mean the same alias. */
export const validateAliasName = (input: string): Validation<string> => {
  const typed = input.trim();
  const name = typed.startsWith(ALIAS_PREFIX) ? typed : `${ALIAS_PREFIX}${typed}`;
  if (name === ALIAS_PREFIX) {
    return invalid("Enter an alias name after 'alias/', such as alias/amazon-connect-profiles.");
  }
  if (name.startsWith(RESERVED_ALIAS_PREFIX)) {
    return invalid(
      `Choose an alias that doesn't start with 'alias/aws/': AWS reserves it for keys it manages.`,
    );
  }
  if (!ALIAS_NAME.test(name)) {
    return invalid(
      `Use letters, digits, '/', '_', '-' or ':' in the alias: ${quoted(name)} contains ${describeFirstInvalid(name, /[a-zA-Z0-9:/_-]/)}.`,
    );
  }
  if (name.length > ALIAS_NAME_MAX) {
    return invalid(
      `Use at most ${ALIAS_NAME_MAX} characters for the alias, 'alias/' included: ${quoted(name, 40)} has ${name.length}.`,
    );
  }
  return valid(name);
};

/** Turns any text into domain-name characters, collapsing runs of anything else into one hyphen. */
const sanitiseForName = (text: string): string =>
  text
    .replace(/[^a-zA-Z0-9_-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");

const truncate = (text: string, max: number): string => text.slice(0, max).replace(/-+$/, "");

/**
 * Mirrors the console's `amazon-connect-<instance alias>`. The alias keeps its case, so the
 * name reads like the instance people know. Pass the instance id when it has no alias.
 */
export const defaultDomainName = (instanceAlias: string | undefined): string => {
  const base = sanitiseForName(instanceAlias ?? "");
  if (base.length === 0) return `${CONNECT_DOMAIN_PREFIX}profiles`;
  const name = base.startsWith(CONNECT_DOMAIN_PREFIX) ? base : `${CONNECT_DOMAIN_PREFIX}${base}`;
  return truncate(name, DOMAIN_NAME_MAX);
};

/** The suffix survives truncation so the queue is recognisable as this domain's DLQ. */
export const defaultQueueName = (domainName: string): string => {
  const suffix = "-dlq";
  return `${truncate(sanitiseForName(domainName), QUEUE_NAME_MAX - suffix.length)}${suffix}`;
};

export const defaultAliasName = (domainName: string): string =>
  truncate(`${ALIAS_PREFIX}${sanitiseForName(domainName)}`, ALIAS_NAME_MAX);

export const domainNameWarnings = (name: string): string[] => {
  if (name.startsWith(CONNECT_DOMAIN_PREFIX)) return [];
  return [
    `${quoted(name)} doesn't start with '${CONNECT_DOMAIN_PREFIX}': AWS's managed policy AmazonConnect_FullAccess only lets Amazon Connect use domains named ${CONNECT_DOMAIN_PREFIX}*, so users and roles relying on it need your own IAM policy for this domain.`,
  ];
};
