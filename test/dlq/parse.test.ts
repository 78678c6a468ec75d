import { describe, expect, it } from "vitest";
import { type JsonPathPart, nestsDeeperThan, sliceAtPath } from "../../src/dlq/json.js";
import { type ParsedDlqMessage, parseDlqMessage } from "../../src/dlq/parse.js";
import {
  AWS_TEXT_FIXTURES,
  type AwsTextFixtureName,
  awsFixture,
  FIXTURE_NAMES,
  fixture,
  message,
  stringAttribute,
  UNREADABLE_FIXTURES,
} from "./fixtures.js";

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

  it("calls a body with no error anywhere unreadable: nothing explains why it is there", () => {
    const parsed = unreadable(parseDlqMessage(message(objectJson)));
    expect(parsed.reason).toMatch(/no error text or code/);
    expect(parsed.raw).toBe(objectJson);
  });

  it("strips a byte-order mark", () => {
    const attributes = { MessageAttributes: { ErrorMessage: stringAttribute("boom") } };
    expect(parseDlqMessage(message(`\uFEFF${objectJson}`, attributes)).kind).toBe("readable");
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

/** Every JSON text a body holds: itself, and the JSON inside its strings, level by level. */
function jsonTexts(text: string): string[] {
  const texts = [text];
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      try {
        const inner: unknown = JSON.parse(value);
        if (typeof inner === "object" && inner !== null) texts.push(value);
        walk(inner);
      } catch {
        // plain text
      }
    } else if (typeof value === "object" && value !== null) Object.values(value).forEach(walk);
  };
  walk(JSON.parse(text));
  return texts;
}

describe("parseDlqMessage searches the whole message", () => {
  const object = { ...MARIA, PhoneNumber: "+14255550123" };
  const objectJson = JSON.stringify(object);
  const names = Object.keys(AWS_TEXT_FIXTURES) as AwsTextFixtureName[];

  it.each(names)("%s: finds the error text, and the object as it was written", (name) => {
    const msg = awsFixture(name);
    const parsed = readable(parseDlqMessage(msg));
    expect(parsed.errorText).toBe(AWS_TEXT_FIXTURES[name].text);
    expect(parsed.objectTypeName).toMatch(/^(CRM-Contact|CTR)$/);
    expect(JSON.parse(parsed.objectJson)).toEqual(parsed.object);
    // The exact source text, from whichever level of JSON-in-a-string it sat in.
    expect(jsonTexts(msg.Body ?? "").some((text) => text.includes(parsed.objectJson))).toBe(true);
    expect(parsed.object).toMatchObject(
      parsed.objectTypeName === "CTR" ? { ContactId: "c-77" } : { FirstName: "Maria" },
    );
    expect(parsed.messageId).toBe(msg.MessageId);
    expect(parsed.receiptHandle).toBe(msg.ReceiptHandle);
  });

  it.each(UNREADABLE_FIXTURES)("%s is unreadable, with its raw body kept", (name) => {
    const msg = awsFixture(name);
    const parsed = unreadable(parseDlqMessage(msg));
    expect(parsed.raw).toBe(msg.Body);
  });

  it("reads a list of error objects, and joins errors listed side by side", () => {
    const body = JSON.stringify({
      errors: [
        { code: "E1", message: "first" },
        { code: "E2", message: "second" },
      ],
      Object: object,
    });
    const parsed = readable(parseDlqMessage(message(body)));
    expect(parsed.errorText).toBe("first; second");
    expect(parsed.errorCode).toBe("E1");
  });

  it("reads envelopes inside nested arrays", () => {
    const body = JSON.stringify([[{ ErrorMessage: "boom", ObjectTypeName: "T", Object: object }]]);
    const parsed = readable(parseDlqMessage(message(body)));
    expect(parsed).toMatchObject({ errorText: "boom", objectTypeName: "T", object });
  });

  it("sends back an object inside an array exactly as written", () => {
    const body =
      '{"ErrorMessage":"boom","Items":[{"Id":"1","Object":{"A":1.50, "B":12345678901234567891}}]}';
    const parsed = readable(parseDlqMessage(message(body)));
    expect(parsed.objectJson).toBe('{"A":1.50, "B":12345678901234567891}');
  });

  it("follows JSON inside strings through four levels, and stops (unreadable) past them", () => {
    let body = JSON.stringify({ ErrorMessage: "boom", Object: objectJson });
    for (let levels = 1; levels <= 5; levels += 1) {
      body = JSON.stringify(body);
      const parsed = parseDlqMessage(message(body));
      if (levels <= 3) expect(readable(parsed).object).toEqual(object);
      else expect(unreadable(parsed).reason).toMatch(/deeper than 4 levels/);
    }
  });

  it("refuses two different objects side by side: one re-ingest would lose the other", () => {
    const body = JSON.stringify({
      ErrorMessage: "boom",
      Items: [{ Object: object }, { Object: { ...object, AccountNumber: "ACC-2" } }],
    });
    expect(unreadable(parseDlqMessage(message(body))).reason).toMatch(/2 profile objects/);
  });

  it("takes the same object given twice as one", () => {
    const body = JSON.stringify({
      ErrorMessage: "boom",
      Items: [{ Object: object }, { Object: object }],
    });
    expect(readable(parseDlqMessage(message(body))).object).toEqual(object);
  });

  it("prefers the object under an object key to one under a container key", () => {
    const body = JSON.stringify({ ErrorMessage: "boom", data: { X: 1 }, Object: object });
    expect(readable(parseDlqMessage(message(body))).object).toEqual(object);
  });

  it("reads typed values ({Type, Value}) as their text", () => {
    const body = JSON.stringify({
      ErrorMessage: { Type: "String", Value: "boom" },
      ObjectTypeName: { Type: "String", Value: "T" },
      Object: object,
    });
    expect(readable(parseDlqMessage(message(body)))).toMatchObject({
      errorText: "boom",
      objectTypeName: "T",
    });
  });

  it("reads an error object given as JSON in a message attribute, and a binary attribute", () => {
    const json = message(objectJson, {
      MessageAttributes: { Error: stringAttribute('{"code":"KMSInvalid","message":"boom"}') },
    });
    expect(readable(parseDlqMessage(json))).toMatchObject({
      errorText: "boom",
      errorCode: "KMSInvalid",
    });
    const binary = message(objectJson, {
      MessageAttributes: {
        ErrorMessage: { DataType: "Binary", BinaryValue: new TextEncoder().encode("boom") },
      },
    });
    expect(readable(parseDlqMessage(binary)).errorText).toBe("boom");
    // As the AWS CLI prints a received message: the bytes in base64.
    const saved = message(objectJson, {
      MessageAttributes: {
        ErrorMessage: { DataType: "Binary", BinaryValue: btoa("boom") as never },
      },
    });
    expect(readable(parseDlqMessage(saved)).errorText).toBe("boom");
  });

  it("never takes an object from a message attribute", () => {
    const msg = message(JSON.stringify({ ErrorMessage: "boom" }), {
      MessageAttributes: { Object: stringAttribute(objectJson) },
    });
    expect(unreadable(parseDlqMessage(msg)).reason).toMatch(/no profile object/);
  });

  it("calls a body it can't tell from the object unreadable, rather than guess", () => {
    // Attributes explain it, and "message" beside "data" may be an envelope's or the customer's.
    const body = JSON.stringify({ ...object, data: { Tier: "gold" }, message: "call after 5pm" });
    const msg = message(body, { MessageAttributes: { ErrorMessage: stringAttribute("boom") } });
    expect(unreadable(parseDlqMessage(msg)).reason).toMatch(/cannot tell/);
  });

  it("leaves a customer's own data field alone when the body is the object", () => {
    const customer = { ...object, data: { Tier: "gold" } };
    const parsed = readable(
      parseDlqMessage(
        message(JSON.stringify(customer), {
          MessageAttributes: { ErrorMessage: stringAttribute("boom") },
        }),
      ),
    );
    expect(parsed.object).toEqual(customer);
    expect(parsed.errorText).toBe("boom");
  });

  it("does not search inside the object, however many fields it has", () => {
    const big = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`f${i}`, i]));
    const body = JSON.stringify({ ErrorMessage: "boom", Object: big });
    expect(readable(parseDlqMessage(message(body))).object).toEqual(big);
  });

  it("stops at its bound on an envelope with too many values, unreadable and raw", () => {
    const body = JSON.stringify({
      ErrorMessage: "boom",
      Object: object,
      Noise: new Array(60_000).fill(0),
    });
    const parsed = unreadable(parseDlqMessage(message(body)));
    expect(parsed.reason).toMatch(/not searched to the end/);
    expect(parsed.raw).toBe(body);
  });

  it("prefers a type or domain AWS would accept to one it would not, keeping the latter as a last resort", () => {
    const body = JSON.stringify({
      ErrorMessage: "boom",
      ObjectTypeName: "not a type!",
      DomainName: "example.com",
      payload: { ObjectTypeName: "CRM-Contact", DomainName: "amazon-connect-x", Object: object },
    });
    expect(readable(parseDlqMessage(message(body)))).toMatchObject({
      objectTypeName: "CRM-Contact",
      domainName: "amazon-connect-x",
    });
    const alone = JSON.stringify({
      ErrorMessage: "boom",
      ObjectTypeName: "not a type!",
      Object: object,
    });
    expect(readable(parseDlqMessage(message(alone))).objectTypeName).toBe("not a type!");
  });

  it("keeps what it found on an unreadable message, for the digest", () => {
    const parsed = unreadable(parseDlqMessage(awsFixture("unreadable-two-objects")));
    expect(parsed).toMatchObject({
      errorText: "Too many objects ingested on profile per second",
      objectTypeName: "CRM-Contact",
    });
  });
});

describe("parseDlqMessage finds an envelope however it is wrapped", () => {
  /** mulberry32, seeded, so a failing case can be replayed. */
  function prng(seed: number) {
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    return { next, pick };
  }

  const ERROR_KEYS = ["ErrorMessage", "errorMessage", "error_message", "failureReason"];
  const OBJECT_KEYS = ["Object", "object", "ProfileObject", "objectJson"];
  const WRAPPER_KEYS = ["payload", "data", "body", "detail", "Records", "wrapper", "Message"];

  it("in 500 seeded random wrappings: arrays, containers, unknown keys, JSON strings", () => {
    const rng = prng(20261130);
    for (let i = 0; i < 500; i += 1) {
      const object = { AccountNumber: `ACC-${i}`, Amount: i / 4, Tags: ["a", { b: i }] };
      const text = `Too many objects ingested on profile per second (${i})`;
      const inAttributes = rng.next() < 0.25;
      const envelope: Record<string, unknown> = {
        ObjectTypeName: "CRM-Contact",
        [rng.pick(OBJECT_KEYS)]: rng.next() < 0.5 ? JSON.stringify(object) : object,
      };
      if (!inAttributes) envelope[rng.pick(ERROR_KEYS)] = text;
      let wrapped: unknown = envelope;
      let strings = 0;
      const layers: string[] = [];
      for (let level = 0; level < 1 + Math.floor(rng.next() * 5); level += 1) {
        const how = rng.pick(["array", "key", "string"] as const);
        if (how === "string" && strings >= 2) continue;
        if (how === "array") wrapped = [wrapped];
        else if (how === "key") {
          // Sometimes beside noise a wrapper may carry: ids, a status, a generic message.
          const noise = rng.next() < 0.3 ? { requestId: `r-${i}`, status: "FAILED" } : {};
          const generic = rng.next() < 0.2 ? { message: "Ingestion failed" } : {};
          wrapped = { ...noise, ...generic, [rng.pick(WRAPPER_KEYS)]: wrapped };
        } else {
          wrapped = JSON.stringify(wrapped);
          strings += 1;
        }
        layers.push(how);
      }
      const attributes = inAttributes
        ? { MessageAttributes: { ErrorMessage: stringAttribute(text) } }
        : {};
      const body = JSON.stringify(wrapped);
      const parsed = parseDlqMessage(message(body, attributes));
      const label = `case ${i}: ${layers.join(" > ")}${inAttributes ? " (error in attributes)" : ""} ${body}`;
      expect(parsed.kind, label).toBe("readable");
      if (parsed.kind !== "readable") continue;
      expect(parsed.errorText, label).toBe(text);
      expect(parsed.objectTypeName, label).toBe("CRM-Contact");
      expect(parsed.object, label).toEqual(object);
      expect(JSON.parse(parsed.objectJson), label).toEqual(object);
    }
  });
});

describe("the JSON helpers the search relies on", () => {
  it("slices the exact source of a value by keys and indices, through escapes and spacing", () => {
    const text =
      '{ "a\\"b" : "x\\\\" , "list" : [ 1 , { "k" : "v\\"]}" } , [ 2.50 ] ], "\\u004f": {"n": 1.0} }';
    expect(sliceAtPath(text, ["list", 1])).toBe('{ "k" : "v\\"]}" }');
    expect(sliceAtPath(text, ["list", 2, 0])).toBe("2.50");
    expect(sliceAtPath(text, ["O"])).toBe('{"n": 1.0}');
    expect(sliceAtPath(text, ['a"b'])).toBe('"x\\\\"');
    expect(sliceAtPath(text, ["list", 3])).toBeUndefined();
    expect(sliceAtPath(text, ["list", "0"])).toBeUndefined();
  });

  it("gives back every nested value as JSON.parse reads it, in seeded random documents", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const leaf = () =>
      [() => 'q"uo\\te\\', () => next() * 1e6, () => null, () => "]}{[,:", () => true][
        Math.floor(next() * 5)
      ]?.();
    const build = (depth: number): unknown => {
      if (depth > 3 || next() < 0.3) return leaf();
      if (next() < 0.5)
        return Array.from({ length: Math.floor(next() * 4) }, () => build(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 4) }, (_, i) => [`k${i}"\\`, build(depth + 1)]),
      );
    };
    const paths = (value: unknown, at: JsonPathPart[] = []): JsonPathPart[][] => {
      if (typeof value !== "object" || value === null) return [at];
      const entries = Array.isArray(value)
        ? value.map((v, i) => [i, v] as const)
        : Object.entries(value);
      return [at, ...entries.flatMap(([k, v]) => paths(v, [...at, k]))];
    };
    for (let doc = 0; doc < 200; doc += 1) {
      const value = build(0);
      const text = JSON.stringify(value, null, doc % 3 === 0 ? undefined : " ".repeat(doc % 4));
      for (const path of paths(value)) {
        const expected = path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], value);
        const slice = sliceAtPath(text, path);
        expect(slice === undefined ? slice : JSON.parse(slice), `${text} at ${path}`).toEqual(
          expected,
        );
      }
    }
  });

  it("counts nesting outside strings only, escaped quotes included", () => {
    expect(nestsDeeperThan('{"a":"\\"[[[[[[[[[["}', 3)).toBe(false);
    // The backslash before the closing quote is itself escaped: the string ends there.
    expect(nestsDeeperThan('[[{"a":"\\\\"}, [[1]]]]', 3)).toBe(true);
    expect(nestsDeeperThan("[[[[1]]]]", 3)).toBe(true);
    expect(nestsDeeperThan('["[[[[[", [[1]]]', 3)).toBe(false);
  });
});
