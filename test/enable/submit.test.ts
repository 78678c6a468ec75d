/**
 * decideEnable: what pressing Enable on the review comes to, for each state a draft can be
 * in when it is pressed. Each case checks what the listener then does with the answer: the
 * patch makes the review look AWS up again, or the job data is the one to queue.
 */
import { describe, expect, it } from "vitest";
import type { Draft } from "../../src/enable/drafts.js";
import { decideEnable } from "../../src/enable/submit.js";
import { enableInputOf, FACTS_FRESH_MS, reviewState } from "../../src/enable/wizard.js";
import {
  ACCOUNT,
  ARN,
  base,
  facts,
  withFacts as gathered,
  ID,
  KEY_ARN,
  KEY_ID,
  REGION,
  withLegacyKey,
} from "./fixtures.js";

const NOW = new Date("2030-06-01T12:00:00.000Z");
const draft = (over: Partial<Draft> = {}) => base(over, NOW.toISOString());
/** The draft with facts gathered `ageMs` before NOW. */
const withFacts = (d: Draft, f = facts(), ageMs = 0) =>
  gathered(d, f, new Date(NOW.getTime() - ageMs).toISOString());

const LINKED = facts({ instanceLinkedTo: "amazon-connect-legacy" });

/**
 * After the listener saves a check-again patch, the review's look-up runs again (a draft
 * missing a choice instead shows the review's error, and Back).
 */
function expectCheckAgain(d: Draft) {
  const decision = decideEnable({ input: d, now: NOW });
  if (decision.kind !== "check-again")
    throw new Error(`expected check-again, got ${decision.kind}`);
  expect(decision.patch).toEqual({ facts: { for: "", at: NOW.toISOString() } });
  const after = reviewState({ ...d, ...decision.patch }, NOW.getTime());
  expect(after.kind).toBe(enableInputOf(d).ok ? "loading" : "failed");
}

describe("decideEnable", () => {
  it("looks AWS up again when no facts were gathered for the draft's choices", () => {
    expectCheckAgain(draft());
    const gathered = withFacts(draft());
    expectCheckAgain({ ...gathered, domain: { mode: "new", name: "amazon-connect-renamed" } });
  });

  it("looks AWS up again when the facts are older than they are trusted", () => {
    expectCheckAgain(withFacts(draft(), facts(), FACTS_FRESH_MS + 1));
    expect(
      decideEnable({ input: withFacts(draft(), facts(), FACTS_FRESH_MS - 1_000), now: NOW }),
    ).toMatchObject({ kind: "ready" });
  });

  it("looks AWS up again when the look-up failed or the draft lacks a choice", () => {
    const d = withFacts(draft());
    const failed = { for: d.facts?.for ?? "", at: NOW.toISOString(), error: "throttled" };
    expectCheckAgain({ ...d, facts: failed });
    expectCheckAgain(draft({ instanceId: undefined }));
  });

  it("looks AWS up again when the plan is blocked by anything but the relink", () => {
    expectCheckAgain(
      withFacts(draft(), facts({ existingDomains: ["amazon-connect-examplecorp"] })),
    );
    // The relink and a second blocker: ticking the box alone would not unblock it.
    expectCheckAgain(
      withFacts(draft(), { ...LINKED, existingDomains: ["amazon-connect-examplecorp"] }),
    );
  });

  it("asks for the relink tick when the link to another domain is the only blocker", () => {
    expect(decideEnable({ input: withFacts(draft(), LINKED), now: NOW })).toEqual({
      kind: "confirm",
      missing: ["relink"],
    });
  });

  it("is ready with the relink ticked, and the job carries the confirmation", () => {
    const decision = decideEnable({
      input: withFacts(draft({ confirmRelink: true }), LINKED),
      now: NOW,
    });
    expect(decision).toMatchObject({ kind: "ready", data: { request: { confirmRelink: true } } });
  });

  it("is ready with the job data for what the draft describes, asked by its owner", () => {
    const decision = decideEnable({ input: withFacts(draft()), now: NOW });
    if (decision.kind !== "ready") throw new Error(`expected ready, got ${decision.kind}`);
    expect(decision.data).toMatchObject({
      version: 1,
      requestedBy: "U1",
      channelId: "C1",
      teamId: "T1",
      accountId: ACCOUNT,
      region: REGION,
      requestedAt: NOW.toISOString(),
      checkpoint: {},
      request: {
        instance: { id: ID, arn: ARN, alias: "examplecorp" },
        domain: { mode: "new", name: "amazon-connect-examplecorp", expirationDays: 366 },
        dlq: { mode: "new", name: "amazon-connect-examplecorp-dlq" },
        key: { mode: "new", alias: "alias/amazon-connect-examplecorp" },
      },
    });
    // Each press is its own submission: the queue tells a duplicate by this id.
    const again = decideEnable({ input: withFacts(draft()), now: NOW });
    if (again.kind !== "ready") throw new Error(`expected ready, got ${again.kind}`);
    expect(again.data.submissionId).not.toBe(decision.data.submissionId);
  });
});

describe("enableInputOf", () => {
  it("carries the picked existing key's alias, for the report", () => {
    const draft: Draft = {
      ...withLegacyKey(),
      keys: {
        at: new Date().toISOString(),
        value: [
          { keyId: KEY_ID, arn: KEY_ARN, description: "", aliases: ["alias/ops", "alias/z"] },
        ],
      },
    };
    const input = enableInputOf(draft);
    expect(input.ok && input.value.key).toMatchObject({ mode: "existing", alias: "alias/ops" });
  });
});
