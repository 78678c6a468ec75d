import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText, validateView } from "../../sandbox/slack/index.js";
import type { Stack } from "../../sandbox/stack.js";
import { RedisAuditLog } from "../../src/audit/audit.js";
import { createLogger } from "../../src/logger.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { at } from "../dlq/support/place.js";
import { startTestStack } from "../support/e2e.js";

let stack: Stack;
let redis: Redis;
beforeAll(async () => {
  stack = await startTestStack({
    env: { PROFILES_ADMINS: "U0ADMIN", PROFILES_OPERATORS: "U0AGENT" },
  });
  redis = createRedis(stack.config, "client");
  const bindings = new RedisBindingStore(redis, stack.config.redis.prefix);
  // More domains than a Home tab can list one by one.
  for (let i = 0; i < 60; i++) {
    await bindings.set({
      ...at(`amazon-connect-d${String(i).padStart(2, "0")}`),
      channelId: "C0OPS",
      teamId: "T0SANDBOX",
      queueUrl: `http://127.0.0.1:9/111122223333/d${i}-dlq`,
      boundBy: "U0ADMIN",
      boundAt: new Date().toISOString(),
    });
  }
  await stack.slack.driver.type("/profiles status", { user: "U0ADMIN" });
  // The guard writes the entry once the listener has answered, which is after the ack.
  const audit = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
  for (let i = 0; i < 100; i++) {
    if ((await audit.latest({ limit: 10 })).some((e) => e.action === "command:status")) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

async function openHome(user: string) {
  await stack.slack.driver.openAppHome({ user });
  return stack.slack.timeline.waitFor((t) => t.home(user), {
    timeoutMs: 10_000,
    description: `${user}'s Home`,
  });
}

describe("App Home", () => {
  it("summarises 60 domains within Slack's limits and shows admins the audit trail", async () => {
    const home = await openHome("U0ADMIN");
    expect(validateView(home as never)).toEqual([]);
    const text = renderText((home as unknown as { blocks: never[] }).blocks);
    expect(text).toContain("Domains* (60)");
    expect(text).toContain("…and 40 more");
    expect(text).toContain("Latest audit entries");
    expect(text).toContain("command:status");
  });

  it("does not show the audit trail to an operator", async () => {
    const home = await openHome("U0AGENT");
    const text = renderText((home as unknown as { blocks: never[] }).blocks);
    expect(text).toContain("Your role: *operator*");
    expect(text).not.toContain("Latest audit entries");
  });
});
