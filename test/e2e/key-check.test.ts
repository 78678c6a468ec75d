/**
 * A domain's KMS key shown as unverified while GetKeyPolicy is denied, through the Slack
 * stand-in: `/profiles status <domain>` and the App Home say why and show the statement the key
 * needs; after the fault is cleared, Check again replaces the answer (and the Home) with a
 * verified key. Every click is authorised and audited like the command.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { Stack } from "../../sandbox/stack.js";
import { SANDBOX_AWS_CREDENTIALS } from "../../sandbox/stack.js";
import { RedisAuditLog } from "../../src/audit/audit.js";
import { createStatusCommand } from "../../src/cli/status.js";
import { createLogger } from "../../src/logger.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { HOME_KEY_CHECK_ACTION } from "../../src/slack/render/home.js";
import { KEY_CHECK_ACTION } from "../../src/slack/render/status.js";
import { at } from "../dlq/support/place.js";
import { postButton } from "../support/buttons.js";
import { startTestStack } from "../support/e2e.js";
import { emulatorControl } from "../support/emulator-control.js";
import { enableByCli } from "../support/enable.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const DOMAIN = "amazon-connect-examplecorp";

let stack: Stack;
let redis: Redis;

async function faults(method: "POST" | "DELETE", body?: unknown) {
  expect((await emulatorControl(stack.emulator.url, "faults", method, body)).status).toBe(200);
}

beforeAll(async () => {
  stack = await startTestStack();
  redis = createRedis(stack.config, "client");
  // A domain with a customer-managed key whose policy has the Customer Profiles statement.
  await enableByCli(stack, EXAMPLECORP);
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

const readable = (blocks: unknown, text = "") =>
  renderText(blocks as never[], text).replace(/[*`]/g, "");

/** The status answer that replaced "Looking up…". */
async function statusAnswer() {
  const before = stack.slack.timeline.ephemerals(USER, CHANNEL).length;
  const res = await stack.slack.driver.type(`/profiles status ${DOMAIN}`);
  expect(res.status).toBe(200);
  return stack.slack.timeline.waitFor(
    (t) =>
      t
        .ephemerals(USER, CHANNEL)
        .slice(before)
        .find((e) => !e.text.startsWith("Looking up")),
    { timeoutMs: 10_000, description: "the status answer" },
  );
}

async function auditedClicks(action: string) {
  const audit = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
  const entries = await audit.latest({ limit: 50 });
  return entries.filter((e) => e.action === `action:${action}`);
}

describe("a key whose policy the bot may not read", () => {
  it("/profiles status says unverified, why and what the key needs; Check again verifies it once readable", async () => {
    await faults("POST", { "kms:GetKeyPolicy": { code: "AccessDeniedException" } });
    const answer = await statusAnswer();
    const text = readable(answer.blocks, answer.text);
    expect(text).toContain("Unverified: the bot cannot read its policy");
    expect(text).toContain(`The KMS key of ${DOMAIN} is unverified.`);
    expect(text).toContain("kms:GetKeyPolicy was denied");
    expect(text).toContain(`arn:aws:profile:us-east-1:111122223333:domains/${DOMAIN}`);

    // Someone without a role clicks it on that same message: refused, audited, nothing read.
    const where = { message: { channel: CHANNEL, ts: answer.ts } };
    const guest = await stack.slack.driver.clickButton(KEY_CHECK_ACTION, {
      ...where,
      user: "U0GUEST",
    });
    expect(guest.status).toBe(200);
    await vi.waitUntil(
      async () =>
        (await auditedClicks(KEY_CHECK_ACTION)).some(
          (e) => e.userId === "U0GUEST" && e.outcome === "refused",
        ),
      { timeout: 10_000, interval: 50 },
    );

    await faults("DELETE");
    const click = await stack.slack.driver.clickButton(KEY_CHECK_ACTION, { ...where, user: USER });
    expect(click.status).toBe(200);
    const replaced = await stack.slack.timeline.waitFor(
      (t) =>
        t
          .ephemerals(USER, CHANNEL)
          .find(
            (e) =>
              e.ts === answer.ts &&
              readable(e.blocks, e.text).includes("Its policy lets Customer Profiles use it."),
          ),
      { timeoutMs: 10_000, description: "the status answer, verified" },
    );
    const after = readable(replaced.blocks, replaced.text);
    expect(after).not.toContain("Unverified");
    expect(JSON.stringify(replaced.blocks)).not.toContain(KEY_CHECK_ACTION);
    await vi.waitUntil(
      async () =>
        (await auditedClicks(KEY_CHECK_ACTION)).some(
          (e) =>
            e.userId === USER &&
            e.target === `111122223333.us-east-1.${DOMAIN}` &&
            e.place === "default (111122223333) · us-east-1" &&
            e.outcome === "succeeded",
        ),
      { timeout: 10_000, interval: 50 },
    );
  });

  it("a forged value that is not a domain name checks nothing, is refused and audited", async () => {
    const message = await postButton(stack, CHANNEL, {
      actionId: KEY_CHECK_ACTION,
      label: "Check again",
      value: "amazon-connect-x <!channel>",
    });
    const seen = stack.slack.timeline.ephemerals(USER).length;
    await stack.slack.driver.clickButton(KEY_CHECK_ACTION, { message, user: USER });
    const told = await stack.slack.timeline.waitFor(
      (t) =>
        t
          .ephemerals(USER)
          .slice(seen)
          .find((e) => e.text.includes("Nothing was checked")),
      { timeoutMs: 10_000, description: "the clicker told" },
    );
    expect(told.text).not.toContain("<!channel>");
    await vi.waitUntil(
      async () =>
        (await auditedClicks(KEY_CHECK_ACTION)).some(
          (e) =>
            e.userId === USER && e.outcome === "refused" && /malformed value/.test(e.detail ?? ""),
        ),
      { timeout: 10_000, interval: 50 },
    );
  });

  it("profiles-bot status says the same from a terminal", async () => {
    const env = {
      AWS_ENDPOINT_URL: stack.emulator.url,
      AWS_REGION: "us-east-1",
      LOG_LEVEL: "silent",
    };
    const run = async () => {
      const out: string[] = [];
      const code = await createStatusCommand({ env, awsCredentials: SANDBOX_AWS_CREDENTIALS })(
        [DOMAIN],
        { stdin: process.stdin, out: (l) => out.push(l), err: () => {} },
      );
      expect(code).toBe(0);
      return out.join("\n");
    };
    await faults("POST", { "kms:GetKeyPolicy": { code: "AccessDeniedException" } });
    const denied = await run();
    expect(denied).toContain(
      "KMS key policy:    unverified: The bot may not read this key's policy",
    );
    expect(denied).toContain('"Service": "profile.amazonaws.com"');
    await faults("DELETE");
    expect(await run()).toContain(
      "KMS key policy:    verified: it lets Customer Profiles use the key",
    );
  });

  it("the App Home shows the key unverified, and Check again there verifies it", async () => {
    const bindings = new RedisBindingStore(redis, stack.config.redis.prefix);
    await bindings.set({
      ...at(DOMAIN),
      channelId: CHANNEL,
      teamId: "T0SANDBOX",
      boundBy: USER,
      boundAt: new Date().toISOString(),
    });
    await faults("POST", { "kms:GetKeyPolicy": { code: "AccessDeniedException" } });
    // The Home shows the last check: a status look-up while the policy cannot be read.
    await statusAnswer();
    await stack.slack.driver.openAppHome({ user: USER });
    await stack.slack.timeline.waitFor(
      (t) => {
        const home = t.home(USER);
        return home && readable(home.blocks).includes("Unverified") ? home : undefined;
      },
      { timeoutMs: 10_000, description: "the Home with the key unverified" },
    );
    await faults("DELETE");
    await stack.slack.driver.clickButton(HOME_KEY_CHECK_ACTION, { user: USER });
    const home = await stack.slack.timeline.waitFor(
      (t) => {
        const view = t.home(USER);
        return view && readable(view.blocks).includes("Its policy lets Customer Profiles use it.")
          ? view
          : undefined;
      },
      { timeoutMs: 10_000, description: "the Home with the key verified" },
    );
    expect(JSON.stringify(home.blocks)).not.toContain(HOME_KEY_CHECK_ACTION);
  });
});
