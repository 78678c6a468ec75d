/**
 * An action refused while Redis is down still leaves an audit record: a log line at once,
 * and an entry in the stream once Redis is back. The whole stack runs on a redis-server of
 * the test's own, which the test stops and starts again (it comes back empty, as after a
 * crash without persistence). Requests are typed and clicked through the Slack driver,
 * signed as Slack signs them; while Redis is down they get 503, since the replay check
 * cannot tell whether they were acted on already.
 */
import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_BOT_TOKEN, type Stack } from "../../sandbox/stack.js";
import { type AuditEntry, RedisAuditLog } from "../../src/audit/audit.js";
import { createLogger } from "../../src/logger.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { startTestStack } from "../support/e2e.js";
import { eventually } from "../support/eventually.js";
import { type OwnRedis, startOwnRedis } from "../support/redis-server.js";

const ADMIN = "U0ADMIN";

let own: OwnRedis;
let stack: Stack;
const lines: string[] = [];

beforeAll(async () => {
  own = await startOwnRedis();
  stack = await startTestStack({
    env: { REDIS_URL: own.url, PROFILES_ADMINS: ADMIN },
    log: createLogger("info", { write: (line: string) => lines.push(line) }),
  });
});
// With Redis just back, a worker's connection may still be between two reconnection tries:
// then the stop ends at its deadline (src/runtime.ts), not before.
afterAll(async () => {
  await stack?.stop();
  await own?.stop();
}, 60_000);

async function health(): Promise<number> {
  return (await fetch(`${stack.runtime.url}/healthz`)).status;
}

/** The audit lines logged so far, as pino wrote them. */
const auditLines = () =>
  lines
    .map((l) => JSON.parse(l) as { msg: string; audit?: AuditEntry })
    .filter((l) => l.audit)
    .map((l) => l.audit as AuditEntry);

describe("audit during a Redis outage", () => {
  it("logs a refused command and a refused click at once, and appends both, in order, once Redis is back", async () => {
    const bot = new WebClient(SANDBOX_BOT_TOKEN, { slackApiUrl: stack.slack.apiUrl });
    const posted = await bot.chat.postMessage({
      channel: "C0OPS",
      text: "a digest",
      blocks: [
        {
          type: "actions",
          elements: [
            {
              type: "button",
              action_id: "dlq_mute",
              value: '{"d":"amazon-connect-outage","c":"throttled"}',
              text: { type: "plain_text", text: "Mute" },
            },
          ],
        },
      ],
    });
    const message = { channel: "C0OPS", ts: String(posted.ts) };

    await own.stop();
    expect(await eventually(health, (s) => s === 503, 15_000, 100)).toBe(503);

    const typed = await stack.slack.driver.type("/profiles alerts amazon-connect-outage off", {
      user: ADMIN,
    });
    expect(typed.status).toBe(503);
    // In the log as soon as the request was answered.
    expect(auditLines().filter((e) => e.outcome === "refused")).toMatchObject([
      { userId: ADMIN, action: "command:alerts", outcome: "refused" },
    ]);
    const clicked = await stack.slack.driver.clickButton("dlq_mute", { user: ADMIN, message });
    expect(clicked.status).toBe(503);
    const logged = auditLines().filter((e) => e.outcome === "refused");
    expect(logged.map((e) => e.action)).toEqual(["command:alerts", "action:dlq_mute"]);
    expect(logged[1]?.detail).toContain("Redis did not answer");

    await own.start();
    expect(await eventually(health, (s) => s === 200, 15_000, 100)).toBe(200);
    const redis: Redis = createRedis(stack.config, "client");
    try {
      const reader = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
      const refused = async () =>
        (await reader.latest({ limit: 50 })).filter((e) => e.outcome === "refused").reverse();
      const stream = await eventually(refused, (e) => e.length >= 2, 15_000, 100);
      expect(stream.map((e) => [e.userId, e.action])).toEqual([
        [ADMIN, "command:alerts"],
        [ADMIN, "action:dlq_mute"],
      ]);
      expect(stream[0]?.detail).toContain("Redis did not answer");
      expect(stream[0]?.at).toBe(logged[0]?.at);
    } finally {
      redis.disconnect();
    }
  });
});
