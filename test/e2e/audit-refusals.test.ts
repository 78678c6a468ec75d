/**
 * Refusals reach the audit trail as `refused`, with the reason, whoever refuses: the
 * subcommand itself (bad arguments, a domain that does not exist or has no dead-letter
 * queue), or the guard (the channel allow-list). Commands are typed through the Slack driver,
 * signed as Slack signs them; the entries are read back from the stack's Redis stream, and
 * `/profiles audit` shows the reasons in code spans.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_AWS_CREDENTIALS, type Stack } from "../../sandbox/stack.js";
import { type AuditEntry, RedisAuditLog } from "../../src/audit/audit.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { refId } from "../../src/aws/targets.js";
import { createLogger } from "../../src/logger.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { at } from "../dlq/support/place.js";
import { startTestStack } from "../support/e2e.js";

const ADMIN = "U0ADMIN";
const NO_DLQ = "amazon-connect-audit-nodlq";

let stack: Stack;
let redis: Redis;
let audit: RedisAuditLog;

beforeAll(async () => {
  stack = await startTestStack({ env: { PROFILES_ADMINS: ADMIN } });
  const clients = createAwsClients({
    region: "us-east-1",
    endpoint: stack.emulator.url,
    maxAttempts: 3,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
  try {
    await createGateways(clients).profiles.createDomain({
      name: NO_DLQ,
      expirationDays: 30,
      tags: {},
    });
  } finally {
    clients.destroy();
  }
  redis = createRedis(stack.config, "client");
  audit = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

/** The newest entry for the action, once the guard has written it (after the listener). */
async function lastEntry(action: string, count: number): Promise<AuditEntry[]> {
  for (let i = 0; i < 100; i++) {
    const entries = (await audit.latest({ limit: 200 })).filter((e) => e.action === action);
    if (entries.length >= count) return entries;
    await new Promise((r) => setTimeout(r, 100));
  }
  return (await audit.latest({ limit: 200 })).filter((e) => e.action === action);
}

/** The answer the command sent through response_url, after its ack. */
function answer(containing: string) {
  return stack.slack.timeline.waitFor(
    (t) => t.ephemerals(ADMIN).find((e) => (e.text ?? "").includes(containing)),
    { timeoutMs: 10_000, description: `an ephemeral saying "${containing}"` },
  );
}

describe("refused commands are audited as refused, with the reason", () => {
  it("/profiles alerts for a domain with no dead-letter queue", async () => {
    const before = (await lastEntry("command:alerts", 0)).length;
    await stack.slack.driver.type(`/profiles alerts ${NO_DLQ}`, { user: ADMIN });
    await answer("has no dead-letter queue");
    const [entry] = await lastEntry("command:alerts", before + 1);
    expect(entry).toMatchObject({
      userId: ADMIN,
      role: "admin",
      target: refId(at(NO_DLQ)),
      outcome: "refused",
      detail: `${NO_DLQ} has no dead-letter queue to watch`,
    });
  });

  it("/profiles alerts for a domain that does not exist", async () => {
    const before = (await lastEntry("command:alerts", 0)).length;
    await stack.slack.driver.type("/profiles alerts amazon-connect-nowhere", { user: ADMIN });
    await answer("There is no Customer Profiles domain named");
    const [entry] = await lastEntry("command:alerts", before + 1);
    expect(entry).toMatchObject({
      target: refId(at("amazon-connect-nowhere")),
      outcome: "refused",
      detail: "no Customer Profiles domain named amazon-connect-nowhere in this account and region",
    });
  });

  it("/profiles alerts with arguments it cannot read", async () => {
    const before = (await lastEntry("command:alerts", 0)).length;
    const res = await stack.slack.driver.type(`/profiles alerts ${NO_DLQ} not-a-channel`, {
      user: ADMIN,
    });
    expect((res.body as { text: string }).text).toContain("I can't tell which channel");
    const [entry] = await lastEntry("command:alerts", before + 1);
    expect(entry).toMatchObject({ outcome: "refused", detail: "not a channel: not-a-channel" });
  });

  it("/profiles status with an option it cannot read names no domain in the entry", async () => {
    const before = (await lastEntry("command:status", 0)).length;
    const res = await stack.slack.driver.type("/profiles status --target", { user: ADMIN });
    expect((res.body as { text: string }).text).toContain("--target needs a target after it");
    const [entry] = await lastEntry("command:status", before + 1);
    expect(entry).toMatchObject({ outcome: "refused" });
    // `--target` is an option, not the domain it would have named.
    expect(entry?.target).toBeUndefined();
  });

  it("/profiles status for a domain that does not exist", async () => {
    const before = (await lastEntry("command:status", 0)).length;
    await stack.slack.driver.type("/profiles status amazon-connect-nowhere", { user: ADMIN });
    await answer("There is no Customer Profiles domain named amazon-connect-nowhere");
    const [entry] = await lastEntry("command:status", before + 1);
    // Where it was looked for: the domain's reference in the bot's one place.
    expect(entry).toMatchObject({
      target: "111122223333.us-east-1.amazon-connect-nowhere",
      outcome: "refused",
    });
    expect(entry?.detail).toContain("There is no Customer Profiles domain named");
  });

  it("/profiles audit shows each refusal with its reason in a code span", async () => {
    const res = await stack.slack.driver.type("/profiles audit", { user: ADMIN });
    const text = JSON.stringify(res.body);
    expect(text).toContain(`refused \`${NO_DLQ} has no dead-letter queue to watch\``);
    expect(text).toContain("refused `not a channel: not-a-channel`");
  });
});

describe("the guard's own refusals", () => {
  it("a command outside the listed channels is audited as refused, with the channel", async () => {
    const other = await startTestStack({
      env: { PROFILES_ADMINS: ADMIN, PROFILES_CHANNELS: "C0ELSEWHERE" },
    });
    const otherRedis = createRedis(other.config, "client");
    try {
      const res = await other.slack.driver.type("/profiles status", { user: ADMIN });
      expect((res.body as { text: string }).text).toContain("profiles-bot works in <#C0ELSEWHERE>");
      const log = new RedisAuditLog(otherRedis, other.config.redis.prefix, createLogger("silent"));
      // The guard writes the entry as it answers; wait for it rather than race it.
      let entries = await log.latest({ limit: 5 });
      for (let i = 0; i < 50 && entries.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        entries = await log.latest({ limit: 5 });
      }
      const [entry] = entries;
      expect(entry).toMatchObject({
        userId: ADMIN,
        action: "command:status",
        outcome: "refused",
        detail: "the channel C0OPS is not in PROFILES_CHANNELS",
      });
    } finally {
      otherRedis.disconnect();
      await other.stop();
    }
  });
});
