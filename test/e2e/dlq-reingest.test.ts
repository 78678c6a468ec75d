/**
 * Re-ingest end to end: objects ingested too fast land in the emulator's DLQ; the stack's scan
 * posts the digest; Re-ingest is clicked on it through the Slack driver (signed as Slack signs
 * it); the stack's worker drains what the digest showed of the throttled class into the
 * domain, paced, and edits its thread reply from progress to a final state; a throttled
 * failure that arrived after the scan is left for the next digest; a second click runs no
 * second job.
 */
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import type { Stack } from "../../sandbox/stack.js";
import { enqueueScanNow } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { DLQ_REINGEST_ACTION } from "../../src/slack/render/digest.js";
import {
  MISSING_KEY,
  putDeadLetter,
  queueOf,
  seedThrottledDlq,
  storedObjects,
  THROTTLED,
} from "../dlq/support/harness.js";
import { at } from "../dlq/support/place.js";
import { boundDlqDomain } from "../support/bound-dlq.js";
import { postButton, throttledReingestValue } from "../support/buttons.js";
import { startTestStack } from "../support/e2e.js";

const DOMAIN = "amazon-connect-e2e-reingest";
const CHANNEL = "C0OPS";
const USER = "U0ADMIN";
const OTHER_USER = "U0AGENT";

let stack: Stack | undefined;
let redis: Redis | undefined;
let destroy: (() => void) | undefined;
let queues: JobQueues | undefined;

afterEach(async () => {
  await queues?.close();
  queues = undefined;
  destroy?.();
  await redis?.quit();
  await stack?.stop();
  stack = undefined;
  redis = undefined;
  destroy = undefined;
});

describe("Re-ingest through Slack", () => {
  it("drains the throttled class into the domain, with progress in the digest's thread; two clicks run one job", async () => {
    stack = await startTestStack({
      env: { REINGEST_RATE: "20", PROFILES_ADMINS: USER, PROFILES_OPERATORS: OTHER_USER },
    });
    const bound = await boundDlqDomain(stack, {
      domain: DOMAIN,
      channelId: CHANNEL,
      boundBy: USER,
    });
    const { clients, gateways, queueUrl: url } = bound;
    destroy = () => clients.destroy();
    redis = bound.redis;

    // Four orders per account at once, for six accounts: 18 throttled, and one missing key.
    const seeded = { gateways, emulator: stack.emulator };
    expect(await seedThrottledDlq(seeded, url, DOMAIN, { accounts: 6, perAccount: 4 })).toBe(19);
    await new Promise((r) => setTimeout(r, 1_100));

    // The stack's scan posts the digest; its Re-ingest button names that scan.
    const { driver, timeline } = stack.slack;
    queues = createQueues(redis, stack.config.redis.prefix);
    await enqueueScanNow(queues, at(DOMAIN));
    const digest = await timeline.waitFor(
      (t) =>
        t
          .messages(CHANNEL)
          .find(
            (m) => m.text.startsWith(`Dead-letter queue of ${DOMAIN}`) && throttledReingestValue(m),
          ),
      { timeoutMs: 20_000, description: "the digest with a Re-ingest button" },
    );
    const value = throttledReingestValue(digest) ?? "";
    expect(JSON.parse(value)).toMatchObject({ d: DOMAIN, c: "throttled", s: expect.any(String) });
    const message = { channel: CHANNEL, ts: digest.ts };
    // One more throttled failure after the scan: not shown, so not acted on.
    const late = putDeadLetter({ emulator: stack.emulator } as never, url, {
      domain: DOMAIN,
      objectTypeName: "Order",
      errorMessage: THROTTLED,
      object: { OrderId: "o-late", AccountNumber: "A-late" },
    });

    const first = await driver.clickButton(DLQ_REINGEST_ACTION, { value, message, user: USER });
    expect(first.status).toBe(200);
    const second = await driver.clickButton(DLQ_REINGEST_ACTION, {
      value,
      message,
      user: OTHER_USER,
    });
    expect(second.status).toBe(200);
    // The second person hears it is running, and who started it.
    await timeline.waitFor(
      (t) =>
        t
          .ephemerals(OTHER_USER)
          .find((e) => /already running \(started by <@U0ADMIN>\)/.test(e.text)),
      { timeoutMs: 5_000, description: "the 'already running' ephemeral" },
    );

    const reply = await timeline.waitFor(
      (t) => t.thread(CHANNEL, message.ts).find((m) => /Re-ingest of .* finished/.test(m.text)),
      { timeoutMs: 30_000, description: "the final re-ingest state in the digest's thread" },
    );
    // One job, one reply; it showed progress before its final state.
    const replies = timeline
      .thread(CHANNEL, message.ts)
      .filter((m) => /Re-ingest of|re-ingesting/i.test(m.text));
    expect(replies).toHaveLength(1);
    const versions = [...reply.history.map((v) => v.text), reply.text];
    expect(versions.some((t) => /\*\d+\* done · \*\d+\* failed/.test(t))).toBe(true);
    expect(reply.text).toMatch(/\*18\* accepted, \*0\* failed/);
    const finalBlocks = JSON.stringify(reply.blocks);
    expect(finalBlocks).toMatch(/Left in the DLQ/);
    expect(finalBlocks).toMatch(/Missing key\*: 1/);

    // AWS holds what Slack says: every order the digest showed accepted; the missing-key
    // message and the late arrival left in the DLQ.
    await ingestionIdle(stack.emulator.ctx.state);
    const orders = storedObjects({ emulator: stack.emulator } as never, DOMAIN).map(
      (o) => JSON.parse(o.object).OrderId,
    );
    expect(orders).toHaveLength(24);
    expect(orders).not.toContain("o-late");
    const left = queueOf({ emulator: stack.emulator } as never, url).messages;
    expect(left.map((m) => m.messageId).sort()).toEqual(
      [
        late.messageId,
        ...left.filter((m) => m.body.includes(MISSING_KEY)).map((m) => m.messageId),
      ].sort(),
    );
    expect(left).toHaveLength(2);
  }, 60_000);

  it("answers a malformed button value with an ephemeral, and starts nothing", async () => {
    stack = await startTestStack({ env: { PROFILES_ADMINS: USER } });
    const digest = await postButton(stack, CHANNEL, {
      actionId: DLQ_REINGEST_ACTION,
      label: "Re-ingest",
      value: '{"d":"bad domain!","c":"nope"}',
    });
    await stack.slack.driver.clickButton(DLQ_REINGEST_ACTION, { message: digest, user: USER });
    await stack.slack.timeline.waitFor(
      (t) => t.ephemerals(USER).find((e) => /can't read/.test(e.text)),
      { timeoutMs: 5_000, description: "the malformed-value ephemeral" },
    );
    const thread = stack.slack.timeline.thread(CHANNEL, digest.ts);
    expect(thread.filter((m) => /Re-ingest of|re-ingesting/i.test(m.text))).toEqual([]);
  }, 30_000);
});
