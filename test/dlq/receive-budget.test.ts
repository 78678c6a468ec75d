/**
 * The receive budget's rules: when a scan or a re-ingest may receive again from a dead-letter
 * queue whose own RedrivePolicy moves a message on after maxReceiveCount receives, and what
 * the bot knows of the receive counts after each pass.
 */
import { describe, expect, it } from "vitest";
import {
  afterPass,
  parseRedrivePolicy,
  pauseOf,
  type ReceiveTally,
  readReceiveCounts,
  reingestMayReceive,
  scanMayReceive,
  tallyDeleted,
  tallyReceived,
} from "../../src/dlq/receive-budget.js";

const TARGET = "arn:aws:sqs:us-east-1:111122223333:further-dlq";
const limit = (maxReceiveCount: number) => ({ targetArn: TARGET, maxReceiveCount });

/** A tally of `n` messages received with `count`, `deleted` of them deleted afterwards. */
function tally(...entries: [count: number, n: number, deleted?: number][]): ReceiveTally {
  const t: ReceiveTally = {};
  for (const [count, n, deleted = 0] of entries) {
    for (let i = 0; i < n; i++) tallyReceived(t, count);
    for (let i = 0; i < deleted; i++) tallyDeleted(t, count);
  }
  return t;
}

describe("parseRedrivePolicy", () => {
  it("reads SQS's JSON, with maxReceiveCount as a number or a string", () => {
    expect(
      parseRedrivePolicy(JSON.stringify({ deadLetterTargetArn: TARGET, maxReceiveCount: 3 })),
    ).toEqual(limit(3));
    expect(parseRedrivePolicy(`{"deadLetterTargetArn":"${TARGET}","maxReceiveCount":"5"}`)).toEqual(
      limit(5),
    );
  });

  it("answers undefined for no policy and for what is not one", () => {
    expect(parseRedrivePolicy(undefined)).toBeUndefined();
    expect(parseRedrivePolicy("")).toBeUndefined();
    expect(parseRedrivePolicy("{not json")).toBeUndefined();
    expect(parseRedrivePolicy(JSON.stringify({ maxReceiveCount: 3 }))).toBeUndefined();
    expect(
      parseRedrivePolicy(JSON.stringify({ deadLetterTargetArn: TARGET, maxReceiveCount: 0 })),
    ).toBeUndefined();
  });
});

describe("scanMayReceive (keeps one receive for the re-ingest)", () => {
  it("always without a policy", () => {
    expect(scanMayReceive(undefined, { highest: 999 })).toBe(true);
  });

  it("with maxReceiveCount 3: scans at counts 0 and 1, not once messages were received twice", () => {
    expect(scanMayReceive(limit(3), undefined)).toBe(true);
    expect(scanMayReceive(limit(3), { highest: 1, atHighest: 4 })).toBe(true);
    expect(scanMayReceive(limit(3), { highest: 2, atHighest: 4 })).toBe(false);
  });

  it("within a scan, stops once a message shows a count above what its neighbours may have", () => {
    // Known highest 1: messages come back at 2, as expected; one at 3 means others may be at 2.
    expect(scanMayReceive(limit(3), { highest: 1 }, 2)).toBe(true);
    expect(scanMayReceive(limit(3), { highest: 1 }, 3)).toBe(false);
    // Nothing known (a first scan): the first counts seen decide.
    expect(scanMayReceive(limit(3), undefined, 2)).toBe(true);
    expect(scanMayReceive(limit(3), undefined, 3)).toBe(false);
  });
});

describe("reingestMayReceive (never the receive that moves a message)", () => {
  it("may take a message's last delivering receive, never the one after", () => {
    expect(reingestMayReceive(limit(3), { highest: 2 })).toBe(true);
    expect(reingestMayReceive(limit(3), { highest: 3 })).toBe(false);
    expect(reingestMayReceive(limit(3), { highest: 2 }, 3)).toBe(true);
    expect(reingestMayReceive(limit(3), { highest: 2 }, 4)).toBe(false);
    expect(reingestMayReceive(undefined, { highest: 50 })).toBe(true);
  });
});

describe("afterPass", () => {
  it("a complete scan knows the whole queue: its highest count and how many have it", () => {
    expect(afterPass({ highest: 1, atHighest: 5 }, tally([2, 5], [1, 3]), true)).toEqual({
      highest: 2,
      atHighest: 5,
    });
    expect(afterPass({ highest: 2, atHighest: 5 }, {}, true)).toEqual({
      highest: 0,
      atHighest: 0,
    });
  });

  it("a pass that left messages above the known highest raises it", () => {
    expect(afterPass({ highest: 2, atHighest: 5 }, tally([3, 5, 2]), false)).toEqual({
      highest: 3,
      atHighest: 3,
    });
  });

  it("deleting every message at the highest count lowers it by one, with an unknown count", () => {
    // Five at 2; the pass received them (count 3) and deleted all five.
    expect(afterPass({ highest: 2, atHighest: 5 }, tally([3, 5, 5]), false)).toEqual({
      highest: 1,
    });
    // Only three deleted of five, the other two not reached: still two at 2.
    expect(afterPass({ highest: 2, atHighest: 5 }, tally([3, 3, 3]), false)).toEqual({
      highest: 2,
      atHighest: 2,
    });
  });

  it("never lowers a highest whose count is unknown", () => {
    expect(afterPass({ highest: 2 }, tally([3, 5, 5]), false)).toEqual({ highest: 2 });
  });

  it("counts messages the pass raised to the highest with those already there", () => {
    expect(afterPass({ highest: 2, atHighest: 1 }, tally([2, 4]), false)).toEqual({
      highest: 2,
      atHighest: 5,
    });
  });
});

describe("pauseOf and readReceiveCounts", () => {
  it("says whether a re-ingest can still read the messages", () => {
    expect(pauseOf(limit(3), { highest: 2, atHighest: 7 })).toEqual({
      targetArn: TARGET,
      maxReceiveCount: 3,
      highest: 2,
      atHighest: 7,
      reingestPossible: true,
    });
    expect(pauseOf(limit(3), { highest: 3 }).reingestPossible).toBe(false);
  });

  it("reads back only what is a record of counts", () => {
    expect(readReceiveCounts({ highest: 2, atHighest: 3 })).toEqual({ highest: 2, atHighest: 3 });
    expect(readReceiveCounts({ highest: 2, atHighest: "x" })).toEqual({ highest: 2 });
    expect(readReceiveCounts({ atHighest: 3 })).toBeUndefined();
    expect(readReceiveCounts("2")).toBeUndefined();
  });
});
