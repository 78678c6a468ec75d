/**
 * `profiles-bot doctor` and `/profiles doctor` against the whole sandbox (emulator, Slack
 * stand-in, bot and worker on real Redis): every check passes as the sandbox stands, and
 * each failure injected names its fix: a permission IAM does not allow, a missing Slack
 * scope, a Redis that evicts (a redis-server of the test's own with allkeys-lru).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityState } from "../../sandbox/aws/services/sts.js";
import { ACCOUNT_ID } from "../../sandbox/aws/state.js";
import { renderText } from "../../sandbox/slack/blocks.js";
import { DEFAULT_BOT_SCOPES } from "../../sandbox/slack/server.js";
import { SANDBOX_AWS_CREDENTIALS, type Stack } from "../../sandbox/stack.js";
import { createDoctorCommand } from "../../src/cli/doctor.js";
import type { DoctorReport } from "../../src/doctor/report.js";
import { IAM_STATEMENTS } from "../../src/doctor/requirements.js";
import { startTestStack } from "../support/e2e.js";
import { freePort } from "../support/net.js";
import { startOwnRedis } from "../support/redis-server.js";

const ALL_ACTIONS = IAM_STATEMENTS.reduce((n, s) => n + s.actions.length, 0);
let stack: Stack;

beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  const identity = identityState(stack.emulator.ctx.state);
  identity.deniedActions = [];
  identity.callerArn = `arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot`;
  stack.slack.setBotScopes(DEFAULT_BOT_SCOPES);
});

/** The CLI in-process with the bot's own environment, as `npm run cli -- doctor` runs it. */
async function doctor(argv: string[] = [], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await createDoctorCommand({
    env: {
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: stack.emulator.url,
      SLACK_BOT_TOKEN: stack.config.slack.botToken,
      SLACK_API_URL: stack.slack.apiUrl,
      REDIS_URL: stack.config.redis.url,
      QUEUE_PREFIX: stack.config.redis.prefix,
      ...env,
    },
    awsCredentials: SANDBOX_AWS_CREDENTIALS,
  })(argv, { stdin: process.stdin, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function report(env: Record<string, string> = {}): Promise<DoctorReport> {
  const run = await doctor(["--json"], env);
  return JSON.parse(run.out) as DoctorReport;
}

const lineOf = (out: string, title: string) =>
  out.split("\n").find((l) => l.includes(`${title}:`)) ?? "";

describe("profiles-bot doctor against the sandbox", () => {
  it("passes every check, one line each", async () => {
    const run = await doctor();
    expect(run.err).toBe("");
    const lines = run.out.split("\n");
    expect(lines).toHaveLength(7);
    for (const line of lines.slice(0, 6)) expect(line).toMatch(/^ok {2}/);
    expect(lineOf(run.out, "AWS identity and region")).toContain(
      `account ${ACCOUNT_ID} as arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot, region us-east-1`,
    );
    expect(lineOf(run.out, "IAM permissions (iam-policy.json)")).toContain(
      `all ${ALL_ACTIONS} actions`,
    );
    expect(lineOf(run.out, "Amazon Connect and Customer Profiles")).toContain(
      "legacy-support → amazon-connect-legacy",
    );
    expect(lineOf(run.out, "Redis")).toContain("maxmemory-policy noeviction");
    expect(lines[6]).toBe("doctor: 6 ok, 0 warning(s), 0 failed, 0 skipped.");
    expect(run.code).toBe(0);
  });

  it("--json gives the same checks with their details", async () => {
    const r = await report();
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ["aws-identity", "ok"],
      ["aws-permissions", "ok"],
      ["aws-services", "ok"],
      ["slack-scopes", "ok"],
      ["redis", "ok"],
      ["queues", "ok"],
    ]);
    expect(r.checks[1]?.details).toMatchObject({ method: "simulation", checked: ALL_ACTIONS });
  });
});

describe("each injected failure names its fix", () => {
  it("a permission IAM does not allow: the action, its resource and its statement", async () => {
    identityState(stack.emulator.ctx.state).deniedActions = ["profile:PutIntegration"];
    const run = await doctor();
    expect(run.code).toBe(1);
    const line = lineOf(run.out, "IAM permissions (iam-policy.json)");
    expect(line).toMatch(/^FAIL/);
    expect(line).toContain(`1 of ${ALL_ACTIONS} actions are not allowed`);
    expect(line).toContain(
      "Fix: allow them in the bot's IAM role as iam-policy.json does: profile:PutIntegration on arn:aws:profile:*:*:domains/* (statement CustomerProfilesDomains).",
    );
    // The other checks still ran and passed.
    expect(run.out.split("\n").filter((l) => l.startsWith("FAIL"))).toHaveLength(1);
  });

  it("an assumed role is simulated as its role", async () => {
    identityState(stack.emulator.ctx.state).callerArn =
      `arn:aws:sts::${ACCOUNT_ID}:assumed-role/profiles-bot-role/worker`;
    const r = await report();
    expect(r.checks[1]).toMatchObject({
      status: "ok",
      details: { principal: `arn:aws:iam::${ACCOUNT_ID}:role/profiles-bot-role` },
    });
  });

  it("no simulation allowed: one harmless read per service instead, and how to allow it", async () => {
    identityState(stack.emulator.ctx.state).deniedActions = ["iam:SimulatePrincipalPolicy"];
    const r = await report();
    const check = r.checks.find((c) => c.id === "aws-permissions");
    expect(check?.status).toBe("warn");
    expect(check?.summary).toContain("IAM does not let the bot simulate its own policy");
    expect(check?.fix).toBe(
      `to check every permission, let the bot call iam:SimulatePrincipalPolicy on arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot.`,
    );
    expect(check?.details).toMatchObject({
      method: "reads",
      reads: [
        { action: "profile:ListDomains", ok: true },
        { action: "sqs:ListQueues", ok: true },
        { action: "kms:ListAliases", ok: true },
        { action: "connect:ListInstances", ok: true },
      ],
    });
    expect(r.ok).toBe(true);
  });

  it("a missing Slack scope: which, what for, and how to add it", async () => {
    stack.slack.setBotScopes(DEFAULT_BOT_SCOPES.filter((s) => s !== "usergroups:read"));
    const run = await doctor();
    expect(run.code).toBe(1);
    const line = lineOf(run.out, "Slack token scopes (manifest.yml)");
    expect(line).toMatch(/^FAIL/);
    expect(line).toContain("the bot token lacks usergroups:read (roles granted to user groups)");
    expect(line).toContain("Fix: add them to oauth_config.scopes.bot");
    expect(line).toContain("reinstall the app");
  });

  it("Slack naming no scopes is a warning, and no token skips the check", async () => {
    stack.slack.setBotScopes(null);
    expect((await report()).checks[3]).toMatchObject({ id: "slack-scopes", status: "warn" });
    const run = await doctor([], { SLACK_BOT_TOKEN: "" });
    expect(lineOf(run.out, "Slack token scopes (manifest.yml)")).toMatch(
      /^skip .*Fix: set SLACK_BOT_TOKEN/,
    );
    expect(run.code).toBe(0);
  });

  it("a Redis that evicts: the policy, why it matters, and the setting", async () => {
    const redis = await startOwnRedis(["--maxmemory-policy", "allkeys-lru"]);
    try {
      const run = await doctor([], { REDIS_URL: redis.url });
      expect(run.code).toBe(1);
      const line = lineOf(run.out, "Redis");
      expect(line).toMatch(/^FAIL/);
      expect(line).toContain(`at 127.0.0.1:${redis.port} has maxmemory-policy allkeys-lru`);
      expect(line).toContain("queued jobs vanish");
      expect(line).toContain("Fix: run Redis with maxmemory-policy noeviction");
      expect(line).toContain("--maxmemory-policy noeviction");
    } finally {
      await redis.stop();
    }
  });

  it("a Redis that does not answer fails, and the queue check waits for it", async () => {
    const port = await freePort();
    const r = await report({ REDIS_URL: `redis://:secret@127.0.0.1:${port}` });
    expect(r.checks[4]).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("REDIS_URL"),
    });
    expect(r.checks[5]).toMatchObject({ id: "queues", status: "skip" });
    expect(JSON.stringify(r)).not.toContain("secret");
  }, 20_000);

  it("bad usage and bad configuration exit 2", async () => {
    expect((await doctor(["--yes"])).code).toBe(2);
    const bad = await doctor([], { REDIS_URL: "localhost:6379" });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("REDIS_URL must be a redis:// or rediss:// URL");
  });
});

describe("/profiles doctor", () => {
  async function typed(user: string) {
    const res = await stack.slack.driver.type("/profiles doctor", { user });
    expect(res.status).toBe(200);
    return (res.body as { text?: string }).text ?? "";
  }

  it("answers an admin with the checks, after an immediate ack", async () => {
    const before = stack.slack.timeline.ephemerals("U0ADMIN", "C0OPS").length;
    expect(await typed("U0ADMIN")).toContain("Checking the AWS account");
    const reply = await stack.slack.timeline.waitFor(
      (t) =>
        t
          .ephemerals("U0ADMIN", "C0OPS")
          .slice(before)
          .find((e) => e.text.startsWith("Doctor:")),
      { timeoutMs: 20_000, description: "the doctor's answer" },
    );
    const text = renderText(reply.blocks, reply.text);
    expect(text).toContain("Doctor: every check passed");
    expect(text).toContain("IAM permissions (iam-policy.json)");
    expect(text).toContain("Slack token scopes (manifest.yml)");
  });

  it("names the fix in Slack too", async () => {
    identityState(stack.emulator.ctx.state).deniedActions = ["sqs:SetQueueAttributes"];
    const before = stack.slack.timeline.ephemerals("U0ADMIN", "C0OPS").length;
    await typed("U0ADMIN");
    const reply = await stack.slack.timeline.waitFor(
      (t) =>
        t
          .ephemerals("U0ADMIN", "C0OPS")
          .slice(before)
          .find((e) => e.text.startsWith("Doctor:")),
      { timeoutMs: 20_000, description: "the doctor's answer" },
    );
    const text = renderText(reply.blocks, reply.text);
    expect(text).toContain("Doctor: 1 check failed.");
    expect(text).toContain(
      "sqs:SetQueueAttributes on arn:aws:sqs:*:*:* (statement DeadLetterQueues)",
    );
  });

  it("is refused to anyone but an admin", async () => {
    expect(await typed("U0OPERATOR")).toContain("needs the admin role");
    expect(await typed("U0VIEWER")).toContain("needs the admin role");
  });
});
