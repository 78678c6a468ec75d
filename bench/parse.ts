/**
 * Dead-letter parse cost per message, against JSON.parse of the same bodies in the same run:
 * the parser sits on the scan's path, so what it adds over reading the JSON at all is what
 * matters. The messages mix the shapes a queue plausibly holds (the emulator's envelope with
 * the object as a JSON string, a nested envelope with an error object, the object as the body
 * with the error in message attributes, a list of errors, an SNS-style string-wrapped
 * envelope), each around a contact-record-sized object (about 2 KB). Then bodies of about
 * 1 MiB built to make the search slow, one at a time: the worst shows what the bounds allow.
 *
 *   npm run bench -- parse
 */
import type { Message } from "@aws-sdk/client-sqs";
import { classify } from "../src/dlq/classify.js";
import { parseDlqMessage } from "../src/dlq/parse.js";
import type { Benchmark } from "./index.js";
import { round } from "./lib.js";

const MESSAGES = 2_000;
const ROUNDS = 5;
const THROTTLED = "Too many objects ingested on profile per second";

function profileObject(i: number): Record<string, unknown> {
  return {
    AccountNumber: `ACC-${i}`,
    FirstName: "Maria",
    LastName: "Garcia",
    PhoneNumber: `+1425555${String(i % 10_000).padStart(4, "0")}`,
    EmailAddress: `customer${i}@example.com`,
    Address1: "12 Pine St",
    City: "Seattle",
    Attributes: Object.fromEntries(
      Array.from({ length: 40 }, (_, k) => [`custom_attribute_${k}`, `value ${k} for ${i}`]),
    ),
    Channels: [{ Type: "VOICE", Queue: "Support" }, { Type: "CHAT" }],
  };
}

const attribute = (value: string) => ({ DataType: "String", StringValue: value });

function messageAt(i: number): Message {
  const object = profileObject(i);
  const objectJson = JSON.stringify(object);
  const shapes: Array<() => Pick<Message, "Body" | "MessageAttributes">> = [
    () => ({
      Body: JSON.stringify({
        domainName: "amazon-connect-bench",
        objectTypeName: "CRM-Contact",
        errorMessage: THROTTLED,
        object: objectJson,
        timestamp: "2026-11-28T10:00:00Z",
      }),
      MessageAttributes: {
        ErrorMessage: attribute(THROTTLED),
        ObjectTypeName: attribute("CRM-Contact"),
      },
    }),
    () => ({
      Body: JSON.stringify({
        error: { code: "KMSInvalid", message: "KMS key is invalid" },
        payload: { objectTypeName: "CTR", object },
      }),
    }),
    () => ({
      Body: objectJson,
      MessageAttributes: { ErrorMessage: attribute(THROTTLED), ObjectTypeName: attribute("T") },
    }),
    () => ({
      Body: JSON.stringify({
        errors: [{ errorCode: "E1", errorMessage: THROTTLED }],
        ObjectTypeName: "CRM-Contact",
        Object: objectJson,
      }),
    }),
    () => ({
      Body: JSON.stringify({
        Type: "Notification",
        Message: JSON.stringify({ ErrorMessage: THROTTLED, ObjectTypeName: "T", Object: object }),
      }),
    }),
  ];
  const shape = shapes[i % shapes.length] as () => Pick<Message, "Body" | "MessageAttributes">;
  return { MessageId: `m-${i}`, ReceiptHandle: `rh-${i}`, ...shape() };
}

/** Bodies of about 1 MiB built to make a search slow: the bounds must keep each cheap. */
function hostileBodies(): Record<string, string> {
  let nested: string = JSON.stringify({ ErrorMessage: "e", Object: { N: "x".repeat(300_000) } });
  for (let i = 0; i < 3; i += 1) nested = JSON.stringify(nested);
  return {
    "array of small envelopes": JSON.stringify(
      Array.from({ length: 30_000 }, (_, i) => ({ message: "x", data: { a: i } })),
    ),
    "flat array": `[${"0,".repeat(450_000)}0]`,
    "JSON in every string": JSON.stringify(
      Object.fromEntries(
        Array.from({ length: 25_000 }, (_, i) => [`k${i}`, '{"a":"{\\"b\\":1}"}']),
      ),
    ),
    "JSON string four levels deep": nested,
    "45,000 keys": JSON.stringify(
      Object.fromEntries(Array.from({ length: 45_000 }, (_, i) => [`Field${i}`, i])),
    ),
  };
}

/** Milliseconds for `work` on one body, best of three. */
function once(work: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r += 1) {
    const started = performance.now();
    work();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** Microseconds per message for `work` over every message, best of the rounds. */
function perMessage(messages: Message[], work: (m: Message) => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let r = 0; r < ROUNDS; r += 1) {
    const started = performance.now();
    for (const m of messages) if (work(m) !== undefined) sink += 1;
    best = Math.min(best, performance.now() - started);
  }
  if (sink === 0) throw new Error("nothing parsed");
  return (best * 1000) / messages.length;
}

const bench: Benchmark = {
  description: "dead-letter parse + classify per message vs JSON.parse of the same body",
  async run(log) {
    const messages = Array.from({ length: MESSAGES }, (_, i) => messageAt(i));
    const unreadable = messages.filter((m) => parseDlqMessage(m).kind === "unreadable").length;
    if (unreadable > 0) throw new Error(`${unreadable} bench messages parsed as unreadable`);
    // Warm both paths up so the comparison is not about which ran first.
    perMessage(messages, (m) => JSON.parse(m.Body ?? ""));
    perMessage(messages, (m) => classify(parseDlqMessage(m)));
    const jsonUs = perMessage(messages, (m) => JSON.parse(m.Body ?? ""));
    const parseUs = perMessage(messages, (m) => classify(parseDlqMessage(m)));
    const bytes = messages.reduce((sum, m) => sum + (m.Body?.length ?? 0), 0) / messages.length;
    log(`${MESSAGES} messages, ${round(bytes, 0)} chars of body on average`);
    log(`JSON.parse: ${round(jsonUs)} µs/message`);
    log(`parse + classify: ${round(parseUs)} µs/message (${round(parseUs / jsonUs)}x JSON.parse)`);
    let worstMs = 0;
    let worstRatio = 0;
    for (const [name, body] of Object.entries(hostileBodies())) {
      const message: Message = { MessageId: "hostile", Body: body };
      const ms = once(() => classify(parseDlqMessage(message)));
      const json = once(() => JSON.parse(body));
      log(
        `hostile, ${name} (${body.length} chars): ${round(ms)} ms (${round(ms / json)}x JSON.parse)`,
      );
      worstMs = Math.max(worstMs, ms);
      worstRatio = Math.max(worstRatio, ms / json);
    }
    return {
      messages: MESSAGES,
      avgBodyChars: round(bytes, 0),
      jsonParseUsPerMessage: round(jsonUs),
      parseUsPerMessage: round(parseUs),
      ratioToJsonParse: round(parseUs / jsonUs),
      hostileWorstMs: round(worstMs),
      hostileWorstRatioToJsonParse: round(worstRatio),
    };
  },
};

export default bench;
