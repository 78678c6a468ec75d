/**
 * `npm run sandbox`'s environment for the bot: the shell's settings pass through, sandbox
 * defaults fill the gaps, and what connects the bot to Slack and AWS never comes from the shell.
 */
import { describe, expect, it } from "vitest";
import {
  PASSED_THROUGH,
  rolesOfUsers,
  SANDBOX_DEFAULTS,
  sandboxBotEnv,
} from "../../sandbox/env.js";
import { DEFAULT_USERS } from "../../sandbox/slack/workspace.js";
import { loadConfig } from "../../src/config.js";

/** What startStack adds: the stand-ins' addresses and credentials. */
const withStandIns = (env: Record<string, string | undefined>) =>
  loadConfig({
    SLACK_BOT_TOKEN: "xoxb-sandbox",
    SLACK_SIGNING_SECRET: "secret",
    SLACK_API_URL: "http://127.0.0.1:1/api/",
    AWS_ENDPOINT_URL: "http://127.0.0.1:2",
    ...env,
  });

describe("sandboxBotEnv", () => {
  it("gives one user per role and scans often enough for a digest within a minute", () => {
    const config = withStandIns(sandboxBotEnv({}));
    expect(config.access).toMatchObject({
      admins: ["U0ADMIN"],
      operators: ["U0OPERATOR"],
      viewers: ["U0VIEWER"],
      channels: [],
    });
    // A new domain's scans start at the next reconcile; then a scan at most an interval away.
    expect(config.dlq.reconcileIntervalMs + config.dlq.scanIntervalMs).toBeLessThanOrEqual(45_000);
    expect(config.redis.prefix).toBe("{profiles-sandbox}");
    expect(config.dlq.preview).toBe("redacted");
  });

  it("passes the shell's settings through, each one reaching the bot's config", () => {
    const shell = {
      DLQ_SCAN_INTERVAL: "2m",
      PROFILES_ADMINS: "U0GUEST",
      PROFILES_OPERATORS: "U0ADMIN,S0OPS",
      PROFILES_VIEWERS: "U0OPERATOR",
      PROFILES_CHANNELS: "C0OPS",
      DLQ_PREVIEW: "off",
      DLQ_SCAN_MAX_MESSAGES: "50",
      DLQ_SCAN_RECEIVERS: "4",
      DLQ_RECONCILE_INTERVAL: "30s",
      REINGEST_RATE: "5",
      REINGEST_PROFILE_INTERVAL_MS: "2000",
      AWS_MAX_ATTEMPTS: "2",
      PROPAGATION_WAIT_SECONDS: "30",
      LOG_LEVEL: "warn",
      QUEUE_PREFIX: "{mine}",
      REDIS_URL: "redis://127.0.0.1:6390",
      METRICS_TOKEN: "a-sandbox-metrics-token",
    };
    expect(Object.keys(shell).sort()).toEqual([...PASSED_THROUGH].sort());
    const config = withStandIns(sandboxBotEnv(shell));
    expect(config.dlq).toMatchObject({
      preview: "off",
      scanIntervalMs: 120_000,
      scanMaxMessages: 50,
      scanReceivers: 4,
      reconcileIntervalMs: 30_000,
    });
    expect(config.access).toEqual({
      admins: ["U0GUEST"],
      operators: ["U0ADMIN", "S0OPS"],
      viewers: ["U0OPERATOR"],
      channels: ["C0OPS"],
    });
    expect(config.reingest).toEqual({ rate: 5, profileIntervalMs: 2000 });
    expect(config.aws.maxAttempts).toBe(2);
    expect(config.provision).toEqual({ propagationWaitMs: 30_000 });
    expect(config.logLevel).toBe("warn");
    expect(config.redis).toEqual({ url: "redis://127.0.0.1:6390", prefix: "{mine}" });
    expect(config.http.metricsToken).toBe("a-sandbox-metrics-token");
  });

  it("treats an empty value as unset", () => {
    expect(sandboxBotEnv({ PROFILES_OPERATORS: "", DLQ_SCAN_INTERVAL: "  " })).toEqual(
      SANDBOX_DEFAULTS,
    );
  });

  it("never takes Slack or AWS credentials, endpoints, the region, the role or the address", () => {
    const env = sandboxBotEnv({
      SLACK_BOT_TOKEN: "xoxb-real",
      SLACK_SIGNING_SECRET: "real-secret",
      SLACK_APP_TOKEN: "xapp-real",
      SLACK_API_URL: "https://slack.com/api/",
      AWS_ENDPOINT_URL: "https://profile.us-east-1.amazonaws.com",
      AWS_REGION: "eu-west-2",
      AWS_ACCESS_KEY_ID: "AKIAREAL",
      ROLE: "worker",
      HOST: "0.0.0.0",
      PORT: "80",
    });
    expect(env).toEqual(SANDBOX_DEFAULTS);
  });

  it("leaves a bad value for the bot's config to refuse, naming the variable", () => {
    expect(() => withStandIns(sandboxBotEnv({ DLQ_SCAN_INTERVAL: "soon" }))).toThrow(
      /DLQ_SCAN_INTERVAL must be a duration/,
    );
  });
});

describe("rolesOfUsers", () => {
  it("names the default users' roles under the sandbox defaults, the guest with none", () => {
    const config = withStandIns(sandboxBotEnv({}));
    const users = DEFAULT_USERS.map((u) => u.id);
    expect(rolesOfUsers(users, config.access)).toEqual({
      U0ADMIN: "admin",
      U0OPERATOR: "operator",
      U0VIEWER: "viewer",
      U0GUEST: "none",
      U0AGENT: "none",
    });
    // The labels the stand-in shows before asking the bot agree with those defaults.
    for (const u of DEFAULT_USERS)
      expect(u.role ?? "none").toBe(rolesOfUsers([u.id], config.access)[u.id]);
  });

  it("follows the configuration, user groups included", () => {
    const config = withStandIns(
      sandboxBotEnv({ PROFILES_ADMINS: "S0LEADS", PROFILES_VIEWERS: "U0ADMIN" }),
    );
    const groups: Record<string, string[]> = { U0GUEST: ["S0LEADS"] };
    expect(rolesOfUsers(["U0ADMIN", "U0GUEST"], config.access, (u) => groups[u] ?? [])).toEqual({
      U0ADMIN: "viewer",
      U0GUEST: "admin",
    });
  });
});
