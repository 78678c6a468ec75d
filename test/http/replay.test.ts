/**
 * A signed request is acted on at most once: the same signature sent again reaches no
 * listener, whichever kind of request it is, and a store that cannot tell refuses it.
 */
import { type AddressInfo, createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { RedisSeenSignatures, SEEN_TTL_SECONDS } from "../../src/http/seen.js";
import { MAX_SKEW_SECONDS, verifySlackSignature } from "../../src/http/verify.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { REDIS_KINDS, redisConfig } from "../support/redis-cluster.js";
import {
  type BoltServer,
  FORM,
  form,
  interactive,
  JSON_TYPE,
  SECRET,
  send,
  sign,
  startBoltServer,
} from "./support/server.js";

let server: BoltServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const user = { id: "U0ADMIN", team_id: "T0TEST" };
const team = { id: "T0TEST", domain: "test" };

const requests = {
  command: () =>
    sign(form({ command: "/profiles", text: "help", user_id: user.id, team_id: team.id }), FORM),
  action: () =>
    sign(
      interactive({
        type: "block_actions",
        user,
        team,
        channel: { id: "C0OPS" },
        trigger_id: "1.2.3",
        actions: [{ type: "button", action_id: "approve", block_id: "b", value: "go" }],
      }),
      FORM,
    ),
  view: () =>
    sign(
      interactive({
        type: "view_submission",
        user,
        team,
        view: { id: "V0", callback_id: "wizard", state: { values: {} }, private_metadata: "" },
      }),
      FORM,
    ),
  event: () =>
    sign(
      JSON.stringify({
        type: "event_callback",
        team_id: team.id,
        event_id: "Ev0",
        event: { type: "app_home_opened", user: user.id, tab: "home" },
      }),
      JSON_TYPE,
    ),
} as const;

describe.each(REDIS_KINDS)("replays remembered on a %s", (redisKind) => {
  const prefix = testPrefix();
  const config = redisConfig(redisKind, prefix);
  let redis: Redis;
  beforeAll(() => {
    redis = createRedis(config, "client");
  });
  afterAll(async () => {
    redis?.disconnect();
    await deletePrefix(config, prefix);
  });

  it.each(Object.keys(requests) as (keyof typeof requests)[])(
    "a replayed %s reaches its listener exactly once",
    async (kind) => {
      server = await startBoltServer({ replays: new RedisSeenSignatures(redis, prefix) });
      const signed = requests[kind]();
      const first = await send(server.events, signed);
      const again = await send(server.events, signed);
      const third = await send(server.events, signed);
      expect(first.status).toBe(200);
      expect([again, third]).toEqual([
        { status: 200, text: "" },
        { status: 200, text: "" },
      ]);
      expect(server.seen[kind]).toBe(1);
      // Bolt was handed the request once: the repeats stopped at our server.
      expect(server.calls).toBe(1);
    },
  );

  it("answers a repeated options request each time: it only reads, and Slack repeats them", async () => {
    server = await startBoltServer({ replays: new RedisSeenSignatures(redis, prefix) });
    const signed = sign(
      interactive({ type: "block_suggestion", user, team, action_id: "picker", value: "" }),
      FORM,
    );
    const answers = [await send(server.events, signed), await send(server.events, signed)];
    expect(answers).toEqual([
      { status: 200, text: '{"options":[]}' },
      { status: 200, text: '{"options":[]}' },
    ]);
    expect(server.seen.options).toBe(2);
  });

  it("remembers a signature in Redis for longer than the timestamp window", async () => {
    const seen = new RedisSeenSignatures(redis, prefix);
    const signature = sign(form({ command: "/profiles", text: "ttl" }), FORM).signature;
    expect(await seen.seen(signature)).toBe(false);
    expect(await seen.seen(signature)).toBe(true);
    const ttl = await redis.ttl(`${prefix}:seen-signature:${signature}`);
    expect(ttl).toBeGreaterThan(5 * 60);
    expect(ttl).toBeLessThanOrEqual(SEEN_TTL_SECONDS);
  });

  it("tells each of 300 checks sent at once, a third of them repeats, whether it is new", async () => {
    const seen = new RedisSeenSignatures(redis, prefix);
    const signatures = Array.from(
      { length: 200 },
      (_, i) => sign(form({ command: "/profiles", text: `batch ${i}` }), FORM).signature,
    );
    // Every even signature is sent twice in the same burst: Redis sees the two SET NX in
    // one batch, and only the first creates the key.
    const burst = [...signatures, ...signatures.filter((_, i) => i % 2 === 0)];
    const answers = await Promise.all(burst.map((s) => seen.seen(s)));
    expect(answers.slice(0, 200).every((repeat) => !repeat)).toBe(true);
    expect(answers.slice(200).every((repeat) => repeat)).toBe(true);
    // After the burst, every one of them is a repeat.
    const again = await Promise.all(signatures.map((s) => seen.seen(s)));
    expect(again.every((repeat) => repeat)).toBe(true);
  });
});

describe("replays", () => {
  it("lets the same body through when it is signed again, as Slack signs each retry", async () => {
    server = await startBoltServer();
    const body = requests.command().body;
    await send(server.events, sign(body, FORM));
    await send(server.events, sign(body, FORM, { timestamp: Math.floor(Date.now() / 1000) - 1 }));
    expect(server.seen.command).toBe(2);
  });

  it("remembers a signature for longer than its request passes the timestamp check", () => {
    const ts = 1_700_000_000;
    const body = form({ command: "/profiles", text: "window" });
    const headers = {
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": sign(body, FORM, { timestamp: ts }).signature,
    };
    const passes = (nowMs: number) =>
      verifySlackSignature(SECRET, headers, Buffer.from(body), nowMs).ok;
    // The first and last milliseconds at which the same signed request is accepted.
    const firstMs = (ts - MAX_SKEW_SECONDS) * 1000;
    const lastMs = (ts + MAX_SKEW_SECONDS + 1) * 1000 - 1;
    expect([passes(firstMs - 1), passes(firstMs), passes(lastMs), passes(lastMs + 1)]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(SEEN_TTL_SECONDS * 1000).toBeGreaterThan(lastMs - firstMs);
  });

  it("refuses every check of a batch when Redis does not answer in time", async () => {
    // A server that takes the connection and never replies, as a Redis that hangs.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const redis = createRedis(
      { redis: { url: `redis://127.0.0.1:${port}`, prefix: "{t}" } },
      "replay",
    );
    try {
      const seen = new RedisSeenSignatures(redis, "{t}", 200);
      const results = await Promise.allSettled(
        ["a", "b", "c"].map((t) => seen.seen(sign(form({ text: `hang ${t}` }), FORM).signature)),
      );
      expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
      expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/within 200 ms/);
    } finally {
      redis.disconnect();
      silent.close();
    }
  });

  it("answers 503 and calls no listener when the store cannot tell", async () => {
    server = await startBoltServer({
      replays: { seen: () => Promise.reject(new Error("Connection is closed.")) },
    });
    const res = await send(server.events, requests.command());
    expect(res.status).toBe(503);
    expect(server.calls).toBe(0);
  });
});
