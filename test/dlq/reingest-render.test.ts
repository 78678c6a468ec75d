/**
 * The re-ingest reply's final text says what happened: came-backs by class, "not finished"
 * while part of the class is held elsewhere, and AWS text that cannot render as mrkdwn.
 */
import { describe, expect, it } from "vitest";
import type { ReingestResult } from "../../src/dlq/reingest.js";
import { renderReingestDone, renderReingestFailed } from "../../src/slack/render/reingest.js";

const target = { domain: "amazon-connect-x", cls: "throttled" as const, requestedBy: "U0OPS" };

function result(over: Partial<ReingestResult>): ReingestResult {
  return {
    done: 0,
    failed: 0,
    skipped: 0,
    queued: 0,
    queueDepth: 0,
    rate: 1,
    elapsedMs: 1000,
    stoppedBy: "done",
    left: {},
    failures: [],
    throttledRetries: 0,
    deleteFailures: 0,
    cameBack: {},
    retriedCameBacks: 0,
    notFound: 0,
    inFlight: 0,
    receives: {},
    ...over,
  };
}

describe("renderReingestDone", () => {
  it("reports accepted objects that came back, by class", () => {
    const m = renderReingestDone(target, result({ done: 11, cameBack: { throttled: 9 } }));
    expect(m.text).toMatch(
      /finished .*\*11\* accepted, \*9\* came back as throttled, \*0\* failed/,
    );
    expect(m.text).toMatch(/^:warning:/);
  });

  it("says 'not finished' while part of the class is held by another reader", () => {
    const m = renderReingestDone(
      target,
      result({ done: 20, notFound: 20, inFlight: 20, stoppedBy: "in-flight" }),
    );
    expect(m.text).toMatch(/is not finished/);
    expect(m.text).not.toMatch(/`amazon-connect-x` finished/);
    expect(JSON.stringify(m.blocks)).toMatch(
      /20 messages the digest showed are held by another reader/,
    );
  });

  it("shows AWS failure reasons in code spans, never as mrkdwn", () => {
    const reason = "PutProfileObject failed: <!channel> *bold* `tick`";
    const m = renderReingestDone(
      target,
      result({ failed: 1, failures: [{ reason, count: 1, cls: "throttled" }] }),
    );
    const blocks = JSON.stringify(m.blocks);
    expect(blocks).not.toContain("<!channel>");
    expect(blocks).toContain("&lt;!channel&gt;");
  });
});

describe("renderReingestFailed", () => {
  it("escapes the reason but keeps the requester's mention", () => {
    const m = renderReingestFailed(target, "AWS said <!here> & left", false);
    const text = JSON.stringify(m.blocks);
    expect(text).toContain("&lt;!here&gt; &amp; left");
    expect(text).not.toContain("<!here>");
  });
});
