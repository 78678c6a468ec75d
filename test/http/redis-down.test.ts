/**
 * While Redis is unreachable, /healthz says so and signed requests are refused (the replay
 * check cannot tell whether they were acted on); both recover without a restart. Redis is
 * cut by closing a TCP relay between the client and the real server.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { loadConfig } from "../../src/config.js";
import { RedisSeenSignatures } from "../../src/http/seen.js";
import { createRedis, type Redis, redisAnswers } from "../../src/redis.js";
import {
  FORM,
  form,
  health,
  send,
  sign,
  startFakeServer,
  type TestServer,
} from "./support/server.js";

/** Relays 127.0.0.1:<port> to Redis until cut, and again once restored. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(6379, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000) {
  const until = Date.now() + ms;
  let last = await probe();
  while (!ok(last) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

const prefix = testPrefix();
const relay = new Relay();
let redis: Redis;
let server: TestServer;

beforeAll(async () => {
  await relay.open();
  const config = loadConfig({
    SLACK_BOT_TOKEN: "xoxb-redis-down-test",
    ROLE: "worker",
    REDIS_URL: `redis://127.0.0.1:${relay.port}`,
  });
  redis = createRedis(config, "client");
  server = await startFakeServer({
    healthy: () => redisAnswers(redis),
    replays: new RedisSeenSignatures(redis, prefix),
  });
});
afterAll(async () => {
  await server?.close();
  redis?.disconnect();
  await relay.cut();
  await deletePrefix(loadConfig({ SLACK_BOT_TOKEN: "xoxb-x", ROLE: "worker" }), prefix);
});

const command = (text: string) =>
  sign(form({ command: "/profiles", text, user_id: "U0ADMIN", team_id: "T0TEST" }), FORM);

describe("with Redis down", () => {
  it("says so on /healthz, refuses signed requests with 503, and recovers without a restart", async () => {
    expect(await health(server.http.url)).toEqual({
      status: 200,
      body: { ok: true, status: "ok", redis: "up" },
    });
    expect((await send(server.events, command("before"))).status).toBe(200);

    await relay.cut();
    const down = await eventually(
      () => health(server.http.url),
      (h) => h.status === 503,
    );
    expect(down).toEqual({ status: 503, body: { ok: false, status: "down", redis: "down" } });
    const refused = await send(server.events, command("while down"));
    expect(refused.status).toBe(503);
    expect(server.calls).toBe(1);

    await relay.open();
    const up = await eventually(
      () => health(server.http.url),
      (h) => h.status === 200,
    );
    expect(up).toEqual({ status: 200, body: { ok: true, status: "ok", redis: "up" } });
    // Slack re-signs its retry; the new signature goes through once Redis answers.
    expect((await send(server.events, command("while down"))).status).toBe(200);
    expect(server.calls).toBe(2);
  });
});
