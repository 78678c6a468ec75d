/**
 * The Workflow Builder custom steps end to end: the Slack stand-in sends `function_executed`
 * (signed like any event) with the step's inputs, and the bot ends each run with
 * functions.completeSuccess or completeError, which the stand-in records. One seeded dead-letter
 * queue (18 throttled objects and one missing-key message), scanned into a digest, serves:
 * its summary; refusals (a viewer asking to re-ingest, a scheduled workflow with no person,
 * bad inputs), each audited and starting nothing; a re-ingest whose job gives up, which fails
 * the run with the job's reason; and a re-ingest with its real counts, which its job reports.
 */

import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FunctionRun } from "../../sandbox/slack/timeline.js";
import type { Json } from "../../sandbox/slack/types.js";
import type { Stack } from "../../sandbox/stack.js";
import { type AuditEntry, RedisAuditLog } from "../../src/audit/audit.js";
import { refId } from "../../src/aws/targets.js";
import { createLogger } from "../../src/logger.js";
import { enqueueScanNow } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { REINGEST_STEP, SUMMARY_STEP } from "../../src/workflow/steps.js";
import { MISSING_KEY, queueOf, seedThrottledDlq } from "../dlq/support/harness.js";
import { at, PLACE_TEXT } from "../dlq/support/place.js";
import { boundDlqDomain } from "../support/bound-dlq.js";
import { startTestStack } from "../support/e2e.js";
import { eventually } from "../support/eventually.js";

const DOMAIN = "amazon-connect-e2e-workflow";
const CHANNEL = "C0OPS";
const OPERATOR = "U0OPERATOR";
const VIEWER = "U0VIEWER";

let stack: Stack;
let redis: Redis;
let queues: JobQueues;
let audit: RedisAuditLog;
let destroy: () => void;
let queueUrl: string;

/** The step's `interactivity` input as Slack fills it for the person who started the workflow. */
const by = (user: string) => ({
  interactivity: {
    interactivity_pointer: `13.${user}.pointer`,
    interactor: { id: user, secret: "s" },
  },
});

/** Runs a step through the stand-in and waits until the bot has ended it. */
async function run(callbackId: string, inputs: Record<string, Json>): Promise<FunctionRun> {
  const sent = await stack.slack.driver.runFunction(callbackId, inputs);
  expect(sent.status).toBe(200);
  return stack.slack.timeline.waitFor(
    (t) => {
      const r = t.functionRuns.get(sent.executionId);
      return r && r.state !== "running" ? r : undefined;
    },
    { timeoutMs: 30_000, description: `the end of the ${callbackId} run` },
  );
}

/** The audit entries of a step for one target (or none), newest first. */
async function audited(callbackId: string, userId: string): Promise<AuditEntry[]> {
  return (await audit.latest({ limit: 200 })).filter(
    (e) => e.action === `function:${callbackId}` && e.userId === userId,
  );
}

beforeAll(async () => {
  stack = await startTestStack({
    env: { REINGEST_RATE: "20", PROFILES_OPERATORS: OPERATOR, PROFILES_VIEWERS: VIEWER },
  });
  const bound = await boundDlqDomain(stack, {
    domain: DOMAIN,
    channelId: CHANNEL,
    boundBy: OPERATOR,
  });
  const { clients, gateways } = bound;
  destroy = () => clients.destroy();
  queueUrl = bound.queueUrl;
  redis = bound.redis;
  audit = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
  // Four orders per account at once, for six accounts: 18 throttled, and one missing key.
  const seeded = { gateways, emulator: stack.emulator };
  expect(await seedThrottledDlq(seeded, queueUrl, DOMAIN, { accounts: 6, perAccount: 4 })).toBe(19);
  queues = createQueues(redis, stack.config.redis.prefix);
  await enqueueScanNow(queues, at(DOMAIN));
  await stack.slack.timeline.waitFor(
    (t) => t.messages(CHANNEL).find((m) => m.text.startsWith(`Dead-letter queue of ${DOMAIN}`)),
    { timeoutMs: 20_000, description: "the digest" },
  );
}, 60_000);

afterAll(async () => {
  await queues?.close();
  destroy?.();
  await redis?.quit();
  await stack?.stop();
});

describe("Workflow Builder steps", () => {
  it("Get dead-letter summary answers the digest's total, classes and oldest age", async () => {
    const ended = await run(SUMMARY_STEP, { domain: DOMAIN, ...by(VIEWER) });
    expect(ended.error).toBeUndefined();
    expect(ended.state).toBe("completed");
    const outputs = ended.outputs as Record<string, Json>;
    expect(outputs.total).toBe(19);
    expect(outputs.classes).toBe("Throttled: 18, Missing key: 1");
    expect(outputs.oldest_age).toMatch(/minute/);
    expect(outputs.oldest_age_seconds).toEqual(expect.any(Number));
    // Completed with the step's own token, as Bolt does.
    expect(ended.endedWith).toBe(ended.token);
    const [entry] = await audited(SUMMARY_STEP, VIEWER);
    expect(entry).toMatchObject({
      outcome: "succeeded",
      target: refId(at(DOMAIN)),
      place: PLACE_TEXT,
      role: "viewer",
    });
  }, 30_000);

  it("refuses a viewer's re-ingest with the role it needs, audited, and starts nothing", async () => {
    const ended = await run(REINGEST_STEP, { domain: DOMAIN, class: "throttled", ...by(VIEWER) });
    expect(ended.state).toBe("failed");
    expect(ended.error).toMatch(/^Nothing was done: .*needs the operator role.*PROFILES_OPERATORS/);
    const [entry] = await audited(REINGEST_STEP, VIEWER);
    expect(entry).toMatchObject({ outcome: "refused", target: DOMAIN, role: "viewer" });
    expect(entry?.detail).toMatch(/needs the operator role/);
    expect(await queues.reingest.getJobCounts()).toMatchObject({ waiting: 0, active: 0 });
    expect(queueOf({ emulator: stack.emulator } as never, queueUrl).messages).toHaveLength(19);
  }, 30_000);

  it("refuses bad inputs with what to fix, and a run no person started", async () => {
    const cases: [Record<string, Json>, RegExp][] = [
      [
        { domain: "bad domain!", class: "throttled", ...by(OPERATOR) },
        /“Domain” input is not a domain name\. .*'bad domain!' contains a space\. Fix it in the workflow's step/,
      ],
      [{ class: "throttled", ...by(OPERATOR) }, /“Domain” input is missing\./],
      [
        { domain: DOMAIN, class: "everything", ...by(OPERATOR) },
        /“Class” input .*one of the digest's classes: throttled, missing-key/,
      ],
      [
        { domain: DOMAIN, class: "throttled", interactivity: { interactor: { id: "<@U0ADMIN>" } } },
        /“Who runs it” input names no person .*the workflow's interactivity/,
      ],
      [{ domain: DOMAIN, class: "throttled" }, /scheduled one, can't run this step/],
      [
        { domain: DOMAIN, class: "missing-key", ...by(OPERATOR) },
        /Missing key messages are not re-ingestable/,
      ],
    ];
    for (const [inputs, error] of cases) {
      const ended = await run(REINGEST_STEP, inputs);
      expect(ended.state).toBe("failed");
      expect(ended.error).toMatch(error);
    }
    // Every refusal is audited: the operator's four, and two that named nobody valid.
    const mine = await audited(REINGEST_STEP, OPERATOR);
    expect(mine.map((e) => e.outcome)).toEqual(["refused", "refused", "refused", "refused"]);
    expect(await audited(REINGEST_STEP, "(none)")).toHaveLength(2);
    expect(queueOf({ emulator: stack.emulator } as never, queueUrl).messages).toHaveLength(19);
  }, 60_000);

  it("fails the run with the job's own reason when its job gives up, and keeps every message", async () => {
    stack.emulator.faults.set({ "sqs:ReceiveMessage": { code: "AccessDenied" } });
    try {
      const ended = await run(REINGEST_STEP, {
        domain: DOMAIN,
        class: "throttled",
        ...by(OPERATOR),
      });
      expect(ended.state).toBe("failed");
      expect(ended.error).toMatch(
        /^The re-ingest of Throttled messages of amazon-connect-e2e-workflow did not finish: .*ReceiveMessage/,
      );
    } finally {
      stack.emulator.faults.clear();
    }
    expect(queueOf({ emulator: stack.emulator } as never, queueUrl).messages).toHaveLength(19);
  }, 60_000);

  it("Re-ingest a dead-letter class runs the digest's job and answers its counts", async () => {
    const ended = await run(REINGEST_STEP, { domain: DOMAIN, class: "throttled", ...by(OPERATOR) });
    expect(ended.error).toBeUndefined();
    expect(ended.outputs).toEqual({ accepted: 18, failed: 0, came_back: 0 });
    // The same job as the button: it replied in the digest's thread, started by the operator.
    const digest = stack.slack.timeline
      .messages(CHANNEL)
      .find((m) => m.text.startsWith(`Dead-letter queue of ${DOMAIN}`));
    const reply = stack.slack.timeline
      .thread(CHANNEL, digest?.ts ?? "")
      .find((m) => /Re-ingest of .* finished/.test(m.text));
    expect(reply?.text).toMatch(/started by <@U0OPERATOR>\): \*18\* accepted, \*0\* failed/);
    // AWS holds it: only the missing-key message is left.
    const left = queueOf({ emulator: stack.emulator } as never, queueUrl).messages;
    expect(left).toHaveLength(1);
    expect(left[0]?.body).toContain(MISSING_KEY);
    // The job ended the run, with the bot's own token: nothing waited for it in a listener.
    expect(ended.endedWith).not.toBe(ended.token);
    const [entry] = await audited(REINGEST_STEP, OPERATOR);
    expect(entry).toMatchObject({
      outcome: "accepted",
      target: refId(at(DOMAIN)),
      role: "operator",
      params: { class: "throttled" },
      jobId: expect.any(String),
    });
    // The job's own entry, written once it has completed, holds how it ended.
    const job = await eventually(
      async () =>
        (await audit.latest({ limit: 200 })).find(
          // The job id is the class's: the run the previous test failed has one too, and may
          // finish after this click. This run's job was queued after the click: its entry's
          // end time less its duration (queued to done) is not before the click's.
          (e) =>
            e.action === "job:reingest" &&
            e.jobId === entry?.jobId &&
            Date.parse(e.at) - (e.durationMs ?? 0) >= Date.parse(entry?.at ?? ""),
        ),
      (found) => found !== undefined,
      10_000,
    );
    expect(job).toMatchObject({ outcome: "succeeded", userId: OPERATOR, params: { done: 18 } });
  }, 60_000);
});
