import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { type AuditEntry, RedisAuditLog } from "../../src/audit/audit.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createRedis, keysMatching, type Redis } from "../../src/redis.js";
import { eventually } from "../support/eventually.js";
import { REDIS_KINDS, redisConfig } from "../support/redis-cluster.js";
import { startOwnRedis } from "../support/redis-server.js";

describe.each(REDIS_KINDS)("RedisAuditLog on a %s", (kind) => {
  const prefix = testPrefix();
  const config = redisConfig(kind, prefix);
  let redis: Redis;
  beforeAll(() => {
    redis = createRedis(config, "client");
  });
  afterAll(async () => {
    redis.disconnect();
    await deletePrefix(config, prefix);
  });

  it("keeps entries newest first, filters by target, and holds no PII or secrets", async () => {
    const audit = new RedisAuditLog(redis, prefix, createLogger("silent"), { maxEntries: 100 });
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

  it("keeps the account ids of refIds and ARNs, and masks a phone number of twelve digits", async () => {
    const audit = new RedisAuditLog(redis, `${prefix}-accounts`, createLogger("silent"));
    const ref = "444455556666.eu-west-2.amazon-connect-a";
    const role = "arn:aws:iam::444455556666:role/profiles-bot-target";
    await audit.record({
      at: new Date().toISOString(),
      userId: "U1",
      action: "action:dlq_reingest",
      target: ref,
      params: { domain: ref, role, note: "customer 441632960123 called" },
      outcome: "failed",
      detail: `User: arn:aws:sts::111122223333:assumed-role/profiles-bot/U1 is not authorized to perform: sts:AssumeRole on resource: ${role}; call +441632960123`,
    });
    const [entry] = await audit.latest({ target: ref, limit: 1 });
    expect(entry?.target).toBe(ref);
    expect(entry?.params).toEqual({ domain: ref, role, note: "customer «phone» called" });
    expect(entry?.detail).toBe(
      `User: arn:aws:sts::111122223333:assumed-role/profiles-bot/U1 is not authorized to perform: sts:AssumeRole on resource: ${role}; call «phone»`,
    );
  });

  it("caps the stream near its bound", async () => {
    const audit = new RedisAuditLog(redis, `${prefix}-cap`, createLogger("silent"), {
      maxEntries: 50,
    });
    for (let i = 0; i < 400; i++) {
      await audit.record({ at: "t", userId: "U1", action: "x", outcome: "succeeded" });
    }
    expect(await redis.xlen(`${prefix}-cap:audit`)).toBeLessThan(200);
    // The stream and the ids of the entries appended to it.
    const keys: string[] = [];
    for await (const batch of keysMatching(redis, `${prefix}-cap:audit*`)) keys.push(...batch);
    await redis.del(...keys);
  });

  it("appends 300 entries recorded at once, each once and in the order they were recorded", async () => {
    const audit = new RedisAuditLog(redis, `${prefix}-burst`, createLogger("silent"));
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        audit.record({ at: "t", userId: `U${i}`, action: "command:help", outcome: "succeeded" }),
      ),
    );
    expect(audit.pending).toBe(0);
    const stream = await redis.xrange(`${prefix}-burst:audit`, "-", "+");
    expect(stream.map(([, fields]) => JSON.parse(fields[1] as string).userId)).toEqual(
      Array.from({ length: 300 }, (_, i) => `U${i}`),
    );
  });
});

describe("RedisAuditLog across a Redis outage", () => {
  it("logs each entry at once, keeps what Redis does not take, and appends it in order once Redis is back; past the backlog's bound the oldest give way to one notice", async () => {
    const own = await startOwnRedis();
    const ownRedis = createRedis(
      loadConfig({ SLACK_BOT_TOKEN: "xoxb-test", ROLE: "worker", REDIS_URL: own.url }),
      "client",
    );
    const lines: string[] = [];
    const log = createLogger("info", { write: (line: string) => lines.push(line) });
    const audit = new RedisAuditLog(ownRedis, "outage", log, { backlogLimit: 3, retryMs: 100 });
    const entry = (n: number) => ({
      at: new Date().toISOString(),
      userId: "U0ADMIN",
      action: `command:n${n}`,
      outcome: "refused" as const,
      detail: `reason ${n}`,
    });
    try {
      await audit.record(entry(0));
      await own.stop();
      // The client has seen the connection go (a write racing that moment is covered by
      // the backlog too, but its fate would make the order below depend on timing).
      for (let i = 0; i < 100 && ownRedis.status === "ready"; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      for (let n = 1; n <= 5; n++) await audit.record(entry(n));
      // In the log at once, all five.
      const logged = lines.filter((l) => l.includes('"msg":"audit: command:n'));
      expect(logged).toHaveLength(6);
      expect(audit.pending).toBe(3);

      await own.start();
      for (let i = 0; i < 150 && audit.pending > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(audit.pending).toBe(0);
      // The restarted Redis kept no data, so the stream holds what came after the outage.
      const stream = (await ownRedis.xrange("outage:audit", "-", "+")).map(
        ([, fields]) => JSON.parse(fields[1] as string) as AuditEntry,
      );
      expect(stream.map((e) => e.action)).toEqual([
        "audit:backlog-overflow",
        "command:n3",
        "command:n4",
        "command:n5",
      ]);
      expect(stream[0]?.params?.dropped).toBe(2);
      expect(stream[3]).toMatchObject({ outcome: "refused", detail: "reason 5" });
    } finally {
      ownRedis.disconnect();
      await own.stop();
    }
  });
});

/**
 * Relays to the real Redis, and once drops the connection after Redis has answered a command
 * naming `key` and before the answer reaches the client: the client sees a command that may
 * or may not have been done, and sends it again on the next connection (or fails it).
 */
async function relayLosingOneAnswer(key: string): Promise<{ port: number; close(): void }> {
  let lost = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(6379, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    let awaited = false;
    client.on("data", (chunk: Buffer) => {
      if (!lost && chunk.includes(key)) awaited = true;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      // An error answer (e.g. NOSCRIPT) did nothing: pass it on and wait for the real one.
      if (awaited && !lost && chunk[0] !== 0x2d) {
        lost = true;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

// A relay in front of one node: the cluster's own connections are not relayed.
describe("RedisAuditLog when an answer is lost", () => {
  const prefix = testPrefix();
  const config = redisConfig("single node", prefix);
  let redis: Redis;
  beforeAll(() => {
    redis = createRedis(config, "client");
  });
  afterAll(async () => {
    redis.disconnect();
    await deletePrefix(config, prefix);
  });

  /**
   * Records through a relay that drops the connection after Redis took the first append, before
   * its answer; returns the stream's entries once the backlog is empty and past the client's
   * reconnect and the backlog's retry, either of which sends an append again.
   */
  async function afterALostAnswer(
    name: string,
    recordAll: (audit: RedisAuditLog) => Promise<unknown>,
  ): Promise<AuditEntry[]> {
    const key = `${prefix}-${name}:audit`;
    const relay = await relayLosingOneAnswer(key);
    const relayed = createRedis(
      loadConfig({
        SLACK_BOT_TOKEN: "xoxb-test",
        ROLE: "worker",
        REDIS_URL: `redis://127.0.0.1:${relay.port}`,
      }),
      "client",
    );
    const audit = new RedisAuditLog(relayed, `${prefix}-${name}`, createLogger("silent"), {
      retryMs: 50,
    });
    try {
      await recordAll(audit);
      await eventually(
        async () => audit.pending,
        (n) => n === 0,
        10_000,
        50,
      );
      expect(audit.pending).toBe(0);
      await new Promise((r) => setTimeout(r, 1_000));
      const stream = await redis.xrange(key, "-", "+");
      return stream.map(([, fields]) => JSON.parse(fields[1] as string) as AuditEntry);
    } finally {
      relayed.disconnect();
      relay.close();
      const leftovers = await redis.keys(`${prefix}-${name}:*`);
      if (leftovers.length > 0) await redis.del(...leftovers);
    }
  }

  it("appends an entry once when the connection drops after Redis took it, before its answer", async () => {
    const entries = await afterALostAnswer("lost", (audit) =>
      audit.record({ at: "t", userId: "U1", action: "command:status", outcome: "succeeded" }),
    );
    expect(entries.map((e) => e.action)).toEqual(["command:status"]);
  });

  it("appends each of 40 entries recorded at once, in order and once, when the connection drops after Redis took some", async () => {
    // Recorded in one turn of the event loop: the first goes at once, the rest in a batch.
    const users = Array.from({ length: 40 }, (_, i) => `U${i}`);
    const entries = await afterALostAnswer("lostbatch", (audit) =>
      Promise.all(
        users.map((userId) =>
          audit.record({ at: "t", userId, action: "command:status", outcome: "succeeded" }),
        ),
      ),
    );
    expect(entries.map((e) => e.userId)).toEqual(users);
  });
});
