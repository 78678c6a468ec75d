import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type Config,
  ConfigError,
  loadAwsConfig,
  loadConfig,
  type TargetConfig,
} from "../../src/config.js";

const base = { SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_SIGNING_SECRET: "s3cret" };

describe("loadConfig", () => {
  it("fills defaults from a minimal HTTP-mode environment", () => {
    const config = loadConfig(base);
    expect(config.role).toBe("all");
    expect(config.http.port).toBe(3000);
    expect(config.redis).toEqual({ url: "redis://127.0.0.1:6379", prefix: "{profiles}" });
    expect(config.slack.appToken).toBeUndefined();
    expect(config.dlq.preview).toBe("redacted");
    expect(config.access).toEqual({ admins: [], operators: [], viewers: [], channels: [] });
  });

  it("names the missing bot token and points at the sandbox", () => {
    expect(() => loadConfig({})).toThrow(
      new ConfigError(
        "SLACK_BOT_TOKEN is missing: set it to the app's bot token (xoxb-…), or run `npm run sandbox` to try the bot without Slack.",
      ),
    );
  });

  it("needs an app token or a signing secret for the bot role, not for a worker", () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(
      new ConfigError(
        "Set SLACK_APP_TOKEN (xapp-…, Socket Mode) or SLACK_SIGNING_SECRET (HTTP events at /slack/events): neither is set.",
      ),
    );
    expect(loadConfig({ SLACK_BOT_TOKEN: "xoxb-1", ROLE: "worker" }).role).toBe("worker");
  });

  it("reports a malformed variable before asking for a missing token", () => {
    expect(() => loadConfig({ PORT: "abc" })).toThrow(
      new ConfigError("PORT must be a port number."),
    );
  });

  it("takes a METRICS_TOKEN of 16 characters or more, and refuses a shorter one", () => {
    const worker = { SLACK_BOT_TOKEN: "xoxb-1", ROLE: "worker" };
    expect(loadConfig({ ...worker, METRICS_TOKEN: "0123456789abcdef" }).http).toEqual({
      host: "0.0.0.0",
      port: 3000,
      metricsToken: "0123456789abcdef",
    });
    expect(() => loadConfig({ ...worker, METRICS_TOKEN: "short" })).toThrow(
      /METRICS_TOKEN must be at least 16/,
    );
    expect(loadConfig(worker).http).toEqual({ host: "0.0.0.0", port: 3000 });
  });

  it("maps every variable to its setting", () => {
    const config = loadConfig({
      ROLE: "bot",
      LOG_LEVEL: "debug",
      PORT: "8080",
      HOST: "127.0.0.1",
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "s3cret",
      SLACK_APP_TOKEN: "xapp-1",
      SLACK_API_URL: "http://127.0.0.1:3001/api/",
      AWS_REGION: "eu-west-1",
      AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
      AWS_MAX_ATTEMPTS: "3",
      PROPAGATION_WAIT_SECONDS: "30",
      REDIS_URL: "redis://redis:6379",
      QUEUE_PREFIX: "{test}",
      DLQ_PREVIEW: "off",
      DLQ_SCAN_INTERVAL: "2m",
      DLQ_SCAN_MAX_MESSAGES: "500",
      REINGEST_RATE: "5",
      REINGEST_PROFILE_INTERVAL_MS: "2000",
      PROFILES_ADMINS: "U01",
      PROFILES_OPERATORS: "U02",
      PROFILES_VIEWERS: "S03",
      PROFILES_CHANNELS: "C04",
    });
    expect(config).toStrictEqual({
      role: "bot",
      logLevel: "debug",
      http: { host: "127.0.0.1", port: 8080 },
      slack: {
        botToken: "xoxb-1",
        appToken: "xapp-1",
        signingSecret: "s3cret",
        apiUrl: "http://127.0.0.1:3001/api/",
      },
      aws: {
        region: "eu-west-1",
        endpoint: "http://127.0.0.1:4566",
        maxAttempts: 3,
        targets: [{ name: "default", regions: ["eu-west-1"] }],
      },
      provision: { propagationWaitMs: 30_000 },
      redis: { url: "redis://redis:6379", prefix: "{test}" },
      dlq: {
        preview: "off",
        scanIntervalMs: 120_000,
        scanMaxMessages: 500,
        scanReceivers: 10,
        reconcileIntervalMs: 60_000,
      },
      access: { admins: ["U01"], operators: ["U02"], viewers: ["S03"], channels: ["C04"] },
      reingest: { rate: 5, profileIntervalMs: 2000 },
    });
  });

  it("leaves unset optional settings out instead of setting them to undefined", () => {
    const config = loadConfig(base);
    expect(config.aws).toStrictEqual({
      maxAttempts: 6,
      targets: [{ name: "default", regions: [] }],
    });
    expect(config.slack).toStrictEqual({ botToken: base.SLACK_BOT_TOKEN, signingSecret: "s3cret" });
  });

  it("infers the Config type the rest of the code reads", () => {
    // Checked by `npx tsc --noEmit`: a runtime pass says nothing about the inferred type.
    expectTypeOf<Config>().toEqualTypeOf<{
      role: "bot" | "worker" | "all";
      logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
      http: { host: string; port: number; metricsToken?: string };
      slack: { botToken: string; appToken?: string; signingSecret?: string; apiUrl?: string };
      aws: { region?: string; endpoint?: string; maxAttempts: number; targets: TargetConfig[] };
      provision: { propagationWaitMs: number };
      redis: {
        url: string;
        prefix: string;
        clusterNodes?: { host: string; port: number }[];
        tls?: { ca?: string };
        username?: string;
        password?: string;
      };
      dlq: {
        preview: "off" | "redacted" | "full";
        scanIntervalMs: number;
        scanMaxMessages: number;
        scanReceivers: number;
        reconcileIntervalMs: number;
      };
      access: { admins: string[]; operators: string[]; viewers: string[]; channels: string[] };
      reingest: { rate: number; profileIntervalMs: number };
    }>();
  });

  it.each([
    [{ PORT: "abc" }, /PORT must be a port number/],
    [{ PORT: "70000" }, /PORT must be a port number from 0 to 65535/],
    [{ REDIS_URL: "localhost:6379" }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ ROLE: "both" }, /ROLE/],
    [{ SLACK_BOT_TOKEN: "xoxp-user" }, /SLACK_BOT_TOKEN must be a bot token starting with xoxb-/],
    [{ SLACK_APP_TOKEN: "nope" }, /SLACK_APP_TOKEN must be an app-level token/],
    [{ AWS_ENDPOINT_URL: "not a url" }, /AWS_ENDPOINT_URL must be a URL/],
    [{ QUEUE_PREFIX: "a:b" }, /QUEUE_PREFIX must be a name without ':'/],
    [
      { REDIS_CLUSTER_NODES: "10.0.0.1" },
      /REDIS_CLUSTER_NODES must be a comma-separated list of host:port/,
    ],
    [
      { REDIS_CLUSTER_NODES: "10.0.0.1:7000", QUEUE_PREFIX: "profiles" },
      /QUEUE_PREFIX must be hash-tagged on a Redis Cluster: set it to \{profiles\}/,
    ],
    [
      { REDIS_CLUSTER_NODES: "10.0.0.1:7000", REDIS_URL: "redis://10.0.0.1:7000" },
      /REDIS_URL is set beside REDIS_CLUSTER_NODES: .* unset REDIS_URL/,
    ],
    [{ REDIS_TLS: "yes" }, /REDIS_TLS must be true or false/],
    [
      { REDIS_URL: "rediss://r:6379", REDIS_TLS_CA_FILE: "/nonexistent/ca.pem" },
      /REDIS_TLS_CA_FILE cannot be read \(ENOENT\)/,
    ],
    [{ REDIS_TLS_CA_FILE: "/nonexistent/ca.pem" }, /REDIS_TLS_CA_FILE is set but TLS is off/],
    [
      { DLQ_RECONCILE_INTERVAL: "2m" },
      /DLQ_RECONCILE_INTERVAL must be a duration from 1 second to 60 seconds/,
    ],
    [{ DLQ_RECONCILE_INTERVAL: "soon" }, /DLQ_RECONCILE_INTERVAL must be a duration/],
    [{ DLQ_SCAN_RECEIVERS: "0" }, /DLQ_SCAN_RECEIVERS must be from 1 to 50/],
    [{ PROPAGATION_WAIT_SECONDS: "-1" }, /PROPAGATION_WAIT_SECONDS must be from 0 to 900 seconds/],
    [{ PROPAGATION_WAIT_SECONDS: "1.5" }, /PROPAGATION_WAIT_SECONDS must be a whole number/],
    [
      { PROFILES_ADMINS: "alice" },
      /PROFILES_ADMINS must be a comma-separated list of Slack user ids/,
    ],
  ])("rejects %o with a sentence naming the variable", (extra, message) => {
    const attempt = () => loadConfig({ ...base, ...extra });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it("reads a cluster's nodes, TLS and credentials", () => {
    const config = loadConfig({
      ...base,
      REDIS_CLUSTER_NODES: "clustercfg.r.abc.use1.cache.amazonaws.com:6379, [::1]:7001",
      REDIS_TLS: "true",
      REDIS_PASSWORD: "token",
    });
    expect(config.redis).toEqual({
      url: "redis://127.0.0.1:6379",
      prefix: "{profiles}",
      clusterNodes: [
        { host: "clustercfg.r.abc.use1.cache.amazonaws.com", port: 6379 },
        { host: "::1", port: 7001 },
      ],
      tls: {},
      password: "token",
    });
    expect(loadConfig({ ...base, REDIS_URL: "rediss://r:6379" }).redis.tls).toEqual({});
  });

  it("reads access lists and the endpoint override", () => {
    const config = loadConfig({
      ...base,
      PROFILES_ADMINS: "U01, S02",
      AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
    });
    expect(config.access.admins).toEqual(["U01", "S02"]);
    expect(config.aws.endpoint).toBe("http://127.0.0.1:4566");
  });
});

describe("loadAwsConfig", () => {
  it("needs none of Slack's variables", () => {
    expect(loadAwsConfig({ AWS_REGION: "us-east-1", LOG_LEVEL: "warn" })).toStrictEqual({
      logLevel: "warn",
      aws: {
        region: "us-east-1",
        maxAttempts: 6,
        targets: [{ name: "default", regions: ["us-east-1"] }],
      },
      provision: { propagationWaitMs: 90_000 },
    });
  });

  it("rejects a bad variable with the same sentence as loadConfig", () => {
    expect(() => loadAwsConfig({ AWS_MAX_ATTEMPTS: "50" })).toThrow(
      new ConfigError("AWS_MAX_ATTEMPTS must be from 1 to 20."),
    );
  });
});
