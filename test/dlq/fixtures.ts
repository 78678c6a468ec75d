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
