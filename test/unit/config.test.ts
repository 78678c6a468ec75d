import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

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
    expect(() => loadConfig({})).toThrow(/SLACK_BOT_TOKEN is missing.*npm run sandbox/);
  });

  it("needs an app token or a signing secret for the bot role, not for a worker", () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(
      /SLACK_APP_TOKEN .* or SLACK_SIGNING_SECRET/,
    );
    expect(loadConfig({ SLACK_BOT_TOKEN: "xoxb-1", ROLE: "worker" }).role).toBe("worker");
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
      { PROFILES_ADMINS: "alice" },
      /PROFILES_ADMINS must be a comma-separated list of Slack user ids/,
    ],
  ])("rejects %o with a sentence naming the variable", (extra, message) => {
    const attempt = () => loadConfig({ ...base, ...extra });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
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
