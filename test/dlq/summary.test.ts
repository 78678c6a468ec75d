import { describe, expect, it } from "vitest";
import { classify, type DlqClass } from "../../src/dlq/classify.js";
import { parseDlqMessage, type ReadableDlqMessage } from "../../src/dlq/parse.js";
import {
  createScanSummary,
  diffSummaries,
  readScanSummary,
  renderSample,
  type ScanSummary,
} from "../../src/dlq/summary.js";
import { FIXTURE_NAMES, FIXTURE_PII, fixture } from "./fixtures.js";

function readableMessage(id: number, sentAt: number): ReadableDlqMessage {
  const object = { AccountNumber: `ACC-${id}`, FirstName: "Maria" };
  return {
    kind: "readable",
    messageId: `m-${id}`,
    receiptHandle: `rh-${id}`,
    errorText: "Too many objects ingested on the profile per second",
    object,
    objectJson: JSON.stringify(object),
    sentAt,
  };
}

const scanOf = (entries: Array<[DlqClass, number]>): ScanSummary => {
  const builder = createScanSummary({ samplesPerClass: 1 });
  let id = 0;
  for (const [cls, count] of entries) {
    for (let i = 0; i < count; i += 1) {
      id += 1;
      builder.add(readableMessage(id, 1000), cls);
    }
  }
  return builder.snapshot();
};

describe("createScanSummary", () => {
  it("counts each fixture under its class, with oldest and newest", () => {
    const builder = createScanSummary({ samplesPerClass: 3 });
    for (const name of [...FIXTURE_NAMES, "throttled-pascal", "too-large"] as const) {
      const parsed = parseDlqMessage(fixture(name));
      builder.add(parsed, classify(parsed));
    }
    const summary = builder.snapshot();
    expect(summary.total).toBe(9);
    expect(summary.classes.throttled?.count).toBe(2);
    expect(summary.classes.unreadable).toMatchObject({
      count: 1,
      oldestSentAt: 1764300006000,
      newestSentAt: 1764300006000,
    });
    // The same message delivered twice is counted twice but sampled once.
    expect(summary.classes.throttled?.samples).toHaveLength(1);
    expect(summary.classes.unreadable?.samples[0]).toMatchObject({
      reason: "body is not valid JSON",
      rawLength: fixture("not-json").Body?.length,
    });
  });

  it("keeps the oldest and newest sentAt whatever the order", () => {
    const builder = createScanSummary({ samplesPerClass: 2 });
    for (const sentAt of [5000, 1000, 9000, 3000])
      builder.add(readableMessage(sentAt, sentAt), "throttled");
    builder.add({ ...readableMessage(1, 0), sentAt: undefined }, "throttled");
    expect(builder.snapshot().classes.throttled).toMatchObject({
      count: 5,
      oldestSentAt: 1000,
      newestSentAt: 9000,
    });
  });

  it("keeps at most samplesPerClass samples per class after 100,000 messages", () => {
    const builder = createScanSummary({ samplesPerClass: 3 });
    const classes: DlqClass[] = ["throttled", "kms", "schema"];
    for (let i = 0; i < 100_000; i += 1) {
      builder.add(
        readableMessage(i, 1_700_000_000_000 + i),
        classes[i % classes.length] ?? "other",
      );
    }
    const summary = builder.snapshot();
    expect(summary.total).toBe(100_000);
    for (const cls of classes) {
      expect(summary.classes[cls]?.samples).toHaveLength(3);
      expect(summary.classes[cls]?.count).toBeGreaterThan(33_000);
    }
    expect(JSON.stringify(summary).length).toBeLessThan(5_000);
  });

  it("prunes a huge object in a sample and cuts a huge raw body", () => {
    const big = readableMessage(1, 1);
    const object = {
      Notes: "x".repeat(200_000),
      Items: Array.from({ length: 10_000 }, (_, i) => i),
    };
    const builder = createScanSummary({ samplesPerClass: 1 });
    builder.add({ ...big, object }, "too-large");
    builder.add(
      {
        kind: "unreadable",
        messageId: "u",
        receiptHandle: "",
        raw: "y".repeat(500_000),
        reason: "r",
      },
      "unreadable",
    );
    expect(JSON.stringify(builder.snapshot()).length).toBeLessThan(3_000);
  });

  it("is JSON-serialisable and its snapshot is a copy", () => {
    const builder = createScanSummary({ samplesPerClass: 2 });
    const parsed = parseDlqMessage(fixture("kms-nested"));
    builder.add(parsed, classify(parsed));
    const first = builder.snapshot();
    expect(JSON.parse(JSON.stringify(builder))).toEqual(first);
    builder.add(parsed, "kms");
    expect(first.total).toBe(1);
    expect(readScanSummary(JSON.parse(JSON.stringify(first)))).toEqual(first);
  });

  it("treats a negative or fractional sample count as a bound, not an error", () => {
    const builder = createScanSummary({ samplesPerClass: -1 });
    builder.add(readableMessage(1, 1), "other");
    expect(builder.snapshot().classes.other?.samples).toEqual([]);
  });
});

describe("readScanSummary", () => {
  it("refuses records that are not summaries, and drops unknown classes", () => {
    expect(readScanSummary(null)).toBeUndefined();
    expect(readScanSummary({ total: "3", classes: {} })).toBeUndefined();
    const read = readScanSummary({ total: 2, classes: { kms: { count: 2 }, bogus: { count: 1 } } });
    expect(read).toEqual({
      total: 2,
      samplesPerClass: 0,
      classes: { kms: { count: 2, samples: [] } },
    });
  });
});

describe("diffSummaries", () => {
  it("reports per-class change, new classes and cleared classes", () => {
    const previous = scanOf([
      ["throttled", 5],
      ["kms", 2],
    ]);
    const current = scanOf([
      ["throttled", 3],
      ["schema", 1],
    ]);
    const diff = diffSummaries(previous, current);
    expect(diff.total).toEqual({ previous: 7, current: 4, delta: -3 });
    expect(diff.classes).toEqual([
      { cls: "throttled", previous: 5, current: 3, delta: -2 },
      { cls: "kms", previous: 2, current: 0, delta: -2 },
      { cls: "schema", previous: 0, current: 1, delta: 1 },
    ]);
    expect(diff.newClasses).toEqual(["schema"]);
    expect(diff.clearedClasses).toEqual(["kms"]);
  });

  it("calls every class new on the first scan", () => {
    const diff = diffSummaries(undefined, scanOf([["missing-key", 1]]));
    expect(diff.newClasses).toEqual(["missing-key"]);
    expect(diff.total.delta).toBe(1);
  });
});

describe("renderSample", () => {
  const samples = () => {
    const builder = createScanSummary({ samplesPerClass: 5 });
    for (const name of FIXTURE_NAMES) {
      const parsed = parseDlqMessage(fixture(name));
      builder.add(parsed, classify(parsed));
    }
    return Object.values(builder.snapshot().classes).flatMap((entry) => entry.samples);
  };

  it("shows no PII in redacted mode, even from unreadable raw bodies", () => {
    const rendered = samples().map((sample) => renderSample(sample, "redacted"));
    const json = JSON.stringify(rendered).toLowerCase();
    for (const pii of FIXTURE_PII) expect(json).not.toContain(pii.toLowerCase());
    expect(json).toContain(`«raw body, ${fixture("not-json").Body?.length} chars»`);
  });

  it("shows nothing when previews are off and everything when full", () => {
    const [sample] = samples();
    if (!sample) throw new Error("no sample");
    expect(renderSample(sample, "off")).toBeUndefined();
    expect(JSON.stringify(samples().map((s) => renderSample(s, "full")))).toContain("Maria");
  });
});
