import { describe, expect, it } from "vitest";
import { type ParsedDlqMessage, parseDlqMessage } from "../../src/dlq/parse.js";
import { FIXTURE_NAMES, fixture, message, stringAttribute } from "./fixtures.js";

function readable(parsed: ParsedDlqMessage) {
  if (parsed.kind !== "readable") throw new Error(`expected readable, got ${parsed.reason}`);
  return parsed;
}

function unreadable(parsed: ParsedDlqMessage) {
  if (parsed.kind !== "unreadable") throw new Error("expected unreadable");
  return parsed;
}

const MARIA = { AccountNumber: "ACC-1001", FirstName: "Maria", LastName: "Garcia" };

describe("parseDlqMessage on the shared shapes", () => {
  it("reads PascalCase with the object as a JSON string, and SQS's attributes", () => {
    const parsed = readable(parseDlqMessage(fixture("throttled-pascal")));
    expect(parsed).toMatchObject({
      messageId: "5f1c0e2a-0001-4c1e-9a61-000000000001",
      receiptHandle: "rh-1",
      domainName: "amazon-connect-examplecorp",
      objectTypeName: "CRM-Contact",
      errorText: "Too many objects ingested on the profile per second",
      sentAt: 1764300000000,
      receiveCount: 1,
    });
    expect(parsed.object).toMatchObject({ ...MARIA, City: "Seattle" });
    const body = JSON.parse(fixture("throttled-pascal").Body ?? "");
    expect(parsed.objectJson).toBe(body.Object);
  });

  it("reads camelCase with the object nested, sending back its exact source text", () => {
    const parsed = readable(parseDlqMessage(fixture("missing-key-camel")));
    expect(parsed).toMatchObject({
      domainName: "amazon-connect-examplecorp",
      objectTypeName: "CRM-Contact",
      errorText: "The UNIQUE key or PROFILE key does not exist in the profile object",
    });
    expect(fixture("missing-key-camel").Body).toContain(parsed.objectJson);
    expect(parsed.objectJson.startsWith('{"FirstName": "Maria"')).toBe(true);
    expect(JSON.parse(parsed.objectJson)).toEqual(parsed.object);
  });

  it("reads an error object and payload.object", () => {
    const parsed = readable(parseDlqMessage(fixture("kms-nested")));
    expect(parsed).toMatchObject({
      errorCode: "KMSInvalid",
      errorText: "Customer Profiles cannot ingest the object due to invalid KMS key",
      objectTypeName: "CTR",
    });
    expect(parsed.object).toEqual({
      ContactId: "c-77",
      CustomerEndpoint: { Address: "+14255550199", Type: "TELEPHONE_NUMBER" },
    });
  });

  it("takes the body as the object when the error is only in message attributes", () => {
    const msg = fixture("error-in-attributes");
    const parsed = readable(parseDlqMessage(msg));
    expect(parsed).toMatchObject({
      errorText: "All keys of this object are binding to more than one profiles",
      objectTypeName: "CRM-Contact",
    });
    expect(parsed.objectJson).toBe(msg.Body);
    expect(parsed.object).toMatchObject(MARIA);
  });

  it("keeps the raw body of a body that is not JSON", () => {
    const msg = fixture("not-json");
    const parsed = unreadable(parseDlqMessage(msg));
    expect(parsed.raw).toBe(msg.Body);
    expect(parsed.reason).toMatch(/not valid JSON/);
    expect(parsed.sentAt).toBe(1764300006000);
  });

  it.each(FIXTURE_NAMES)("%s: objectJson always parses back to the object", (name) => {
    const parsed = parseDlqMessage(fixture(name));
    if (parsed.kind === "readable") expect(JSON.parse(parsed.objectJson)).toEqual(parsed.object);
    else expect(name).toBe("not-json");
  });
});

describe("parseDlqMessage on other reasonable variants", () => {
  const object = { ...MARIA, PhoneNumber: "+14255550123" };
  const objectJson = JSON.stringify(object);

  it.each([
    ["snake_case", { error_message: "boom", object_type_name: "T", object }],
    ["lowercase message", { message: "boom", objectType: "T", Object: objectJson }],
    ["error as a string under error", { error: "boom", ObjectTypeName: "T", object }],
    [
      "double-encoded object",
      { ErrorMessage: "boom", ObjectTypeName: "T", Object: JSON.stringify(objectJson) },
    ],
    ["object under data", { errorMessage: "boom", objectTypeName: "T", data: object }],
    ["envelope under data", { data: { errorMessage: "boom", objectTypeName: "T", object } }],
    [
      "envelope under payload as a string",
      { payload: JSON.stringify({ errorMessage: "boom", objectTypeName: "T", object }) },
    ],
    [
      "error object as a JSON string",
      { error: JSON.stringify({ code: "X", message: "boom" }), objectTypeName: "T", object },
    ],
    [
      "EventBridge-style detail",
      {
        "detail-type": "x",
        detail: { ErrorMessage: "boom", ObjectTypeName: "T", Object: objectJson },
      },
    ],
  ])("%s", (_name, body) => {
    const parsed = readable(parseDlqMessage(message(JSON.stringify(body))));
    expect(parsed.errorText).toBe("boom");
    expect(parsed.objectTypeName).toBe("T");
    expect(parsed.object).toEqual(object);
    expect(JSON.parse(parsed.objectJson)).toEqual(object);
  });

  it("reads a whole body that is itself a JSON string", () => {
    const body = JSON.stringify(JSON.stringify({ ErrorMessage: "boom", Object: object }));
    expect(readable(parseDlqMessage(message(body))).object).toEqual(object);
  });

  it("keeps large integers and number formatting in objectJson", () => {
    const body =
      '{"ErrorMessage":"boom","Object":{"AccountNumber":12345678901234567891,"Amount":1.50}}';
    const parsed = readable(parseDlqMessage(message(body)));
    expect(parsed.objectJson).toBe('{"AccountNumber":12345678901234567891,"Amount":1.50}');
  });

  it("uses the last of duplicate keys, as JSON.parse does", () => {
    const body = '{"ErrorMessage":"boom","Object":{"A":1},"Object":{"A":2}}';
    const parsed = readable(parseDlqMessage(message(body)));
    expect(parsed.object).toEqual({ A: 2 });
    expect(parsed.objectJson).toBe('{"A":2}');
  });

  it("reads error, code, type and domain from message attributes in any casing", () => {
    const parsed = readable(
      parseDlqMessage(
        message(objectJson, {
          MessageAttributes: {
            error_message: stringAttribute("boom"),
            errorCode: stringAttribute("E1"),
            objectTypeName: stringAttribute("T"),
            DomainName: stringAttribute("amazon-connect-x"),
          },
        }),
      ),
    );
    expect(parsed).toMatchObject({
      errorText: "boom",
      errorCode: "E1",
      objectTypeName: "T",
      domainName: "amazon-connect-x",
    });
    expect(parsed.objectJson).toBe(objectJson);
  });

  it("prefers the body's error to an attribute's", () => {
    const body = JSON.stringify({ ErrorMessage: "from body", Object: object });
    const parsed = parseDlqMessage(
      message(body, { MessageAttributes: { ErrorMessage: stringAttribute("from attr") } }),
    );
    expect(parsed.errorText).toBe("from body");
  });

  it("takes the domain name out of a domain ARN", () => {
    const body = JSON.stringify({
      DomainArn: "arn:aws:profile:eu-west-2:111122223333:domains/amazon-connect-x",
      Object: object,
    });
    expect(parseDlqMessage(message(body)).domainName).toBe("amazon-connect-x");
  });

  it("falls back to a timestamp in the body, ISO or epoch seconds", () => {
    const iso = JSON.stringify({
      ErrorMessage: "e",
      Timestamp: "2026-11-28T10:00:00Z",
      Object: object,
    });
    expect(parseDlqMessage(message(iso)).sentAt).toBe(Date.parse("2026-11-28T10:00:00Z"));
    const seconds = JSON.stringify({ ErrorMessage: "e", time: 1764300000, Object: object });
    expect(parseDlqMessage(message(seconds)).sentAt).toBe(1764300000000);
  });

  it("treats a body with no envelope fields as the object, with no error", () => {
    const parsed = readable(parseDlqMessage(message(objectJson)));
    expect(parsed.errorText).toBeUndefined();
    expect(parsed.object).toEqual(object);
  });

  it("strips a byte-order mark", () => {
    expect(parseDlqMessage(message(`\uFEFF${objectJson}`)).kind).toBe("readable");
  });

  it("clips a very long error text", () => {
    const body = JSON.stringify({ ErrorMessage: "e".repeat(10_000), Object: object });
    expect(readable(parseDlqMessage(message(body))).errorText?.length).toBeLessThanOrEqual(2001);
  });

  it("keeps __proto__ as a plain field", () => {
    const body = '{"ErrorMessage":"e","Object":{"__proto__":{"polluted":true},"A":1}}';
    const parsed = readable(parseDlqMessage(message(body)));
    expect(Object.hasOwn(parsed.object, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("parseDlqMessage: unreadable, with the raw body kept", () => {
  it.each([
    ["an envelope without an object", '{"ErrorMessage":"KMS key is invalid","ObjectTypeName":"T"}'],
    ["an object that is an array", '{"ErrorMessage":"boom","Object":[1,2]}'],
    ["an object string that is not JSON", '{"ErrorMessage":"boom","Object":"{not json"}'],
    ["a JSON array", '[{"A":1}]'],
    ["a JSON number", "42"],
    ["JSON null", "null"],
    ["an empty body", ""],
    ["weak error fields and nothing in attributes", '{"error":"boom","FirstName":"Maria"}'],
    ["JSON nested past the depth cap", `${"[".repeat(10_000)}${"]".repeat(10_000)}`],
    [
      "an object nested past the depth cap",
      `{"ErrorMessage":"e","Object":${'{"a":'.repeat(100)}1${"}".repeat(100)}}`,
    ],
  ])("%s", (_name, body) => {
    const parsed = unreadable(parseDlqMessage(message(body)));
    expect(parsed.raw).toBe(body);
    expect(parsed.reason).not.toBe("");
    expect(parsed.messageId).toBe("m-1");
  });

  it("keeps the error text it found, for the digest", () => {
    const parsed = parseDlqMessage(message('{"ErrorMessage":"KMS key is invalid"}'));
    expect(parsed).toMatchObject({ kind: "unreadable", errorText: "KMS key is invalid" });
  });

  it("does not scan a body larger than SQS allows", () => {
    const body = JSON.stringify({ ErrorMessage: "e", Object: { Notes: "x".repeat(1_100_000) } });
    const parsed = unreadable(parseDlqMessage(message(body)));
    expect(parsed.reason).toMatch(/1 MiB/);
    expect(parsed.raw).toBe(body);
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a number", 7],
    ["a string", "body"],
    ["a body that is not a string", { MessageId: "m", Body: { ErrorMessage: "e" } }],
    [
      "wrongly typed fields",
      { MessageId: 5, ReceiptHandle: {}, Body: 3, Attributes: "x", MessageAttributes: [1] },
    ],
  ])("survives %s as the message", (_name, msg) => {
    const parsed = parseDlqMessage(msg as never);
    expect(parsed.kind).toBe("unreadable");
    expect(typeof parsed.messageId).toBe("string");
  });
});
