/**
 * Messages the search calls unreadable, though each carries the throttled text, against the AWS
 * emulator through the real SDK clients: a throttled re-ingest and a throttled discard leave
 * them in the queue, visible, and put none of their objects into the domain.
 */
import { afterEach, expect, it } from "vitest";
import { enqueueMessage } from "../../sandbox/aws/state.js";
import { createPacer } from "../../src/dlq/pacing.js";
import { discard, reingest } from "../../src/dlq/reingest.js";
import {
  createDomainWithDlq,
  type DlqHarness,
  putDeadLetter,
  putRawMessage,
  queueOf,
  startDlqHarness,
  storedObjects,
  THROTTLED,
} from "./support/harness.js";

let h: DlqHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DOMAIN = "amazon-connect-unreadable";
const order = (n: number) => ({ OrderId: `o-${n}`, AccountNumber: `A-${n}`, Note: "x" });

/** Each would be a throttled message to a parser that guessed. */
function unreadableBodies(): Array<{ body: string; errorInAttributes?: boolean }> {
  let tooDeep = JSON.stringify({ ErrorMessage: THROTTLED, Object: JSON.stringify(order(4)) });
  for (let i = 0; i < 4; i += 1) tooDeep = JSON.stringify(tooDeep);
  return [
    // Two objects side by side: re-ingesting one and deleting the message loses the other.
    {
      body: JSON.stringify({
        ErrorMessage: THROTTLED,
        ObjectTypeName: "Order",
        Items: [{ Object: order(1) }, { Object: order(2) }],
      }),
    },
    // The error is in attributes; "message" beside "data": the object, or its wrapper?
    {
      body: JSON.stringify({ message: "call after 5pm", data: order(3), ...order(30) }),
      errorInAttributes: true,
    },
    // JSON inside strings deeper than the search follows.
    { body: tooDeep },
    // An object, and nothing anywhere says why it failed.
    { body: JSON.stringify({ ObjectTypeName: "Order", Object: order(5) }) },
  ];
}

it("a throttled re-ingest and discard leave every unreadable message in place", async () => {
  h = await startDlqHarness();
  const url = await createDomainWithDlq(h, DOMAIN);
  const unreadable = unreadableBodies().map(({ body, errorInAttributes }) =>
    errorInAttributes
      ? enqueueMessage(
          queueOf(h as DlqHarness, url),
          {
            body,
            messageAttributes: {
              ErrorMessage: { DataType: "String", StringValue: THROTTLED },
              ObjectTypeName: { DataType: "String", StringValue: "Order" },
            },
          },
          (h as DlqHarness).emulator.ctx.now(),
        )
      : putRawMessage(h as DlqHarness, url, body),
  );
  putDeadLetter(h, url, {
    domain: DOMAIN,
    objectTypeName: "Order",
    errorMessage: THROTTLED,
    object: order(9),
  });

  const pacer = createPacer({ limiter: h.limiter, globalRate: 50, profileIntervalMs: 1100 });
  const result = await reingest(
    { sqs: h.gateways.sqs, profiles: h.gateways.profiles, pacer, log: h.log },
    {
      domain: DOMAIN,
      queueUrl: url,
      selection: { class: "throttled" },
      maxMessages: 100,
      waitSeconds: 0,
      settleMs: 300,
    },
  );
  expect(result.done).toBe(1);
  expect(result.left).toEqual({ unreadable: unreadable.length });
  // Only the readable message's object reached the domain.
  const stored = storedObjects(h, DOMAIN).map((o) => JSON.stringify(o));
  expect(stored).toHaveLength(1);
  expect(stored[0]).toContain("o-9");

  const deleted = await discard(
    { sqs: h.gateways.sqs, log: h.log },
    { queueUrl: url, cls: "throttled", maxMessages: 100, waitSeconds: 0 },
  );
  expect(deleted.deleted).toBe(0);
  const left = queueOf(h, url).messages;
  expect(left.map((m) => m.messageId).sort()).toEqual(unreadable.map((m) => m.messageId).sort());
  expect(left.every((m) => m.visibleAt <= Date.now())).toBe(true);
}, 60_000);
