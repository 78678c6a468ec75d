/**
 * The request path through the whole bot (real Bolt app, real listeners, Slack stand-in,
 * Redis): oversized bodies, replays and odd shapes are stopped at our server, and a few
 * thousand random signed payloads each get an answer while /healthz keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../sandbox/stack.js";
import { startTestStack } from "../support/e2e.js";
import { Fuzzer } from "./support/fuzz.js";
import { FORM, forge, health, send, sign } from "./support/server.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
}, 60_000);

const events = () => `${stack.runtime.url}/slack/events`;
const secret = () => stack.config.slack.signingSecret ?? "";

describe("the request path on the local stack", () => {
  it("answers 413 to a 40 MB body without reading it", async () => {
    const res = await forge(events(), 40 * 1024 * 1024, "content-length");
    expect(res.status).toBe(413);
    expect((await health(stack.runtime.url)).status).toBe(200);
  });

  it("acts on a replayed slash command once", async () => {
    const { driver } = stack.slack;
    const body = new URLSearchParams({
      team_id: "T0SANDBOX",
      channel_id: "C0OPS",
      user_id: "U0ADMIN",
      command: "/profiles",
      text: "help",
    }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const first = await driver.send(body, FORM, { timestamp });
    const again = await driver.send(body, FORM, { timestamp });
    expect(first.status).toBe(200);
    expect(first.text).toContain("/profiles help");
    expect({ status: again.status, text: again.text }).toEqual({ status: 200, text: "" });
  });

  it("acts on a replayed event once: the Home tab is published once", async () => {
    const { driver, timeline } = stack.slack;
    const publishes = () => timeline.callsTo("views.publish").length;
    const before = publishes();
    const timestamp = Math.floor(Date.now() / 1000);
    const sent: { body: string; contentType: string }[] = [];
    // Capture the exact bytes the driver signs, to send them again unchanged.
    const original = driver.send.bind(driver);
    driver.send = (b, contentType, opts) => {
      sent.push({ body: b, contentType });
      return original(b, contentType, { ...opts, timestamp });
    };
    try {
      await driver.openAppHome({ user: "U0ADMIN" });
    } finally {
      driver.send = original;
    }
    await timeline.waitFor(() => publishes() > before, {
      timeoutMs: 10_000,
      description: "the Home tab published",
    });
    const [event] = sent;
    if (!event) throw new Error("the driver sent nothing");
    const again = await original(event.body, event.contentType, { timestamp });
    expect(again.status).toBe(200);
    // Give a wrongly dispatched second publish the time the first one took.
    await new Promise((r) => setTimeout(r, 500));
    expect(publishes()).toBe(before + 1);
  });

  it("answers 400 to a click that names no user, before any listener", async () => {
    const click = {
      type: "block_actions",
      team: { id: "T0SANDBOX" },
      actions: [{ type: "button", action_id: "x", block_id: "b" }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(click) }).toString();
    const res = await send(events(), sign(body, FORM, { secret: secret() }));
    expect(res).toEqual({ status: 400, text: "" });
  });

  it("answers 400 to payload=null and keeps answering /healthz", async () => {
    const res = await send(events(), sign("payload=null", FORM, { secret: secret() }));
    expect(res.status).toBe(400);
    expect(await health(stack.runtime.url)).toEqual({
      status: 200,
      body: { ok: true, status: "ok", redis: "up" },
    });
  });
});

describe("fuzzing the real Bolt app", () => {
  const SEED = 20260511;
  const COUNT = 3000;
  // In flight at once; each answer may take up to ANSWER_MS on a loaded 2-core machine.
  const CONCURRENCY = 48;
  const ANSWER_MS = 20_000;

  it(`answers each of ${COUNT} random signed payloads (seed ${SEED}) and keeps answering /healthz`, async () => {
    const fuzz = new Fuzzer(SEED);
    const requests = Array.from({ length: COUNT }, () => fuzz.request());
    const outcomes = new Map<string, number>();
    const statuses: number[] = [];
    const unanswered: { index: number; shape: string; error: string }[] = [];
    const healthChecks: number[] = [];
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < requests.length) {
        const index = next++;
        const request = requests[index];
        if (!request) return;
        const signed = sign(request.body, request.contentType, { secret: secret() });
        try {
          const res = await send(events(), signed, ANSWER_MS);
          statuses.push(res.status);
          const key = `${request.shape} ${res.status}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        } catch (err) {
          unanswered.push({ index, shape: request.shape, error: (err as Error).name });
        }
        if (index % 250 === 0) healthChecks.push((await health(stack.runtime.url)).status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const table = [...outcomes.entries()].sort().map(([k, n]) => `${k}: ${n}`);
    console.info(`fuzz seed ${SEED}: ${COUNT} requests in ${seconds} s\n${table.join("\n")}`);

    expect(unanswered).toEqual([]);
    // Refused shapes get 400; what Bolt accepts but no listener acknowledges gets its 404.
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    // Enough got past our checks to exercise Bolt and the listeners, not only the refusals.
    expect(statuses.filter((s) => s !== 400).length).toBeGreaterThan(COUNT / 10);
    expect(healthChecks.every((s) => s === 200)).toBe(true);
    expect(await health(stack.runtime.url)).toEqual({
      status: 200,
      body: { ok: true, status: "ok", redis: "up" },
    });
  }, 120_000);
});
