/**
 * The digest's notes on losing data: the oldest message's age, the warning for messages SQS
 * drops within a day (counted by the scan's summary from SentTimestamp and the queue's
 * retention), and why scans are paused under the queue's own RedrivePolicy.
 */
import { describe, expect, it } from "vitest";
import { formatProblems, validateBlocks } from "../../sandbox/slack/blocks.js";
import { classify } from "../../src/dlq/classify.js";
import { expiryWarning } from "../../src/dlq/expiry.js";
import { parseDlqMessage } from "../../src/dlq/parse.js";
import { createScanSummary, readScanSummary } from "../../src/dlq/summary.js";
import { ageText, type DigestInput, renderDigest } from "../../src/slack/render/digest.js";
import { fixture } from "../dlq/fixtures.js";
import { PLACE, PLACE_TEXT } from "../dlq/support/place.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FOUR_DAYS = 345_600;

/** Throttled messages sent at these times, scanned at NOW under this retention. */
function summaryOf(sentAts: number[], retentionSeconds?: number) {
  const builder = createScanSummary({
    samplesPerClass: 1,
    ...(retentionSeconds !== undefined && {
      retention: { seconds: retentionSeconds, scannedAt: NOW },
    }),
  });
  sentAts.forEach((sentAt, i) => {
    const base = fixture("throttled-pascal");
    const parsed = parseDlqMessage({
      ...base,
      MessageId: `m-${i}`,
      Attributes: { ...base.Attributes, SentTimestamp: String(sentAt) },
    });
    builder.add(parsed, classify(parsed));
  });
  return builder.snapshot();
}

const digestText = (over: Partial<DigestInput>) => {
  const message = renderDigest({
    domain: "amazon-connect-examplecorp",
    place: PLACE,
    where: PLACE_TEXT,
    summary: summaryOf([NOW - HOUR]),
    complete: true,
    scannedAt: NOW,
    preview: "redacted",
    now: NOW,
    ...over,
  });
  expect(formatProblems(validateBlocks(message.blocks, "message"))).toEqual([]);
  return JSON.stringify(message.blocks);
};

describe("the oldest message's age", () => {
  it("reads in the largest whole unit", () => {
    expect(ageText(30_000)).toBe("less than a minute");
    expect(ageText(12 * 60_000)).toBe("12 minutes");
    expect(ageText(5 * HOUR + 59 * 60_000)).toBe("5 hours");
    expect(ageText(47 * HOUR)).toBe("47 hours");
    expect(ageText(3 * DAY + 2 * HOUR)).toBe("3 days");
  });

  it("is shown from the oldest SentTimestamp of any class", () => {
    const summary = summaryOf([NOW - 2 * HOUR, NOW - 3 * DAY, NOW - HOUR]);
    expect(summary.oldestSentAt).toBe(NOW - 3 * DAY);
    expect(digestText({ summary })).toContain("The oldest has waited 3 days");
  });
});

describe("the expiry warning", () => {
  it("counts only the messages SQS drops within a day, and survives the Redis round trip", () => {
    // Retention 4 days: sent 3 days and 1 hour ago goes in 23 hours; 2 days ago goes in 2 days.
    const summary = summaryOf(
      [NOW - 3 * DAY - HOUR, NOW - 3 * DAY - 2 * HOUR, NOW - 2 * DAY],
      FOUR_DAYS,
    );
    expect(summary.expiringSoon).toBe(2);
    const back = readScanSummary(JSON.parse(JSON.stringify(summary)));
    expect(back && expiryWarning(back)).toEqual({
      count: 2,
      firstAt: NOW - 3 * DAY - 2 * HOUR + FOUR_DAYS * 1000,
      retentionSeconds: FOUR_DAYS,
    });
  });

  it("says how many, when the first goes, and what to do before then", () => {
    const summary = summaryOf([NOW - 3 * DAY - 2 * HOUR, NOW - 3 * DAY - HOUR], FOUR_DAYS);
    const text = digestText({ summary });
    const firstGoes = Math.floor((NOW + 22 * HOUR) / 1000);
    expect(text).toContain("2 messages expire within a day.");
    expect(text).toContain("keeps messages 4 days");
    expect(text).toContain(`the first goes <!date^${firstGoes}^`);
    expect(text).toMatch(/re-ingest them, or fix the cause and re-ingest, before <!date\^/);
    expect(text).toContain(
      "`MessageRetentionPeriod` to 14 days (`1209600` seconds) with SetQueueAttributes",
    );
  });

  it("does not suggest raising a retention that is already 14 days", () => {
    const summary = summaryOf([NOW - 13 * DAY - 12 * HOUR], 1_209_600);
    const text = digestText({ summary });
    expect(text).toContain("1 message expires within a day.");
    expect(text).not.toContain("SetQueueAttributes");
  });

  it("is absent when nothing expires within a day, or the retention was not read", () => {
    expect(digestText({ summary: summaryOf([NOW - DAY], FOUR_DAYS) })).not.toContain(
      "within a day",
    );
    expect(digestText({ summary: summaryOf([NOW - 4 * DAY + HOUR]) })).not.toContain(
      "within a day",
    );
  });
});

describe("scans paused by the queue's RedrivePolicy", () => {
  const paused = {
    targetArn: "arn:aws:sqs:us-east-1:111122223333:further-dlq",
    maxReceiveCount: 3,
    highest: 2,
    atHighest: 7,
    reingestPossible: true,
  };

  it("names the target, the limit and the counts, and the two ways out", () => {
    const text = digestText({ paused });
    expect(text).toContain(
      "*Scans paused:* the queue's RedrivePolicy moves a message to `further-dlq` after 3 receives; 7 messages have been received 2 times",
    );
    expect(text).toContain(
      "Re-ingest them, or remove the RedrivePolicy from the dead-letter queue.",
    );
  });

  it("says when not even a re-ingest can read them any more", () => {
    const text = digestText({
      paused: { ...paused, highest: 3, atHighest: 1, reingestPossible: false },
    });
    expect(text).toContain("1 message has been received 3 times");
    expect(text).toContain("Re-ingest cannot read them either: remove the RedrivePolicy");
    expect(text).not.toContain("Re-ingest them,");
  });

  it("is absent while scans run", () => {
    expect(digestText({})).not.toContain("Scans paused");
  });
});
