import type { Message } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { seeded } from "../../sandbox/seeded.js";
import { CLASS_INFO, classify, DLQ_CLASSES, isReingestable } from "../../src/dlq/classify.js";
import { parseDlqMessage } from "../../src/dlq/parse.js";
import { redact } from "../../src/dlq/redact.js";
import { createScanSummary } from "../../src/dlq/summary.js";
import { FIXTURE_NAMES, fixture } from "./fixtures.js";

/** mulberry32: small, fast and seeded, so a failure can be replayed. */
function prng(seed: number) {
  const next = seeded(seed);
  const int = (max: number): number => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

type Rng = ReturnType<typeof prng>;

const KEYS = [
  "ErrorMessage",
  "errorMessage",
  "error_message",
  "error",
  "message",
  "Object",
  "object",
  "payload",
  "data",
  "ObjectTypeName",
  "DomainName",
  "Timestamp",
  "code",
  "FirstName",
  "PhoneNumber",
  "Items",
];

function randomString(rng: Rng, max: number): string {
  const length = rng.int(max);
  let text = "";
  for (let i = 0; i < length; i += 1) text += String.fromCharCode(rng.int(0xffff));
  return text;
}

function randomJson(rng: Rng, depth: number): unknown {
  const roll = rng.int(depth > 5 ? 5 : 9);
  if (roll === 0) return null;
  if (roll === 1) return rng.next() * 1e6 - 5e5;
  if (roll === 2) return rng.next() < 0.5;
  if (roll === 3) return randomString(rng, 20);
  if (roll === 4) return JSON.stringify(randomJson(rng, depth + 1));
  if (roll <= 6) return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1));
  return Object.fromEntries(
    Array.from({ length: rng.int(5) }, () => [rng.pick(KEYS), randomJson(rng, depth + 1)]),
  );
}

function deepJson(rng: Rng, levels: number): string {
  const [open, close] = rng.pick([
    ["[", "]"],
    ['{"a":', "}"],
    ['{"Object":', "}"],
  ] as const);
  return `${open.repeat(levels)}1${close.repeat(levels)}`;
}

function binary(rng: Rng): string {
  const bytes = Buffer.from(Array.from({ length: 1 + rng.int(2000) }, () => rng.int(256)));
  const text = bytes.toString(rng.pick(["utf8", "latin1", "binary"] as const));
  // A leading NUL guarantees the body is not JSON, so the expectation below is exact.
  return `\u0000${text}\uD800`;
}

function huge(rng: Rng): string {
  const size = 100_000 + rng.int(1_000_000);
  return rng.pick([
    () => "x".repeat(size),
    () => `"${"a".repeat(size)}"`,
    () => `{"ErrorMessage":"e","Object":"${"{".repeat(size)}"}`,
    () => `{"ErrorMessage":"${"e".repeat(size)}"}`,
  ])();
}

function mutate(rng: Rng, text: string): string {
  const chars = [...text];
  for (let i = 0; i < 1 + rng.int(5); i += 1) {
    const at = rng.int(chars.length);
    if (rng.next() < 0.5) chars.splice(at, 1);
    else chars.splice(at, 0, rng.pick(['"', "{", "}", "\\", ",", ":", "[", "x"]));
  }
  return rng.next() < 0.2 ? chars.slice(0, rng.int(chars.length)).join("") : chars.join("");
}

interface Case {
  msg: unknown;
  /** True when, by construction, no object can be recovered. */
  hopeless: boolean;
}

const wrap = (body: unknown, rng: Rng): Record<string, unknown> => ({
  MessageId: `m-${rng.int(1e9)}`,
  ReceiptHandle: "rh",
  Body: body,
  ...(rng.next() < 0.3 && {
    Attributes: rng.pick([
      null,
      "x",
      [],
      { SentTimestamp: "abc" },
      { SentTimestamp: "1764300000000" },
    ]),
  }),
  ...(rng.next() < 0.3 && {
    MessageAttributes: rng.pick([
      null,
      "x",
      [1],
      { ErrorMessage: 5 },
      { ErrorMessage: { StringValue: {} } },
      {
        ErrorMessage: {
          DataType: "String",
          StringValue: "Too many objects ingested on profile per second",
        },
      },
    ]),
  }),
});

function generate(rng: Rng, bodies: Record<string, string>): Case {
  const kind = rng.int(10);
  switch (kind) {
    case 0:
      return { msg: wrap(`x${randomString(rng, 300)}`, rng), hopeless: true };
    case 1:
      return { msg: wrap(deepJson(rng, 10_000), rng), hopeless: true };
    case 2:
      return { msg: wrap(binary(rng), rng), hopeless: true };
    case 3:
      return {
        msg: wrap(rng.pick(["null", "42", "-1.5e300", "true", '"text"', "[1,2]", "[]", ""]), rng),
        hopeless: true,
      };
    case 4: {
      const msg = rng.pick([
        null,
        undefined,
        3,
        "body",
        [],
        { Body: 5 },
        { Body: null },
        { Body: { error: "e" } },
        { Body: ["a"] },
      ]);
      return { msg, hopeless: true };
    }
    case 5:
      return { msg: wrap(JSON.stringify(randomJson(rng, 0)), rng), hopeless: false };
    case 6:
      return { msg: wrap(mutate(rng, rng.pick(Object.values(bodies))), rng), hopeless: false };
    case 7:
      return {
        msg: wrap(JSON.stringify({ ErrorMessage: "e", Object: deepJson(rng, 10_000) }), rng),
        hopeless: true,
      };
    default:
      return { msg: wrap(rng.pick(Object.values(bodies)), rng), hopeless: false };
  }
}

function checkInvariants(c: Case): void {
  const parsed = parseDlqMessage(c.msg as Message);
  const cls = classify(parsed);
  expect(DLQ_CLASSES).toContain(cls);
  expect(typeof parsed.messageId).toBe("string");
  if (c.hopeless) expect(parsed.kind).toBe("unreadable");
  if (parsed.kind === "unreadable") {
    expect(cls).toBe("unreadable");
    expect(isReingestable(cls)).toBe(false);
    const body = (c.msg as { Body?: unknown } | null)?.Body;
    if (typeof body === "string") expect(parsed.raw).toBe(body);
    return;
  }
  expect(parsed.object).toBeTypeOf("object");
  expect(Array.isArray(parsed.object)).toBe(false);
  expect(JSON.parse(parsed.objectJson)).toEqual(parsed.object);
  expect(() => JSON.stringify(redact(parsed.object, "redacted"))).not.toThrow();
  expect(CLASS_INFO[cls].reingestable).toBe(isReingestable(cls));
}

describe("parse and classify survive hostile input", () => {
  const bodies = Object.fromEntries(FIXTURE_NAMES.map((name) => [name, fixture(name).Body ?? ""]));

  it("several thousand seeded random messages", () => {
    const rng = prng(20261128);
    const summary = createScanSummary({ samplesPerClass: 3 });
    let readable = 0;
    for (let i = 0; i < 4000; i += 1) {
      const c = generate(rng, bodies);
      checkInvariants(c);
      const parsed = parseDlqMessage(c.msg as Message);
      if (parsed.kind === "readable") readable += 1;
      summary.add(parsed, classify(parsed));
    }
    const { total, classes } = summary.snapshot();
    expect(total).toBe(4000);
    // The generator must exercise both outcomes, or the invariants above prove little.
    expect(readable).toBeGreaterThan(400);
    expect(classes.unreadable?.count).toBeGreaterThan(1000);
    for (const entry of Object.values(classes)) expect(entry.samples.length).toBeLessThanOrEqual(3);
  });

  it("a few dozen bodies of up to about 1 MiB", () => {
    const rng = prng(7);
    const started = performance.now();
    for (let i = 0; i < 24; i += 1) {
      const body = huge(rng);
      const parsed = parseDlqMessage({ MessageId: "big", Body: body });
      expect(parsed.kind).toBe("unreadable");
      if (parsed.kind === "unreadable") expect(parsed.raw.length).toBe(body.length);
    }
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("a readable object of about 900 KB comes back whole", () => {
    const objectJson = JSON.stringify({ AccountNumber: "ACC-1", Notes: "n".repeat(900_000) });
    const parsed = parseDlqMessage({
      MessageId: "big",
      Body: `{"ErrorMessage":"e","Object":${objectJson}}`,
    });
    expect(parsed.kind === "readable" && parsed.objectJson).toBe(objectJson);
  });
});
