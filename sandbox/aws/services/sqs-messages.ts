/**
 * Message-level SQS rules: attribute validation, the MD5 digests clients verify, and
 * receipt handles.
 */
import { createHash, randomUUID } from "node:crypto";
import type { SqsMessage } from "../state.js";
import { AwsError } from "../types.js";

export type MessageAttributes = SqsMessage["messageAttributes"];

export const invalidParameter = (message: string) => new AwsError("InvalidParameterValue", message);

/*
 * MD5OfMessageAttributes, as the SQS developer guide specifies it: for each attribute in
 * name order, the UTF-8 name, data type and value, each preceded by its 4-byte big-endian
 * length, with a 1-byte transport type (1 string, 2 binary) before the value.
 */
export function md5OfAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash("md5");
  const withLength = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of names) {
    const attribute = attributes[name] as MessageAttributes[string];
    withLength(Buffer.from(name, "utf8"));
    withLength(Buffer.from(attribute.DataType, "utf8"));
    if (attribute.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      withLength(Buffer.from(attribute.BinaryValue, "base64"));
    } else {
      hash.update(Buffer.from([1]));
      withLength(Buffer.from(attribute.StringValue ?? "", "utf8"));
    }
  }
  return hash.digest("hex");
}

// The characters SQS accepts in bodies and string attribute values (XML 1.0's Char).
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function checkContents(text: string, where: string): void {
  const bad = INVALID_CHAR.exec(text);
  if (bad) {
    const hex = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase();
    throw new AwsError(
      "InvalidMessageContents",
      `Invalid binary character '#x${hex}' was found in the ${where}, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
}

const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\..{1,250})?$/;

function checkAttribute(name: string, value: unknown): MessageAttributes[string] {
  if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name)) {
    throw invalidParameter(`Message attribute name '${name}' is invalid.`);
  }
  const v = (value ?? {}) as Record<string, unknown>;
  const dataType = typeof v.DataType === "string" ? v.DataType : "";
  if (!DATA_TYPE.test(dataType)) {
    throw invalidParameter(`The type of message (user) attribute '${name}' is invalid.`);
  }
  if (dataType.startsWith("Binary")) {
    if (typeof v.BinaryValue !== "string" || v.BinaryValue.length === 0) {
      throw invalidParameter(
        `Message (user) attribute '${name}' must contain a non-empty value of type 'Binary'.`,
      );
    }
    return { DataType: dataType, BinaryValue: v.BinaryValue };
  }
  if (typeof v.StringValue !== "string" || v.StringValue.length === 0) {
    throw invalidParameter(
      `Message (user) attribute '${name}' must contain a non-empty value of type '${dataType.split(".")[0]}'.`,
    );
  }
  if (dataType.startsWith("Number") && !Number.isFinite(Number(v.StringValue))) {
    throw invalidParameter(
      `Can't cast the value of message (user) attribute '${name}' to a number.`,
    );
  }
  checkContents(v.StringValue, `message attribute '${name}'`);
  return { DataType: dataType, StringValue: v.StringValue };
}

/** Validated message attributes, and their size as SQS counts it against the message limit. */
export function checkAttributes(raw: unknown): { attributes: MessageAttributes; bytes: number } {
  const entries = Object.entries((raw ?? {}) as Record<string, unknown>);
  if (entries.length > 10) {
    throw invalidParameter(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  }
  const attributes: MessageAttributes = {};
  let bytes = 0;
  for (const [name, value] of entries) {
    const attribute = checkAttribute(name, value);
    attributes[name] = attribute;
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(attribute.DataType) +
      (attribute.BinaryValue !== undefined
        ? Buffer.from(attribute.BinaryValue, "base64").length
        : Buffer.byteLength(attribute.StringValue ?? ""));
  }
  return { attributes, bytes };
}

/** Which of a message's attributes a ReceiveMessage asked for (`All`, `.*`, `prefix.*`, names). */
export function selectAttributes(
  attributes: MessageAttributes,
  wanted: string[],
): MessageAttributes {
  const picked: MessageAttributes = {};
  const matches = (name: string) =>
    wanted.some(
      (w) =>
        w === "All" ||
        w === ".*" ||
        w === name ||
        (w.endsWith(".*") && name.startsWith(w.slice(0, -1))),
    );
  for (const [name, value] of Object.entries(attributes)) if (matches(name)) picked[name] = value;
  return picked;
}

/*
 * Receipt handles are opaque to clients; ours carry the queue and message so that a handle
 * from another queue, a malformed one and a stale one can each get SQS's own answer.
 */
export function newReceiptHandle(queueName: string, messageId: string): string {
  return Buffer.from(JSON.stringify([queueName, messageId, randomUUID()])).toString("base64");
}

export function parseReceiptHandle(handle: string): { queueName: string; messageId: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(handle, "base64").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed.every((p) => typeof p === "string")
    ) {
      return { queueName: parsed[0], messageId: parsed[1] };
    }
  } catch {
    // Falls through to the same error as any other malformed handle.
  }
  throw new AwsError(
    "ReceiptHandleIsInvalid",
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );
}
