/**
 * The digest's blocks in each state, checked against Slack's Block Kit limits as the stand-in
 * enforces them, and against leaking the fixtures' customer data.
 */
import { describe, expect, it } from "vitest";
import { formatProblems, validateBlocks, validateView } from "../../sandbox/slack/blocks.js";
import { classify, DLQ_CLASSES, type DlqClass } from "../../src/dlq/classify.js";
import { parseDlqMessage } from "../../src/dlq/parse.js";
import type { PreviewMode } from "../../src/dlq/redact.js";
import { createScanSummary, type ScanSummary } from "../../src/dlq/summary.js";
import {
  classActionValue,
  classBlockId,
  type DigestInput,
  messageActionValue,
  muteValue,
  offeredMessageIds,
  readClassActionValue,
  readMessageActionValue,
  readMuteValue,
  renderDigest,
  renderInspectModal,
  renderMuteReply,
  renderNewClassReply,
  renderResolved,
} from "../../src/slack/render/digest.js";
import { FIXTURE_NAMES, FIXTURE_PII, fixture } from "../dlq/fixtures.js";
import { PLACE, PLACE_TEXT } from "../dlq/support/place.js";

const DOMAIN = "amazon-connect-examplecorp";
const LONG_DOMAIN = `amazon-connect-${"x".repeat(49)}`; // 64 characters, the longest name
const NOW = Date.parse("2026-03-01T12:00:00Z");
const SCAN_ID = "m7q2x1ab-0a1b2c3d4e5f";

/** Every fixture, `times` times: all eight classes' worth of real shapes. */
function fixtureSummary(times = 1, samplesPerClass = 3): ScanSummary {
  const builder = createScanSummary({ samplesPerClass });
  for (let i = 0; i < times; i += 1) {
    for (const name of FIXTURE_NAMES) {
      const message = { ...fixture(name), MessageId: `${name}-${i}` };
      const parsed = parseDlqMessage(message);
      builder.add(parsed, classify(parsed));
    }
  }
  return builder.snapshot();
}

/** A summary with every class present, built from fixture messages relabelled per class. */
function everyClassSummary(): ScanSummary {
  const builder = createScanSummary({ samplesPerClass: 3 });
  DLQ_CLASSES.forEach((cls, i) => {
    for (let n = 0; n <= i; n += 1) {
      const parsed = parseDlqMessage({ ...fixture("throttled-pascal"), MessageId: `${cls}-${n}` });
      builder.add(parsed, cls);
    }
  });
  return builder.snapshot();
}

const input = (over: Partial<DigestInput> = {}): DigestInput => ({
  domain: DOMAIN,
  place: PLACE,
  where: PLACE_TEXT,
  summary: fixtureSummary(),
  complete: true,
  scannedAt: NOW,
  preview: "redacted",
  now: NOW,
  ...over,
});

function expectValid(blocks: unknown) {
  expect(formatProblems(validateBlocks(blocks, "message"))).toEqual([]);
}

const buttonsIn = (blocks: unknown[], cls: DlqClass) => {
  const block = blocks.find((b) => (b as { block_id?: string }).block_id === classBlockId(cls)) as {
    elements: { action_id: string; value: string; style?: string; confirm?: unknown }[];
  };
  return block?.elements ?? [];
};

describe("renderDigest", () => {
  it("stays within Block Kit limits in every state", () => {
    const first = renderDigest(input());
    expectValid(first.blocks);
    const withTrend = renderDigest(
      input({ previous: fixtureSummary(), summary: fixtureSummary(4) }),
    );
    expectValid(withTrend.blocks);
    const muted = renderDigest(input({ mutedUntil: NOW + 3_600_000, domain: LONG_DOMAIN }));
    expectValid(muted.blocks);
    const bounded = renderDigest(input({ complete: false, summary: everyClassSummary() }));
    expectValid(bounded.blocks);
    expect(bounded.blocks?.length).toBeLessThanOrEqual(50);
    expectValid(
      renderResolved({ domain: LONG_DOMAIN, where: PLACE_TEXT, was: 1234, scannedAt: NOW }).blocks,
    );
    expectValid(
      renderNewClassReply({
        domain: DOMAIN,
        where: PLACE_TEXT,
        cls: "kms",
        count: 3,
        complete: true,
      }).blocks,
    );
    expect(renderMuteReply("U0ADMIN", NOW).text).toContain("<@U0ADMIN> muted this digest until");
  });

  it("shows counts, the trend, each class's fix, oldest and newest", () => {
    const previous = fixtureSummary(1);
    const summary = fixtureSummary(3);
    const { blocks, text } = renderDigest(input({ previous, summary }));
    const json = JSON.stringify(blocks);
    expect(json).toContain(`Dead-letter queue: ${DOMAIN} · ${PLACE_TEXT}`);
    expect(text).toContain(PLACE_TEXT);
    expect(json).toContain(`*${summary.total}* failed objects`);
    expect(json).toContain("↑ 2");
    expect(json).toContain("Safe to re-ingest");
    expect(json).toMatch(/(Sent|Oldest) <!date\^/);
    expect(text).toContain(DOMAIN);
  });

  it("gives Re-ingest only to re-ingestable classes, and unreadable only Inspect", () => {
    const { blocks = [] } = renderDigest(input({ summary: everyClassSummary(), scanId: SCAN_ID }));
    for (const cls of DLQ_CLASSES) {
      const buttons = buttonsIn(blocks, cls);
      const ids = buttons.map((b) => b.action_id);
      if (cls === "throttled") expect(ids).toEqual(["dlq_reingest", "dlq_inspect", "dlq_discard"]);
      else if (cls === "unreadable") expect(ids).toEqual(["dlq_inspect"]);
      else expect(ids).toEqual(["dlq_inspect", "dlq_discard"]);
      for (const b of buttons) {
        expect(readClassActionValue(b.value)).toEqual({
          ok: true,
          value: { domain: DOMAIN, place: PLACE, cls, scanId: SCAN_ID },
        });
      }
    }
    const [reingest] = buttonsIn(blocks, "throttled");
    expect(reingest?.style).toBe("primary");
    // The confirmation states the count (1 throttled here) and the pace.
    expect(JSON.stringify(reingest?.confirm)).toMatch(/Re-ingest 1 object\?/);
    expect(JSON.stringify(reingest?.confirm)).toContain("one object per profile per second");
    const discard = buttonsIn(blocks, "kms").find((b) => b.action_id === "dlq_discard");
    expect(discard?.style).toBe("danger");
    expect(JSON.stringify(discard?.confirm)).toContain("Discard 3 objects?");
  });

  it("states the configured global pace and 'at least' for a bounded scan", () => {
    const { blocks = [] } = renderDigest(
      input({ reingestRate: 20, complete: false, summary: everyClassSummary() }),
    );
    const confirm = JSON.stringify(buttonsIn(blocks, "throttled")[0]?.confirm);
    expect(confirm).toContain("at least 1");
    expect(confirm).toContain("20 objects per second overall");
  });

  it("offers mute choices whose values fit Slack's 75 characters, even for the longest domain", () => {
    const { blocks = [] } = renderDigest(input({ domain: LONG_DOMAIN }));
    const json = JSON.stringify(blocks);
    expect(json).toContain('"action_id":"dlq_mute"');
    expect(muteValue("24h", LONG_DOMAIN).length).toBeLessThanOrEqual(75);
    expect(readMuteValue(muteValue("8h", LONG_DOMAIN))).toEqual({
      ok: true,
      value: { choice: "8h", domain: LONG_DOMAIN },
    });
    expect(
      classActionValue({ domain: LONG_DOMAIN, cls: "multi-profile", scanId: SCAN_ID }).length,
    ).toBeLessThan(2000);
  });

  it("keeps fixture customer data out of the blocks when redacted", () => {
    const summary = fixtureSummary(2);
    const digest = JSON.stringify(renderDigest(input({ summary })));
    for (const pii of FIXTURE_PII) expect(digest).not.toContain(pii);
    // Samples are there, just masked: the test above would pass on a digest without samples.
    expect(digest).toContain("Sample:");

    for (const cls of Object.keys(summary.classes) as DlqClass[]) {
      const modal = renderInspectModal({
        domain: DOMAIN,
        place: PLACE,
        cls,
        entry: summary.classes[cls],
        complete: true,
        preview: "redacted",
        scannedAt: NOW,
      });
      expect(formatProblems(validateView(modal))).toEqual([]);
      const text = JSON.stringify(modal);
      for (const pii of FIXTURE_PII) expect(text).not.toContain(pii);
    }
  });

  it("shows no samples with previews off, and customer data only when full", () => {
    const summary = fixtureSummary(1);
    const off = JSON.stringify(renderDigest(input({ summary, preview: "off" })));
    expect(off).not.toContain("Sample:");
    for (const pii of FIXTURE_PII) expect(off).not.toContain(pii);
    const modes: PreviewMode[] = ["full"];
    for (const preview of modes) {
      const full = JSON.stringify(renderDigest(input({ summary, preview })));
      expect(full).toContain("Sample:");
    }
    const modalOff = JSON.stringify(
      renderInspectModal({
        domain: DOMAIN,
        place: PLACE,
        cls: "throttled",
        entry: summary.classes.throttled,
        complete: true,
        preview: "off",
      }),
    );
    for (const pii of FIXTURE_PII) expect(modalOff).not.toContain(pii);
    expect(modalOff).toContain("Previews are off");
  });
});

describe("renderInspectModal", () => {
  it("lists samples with a Re-ingest this message button for readable ones only", () => {
    const summary = everyClassSummary();
    const modal = renderInspectModal({
      domain: DOMAIN,
      place: PLACE,
      cls: "throttled",
      entry: summary.classes.throttled,
      complete: true,
      preview: "redacted",
    });
    const json = JSON.stringify(modal);
    expect(json).toContain('"action_id":"dlq_reingest_one"');
    expect(json).toContain(
      JSON.stringify(
        JSON.stringify({ d: DOMAIN, p: "111122223333.us-east-1", m: "throttled-0" }),
      ).slice(1, -1),
    );

    const unreadable = fixtureSummary(1).classes.unreadable;
    const modalUnreadable = renderInspectModal({
      domain: DOMAIN,
      place: PLACE,
      cls: "unreadable",
      entry: unreadable,
      complete: true,
      preview: "redacted",
    });
    expect(JSON.stringify(modalUnreadable)).not.toContain("dlq_reingest_one");
    expect(formatProblems(validateView(modalUnreadable))).toEqual([]);
    // What the bot remembers the modal offered is exactly what it shows a button for.
    expect(offeredMessageIds(summary.classes.throttled)).toEqual(["throttled-0"]);
    expect(offeredMessageIds(unreadable)).toEqual([]);
  });
});

describe("button values", () => {
  const problem = (read: { ok: boolean; problem?: string }) => (read.ok ? "ok" : read.problem);

  it("reads back what the digest writes, with and without a scan id", () => {
    const value = classActionValue({ domain: DOMAIN, cls: "throttled", scanId: SCAN_ID });
    expect(readClassActionValue(value)).toEqual({
      ok: true,
      value: { domain: DOMAIN, cls: "throttled", scanId: SCAN_ID },
    });
    expect(readClassActionValue(classActionValue({ domain: DOMAIN, cls: "kms" }))).toEqual({
      ok: true,
      value: { domain: DOMAIN, cls: "kms" },
    });
    expect(
      readMessageActionValue(
        messageActionValue({ domain: DOMAIN, place: PLACE, messageId: "5f1c0e2a-0001" }),
      ),
    ).toEqual({
      ok: true,
      value: { domain: DOMAIN, place: PLACE, messageId: "5f1c0e2a-0001" },
    });
    // A value names its place as `<account>.<region>`, read back as the place.
    const placed = classActionValue({ domain: DOMAIN, place: PLACE, cls: "kms" });
    expect(JSON.parse(placed)).toMatchObject({ p: "111122223333.us-east-1" });
    expect(readClassActionValue(placed)).toEqual({
      ok: true,
      value: { domain: DOMAIN, place: PLACE, cls: "kms" },
    });
  });

  it("says what is wrong with a malformed class value", () => {
    const cases: [string | undefined, string][] = [
      [undefined, "it is empty"],
      ["{not json", "it is not JSON"],
      ["null", "it is not an object of the bot's"],
      ["[1,2]", "it is not an object of the bot's"],
      ["42", "it is not an object of the bot's"],
      [JSON.stringify({ c: "throttled" }), "the domain is missing or not text"],
      [JSON.stringify({ d: 7, c: "throttled" }), "the domain is missing or not text"],
      [JSON.stringify({ d: "no spaces allowed", c: "kms" }), "the domain is not a domain name"],
      [JSON.stringify({ d: "x".repeat(65), c: "kms" }), "the domain is not a domain name"],
      [JSON.stringify({ d: DOMAIN, c: "everything" }), "the class is not a dead-letter class"],
      [JSON.stringify({ d: DOMAIN, c: ["kms"] }), "the class is not a dead-letter class"],
      [JSON.stringify({ d: DOMAIN, c: "kms", s: 5 }), "the scan id is missing or not text"],
      [JSON.stringify({ d: DOMAIN, c: "kms", s: "a b" }), "the scan id is not a scan id"],
      [
        JSON.stringify({ d: DOMAIN, p: "111122223333", c: "kms" }),
        "the account and region is not an account and region",
      ],
      [
        JSON.stringify({ d: DOMAIN, p: "1.us-east-1:x", c: "kms" }),
        "the account and region is not an account and region",
      ],
      [
        JSON.stringify({ d: DOMAIN, p: 7, c: "kms" }),
        "the account and region is missing or not text",
      ],
    ];
    for (const [raw, expected] of cases)
      expect([raw, problem(readClassActionValue(raw))]).toEqual([raw, expected]);
  });

  it("says what is wrong with a malformed message or mute value", () => {
    expect(problem(readMessageActionValue(JSON.stringify({ d: DOMAIN })))).toBe(
      "the message id is missing or not text",
    );
    expect(problem(readMessageActionValue(JSON.stringify({ d: DOMAIN, m: "<!here>" })))).toBe(
      "the message id is not a message id",
    );
    expect(problem(readMuteValue("forever|x"))).toBe("the choice is not a mute choice");
    expect(problem(readMuteValue("24h|not a domain"))).toBe("the domain is not a domain name");
    expect(problem(readMuteValue("24h"))).toBe("it is not `<choice>|<domain>`");
    expect(problem(readMuteValue(`24h|${DOMAIN}|extra`))).toBe("it is not `<choice>|<domain>`");
    expect(problem(readMuteValue(undefined))).toBe("it is not `<choice>|<domain>`");
  });
});

describe("text from AWS", () => {
  /** A throttled message whose error text and object try to ping and format. */
  function hostileSummary(): ScanSummary {
    const builder = createScanSummary({ samplesPerClass: 1 });
    const body = {
      DomainName: DOMAIN,
      ObjectTypeName: "CRM-`Contact`",
      ErrorMessage: "Too many objects ingested on the profile per second <!channel> *now*\u202E",
      Object: JSON.stringify({ AccountNumber: "ACC-1", Note: "```<@U0ADMIN>```" }),
    };
    const parsed = parseDlqMessage({
      ...fixture("throttled-pascal"),
      MessageId: "hostile-1",
      Body: JSON.stringify(body),
    });
    builder.add(parsed, classify(parsed));
    return builder.snapshot();
  }

  it("is escaped or in code spans in the digest and the Inspect modal", () => {
    const summary = hostileSummary();
    for (const preview of ["full", "redacted"] as PreviewMode[]) {
      const digest = JSON.stringify(renderDigest(input({ summary, preview })).blocks);
      const modal = JSON.stringify(
        renderInspectModal({
          domain: DOMAIN,
          place: PLACE,
          cls: "throttled",
          entry: summary.classes.throttled,
          complete: true,
          preview,
        }),
      );
      for (const json of [digest, modal]) {
        expect(json).not.toContain("<!channel>");
        expect(json).not.toContain("<@U0ADMIN>");
        // The bidi control is dropped (JSON.stringify would keep it as it is).
        expect(json).not.toContain("\u202E");
      }
      expect(digest).toContain("&lt;!channel&gt;");
      expect(modal).toContain("&lt;!channel&gt;");
    }
    // The object type's backticks can't close its code span early.
    const modal = JSON.stringify(
      renderInspectModal({
        domain: DOMAIN,
        place: PLACE,
        cls: "throttled",
        entry: summary.classes.throttled,
        complete: true,
        preview: "full",
      }),
    );
    expect(modal).toContain("type `CRM-ʼContactʼ`");
  });
});
