/**
 * Reports tell the truth: PutProfileObject answering is not the end. Under 20% throttling of
 * PutProfileObject (the emulator's `faults`), SDK retries land some objects of ONE profile
 * closer together than Customer Profiles allows, and ingestion sends them back to the DLQ as
 * new messages. The pass recognises them by their object, puts the throttled ones again more
 * slowly, and reports what is still back. The test holds the report against the DLQ itself:
 * either nothing of the class is left, or exactly what the report says came back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import { seeded } from "../../sandbox/seeded.js";
import { createPacer } from "../../src/dlq/pacing.js";
import { reingest } from "../../src/dlq/reingest.js";
import {
  createDomainWithDlq,
  type DlqHarness,
  putDeadLetter,
  queueOf,
  startDlqHarness,
  storedObjects,
  THROTTLED,
} from "./support/harness.js";

const DOMAIN = "amazon-connect-comeback";
const COUNT = 20;

let h: DlqHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The order ids of our objects in the DLQ now, visible or not, by error text. */
function inDlq(harness: DlqHarness, url: string) {
  return queueOf(harness, url).messages.map((m) => {
    const body = JSON.parse(m.body) as { errorMessage: string; object: string };
    return {
      id: m.messageId,
      order: JSON.parse(body.object).OrderId as string,
      error: body.errorMessage,
    };
  });
}

describe("re-ingest under 20% throttling, one profile", () => {
  for (const seed of [7]) {
    it(`ends with the class gone from the DLQ, or a report that matches it exactly (seed ${seed})`, async () => {
      h = await startDlqHarness({
        faults: { "profile:PutProfileObject": { throttle: 0.2 } },
        random: seeded(seed),
      });
      const url = await createDomainWithDlq(h, DOMAIN);
      const originals = Array.from({ length: COUNT }, (_, i) =>
        putDeadLetter(h as DlqHarness, url, {
          domain: DOMAIN,
          objectTypeName: "Order",
          errorMessage: THROTTLED,
          object: { OrderId: `o-${i}`, AccountNumber: "A-ONE" },
        }),
      );
      const pacer = createPacer({ limiter: h.limiter, globalRate: 50, profileIntervalMs: 1100 });
      const result = await reingest(
        { sqs: h.gateways.sqs, profiles: h.gateways.profiles, pacer, log: h.log },
        {
          domain: DOMAIN,
          queueUrl: url,
          selection: { class: "throttled", messageIds: new Set(originals.map((m) => m.messageId)) },
          maxMessages: COUNT,
          waitSeconds: 0,
          settleMs: 500,
        },
      );
      await ingestionIdle(h.emulator.ctx.state);

      const left = inDlq(h, url);
      const cameBack = result.cameBack.throttled ?? 0;
      // The numbers add up to the class, and the report is what the DLQ holds.
      expect(result.done + cameBack + result.failed + result.notFound).toBe(COUNT);
      expect(result.notFound).toBe(0);
      expect(left).toHaveLength(cameBack);
      expect(left.every((m) => m.error === THROTTLED)).toBe(true);
      // None of the originals is left: each was accepted, and any that came back is a new message.
      const originalIds = new Set(originals.map((m) => m.messageId));
      expect(left.filter((m) => originalIds.has(m.id))).toEqual([]);
      // What the report calls accepted is in the domain; what came back is not.
      const stored = new Set(
        storedObjects(h, DOMAIN).map((o) => JSON.parse(o.object).OrderId as string),
      );
      expect(stored.size).toBe(result.done);
      for (const m of left) expect(stored.has(m.order)).toBe(false);
      expect(result.stoppedBy).toBe("done");
      // (With seed 7 a run typically sees a few came-backs, put again and accepted; how many
      // depends on SDK retry jitter, so the test holds the report to the DLQ, not to a count.)
    }, 180_000);
  }
});
