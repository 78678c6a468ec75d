/**
 * Stopping while Redis is away. BullMQ's Worker.close() waits forever for a blocking
 * connection that is down or reconnecting, so a stop would never end; the runtime's stop
 * drops the connections at its deadline instead, says so in the log, and the process exits.
 * Each test runs on a redis-server of its own, which it stops (the shared one is never touched).
 */
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { type Stack, startStack, testPrefix } from "../../sandbox/stack.js";
import { createLogger } from "../../src/logger.js";
import { eventually } from "../support/eventually.js";
import { runMain, useMainSandbox } from "../support/main-process.js";
import { freePort } from "../support/net.js";
import { type OwnRedis, startOwnRedis } from "../support/redis-server.js";

const LATE = "stopping took too long";
/** Long enough to tell a stop that ends from one that hangs; each wait ends when it is over. */
const HANG_MS = 60_000;

let own: OwnRedis | undefined;
afterEach(async () => {
  await own?.stop();
  own = undefined;
});

/** What settles first: the promise ("done") or HANG_MS ("hung"). */
async function endsOrHangs(p: Promise<unknown>): Promise<"done" | "hung"> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<"hung">((r) => {
    timer = setTimeout(() => r("hung"), HANG_MS);
  });
  try {
    return await Promise.race([p.then(() => "done" as const), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** The stack on a Redis of the test's own: its keys go with that server, not by prefix. */
async function stackOnOwnRedis(lines: string[]): Promise<Stack> {
  own = await startOwnRedis();
  return startStack({
    emulator: { quotas: false },
    env: { REDIS_URL: own.url, QUEUE_PREFIX: testPrefix(), LOG_LEVEL: "info" },
    log: createLogger("info", { write: (line: string) => lines.push(line) }),
    stopDeadlineMs: 2_000,
  });
}

const health = (stack: Stack) =>
  fetch(`${stack.runtime.url}/healthz`).then(
    (r) => r.status,
    () => 0,
  );

describe("stopping during a Redis outage", () => {
  it("ends with Redis down, at its deadline if it has to, saying so", async () => {
    const lines: string[] = [];
    const stack = await stackOnOwnRedis(lines);
    await own?.stop();
    expect(
      await eventually(
        () => health(stack),
        (s) => s === 503,
        15_000,
        100,
      ),
    ).toBe(503);

    expect(await endsOrHangs(stack.stop())).toBe("done");
    // Mostly the workers' close waits on a connection that never ends, and the deadline
    // drops it, saying so; sometimes the close catches the connection mid-try and ends.
    const late = lines.filter((l) => l.includes(LATE)).map((l) => JSON.parse(l));
    expect(late.length).toBeLessThanOrEqual(1);
    for (const entry of late) expect(entry).toMatchObject({ level: 40, deadlineMs: 2_000 });
    expect(lines.at(-1)).toContain("profiles-bot stopped");
  }, 90_000);

  it("ends when Redis is just back, the workers' connections still reconnecting", async () => {
    const lines: string[] = [];
    const stack = await stackOnOwnRedis(lines);
    await own?.stop();
    // Long enough for the workers' connections to be between two tries a few seconds apart.
    await new Promise((r) => setTimeout(r, 3_000));
    await own?.start();
    expect(await endsOrHangs(stack.stop())).toBe("done");
    expect(lines.at(-1)).toContain("profiles-bot stopped");
  }, 90_000);

  it("drops nothing when Redis answers: the stop ends before its deadline", async () => {
    const lines: string[] = [];
    const stack = await stackOnOwnRedis(lines);
    expect(await health(stack)).toBe(200);
    await stack.stop();
    expect(lines.filter((l) => l.includes(LATE))).toEqual([]);
    expect(lines.at(-1)).toContain("profiles-bot stopped");
  }, 90_000);
});

describe("npm start during a Redis outage", () => {
  const sandbox = useMainSandbox();

  it("exits 0 on SIGTERM, its worker thread included, instead of waiting for Redis", async () => {
    own = await startOwnRedis();
    const port = await freePort();
    const bot = runMain({ ...sandbox.env("xoxb-stop-outage", port), REDIS_URL: own.url });
    const exited = once(bot, "exit");
    const status = () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
    // The listeners answer /healthz before the worker thread has started: wait for both.
    const started = () => bot.output().split("profiles-bot started").length - 1;
    expect(
      await eventually(
        async () => started(),
        (n) => n === 2,
        30_000,
        100,
      ),
      bot.output(),
    ).toBe(2);
    expect(await status(), bot.output()).toBe(200);
    await own.stop();
    expect(await eventually(status, (s) => s === 503, 15_000, 100), bot.output()).toBe(503);

    bot.kill("SIGTERM");
    expect(await endsOrHangs(exited), bot.output()).toBe("done");
    expect(bot.exitCode, bot.output()).toBe(0);
    // Both the listeners and the worker thread's runtime.
    expect(bot.output().split("profiles-bot stopped").length - 1, bot.output()).toBe(2);
  }, 120_000);
});
