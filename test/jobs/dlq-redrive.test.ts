/**
 * A dead-letter queue as a place that loses data, through the jobs: real Redis, the emulator's
 * SQS through the real SDK (which moves a message on after its RedrivePolicy's maxReceiveCount
 * and drops it after its retention), the in-memory digest publisher and re-ingest reporter.
 *
 * - Scanned again and again, a DLQ whose own RedrivePolicy has maxReceiveCount 3 never loses
 *   a message to the policy's target queue; the digest says why scans stopped; re-ingest
 *   takes what it was asked for without making the receive that moves a message away.
 * - Messages close to the queue's retention show the expiry warning.
 */
import { SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startReingestWorker } from "../../jobs/reingest.js";
import type { DigestView, PublishedEvent } from "../../src/dlq/publisher.js";
import { MemoryReingestReporter, type ReingestEvent } from "../../src/dlq/reporter.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { enqueueReingest } from "../../src/queues/reingest.js";
import { renderDigest } from "../../src/slack/render/digest.js";
import { renderReingestDone } from "../../src/slack/render/reingest.js";
import { MISSING_KEY, putDeadLetter, queueOf, THROTTLED } from "../dlq/support/harness.js";
import { at, singlePlace } from "../dlq/support/place.js";
import { type BoundDomain, startBoundDomain } from "./support.js";

const DOMAIN = "amazon-connect-redrive";
const CHANNEL = "C0REDRIVE";
const DAY = 24 * 3_600_000;

let bound: BoundDomain;
let queues: JobQueues;
let worker: Worker | undefined;
let reporter: MemoryReingestReporter;

beforeEach(async () => {
  bound = await startBoundDomain(DOMAIN, CHANNEL);
  queues = createQueues(bound.h.redis, bound.h.prefix);
  reporter = new MemoryReingestReporter();
});
afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await queues?.close();
  await bound?.h.close();
});

/** A further queue, and the DLQ's own RedrivePolicy pointing at it. */
async function redriveTo(maxReceiveCount: number): Promise<{ url: string; arn: string }> {
  const { sqs } = bound.h.gateways;
  const url = await sqs.createQueue(`${DOMAIN}-further`, { tags: {} });
  const arn = (await sqs.queueInfo(url))?.arn ?? "";
  await bound.h.clients.sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: bound.url,
      Attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount }),
      },
    }),
  );
  return { url, arn };
}

const lastDigest = (): DigestView => {
  const published = bound.publisher.events.filter(
    (e): e is Extract<PublishedEvent, { type: "publish" }> => e.type === "publish",
  );
  const last = published.at(-1);
  if (!last) throw new Error("nothing was published");
  return last.digest;
};

const digestText = (view: DigestView) =>
  JSON.stringify(renderDigest({ ...view, preview: "redacted", now: view.scannedAt }).blocks);

function startWorker() {
  worker = startReingestWorker({
    connection: bound.h.redis,
    prefix: bound.h.prefix,
    targets: singlePlace(bound.h.gateways),
    bindings: bound.bindings,
    digests: bound.digests,
    reporter: reporter.factory,
    limiter: bound.h.limiter,
    config: { reingest: { rate: 50, profileIntervalMs: 1_000 } },
    log: bound.h.log,
    passOptions: { leaseSeconds: 5, waitSeconds: 0, settleMs: 300 },
  });
}

async function reingestClass(cls: "throttled" | "missing-key") {
  const scanId = (await bound.digests.get(at(DOMAIN)))?.scanId;
  const outcome = await enqueueReingest(queues, {
    ...at(DOMAIN),
    cls,
    ...(scanId && { scanId }),
    requestedBy: "U0OPS",
  });
  for (let i = 0; i < 200; i++) {
    const end = reporter.events.find(
      (e): e is Extract<ReingestEvent, { type: "reingested" }> =>
        e.jobId === outcome.jobId && e.type === "reingested",
    );
    if (end) return end.result;
    const failed = reporter.events.find((e) => e.jobId === outcome.jobId && e.type === "failed");
    if (failed) throw new Error(`re-ingest failed: ${JSON.stringify(failed)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the re-ingest job never finished");
}

describe("a DLQ with a RedrivePolicy of its own (maxReceiveCount 3)", () => {
  it("is scanned until one receive per message is left, never moves a message, and the digest says why", async () => {
    const further = await redriveTo(3);
    bound.fail(THROTTLED, 3);
    bound.fail(MISSING_KEY, 2);

    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await bound.scanOutcome()).status);

    // Two scans (counts 1, then 2), then paused: the third receive is the re-ingest's.
    expect(statuses).toEqual(["posted", "edited", "paused", "paused", "paused", "paused"]);
    expect(queueOf(bound.h, further.url).messages).toHaveLength(0);
    const dlq = queueOf(bound.h, bound.url).messages;
    expect(dlq.map((m) => m.receiveCount)).toEqual([2, 2, 2, 2, 2]);

    const view = lastDigest();
    expect(view.paused).toEqual({
      targetArn: further.arn,
      maxReceiveCount: 3,
      highest: 2,
      atHighest: 5,
      reingestPossible: true,
    });
    expect(view.summary.total).toBe(5);
    const text = digestText(view);
    expect(text).toContain(
      `*Scans paused:* the queue's RedrivePolicy moves a message to \`${DOMAIN}-further\` after 3 receives; 5 messages have been received 2 times`,
    );
    expect(text).toContain(
      "Re-ingest them, or remove the RedrivePolicy from the dead-letter queue.",
    );
  });

  it("re-ingest takes the class it was asked for, then refuses the receive that would move the rest", async () => {
    const further = await redriveTo(3);
    bound.fail(THROTTLED, 3);
    bound.fail(MISSING_KEY, 2);
    for (let i = 0; i < 3; i++) await bound.scanOutcome();
    startWorker();

    const first = await reingestClass("throttled");
    expect(first).toMatchObject({ done: 3, failed: 0 });
    expect(queueOf(bound.h, further.url).messages).toHaveLength(0);
    const left = queueOf(bound.h, bound.url).messages;
    expect(left).toHaveLength(2);
    // The pass received the missing-key messages too (one batch), once: their last delivering
    // receive. It held them rather than give them back, which would have cost another.
    expect(left.map((m) => m.receiveCount)).toEqual([3, 3]);

    // Scans stay paused, and not even re-ingest can read them now: it says so and stops.
    expect((await bound.scanOutcome()).status).toBe("paused");
    expect(lastDigest().paused).toMatchObject({
      highest: 3,
      atHighest: 2,
      reingestPossible: false,
    });
    const second = await reingestClass("missing-key");
    expect(second).toMatchObject({ stoppedBy: "receive-limit", done: 0 });
    const report = renderReingestDone(
      { domain: DOMAIN, cls: "missing-key", requestedBy: "U0OPS" },
      second,
    );
    expect(report.text).toMatch(/^:warning: .* is not finished/);
    expect(JSON.stringify(report.blocks)).toContain(
      `Stopped before receiving again: the dead-letter queue's RedrivePolicy moves a message to \`${DOMAIN}-further\` after 3 receives`,
    );
    expect(queueOf(bound.h, further.url).messages).toHaveLength(0);
    expect(queueOf(bound.h, bound.url).messages).toHaveLength(2);
  });

  it("stops a first scan at the counts another reader left, and says re-ingest cannot read them", async () => {
    const further = await redriveTo(3);
    bound.fail(THROTTLED, 4);
    // Received twice by someone else before the bot ever scanned.
    for (const m of queueOf(bound.h, bound.url).messages) m.receiveCount = 2;

    expect((await bound.scanOutcome()).status).toBe("posted");
    expect(lastDigest().paused).toMatchObject({ highest: 3, reingestPossible: false });
    expect(digestText(lastDigest())).toContain("Re-ingest cannot read them either");
    expect((await bound.scanOutcome()).status).toBe("paused");
    expect(queueOf(bound.h, further.url).messages).toHaveLength(0);
    expect(queueOf(bound.h, bound.url).messages).toHaveLength(4);
  });

  it("scans as usual again once the RedrivePolicy is removed", async () => {
    await redriveTo(3);
    bound.fail(THROTTLED, 2);
    for (let i = 0; i < 3; i++) await bound.scanOutcome();
    await bound.h.clients.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: bound.url, Attributes: { RedrivePolicy: "" } }),
    );
    expect((await bound.scanOutcome()).status).toBe("edited");
    expect(lastDigest().paused).toBeUndefined();
  });
});

describe("messages close to the queue's retention", () => {
  it("show the expiry warning: how many, and when the first goes", async () => {
    const now = Date.now();
    const sent = (at: number) => {
      const m = putDeadLetter(bound.h, bound.url, {
        domain: DOMAIN,
        objectTypeName: "CRM-Contact",
        errorMessage: THROTTLED,
        object: { AccountNumber: `ACC-${at}`, FirstName: "Ann" },
      });
      // The emulator's test hook: as if Customer Profiles had written it then.
      m.sentTimestamp = at;
    };
    // The queue keeps messages 4 days (SQS's default).
    sent(now - 3 * DAY - 2 * 3_600_000); // goes in about 22 hours
    sent(now - 3 * DAY - 3_600_000); // about 23 hours
    sent(now - DAY); // 3 days
    sent(now - 4 * DAY - 60_000); // past retention: SQS has dropped it

    expect((await bound.scanOutcome()).status).toBe("posted");
    const view = lastDigest();
    expect(view.summary).toMatchObject({ total: 3, retentionSeconds: 345_600, expiringSoon: 2 });
    const text = digestText(view);
    expect(text).toContain("2 messages expire within a day.");
    const firstGoes = Math.floor((now - 3 * DAY - 2 * 3_600_000 + 345_600_000) / 1000);
    expect(text).toContain(`the first goes <!date^${firstGoes}^`);
    expect(text).toContain("The oldest has waited 3 days");
  });
});
