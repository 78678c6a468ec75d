/**
 * The re-ingest step's answers: someone's re-ingest of the class is already running (nothing
 * new starts, the step fails saying whose), or the job starts with the run to end (the job
 * ends it), or the run's execution id is not Slack's (refused). Each is audited.
 * The happy paths and refusals run end to end in test/e2e/workflow-steps.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { AuditEntry, AuditLog } from "../../src/audit/audit.js";
import type { Gateways } from "../../src/aws/gateways.js";
import { refId } from "../../src/aws/targets.js";
import type { DigestState } from "../../src/dlq/digests.js";
import { MemoryDigestStore } from "../../src/dlq/digests.js";
import { createLogger } from "../../src/logger.js";
import {
  type ReingestPort,
  runReingestStep,
  runSummaryStep,
  type StepCtx,
} from "../../src/workflow/steps.js";
import { at, PLACE_TEXT, singlePlace } from "../dlq/support/place.js";
import { refIn, registryOf, TWO_BY_TWO } from "../dlq/support/places.js";

const DOMAIN = "amazon-connect-steps";
const OPERATOR = "U0OPERATOR";
const inputs = {
  domain: DOMAIN,
  class: "throttled",
  interactivity: { interactor: { id: OPERATOR, secret: "s" } },
};

const digest: DigestState = {
  ...at(DOMAIN),
  channel: "C0OPS",
  ts: "1.000001",
  scanId: "scan-1",
  lastSummary: { total: 3, samplesPerClass: 0, classes: { throttled: { count: 3, samples: [] } } },
};

function context(reingest: ReingestPort): { ctx: StepCtx; entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  const audit: AuditLog = {
    record: async (entry) => {
      entries.push(entry);
    },
    latest: async () => entries,
  };
  const ctx: StepCtx = {
    access: {
      grants: { admins: [], operators: [OPERATOR], viewers: [] },
      directory: { groupsOf: async () => [] },
    },
    audit,
    digests: { get: async () => digest },
    // Steps read digests only: no AWS call, so no gateways.
    targets: singlePlace({} as Gateways),
    reingest,
    log: createLogger("silent"),
  };
  return { ctx, entries };
}

const RUN = "Fx0APSTEP01";

describe("the re-ingest step", () => {
  it("starts nothing when the class's re-ingest is already running, and says whose it is", async () => {
    const { ctx, entries } = context({
      start: async () => ({ status: "already-running", jobId: "reingest-x", by: "U0ADMIN" }),
    });
    const result = await runReingestStep(ctx, inputs, RUN);
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(/already running \(started by U0ADMIN\)\. Run the step again/),
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ userId: OPERATOR, outcome: "refused", jobId: "reingest-x" });
  });

  it("starts the digest's job with the run to end, and leaves the run to that job", async () => {
    let started: Parameters<ReingestPort["start"]>[0] | undefined;
    const { ctx, entries } = context({
      start: async (request) => {
        started = request;
        return { status: "started", jobId: "reingest-y" };
      },
    });
    const result = await runReingestStep(ctx, inputs, RUN);
    expect(result).toEqual({ ok: "later", jobId: "reingest-y" });
    // The job acts on the digest's scan, replies under the digest as the button's does, and
    // ends this run.
    expect(started).toEqual({
      ...at(DOMAIN),
      cls: "throttled",
      scanId: "scan-1",
      requestedBy: OPERATOR,
      workflowStep: RUN,
      channel: "C0OPS",
      threadTs: "1.000001",
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      outcome: "accepted",
      jobId: "reingest-y",
      target: refId(at(DOMAIN)),
      place: PLACE_TEXT,
    });
  });

  it("refuses a run whose execution id is missing or not Slack's, starting nothing", async () => {
    for (const id of [undefined, "", "Fx", "Fx0A B", "x".repeat(50), 42, "Fx1\nFx2"]) {
      let starts = 0;
      const { ctx, entries } = context({
        start: async () => {
          starts += 1;
          return { status: "started", jobId: "j" };
        },
      });
      const result = await runReingestStep(ctx, inputs, id);
      expect(result).toEqual({
        ok: false,
        error: expect.stringMatching(/no function_execution_id Slack would accept/),
      });
      expect(starts).toBe(0);
      expect(entries[0]).toMatchObject({ outcome: "refused" });
    }
  });
});

describe("a domain name in several places", () => {
  const targets = registryOf(TWO_BY_TWO, () => {
    throw new Error("steps make no AWS call");
  });
  const [first, , third] = targets.places();
  const summary = (total: number) => ({
    total,
    samplesPerClass: 0,
    classes: { throttled: { count: total, samples: [] } },
  });
  async function twoDigests() {
    const digests = new MemoryDigestStore();
    for (const [place, total] of [
      [first, 2],
      [third, 7],
    ] as const) {
      if (!place) throw new Error("no place");
      const ref = refIn(place, DOMAIN);
      await digests.saveScan(ref, {
        lastSummary: summary(total),
        lastComplete: true,
        lastScanAt: Date.now(),
        scanId: `scan-${total}`,
      });
    }
    const { ctx, entries } = context({
      start: async () => ({ status: "started", jobId: "j" }),
    });
    return { ctx: { ...ctx, digests, targets }, entries };
  }
  const viewer = { interactivity: { interactor: { id: OPERATOR } } };

  it("refuses without a target, listing the places that have a digest of that name", async () => {
    const { ctx, entries } = await twoDigests();
    const result = await runSummaryStep(ctx, { domain: DOMAIN, ...viewer });
    expect(result.ok).toBe(false);
    const error = result.ok ? "" : result.error;
    expect(error).toContain(`The domain ${DOMAIN} exists in 2 places`);
    expect(error).toContain("default (111122223333) · us-east-1");
    expect(error).toContain("prod (444455556666) · us-east-1");
    expect(error).toContain("set the step's “Target” input to prod/us-east-1");
    expect(entries[0]).toMatchObject({ outcome: "refused", target: DOMAIN });
  });

  it("answers the named place's digest, and audits its refId and place", async () => {
    const { ctx, entries } = await twoDigests();
    const result = await runSummaryStep(ctx, {
      domain: DOMAIN,
      target: "prod/us-east-1",
      ...viewer,
    });
    expect(result).toMatchObject({ ok: true, outputs: { total: 7 } });
    expect(entries[0]).toMatchObject({
      outcome: "succeeded",
      target: `444455556666.us-east-1.${DOMAIN}`,
      place: "prod (444455556666) · us-east-1",
    });
  });

  it("refuses a target the bot does not serve, naming the ones it does", async () => {
    const { ctx } = await twoDigests();
    for (const target of ["staging", "prod/ap-south-1", "not a target!"]) {
      const result = await runSummaryStep(ctx, { domain: DOMAIN, target, ...viewer });
      expect(result.ok).toBe(false);
      expect(result.ok ? "" : result.error).toMatch(/“Target” input names no place the bot serves/);
    }
  });
});
