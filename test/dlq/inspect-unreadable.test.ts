/**
 * Unreadable messages on the Inspect modal: read by the real parser and summary, shown raw in a
 * code block that stays escaped, closed and within Slack's section limit, whatever the body.
 */
import type { Message } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/dlq/classify.js";
import { parseDlqMessage } from "../../src/dlq/parse.js";
import type { PreviewMode } from "../../src/dlq/redact.js";
import { createScanSummary } from "../../src/dlq/summary.js";
import { offeredMessageIds, renderInspectModal } from "../../src/slack/render/digest.js";
import { awsFixture, fixture, message, UNREADABLE_FIXTURES } from "./fixtures.js";
import { PLACE } from "./support/place.js";

function inspect(messages: Message[], preview: PreviewMode) {
  const summary = createScanSummary({ samplesPerClass: 3 });
  for (const m of messages) {
    const parsed = parseDlqMessage(m);
    summary.add(parsed, classify(parsed));
  }
  const entry = summary.snapshot().classes.unreadable;
  const view = renderInspectModal({
    domain: "amazon-connect-examplecorp",
    place: PLACE,
    cls: "unreadable",
    entry,
    complete: true,
    preview,
  });
  const texts = view.blocks.flatMap((b) =>
    b.type === "section" && "text" in b && b.text ? [b.text.text] : [],
  );
  return { entry, texts, rawBlocks: texts.filter((t) => t.includes("```")) };
}

describe("Inspect shows an unreadable message raw", () => {
  it("as it came, escaped, in a code block, with why it is unreadable", () => {
    const { texts, rawBlocks } = inspect([fixture("not-json")], "full");
    expect(rawBlocks).toEqual([
      "```ERROR ingest failed for object CRM-Contact: unexpected token &lt; in JSON at position 0```",
    ]);
    expect(texts.some((t) => t.includes("*Why unreadable:* body is not valid JSON"))).toBe(true);
  });

  it("bounded after escaping: a hostile body stays one closed block under 3,000 characters", () => {
    const hostile = `<!channel> ${"<&>".repeat(2_000)}\`\`\`${"`".repeat(5)}`;
    const { rawBlocks } = inspect([message(hostile)], "full");
    const [block] = rawBlocks;
    expect(rawBlocks).toHaveLength(1);
    expect(block?.length).toBeLessThanOrEqual(3000);
    expect(block).toMatch(/^Raw body, first 1,000 of 6,\d{3} characters:\n```&lt;!channel&gt; /);
    expect(block?.endsWith("…```")).toBe(true);
    expect(block?.match(/```/g)).toHaveLength(2);
    expect(block?.replace(/&(lt|gt|amp);/g, "")).not.toMatch(/[<>&]/);
  });

  it("never splits an escaped character, and keeps the fences clear of backticks", () => {
    for (let pad = 0; pad < 6; pad += 1) {
      const { rawBlocks } = inspect([message(`${"x".repeat(pad)}${"&".repeat(995)}`)], "full");
      expect(rawBlocks[0]).toMatch(/(&amp;)+…```$/);
    }
    const { rawBlocks } = inspect([message("`tick`")], "full");
    expect(rawBlocks).toEqual(["```ʼtickʼ```"]);
  });

  it("shows only the body's length with previews redacted", () => {
    const { rawBlocks, texts } = inspect([fixture("not-json")], "redacted");
    expect(rawBlocks).toEqual(["```«raw body, 84 chars»```"]);
    expect(texts.join("\n")).not.toContain("ingest failed");
  });

  it.each(UNREADABLE_FIXTURES)("%s: shown raw and never offered for re-ingest", (name) => {
    const msg = awsFixture(name);
    const { entry, rawBlocks } = inspect([msg], "full");
    expect(entry?.count).toBe(1);
    expect(offeredMessageIds(entry)).toEqual([]);
    expect(rawBlocks).toHaveLength(1);
    expect(rawBlocks[0]).toBe(`\`\`\`${msg.Body}\`\`\``);
  });
});
