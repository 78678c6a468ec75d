/**
 * The bot in Socket Mode (SLACK_APP_TOKEN set): it opens its connection through
 * apps.connections.open on the stand-in, and every kind of request arrives as an envelope on
 * that connection (slash_commands, interactive, events_api), answered through the ack's
 * payload, while the HTTP server mounts no Slack endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { Stack } from "../../sandbox/stack.js";
import { startTestStack } from "../support/e2e.js";
import { waitForView } from "../support/enable.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";

let stack: Stack;
beforeAll(async () => {
  stack = await startTestStack({ env: { SLACK_APP_TOKEN: "xapp-1-A0PROFILES-sandbox" } });
});
afterAll(async () => {
  await stack?.stop();
});

describe("Socket Mode", () => {
  it("connects with the app token and serves no /slack/events endpoint", async () => {
    expect(stack.slack.socketMode.connections).toBe(1);
    const opened = stack.slack.timeline.calls.filter((c) => c.method === "apps.connections.open");
    expect(opened.map((c) => c.ok)).toEqual([true]);
    const res = await fetch(`${stack.runtime.url}/slack/events`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
  });

  it("answers a slash command in the envelope's ack", async () => {
    const res = await stack.slack.driver.type("/profiles help");
    expect(res.problems).toEqual([]);
    expect(renderText(undefined, String((res.body as { text?: string }).text))).toMatch(
      /\/profiles status/,
    );
    const shown = stack.slack.timeline.ephemerals(USER, CHANNEL).at(-1);
    expect(renderText(shown?.blocks, shown?.text)).toMatch(/\/profiles status/);
  });

  it("answers through the response_url after acking a slash command", async () => {
    await stack.slack.driver.type("/profiles status amazon-connect-nothing-here");
    const reply = await stack.slack.timeline.waitFor(
      (t) =>
        t
          .ephemerals(USER, CHANNEL)
          .find((e) => /amazon-connect-nothing-here/.test(e.text) && !/Looking up/.test(e.text)),
      { timeoutMs: 10_000, description: "the status answer" },
    );
    expect(renderText(reply.blocks, reply.text)).toMatch(/amazon-connect-nothing-here/);
  });

  it("runs interactions (options, block actions, view submissions) over the connection", async () => {
    const { driver } = stack.slack;
    await driver.type("/profiles enable");
    await waitForView(stack, USER, "enable_instance", () => true);
    const options = await driver.requestOptions("enable_instance", "");
    expect(options.problems).toEqual([]);
    const picked = options.options.find((o) => o.value === EXAMPLECORP);
    expect(picked).toBeDefined();
    if (!picked) return;
    await driver.select("enable_instance", picked);
    await waitForView(stack, USER, "enable_instance", (t) => /Not linked|Linked to domain/.test(t));
    const submitted = await driver.submitView({});
    expect(submitted.problems).toEqual([]);
    expect(submitted.responseAction).toBe("update");
  });

  it("handles an Events API event (App Home) delivered as an envelope", async () => {
    await stack.slack.driver.openAppHome();
    const home = await stack.slack.timeline.waitFor((t) => t.home(USER), {
      timeoutMs: 10_000,
      description: "the Home tab",
    });
    expect(renderText(home.blocks)).toMatch(/profiles/i);
  });
});
