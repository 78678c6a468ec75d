/**
 * Bolt 5's respond() throws when a response_url answers non-2xx (RespondError). The bot
 * then shows the same answer as an ephemeral through chat.postEphemeral, logs only the
 * status, and its listener neither crashes nor mistakes the failure for its own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { Stack } from "../../sandbox/stack.js";
import { startTestStack } from "../support/e2e.js";
import { capture } from "../unit/capture-log.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";

let stack: Stack;
const logged = capture();
beforeAll(async () => {
  stack = await startTestStack({ log: logged.log });
});
afterAll(async () => {
  await stack?.stop();
});

/** The status answer for a domain that does not exist, once it is shown to the user. */
async function statusAnswer(domain: string) {
  await stack.slack.driver.type(`/profiles status ${domain}`);
  return stack.slack.timeline.waitFor(
    (t) =>
      t
        .ephemerals(USER, CHANNEL)
        .find((e) => e.text.includes(domain) && !e.text.startsWith("Looking up")),
    { timeoutMs: 10_000, description: `the status answer for ${domain}` },
  );
}

describe("respond() when the response_url refuses", () => {
  it("shows the answer through chat.postEphemeral instead, and logs no response_url", async () => {
    stack.slack.failNext("response_url", "expired_url");
    const posts = stack.slack.timeline.callsTo("chat.postEphemeral").length;
    const reply = await statusAnswer("amazon-connect-expired");
    expect(renderText(reply.blocks, reply.text)).toContain(
      "There is no Customer Profiles domain named amazon-connect-expired",
    );
    const sent = stack.slack.timeline.callsTo("chat.postEphemeral").slice(posts);
    expect(sent.map((c) => [c.ok, c.args.user, c.args.channel])).toEqual([[true, USER, CHANNEL]]);
    const answers = stack.slack.timeline
      .ephemerals(USER, CHANNEL)
      .filter((e) => e.text.includes("amazon-connect-expired") && !e.text.startsWith("Looking up"));
    expect(answers).toHaveLength(1);
    const warning = logged.lines.find((l) =>
      l.includes("could not answer through the response_url"),
    );
    expect(JSON.parse(warning ?? "{}")).toMatchObject({
      status: 404,
      code: "slack_bolt_respond_error",
    });
    expect(logged.lines.join("")).not.toContain("/response/");
  });

  it("keeps answering when the ephemeral fails too", async () => {
    stack.slack.failNext("response_url", "used_url");
    stack.slack.failNext("chat.postEphemeral", "channel_not_found");
    await stack.slack.driver.type("/profiles status amazon-connect-lost");
    await stack.slack.timeline.waitFor(
      (t) => t.callsTo("chat.postEphemeral").find((c) => c.error === "channel_not_found"),
      { timeoutMs: 10_000, description: "the failed ephemeral" },
    );
    const reply = await statusAnswer("amazon-connect-after");
    expect(renderText(reply.blocks, reply.text)).toContain("amazon-connect-after");
  });
});
