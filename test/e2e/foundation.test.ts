import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../sandbox/stack.js";
import { startTestStack } from "../support/e2e.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const bodyText = (body: unknown) => JSON.stringify(body ?? "");

describe("the bot on the local stack", () => {
  it("answers /healthz with 200 while Redis answers", async () => {
    const res = await fetch(`${stack.runtime.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, status: "ok", redis: "up" });
  });

  it("has no /metrics while METRICS_TOKEN is unset, token or not", async () => {
    expect((await fetch(`${stack.runtime.url}/metrics`)).status).toBe(404);
    const withToken = await fetch(`${stack.runtime.url}/metrics`, {
      headers: { authorization: "Bearer 0123456789abcdef" },
    });
    expect(withToken.status).toBe(404);
  });

  it("answers /profiles help with an ephemeral list of subcommands", async () => {
    const res = await stack.slack.driver.type("/profiles help");
    expect(res.status).toBe(200);
    const body = res.body as { response_type?: string; text?: string };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toContain("/profiles help");
  });

  it.each(["", "frobnicate"])("answers /profiles %j with the help list", async (text) => {
    const res = await stack.slack.driver.slashCommand("/profiles", text);
    expect(res.status).toBe(200);
    const body = res.body as { text?: string };
    expect(body.text).toContain("/profiles help");
    if (text) expect(body.text).toContain("`frobnicate` is not a /profiles subcommand");
  });
});

describe("request verification", () => {
  const now = () => Math.floor(Date.now() / 1000);

  it("refuses a forged signature before any listener runs", async () => {
    const res = await stack.slack.driver.type("/profiles help", { secret: "not-the-secret" });
    expect(res.status).toBe(401);
    expect(bodyText(res.body)).not.toContain("/profiles help");
  });

  it("refuses a stale timestamp (6 minutes old)", async () => {
    const res = await stack.slack.driver.type("/profiles help", { timestamp: now() - 6 * 60 });
    expect(res.status).toBe(401);
    expect(bodyText(res.body)).not.toContain("/profiles help");
  });

  it("refuses a timestamp 6 minutes in the future, which Bolt alone would accept", async () => {
    const res = await stack.slack.driver.type("/profiles help", { timestamp: now() + 6 * 60 });
    expect(res.status).toBe(401);
    expect(bodyText(res.body)).not.toContain("/profiles help");
  });

  it("accepts a correctly signed request within the clock-skew window", async () => {
    const res = await stack.slack.driver.type("/profiles help", { timestamp: now() + 60 });
    expect(res.status).toBe(200);
  });
});
