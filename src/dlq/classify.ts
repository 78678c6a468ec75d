import type { ParsedDlqMessage } from "./parse.js";

/** Classes in the order a digest lists them: the ones a click can clear first. */
export const DLQ_CLASSES = [
  "throttled",
  "missing-key",
  "kms",
  "too-large",
  "multi-profile",
  "schema",
  "other",
  "unreadable",
] as const;

export type DlqClass = (typeof DLQ_CLASSES)[number];

export const isDlqClass = (value: unknown): value is DlqClass =>
  typeof value === "string" && (DLQ_CLASSES as readonly string[]).includes(value);

export interface DlqClassInfo {
  label: string;
  explanation: string;
  fix: string;
  /** Whether replaying the stored object unchanged can succeed. */
  reingestable: boolean;
}

export const CLASS_INFO: Readonly<Record<DlqClass, DlqClassInfo>> = {
  throttled: {
    label: "Throttled",
    explanation:
      "Customer Profiles refused the object because too many objects for one profile arrived in the same second.",
    fix: "Safe to re-ingest: the bot paces objects per profile.",
    reingestable: true,
  },
  "missing-key": {
    label: "Missing key",
    explanation:
      "The object has no value for the object type's UNIQUE or PROFILE key, so it can't be tied to a profile.",
    fix: "The object type's key mapping or the source data is wrong: fix it before re-ingesting.",
    reingestable: false,
  },
  kms: {
    label: "KMS key",
    explanation:
      "Customer Profiles could not use the domain's KMS key to encrypt the object: the key is invalid or disabled, or does not exist in the domain's region (AWS then calls it the EncryptionKey).",
    fix: "The domain's key is disabled, deleted, in another region, or its policy lacks the Customer Profiles statement: fix the key or the domain's key setting, then re-ingest.",
    reingestable: false,
  },
  "too-large": {
    label: "Too large",
    explanation: "The object is larger than Customer Profiles accepts (about 250 KB).",
    fix: "Shrink the object at its source (drop or trim large fields): re-ingesting it as it is will fail again.",
    reingestable: false,
  },
  "multi-profile": {
    label: "Several profiles",
    explanation:
      "The object's keys match more than one profile, so Customer Profiles can't tell which one it belongs to.",
    fix: "Merge the duplicate profiles or make the object type's keys unique, then re-ingest.",
    reingestable: false,
  },
  schema: {
    label: "Schema or format",
    explanation: "The object is not valid JSON or does not match its object type's mapping.",
    fix: "Correct the object type mapping or the source data: only JSON that fits the mapping is accepted.",
    reingestable: false,
  },
  other: {
    label: "Other error",
    explanation: "Customer Profiles rejected the object with an error the bot does not recognise.",
    fix: "Read the error text in a sample; re-ingest a single message to test before a whole class.",
    reingestable: false,
  },
  unreadable: {
    label: "Unreadable",
    explanation:
      "The bot could not recover a profile object from the message, so it keeps the message untouched.",
    fix: "Inspect the raw message in SQS; the bot never re-ingests or deletes it.",
    reingestable: false,
  },
};

/**
 * The texts AWS lists for dead-letter errors (docs/aws/customer-profiles.md, "Error texts AWS
 * documents"), checked in order: the generic schema rule comes last because texts such as
 * "invalid KMS key" would otherwise match it, and the key rules before the KMS ones because
 * "EncryptionKey does not exist" must not read as a missing UNIQUE or PROFILE key.
 */
const TEXT_RULES: ReadonlyArray<readonly [DlqClass, RegExp]> = [
  [
    "throttled",
    /too many objects ingested on (?:the )?profile per second|too many objects ingested/i,
  ],
  ["missing-key", /\b(?:unique|profile) key (?:or (?:unique|profile) key )?does not exist/i],
  // "...due to the EncryptionKey does not exist in the region" is a KMS key, though unnamed.
  ["kms", /\bkms\b|\bencryption ?key\b/i],
  [
    "too-large",
    /larger than [\d,.]+ ?bytes|object (?:is )?too large|exceeds the maximum (?:object )?size/i,
  ],
  ["multi-profile", /binding to more than one profile|more than one profile/i],
  [
    "schema",
    /\bschema\b|\bformat\b|\bjson\b|malformed|(?:could not|cannot|unable to|failed to) parse|does not match|not a valid|type mismatch/i,
  ],
];

/** Error codes seen alongside (or instead of) the texts. */
const CODE_RULES: ReadonlyArray<readonly [DlqClass, RegExp]> = [
  ["throttled", /throttl|toomanyrequests/i],
  ["kms", /kms|encryptionkey/i],
  ["too-large", /toolarge|size/i],
  ["schema", /schema|json|parse|format/i],
];

const firstMatch = (rules: ReadonlyArray<readonly [DlqClass, RegExp]>, text: string | undefined) =>
  text === undefined ? undefined : rules.find(([, pattern]) => pattern.test(text))?.[0];

export function classify(parsed: ParsedDlqMessage): DlqClass {
  if (parsed.kind === "unreadable") return "unreadable";
  return (
    firstMatch(TEXT_RULES, parsed.errorText) ?? firstMatch(CODE_RULES, parsed.errorCode) ?? "other"
  );
}

/** Unreadable is never re-ingestable, whatever the table says, because its object is unknown. */
export const isReingestable = (cls: DlqClass): boolean =>
  cls !== "unreadable" && CLASS_INFO[cls].reingestable;
