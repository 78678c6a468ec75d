/**
 * Re-ingest end to end: objects ingested too fast land in the emulator's DLQ; Re-ingest is
 * clicked on the digest through the Slack driver (signed as Slack signs it); the stack's
 * worker drains the throttled class into the domain, paced, and edits its thread reply from
 * progress to a final state; a second click runs no second job.
 */
import { WebClient } from "@slack/web-api";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import { SANDBOX_AWS_CREDENTIALS, SANDBOX_BOT_TOKEN, type Stack } from "../../sandbox/stack.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import { DLQ_REINGEST_ACTION } from "../../src/slack/render/digest.js";
import {
  createDomainWithDlq,
  MISSING_KEY,
  putDeadLetter,
  queueOf,
  storedObjects,
} from "../dlq/support/harness.js";
import { startTestStack } from "../support/e2e.js";

const DOMAIN = "amazon-connect-e2e-reingest";
const CHANNEL = "C0OPS";
const USER = "U0ADMIN";
const OTHER_USER = "U0AGENT";

let stack: Stack | undefined;
let redis: Redis | undefined;
let destroy: (() => void) | undefined;

afterEach(async () => {
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
    const clients = createAwsClients({
      region: "us-east-1",
      endpoint: stack.emulator.url,
      maxAttempts: 3,
      credentials: SANDBOX_AWS_CREDENTIALS,
    });
    destroy = () => clients.destroy();
    const gateways = createGateways(clients);
    const url = await createDomainWithDlq({ gateways, clients }, DOMAIN);
    redis = new Redis(stack.config.redis.url, { maxRetriesPerRequest: null });
    await new RedisBindingStore(redis, stack.config.redis.prefix).set({
      domain: DOMAIN,
      channelId: CHANNEL,
      teamId: "T0SANDBOX",
      queueUrl: url,
      boundBy: USER,
      boundAt: new Date().toISOString(),
    });

    // Four orders per account at once, for six accounts: 18 land in the DLQ, throttled.
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        gateways.profiles.putProfileObject(
          DOMAIN,
          "Order",
          JSON.stringify({ OrderId: `o-${i}`, AccountNumber: `A-${i % 6}` }),
        ),
      ),
    );
    await ingestionIdle(stack.emulator.ctx.state);
    putDeadLetter({ emulator: stack.emulator } as never, url, {
      domain: DOMAIN,
      objectTypeName: "Order",
      errorMessage: MISSING_KEY,
      object: { Note: "no keys" },
    });
    expect(queueOf({ emulator: stack.emulator } as never, url).messages).toHaveLength(19);
    await new Promise((r) => setTimeout(r, 1_100));

    // The digest's Re-ingest button, as the scan job renders it.
    const bot = new WebClient(SANDBOX_BOT_TOKEN, { slackApiUrl: stack.slack.apiUrl });
    const value = JSON.stringify({ d: DOMAIN, c: "throttled" });
    const digest = await bot.chat.postMessage({
      channel: CHANNEL,
      text: "Dead-letter digest",
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: "*Throttled*: 18" } },
        {
          type: "actions",
          block_id: "dlq-class-throttled",
          elements: [
            {
              type: "button",
              action_id: DLQ_REINGEST_ACTION,
              text: { type: "plain_text", text: "Re-ingest" },
              value,
            },
          ],
        },
      ],
    });
    const message = { channel: CHANNEL, ts: String(digest.ts) };
    const { driver, timeline } = stack.slack;

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

    // AWS holds what Slack says: every order accepted, only the missing-key message left.
    await ingestionIdle(stack.emulator.ctx.state);
    expect(storedObjects({ emulator: stack.emulator } as never, DOMAIN)).toHaveLength(24);
    const left = queueOf({ emulator: stack.emulator } as never, url).messages;
    expect(left).toHaveLength(1);
    expect(left[0]?.body).toContain(MISSING_KEY);
  }, 60_000);

  it("answers a malformed button value with an ephemeral, and starts nothing", async () => {
    stack = await startTestStack({ env: { PROFILES_ADMINS: USER } });
    const bot = new WebClient(SANDBOX_BOT_TOKEN, { slackApiUrl: stack.slack.apiUrl });
    const digest = await bot.chat.postMessage({
      channel: CHANNEL,
      text: "digest",
      blocks: [
        {
          type: "actions",
          elements: [
            {
              type: "button",
              action_id: DLQ_REINGEST_ACTION,
              text: { type: "plain_text", text: "Re-ingest" },
              value: '{"d":"bad domain!","c":"nope"}',
            },
          ],
        },
      ],
    });
    await stack.slack.driver.clickButton(DLQ_REINGEST_ACTION, {
      message: { channel: CHANNEL, ts: String(digest.ts) },
      user: USER,
    });
    await stack.slack.timeline.waitFor(
      (t) => t.ephemerals(USER).find((e) => /can't read/.test(e.text)),
      { timeoutMs: 5_000, description: "the malformed-value ephemeral" },
    );
    const thread = stack.slack.timeline.thread(CHANNEL, String(digest.ts));
    expect(thread.filter((m) => /Re-ingest of|re-ingesting/i.test(m.text))).toEqual([]);
  }, 30_000);
});
