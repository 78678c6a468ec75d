import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SlackStandIn, startSlackStandIn } from "../../sandbox/slack/index.js";
import { createLogger } from "../../src/logger.js";
import { MemoryRateLimiter } from "../../src/ratelimit.js";
import { SlackNotifier } from "../../src/slack/notifier/notifier.js";

let slack: SlackStandIn;
let notifier: SlackNotifier;
beforeAll(async () => {
  slack = await startSlackStandIn({ port: 0 });
  const client = new WebClient("xoxb-notifier-test", {
    slackApiUrl: slack.apiUrl,
    rejectRateLimitedCalls: true,
  });
  notifier = new SlackNotifier(client, new MemoryRateLimiter(), createLogger("silent"));
});
afterAll(async () => {
  await slack?.close();
});

const text = (channel: string, ts: string) => slack.timeline.message(channel, ts)?.text;

describe("SlackNotifier", () => {
  it("coalesces a burst of edits to one message: the last content wins, in fewer calls", async () => {
    const { channel, ts } = await notifier.post("C0OPS", { text: "step 0" });
    const before = slack.timeline.callsTo("chat.update").length;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => notifier.update(channel, ts, { text: `step ${i + 1}` })),
    );
    expect(text(channel, ts)).toBe("step 30");
    const calls = slack.timeline.callsTo("chat.update").length - before;
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(30);
  });

  it("sends edits that queued behind the rate limit as one edit: the newest, read once a token is in hand", async () => {
    const fresh = new SlackNotifier(
      new WebClient("xoxb-notifier-test", {
        slackApiUrl: slack.apiUrl,
        rejectRateLimitedCalls: true,
      }),
      new MemoryRateLimiter(),
      createLogger("silent"),
    );
    const other = await fresh.post("C0OPS", { text: "other" });
    // chat.update's burst (5) spent on another message: the next edit waits for a token.
    for (let i = 0; i < 5; i++) await fresh.update(other.channel, other.ts, { text: `o${i}` });
    const { channel, ts } = await fresh.post("C0OPS", { text: "v0" });
    const edits = [1, 2, 3].map((v) => fresh.update(channel, ts, { text: `v${v}` }));
    await Promise.all(edits);
    const sent = slack.timeline
      .callsTo("chat.update")
      .filter((c) => c.args.channel === channel && c.args.ts === ts);
    expect(sent.map((c) => c.args.text)).toEqual(["v3"]);
    expect(text(channel, ts)).toBe("v3");
  });

  it("waits out 429s on chat.update and still ends in the final state", async () => {
    const { channel, ts } = await notifier.post("C0OPS", { text: "start" });
    slack.setRateLimit("chat.update", { every: 2, retryAfter: 1 });
    try {
      for (let i = 1; i <= 3; i++) await notifier.update(channel, ts, { text: `progress ${i}` });
    } finally {
      slack.setRateLimit("chat.update", undefined);
    }
    expect(text(channel, ts)).toBe("progress 3");

    // The stand-in's own record of this message's edits: without a 429 among them this test
    // would pass without exercising the wait. The last edit is answered 200, so it came after
    // every 429 and carries the final text.
    const edits = slack.timeline
      .callsTo("chat.update")
      .filter((c) => c.args.channel === channel && c.args.ts === ts);
    const limited = edits.filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((c) => c.error === "ratelimited")).toBe(true);
    expect(edits.at(-1)).toMatchObject({ status: 200, ok: true, args: { text: "progress 3" } });
  });

  it("keeps posting to another channel while chat.update is rate limited", async () => {
    const { channel, ts } = await notifier.post("C0OPS", { text: "a" });
    slack.setRateLimit("chat.update", { every: 1, retryAfter: 2 });
    const pending = notifier.update(channel, ts, { text: "b" });
    const started = Date.now();
    await notifier.post("C0OPS", { text: "unrelated" });
    expect(Date.now() - started).toBeLessThan(1_000);
    slack.setRateLimit("chat.update", undefined);
    await pending;
    expect(text(channel, ts)).toBe("b");
  });
});
