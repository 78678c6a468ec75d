import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { RedisAuditLog } from "../../src/audit/audit.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createRedis, type Redis } from "../../src/redis.js";

const config = loadConfig({ SLACK_BOT_TOKEN: "xoxb-test", ROLE: "worker" });
const prefix = testPrefix();
let redis: Redis;
beforeAll(() => {
  redis = createRedis(config, "client");
});
afterAll(async () => {
  redis.disconnect();
  await deletePrefix(config, prefix);
});

describe("RedisAuditLog", () => {
  it("keeps entries newest first, filters by target, and holds no PII or secrets", async () => {
    const audit = new RedisAuditLog(redis, prefix, createLogger("silent"), 100);
    for (let i = 0; i < 5; i++) {
      await audit.record({
        at: new Date().toISOString(),
        userId: "U1",
        action: "action:dlq_reingest",
        target: i % 2 ? "amazon-connect-a" : "amazon-connect-b",
        params: {
          n: i,
          note: "ask maria.garcia@example.com or +1 425 555 0123",
          token: "xoxb-123-456-secret",
          slackToken: "xoxb-1",
        },
        outcome: "accepted",
      });
    }
    const latest = await audit.latest({ limit: 10 });
    expect(latest.map((e) => e.params?.n)).toEqual([4, 3, 2, 1, 0]);
    expect(
      (await audit.latest({ target: "amazon-connect-a", limit: 10 })).map((e) => e.params?.n),
    ).toEqual([3, 1]);
    const raw = JSON.stringify(await redis.xrange(`${prefix}:audit`, "-", "+"));
    expect(raw).not.toContain("maria.garcia@example.com");
    expect(raw).not.toContain("425 555 0123");
    expect(raw).not.toContain("xoxb-");
  });

  it("caps the stream near its bound", async () => {
    const audit = new RedisAuditLog(redis, `${prefix}-cap`, createLogger("silent"), 50);
    for (let i = 0; i < 400; i++) {
      await audit.record({ at: "t", userId: "U1", action: "x", outcome: "succeeded" });
    }
    expect(await redis.xlen(`${prefix}-cap:audit`)).toBeLessThan(200);
    await redis.del(`${prefix}-cap:audit`);
  });
});
