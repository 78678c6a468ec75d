import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CLASS_INFO,
  classify,
  DLQ_CLASSES,
  type DlqClass,
  isReingestable,
} from "../../src/dlq/classify.js";
import { parseDlqMessage } from "../../src/dlq/parse.js";
import {
  AWS_TEXT_FIXTURES,
  type AwsTextFixtureName,
  awsFixture,
  type FixtureName,
  fixture,
  message,
  stringAttribute,
  UNREADABLE_FIXTURES,
} from "./fixtures.js";

const classOf = (body: string, extra = {}) => classify(parseDlqMessage(message(body, extra)));

describe("classify the shared shapes", () => {
  it.each<[FixtureName, DlqClass]>([
    ["throttled-pascal", "throttled"],
    ["missing-key-camel", "missing-key"],
    ["kms-nested", "kms"],
    ["error-in-attributes", "multi-profile"],
    ["too-large", "too-large"],
    ["schema-mismatch", "schema"],
    ["not-json", "unreadable"],
  ])("%s is %s", (name, expected) => {
    expect(classify(parseDlqMessage(fixture(name)))).toBe(expected);
  });
});

describe("classify AWS's error texts", () => {
  const object = { AccountNumber: "ACC-1", FirstName: "Ann" };
  const bodyWith = (error: string) => JSON.stringify({ ErrorMessage: error, Object: object });

  it.each<[string, DlqClass]>([
    ["Too many objects ingested on profile per second", "throttled"],
    ["Too many objects ingested on the profile per second", "throttled"],
    ["TOO MANY OBJECTS INGESTED ON THE PROFILE PER SECOND", "throttled"],
    ["The UNIQUE key or PROFILE key does not exist in the profile object", "missing-key"],
    ["the unique key or profile key does not exist in the profile object", "missing-key"],
    ["KMS key is invalid", "kms"],
    ["Customer Profiles cannot ingest the object due to invalid KMS key", "kms"],
    [
      "Customer Profiles cannot ingest the object due to the EncryptionKey does not exist in the region",
      "kms",
    ],
    ["customer profiles cannot ingest the object due to the encryptionkey does not exist", "kms"],
    ["Your data contains profile object larger than 256000 bytes", "too-large"],
    ["Your data contains profile object larger than 1,048,576 bytes", "too-large"],
    ["All keys of this object are binding to more than one profiles", "multi-profile"],
    ["Only JSON format is accepted", "schema"],
    ["The object does not match the schema of object type X", "schema"],
    ["Something nobody has seen before", "other"],
  ])("%s", (error, expected) => {
    expect(classOf(bodyWith(error))).toBe(expected);
  });

  it("classifies by error code when there is no text", () => {
    expect(classOf(JSON.stringify({ error: { code: "KMSInvalid" }, object }))).toBe("kms");
    expect(classOf(JSON.stringify({ errorCode: "ThrottlingException", object }))).toBe("throttled");
  });

  it("classifies an EncryptionKey code as KMS", () => {
    expect(classOf(JSON.stringify({ errorCode: "EncryptionKeyNotFound", object }))).toBe("kms");
  });

  it("calls an object with no error anywhere unreadable, not other", () => {
    expect(classOf(JSON.stringify(object))).toBe("unreadable");
  });
});

describe("one fixture per error text AWS documents", () => {
  const names = Object.keys(AWS_TEXT_FIXTURES) as AwsTextFixtureName[];

  it.each(names)("%s", (name) => {
    expect(classify(parseDlqMessage(awsFixture(name)))).toBe(AWS_TEXT_FIXTURES[name].cls);
  });

  it.each(UNREADABLE_FIXTURES)("%s is unreadable", (name) => {
    expect(classify(parseDlqMessage(awsFixture(name)))).toBe("unreadable");
  });

  it("every text listed in docs/aws/customer-profiles.md has a fixture", () => {
    const docs = readFileSync(
      new URL("../../docs/aws/customer-profiles.md", import.meta.url),
      "utf8",
    );
    const section = docs.split("### Error texts AWS documents")[1]?.split("\n### ")[0] ?? "";
    const listed = [...section.matchAll(/^- "([^"]+)"/gm)].map((m) =>
      (m[1] ?? "").replace(/\s+/g, " "),
    );
    expect(listed.length).toBeGreaterThanOrEqual(7);
    const texts = Object.values(AWS_TEXT_FIXTURES).map((f) => f.text);
    for (const text of listed) {
      const pattern = new RegExp(
        `^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(" N ", " \\d+ ")}$`,
      );
      expect(
        texts.some((t) => pattern.test(t)),
        text,
      ).toBe(true);
    }
  });
});

describe("classify variants of one throttled message", () => {
  const error = "Too many objects ingested on the profile per second";
  const object = { AccountNumber: "ACC-1", FirstName: "Ann" };

  it.each([
    ["PascalCase, object as a string", { ErrorMessage: error, Object: JSON.stringify(object) }],
    ["camelCase, object nested", { errorMessage: error, object }],
    ["snake_case", { error_message: error, object }],
    ["message, data", { message: error, data: object }],
    [
      "double-encoded object",
      { ErrorMessage: error, Object: JSON.stringify(JSON.stringify(object)) },
    ],
    [
      "error as {code,message}",
      { error: { code: "Throttled", message: error }, payload: { object } },
    ],
  ])("%s", (_name, body) => {
    expect(classOf(JSON.stringify(body))).toBe("throttled");
  });

  it("error text in a message attribute", () => {
    const attributes = { MessageAttributes: { errorMessage: stringAttribute(error) } };
    expect(classOf(JSON.stringify(object), attributes)).toBe("throttled");
  });

  it("an unreadable message stays unreadable, whatever its error text says", () => {
    const attributes = { MessageAttributes: { ErrorMessage: stringAttribute(error) } };
    expect(classOf("not json", attributes)).toBe("unreadable");
  });
});

describe("CLASS_INFO", () => {
  it.each(DLQ_CLASSES)("%s has a label, an explanation and a fix", (cls) => {
    const info = CLASS_INFO[cls];
    expect(info.label.length).toBeGreaterThan(0);
    expect(info.explanation).toMatch(/\.$/);
    expect(info.fix.length).toBeGreaterThan(10);
  });

  it("only throttled can be re-ingested as it is", () => {
    expect(DLQ_CLASSES.filter(isReingestable)).toEqual(["throttled"]);
    expect(CLASS_INFO.unreadable.reingestable).toBe(false);
    expect(CLASS_INFO.throttled.fix).toMatch(/paces objects per profile/);
  });
});
