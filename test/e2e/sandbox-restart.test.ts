/**
 * A consistent world after a restart: the emulator starts with a fresh account each time, so
 * the sandbox deletes the bot's Redis keys under its prefix at start (and only those). Shown
 * the way a person meets it: enable examplecorp, restart, and the App Home and the wizard
 * agree with the fresh account. A restart that keeps the keys shows why the clear is needed.
 */
import { afterAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { sandboxBotEnv } from "../../sandbox/env.js";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { SlackView } from "../../sandbox/slack/types.js";
import {
  clearPrefix,
  deletePrefix,
  type Stack,
  type StackOptions,
  startStack,
  testPrefix,
} from "../../sandbox/stack.js";
import { loadConfig } from "../../src/config.js";
import { createRedis } from "../../src/redis.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const DOMAIN = "amazon-connect-examplecorp";

const prefix = testPrefix();
/** npm run sandbox's environment, with scans and reconciles every 2 s instead of 20 s and 10 s. */
const options = (clearRedis: boolean): StackOptions => ({
  emulator: { quotas: false },
  env: {
    ...sandboxBotEnv({}),
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: "silent",
    DLQ_SCAN_INTERVAL: "2s",
    DLQ_RECONCILE_INTERVAL: "2s",
  },
  clearRedis,
});

let stack: Stack | undefined;
afterAll(async () => {
  await stack?.stop();
  if (stack) await deletePrefix(stack.config, prefix);
});

async function restart(clearRedis: boolean): Promise<Stack> {
  await stack?.stop();
  stack = await startStack(options(clearRedis));
  return stack;
}

const waitForView = (s: Stack, ready: (v: SlackView, text: string) => boolean) =>
  s.slack.timeline.waitFor(
    (t) => {
      const v = t.currentView(USER);
      return v && ready(v, renderText(v.blocks)) ? v : undefined;
    },
    { timeoutMs: 10_000, description: "the wizard's next view" },
  );

/**
 * /profiles enable for examplecorp with every default, up to Enable. Returns what Enable
 * led to: "started" when the modal closed (a job was queued), else the modal's text.
 */
async function pressEnable(s: Stack): Promise<{ started: boolean; text: string }> {
  const driver = s.slack.driver;
  s.slack.workspace.clearViews(USER, "user");
  await driver.type("/profiles enable", { user: USER });
  await waitForView(s, (v) => v.callback_id === "enable_instance");
  const { options: found } = await driver.requestOptions("enable_instance", "", { user: USER });
  const picked = found.find((o) => o.value === EXAMPLECORP);
  if (!picked) throw new Error(`examplecorp is not offered: ${JSON.stringify(found)}`);
  await driver.select("enable_instance", picked, { user: USER });
  // Next waits for the link check, which the line says is done.
  await waitForView(s, (v, t) => v.callback_id === "enable_instance" && /Not linked/.test(t));
  for (const step of ["enable_domain", "enable_dlq", "enable_key", "enable_review"]) {
    const res = await driver.submitView({}, { user: USER });
    expect(res.problems, step).toEqual([]);
    await waitForView(s, (v) => v.callback_id === step);
  }
  const review = await waitForView(s, (v) => v.callback_id === "enable_review" && !!v.submit);
  // The review promises to create everything: the fresh account has none of it.
  expect(renderText(review.blocks)).toContain(`amazon-connect-examplecorp-dlq`);
  const done = await driver.submitView({}, { user: USER });
  if (done.responseAction === "clear") return { started: true, text: "" };
  const after = s.slack.timeline.currentView(USER);
  return { started: false, text: after ? renderText(after.blocks) : JSON.stringify(done) };
}

const completed = (s: Stack) =>
  s.slack.timeline.waitFor(
    (t) =>
      t.messages(CHANNEL).find((m) => {
        const text = renderText(m.blocks, m.text);
        return text.includes(DOMAIN) && /complete|enabled/i.test(text);
      }),
    { timeoutMs: 30_000, description: "the completed provisioning message" },
  );

async function homeText(s: Stack): Promise<string> {
  await s.slack.driver.openAppHome({ user: USER });
  const home = await s.slack.timeline.waitFor((t) => t.home(USER), {
    timeoutMs: 10_000,
    description: "the App Home",
  });
  return renderText((home as unknown as { blocks: never[] }).blocks);
}

describe("restarting the sandbox", () => {
  it("after a restart, App Home shows no stale domain and Enable starts afresh", async () => {
    let s = await restart(true);
    expect((await pressEnable(s)).started).toBe(true);
    await completed(s);
    expect(await homeText(s)).toContain(DOMAIN);

    // Keeping the keys: the fresh account has no examplecorp domain, yet the bot refuses.
    s = await restart(false);
    const refused = await pressEnable(s);
    expect(refused.started).toBe(false);
    expect(refused.text).toMatch(/less than an hour ago, so nothing new was started/);

    // What npm run sandbox does: the keys go with the account.
    s = await restart(true);
    expect(await homeText(s)).not.toContain(DOMAIN);
    const again = await pressEnable(s);
    expect(again).toEqual({ started: true, text: "" });
    await completed(s);
  });
});

describe("the page's sandbox controls, wired by the stack", () => {
  const page = async (path: string, body?: object) => {
    const s = stack as Stack;
    const res = await fetch(`${s.slack.url}${path}`, {
      method: body ? "POST" : "GET",
      ...(body
        ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } }
        : {}),
    });
    return (await res.json()) as Record<string, unknown>;
  };

  it("shows each user's role from the bot's configuration", async () => {
    const state = (await page(`/_sandbox/state?user=${USER}`)) as {
      users: { id: string; role?: string }[];
    };
    const roles = Object.fromEntries(state.users.map((u) => [u.id, u.role]));
    expect(roles).toMatchObject({
      U0ADMIN: "admin",
      U0OPERATOR: "operator",
      U0VIEWER: "viewer",
      U0GUEST: "none",
    });
  });

  it("makes failures in the enabled domain, and the next scan posts their digest", async () => {
    const s = stack as Stack;
    // One place: the domain is shown by its name alone, and picked by its whole reference.
    const value = `${ACCOUNT_ID}.us-east-1.${DOMAIN}`;
    expect(await page("/_sandbox/domains")).toEqual({
      ok: true,
      domains: [{ value, label: DOMAIN }],
    });
    const made = (await page("/_sandbox/failures", { domain: value })) as {
      ok: boolean;
      result: { sent: number; classes: Record<string, number> };
    };
    expect(made.ok).toBe(true);
    expect(made.result.sent).toBe(10);
    const digest = await s.slack.timeline.waitFor(
      (t) =>
        t.messages(CHANNEL).find((m) => {
          const text = renderText(m.blocks, m.text);
          return text.includes(`Dead-letter queue: ${DOMAIN}`) && /Throttled/.test(text);
        }),
      { timeoutMs: 20_000, description: "the digest after making failures" },
    );
    const text = renderText(digest.blocks, digest.text);
    for (const label of ["Throttled", "Missing key", "KMS key", "Too large", "Several profiles"]) {
      expect(text).toContain(label);
    }
  });
});

describe("clearPrefix", () => {
  it("deletes every key under the prefix and none outside it", async () => {
    // Glob characters in the prefix must match themselves only.
    const mine = `{pbtest-${testPrefix().slice(8, 16)}*}`;
    const config = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_SIGNING_SECRET: "test",
      QUEUE_PREFIX: mine,
    });
    const outside = [
      `${mine.slice(0, -2)}X}:k`, // what the * would match unescaped
      `${mine}-other:k`, // starts with the same letters, another prefix
      `${mine}`, // the bare name, not a key under it
      `${testPrefix()}:k`,
    ];
    const inside = [`${mine}:alert-bindings`, `${mine}:provision:1`, `${mine}:provision:meta`];
    const redis = createRedis(config, "client");
    try {
      for (const key of [...outside, ...inside]) await redis.set(key, "1", "EX", 600);
      expect(await clearPrefix(config)).toBe(inside.length);
      for (const key of inside) expect(await redis.exists(key), key).toBe(0);
      for (const key of outside) expect(await redis.exists(key), key).toBe(1);
    } finally {
      await redis.del(...outside);
      redis.disconnect();
    }
  });
});
