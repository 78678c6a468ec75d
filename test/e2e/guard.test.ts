/**
 * Authorisation and audit at the edge: each role against commands and buttons, refusals
 * that say which role is needed and who grants it, and exactly one audit entry per action.
 */
import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../sandbox/stack.js";
import { REQUIRED_ROLE } from "../../src/access/roles.js";
import { RedisAuditLog } from "../../src/audit/audit.js";
import { createLogger } from "../../src/logger.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { SUBCOMMANDS } from "../../src/slack/commands/index.js";
import { ENTRIES } from "../../src/slack/table.js";
import { postButton } from "../support/buttons.js";
import { startTestStack } from "../support/e2e.js";

let stack: Stack;
let redis: Redis;
let audit: RedisAuditLog;
let message: { channel: string; ts: string };

beforeAll(async () => {
  stack = await startTestStack({
    env: {
      PROFILES_ADMINS: "U0ADMIN",
      PROFILES_OPERATORS: "U0AGENT",
      PROFILES_VIEWERS: "S0VIEWERS",
    },
  });
  stack.slack.addUser({ id: "U0VIEWER", name: "viewer", real_name: "A Viewer" });
  stack.slack.addUser({ id: "U0NOBODY", name: "nobody", real_name: "No Body" });
  stack.slack.setUsergroup("S0VIEWERS", ["U0VIEWER"]);
  redis = createRedis(stack.config, "client");
  audit = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
  // A message with a Clean up button, as the provisioning report posts it.
  message = await postButton(stack, "C0OPS", {
    actionId: "provision_cleanup",
    label: "Clean up",
    value: "enable-missing",
  });
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

const auditOf = async (userId: string, action: string) =>
  (await audit.latest({ limit: 500 })).filter((e) => e.userId === userId && e.action === action);

/** The entry is written once the listener has finished, which may be after the ack. */
async function entriesFor(userId: string, action: string, count = 1) {
  for (let i = 0; i < 50; i++) {
    const entries = await auditOf(userId, action);
    if (entries.length >= count) {
      await new Promise((r) => setTimeout(r, 100));
      return auditOf(userId, action);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return auditOf(userId, action);
}

describe("authorisation", () => {
  it("lets anyone read help", async () => {
    const res = await stack.slack.driver.type("/profiles help", { user: "U0NOBODY" });
    expect(JSON.stringify(res.body)).toContain("/profiles help");
  });

  it("refuses a user with no role, saying which role is needed and who grants it", async () => {
    const res = await stack.slack.driver.type("/profiles status", { user: "U0NOBODY" });
    expect((res.body as { text: string }).text).toContain(
      "Reading domain status needs the viewer role. You have no profiles-bot role. An admin of this bot grants it by adding you, or a user group you are in, to PROFILES_VIEWERS.",
    );
    const entries = await entriesFor("U0NOBODY", "command:status");
    expect(entries).toHaveLength(1);
    expect(entries[0]?.outcome).toBe("refused");
  });

  it("grants a role through a user group read from Slack", async () => {
    const res = await stack.slack.driver.type("/profiles status", { user: "U0VIEWER" });
    expect(JSON.stringify(res.body ?? "")).not.toContain("needs the");
    const entries = await entriesFor("U0VIEWER", "command:status");
    expect(entries.map((e) => [e.outcome, e.role])).toEqual([["succeeded", "viewer"]]);
  });

  it("refuses enable to an operator and opens nothing", async () => {
    const res = await stack.slack.driver.type("/profiles enable", { user: "U0AGENT" });
    expect((res.body as { text: string }).text).toContain(
      "needs the admin role. You have the operator role",
    );
    expect(stack.slack.timeline.currentView("U0AGENT")).toBeUndefined();
    expect((await entriesFor("U0AGENT", "command:enable")).map((e) => e.outcome)).toEqual([
      "refused",
    ]);
  });

  it("refuses an operator's Clean up click with an ephemeral, and audits it once", async () => {
    await stack.slack.driver.clickButton("provision_cleanup", { user: "U0AGENT", message });
    const told = await stack.slack.timeline.waitFor(
      (t) => t.ephemerals("U0AGENT").find((e) => (e.text ?? "").includes("needs the admin role")),
      { timeoutMs: 5_000, description: "the refusal" },
    );
    expect(told.text).toContain("PROFILES_ADMINS");
    expect((await entriesFor("U0AGENT", "action:provision_cleanup")).map((e) => e.outcome)).toEqual(
      ["refused"],
    );
    expect(stack.slack.timeline.thread(message.channel, message.ts)).toHaveLength(0);
  });

  it("lets an admin's Clean up click through to the listener, audited once", async () => {
    await stack.slack.driver.clickButton("provision_cleanup", { user: "U0ADMIN", message });
    // Past the guard, the listener answers about the job itself (this one does not exist).
    const told = await stack.slack.timeline.waitFor(
      (t) => t.ephemerals("U0ADMIN").find((e) => (e.text ?? "").length > 0),
      { timeoutMs: 5_000, description: "the listener's answer" },
    );
    expect(told.text).not.toContain("needs the");
    const entries = await entriesFor("U0ADMIN", "action:provision_cleanup");
    expect(entries).toHaveLength(1);
    expect(entries[0]?.role).toBe("admin");
  });
});

describe("every subcommand against every role", () => {
  const users = {
    admin: "U0ADMIN",
    operator: "U0AGENT",
    viewer: "U0VIEWER",
    none: "U0NOBODY",
  } as const;
  const rank = { none: 0, viewer: 1, operator: 2, admin: 3 } as const;
  const cases = SUBCOMMANDS.flatMap(({ name, permission }) =>
    (Object.keys(users) as (keyof typeof users)[]).map((role) => [name, permission, role] as const),
  );
  it.each(cases)("/profiles %s (needs %s) as %s", async (sub, requirement, role) => {
    const res = await stack.slack.driver.type(`/profiles ${sub}`, { user: users[role] });
    expect(res.status).toBe(200);
    // The answer's own text: the audit trail it may list quotes other people's refusals.
    const body = res.body as { text?: string } | string | undefined;
    const text = typeof body === "object" ? (body.text ?? "") : (body ?? "");
    const needed = requirement === "public" ? undefined : REQUIRED_ROLE[requirement];
    const allowed = needed === undefined || rank[role] >= rank[needed];
    if (allowed) expect(text).not.toContain("needs the");
    else expect(text).toContain(`needs the ${needed} role`);
  });
});

describe("every button against every role", () => {
  const users = {
    admin: "U0ADMIN",
    operator: "U0AGENT",
    viewer: "U0VIEWER",
    none: "U0NOBODY",
  } as const;
  const rank = { none: 0, viewer: 1, operator: 2, admin: 3 } as const;
  const buttons = [
    "provision_retry",
    "provision_cleanup",
    "dlq_reingest",
    "dlq_reingest_one",
    "dlq_inspect",
    "dlq_discard",
    "home_scan_now",
  ];
  let board: { channel: string; ts: string };
  beforeAll(async () => {
    const bot = new WebClient("xoxb-test", { slackApiUrl: stack.slack.apiUrl });
    const posted = await bot.chat.postMessage({
      channel: "C0OPS",
      text: "every button",
      blocks: [
        {
          type: "actions",
          elements: buttons.map((id) => ({
            type: "button" as const,
            action_id: id,
            value: id.startsWith("dlq")
              ? '{"d":"amazon-connect-none","c":"throttled"}'
              : "enable-none",
            text: { type: "plain_text" as const, text: id },
          })),
        },
      ],
    });
    board = { channel: "C0OPS", ts: String(posted.ts) };
  });
  const cases = buttons.flatMap((id) =>
    (Object.keys(users) as (keyof typeof users)[]).map((role) => [id, role] as const),
  );
  it.each(cases)("%s clicked by %s", async (id, role) => {
    const requirement = ENTRIES.find((e) => e.kind === "action" && e.id === id)?.permission;
    if (!requirement || requirement === "public") throw new Error(`${id} has no permission`);
    const needed = REQUIRED_ROLE[requirement];
    const before = (await auditOf(users[role], `action:${id}`)).length;
    const res = await stack.slack.driver.clickButton(id, { user: users[role], message: board });
    expect(res.status).toBe(200);
    const entries = await entriesFor(users[role], `action:${id}`, before + 1);
    expect(entries).toHaveLength(before + 1);
    const refusedByGuard = (entries[0]?.detail ?? "").includes("needs the");
    expect(refusedByGuard).toBe(rank[role] < rank[needed]);
    if (refusedByGuard) expect(entries[0]?.detail).toContain(`needs the ${needed} role`);
  });
});

describe("/profiles audit", () => {
  it("shows admins the latest entries and refuses operators", async () => {
    await entriesFor("U0NOBODY", "command:status");
    const res = await stack.slack.driver.type("/profiles audit");
    const text = JSON.stringify(res.body);
    // The newest entries are the button matrix's clicks, refused ones included.
    expect(text).toContain("<@U0NOBODY>");
    expect(text).toContain(
      "`action:home_scan_now`: refused `Inspecting dead-letter samples needs the operator role.",
    );
    const refused = await stack.slack.driver.type("/profiles audit", { user: "U0AGENT" });
    expect((refused.body as { text: string }).text).toContain(
      "Reading the audit trail needs the admin role",
    );
  });
});

describe("channel allow-list", () => {
  it("refuses commands outside the listed channels, saying where they work", async () => {
    const other = await startTestStack({
      env: { PROFILES_ADMINS: "U0ADMIN", PROFILES_CHANNELS: "C0ELSEWHERE" },
    });
    try {
      const res = await other.slack.driver.type("/profiles status");
      expect((res.body as { text: string }).text).toContain("profiles-bot works in <#C0ELSEWHERE>");
    } finally {
      await other.stop();
    }
  });
});

describe("a request that names no valid user", () => {
  it("is refused and audited as refused: a command with a malformed user id", async () => {
    const before = (await auditOf("(none)", "command:audit")).length;
    const body = new URLSearchParams({
      command: "/profiles",
      text: "audit",
      user_id: "not-a-user",
      team_id: "T0SANDBOX",
      channel_id: "C0OPS",
      response_url: `${stack.slack.apiUrl}/response/none`,
      trigger_id: "t.none",
    }).toString();
    const res = await stack.slack.driver.send(body, "application/x-www-form-urlencoded");
    expect(res.status).toBe(200);
    expect(res.text).toContain("names no Slack user");
    // The audit trail itself was not shown to the nameless caller.
    expect(res.text).not.toContain("command:");
    const entries = await entriesFor("(none)", "command:audit", before + 1);
    expect(entries.length).toBe(before + 1);
    expect(entries[0]).toMatchObject({
      outcome: "refused",
      userId: "(none)",
      detail: "the request names no valid Slack user",
    });
  });

  it("is refused and audited as refused: a button click whose user id is not a Slack user id", async () => {
    const payload = {
      type: "block_actions",
      user: { id: "nobody" },
      team: { id: "T0SANDBOX" },
      channel: { id: message.channel },
      message: { ts: message.ts },
      container: { type: "message", channel_id: message.channel, message_ts: message.ts },
      actions: [{ type: "button", action_id: "provision_cleanup", value: "enable-missing" }],
      response_url: `${stack.slack.apiUrl}/response/none`,
      trigger_id: "t.none",
    };
    const before = (await auditOf("(none)", "action:provision_cleanup")).length;
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await stack.slack.driver.send(body, "application/x-www-form-urlencoded");
    expect(res.status).toBeLessThan(500);
    const entries = await entriesFor("(none)", "action:provision_cleanup", before + 1);
    expect(entries.length).toBe(before + 1);
    expect(entries[0]).toMatchObject({
      outcome: "refused",
      userId: "(none)",
      detail: "the request names no valid Slack user",
    });
  });
});
