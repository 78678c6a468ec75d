import { readdirSync, readFileSync } from "node:fs";
import type { Message } from "@aws-sdk/client-sqs";

const DIR = new URL("../fixtures/dlq-messages/", import.meta.url);

/** The shared dead-letter shapes, copied into this project (tests never read /work/shared). */
export const FIXTURE_NAMES = [
  "throttled-pascal",
  "missing-key-camel",
  "kms-nested",
  "error-in-attributes",
  "too-large",
  "schema-mismatch",
  "not-json",
] as const;

export type FixtureName = (typeof FIXTURE_NAMES)[number];

export function fixture(name: FixtureName): Message {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), "utf8")) as Message;
}

export const allFixtureFiles = (): string[] =>
  readdirSync(DIR).filter((file) => file.endsWith(".json"));

const AWS_DIR = new URL("../fixtures/dlq/", import.meta.url);

/**
 * One message per error text AWS documents (test/fixtures/dlq), each in another shape: the
 * text the parser must find and the class it must give.
 */
export const AWS_TEXT_FIXTURES = {
  "throttled-error-list": {
    text: "Too many objects ingested on profile per second",
    cls: "throttled",
  },
  "throttled-sns-wrapped": {
    text: "Too many objects ingested on the profile per second",
    cls: "throttled",
  },
  "missing-key-nested-arrays": {
    text: "The UNIQUE key or PROFILE key does not exist in the profile object",
    cls: "missing-key",
  },
  "kms-invalid-attribute-json": { text: "KMS key is invalid", cls: "kms" },
  "kms-cannot-ingest-string-levels": {
    text: "Customer Profiles cannot ingest the object due to invalid KMS key",
    cls: "kms",
  },
  "too-large-detail": {
    text: "Your data contains profile object larger than 256000 bytes",
    cls: "too-large",
  },
  "multi-profile-typed-values": {
    text: "All keys of this object are binding to more than one profiles",
    cls: "multi-profile",
  },
  "encryption-key-region": {
    text: "Customer Profiles cannot ingest the object due to the EncryptionKey does not exist in the region",
    cls: "kms",
  },
  "schema-format": {
    text: "Object is not in a supported format: only JSON is accepted",
    cls: "schema",
  },
} as const;

export type AwsTextFixtureName = keyof typeof AWS_TEXT_FIXTURES;

/** Messages the parser must call unreadable, whatever else they hold. */
export const UNREADABLE_FIXTURES = ["unreadable-two-objects", "unreadable-no-error"] as const;

export function awsFixture(
  name: AwsTextFixtureName | (typeof UNREADABLE_FIXTURES)[number],
): Message {
  return JSON.parse(readFileSync(new URL(`${name}.json`, AWS_DIR), "utf8")) as Message;
}

export const awsFixtureFiles = (): string[] =>
  readdirSync(AWS_DIR).filter((file) => file.endsWith(".json"));

/** The customer data the fixtures carry: none of it may survive redaction. */
export const FIXTURE_PII = [
  "Maria",
  "Garcia",
  "maria.garcia@example.com",
  "maria.garcia",
  "example.com",
  "+14255550123",
  "4255550123",
  "+14255550199",
  "4255550199",
  "12 Pine St",
  "Pine St",
  "Seattle",
] as const;

/** An SQS message around a body, as ReceiveMessage returns it. */
export function message(body: string, extra: Partial<Message> = {}): Message {
  return { MessageId: "m-1", ReceiptHandle: "rh-1", Body: body, ...extra };
}

export const stringAttribute = (value: string) => ({ DataType: "String", StringValue: value });
