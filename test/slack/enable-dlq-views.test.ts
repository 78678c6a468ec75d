/**
 * The enable wizard's dead-letter queue and new-domain choices, as views of a draft: the
 * retention of a new queue (and its validation), an existing queue's retention and its own
 * RedrivePolicy (a box naming the target, without which neither the step nor the review
 * goes on), the no-DLQ warning, and the Data store box.
 */
import { describe, expect, it } from "vitest";
import { renderText, validateView } from "../../sandbox/slack/blocks.js";
import type { Block } from "../../sandbox/slack/types.js";
import type { Draft } from "../../src/enable/drafts.js";
import { applyTyped, enableInputOf, validateStep } from "../../src/enable/wizard.js";
import { errorsForSlack } from "../../src/slack/render/enable/common.js";
import { stepView } from "../../src/slack/render/enable/index.js";
import { reviewView } from "../../src/slack/render/enable/review.js";
import { readTyped } from "../../src/slack/views/enable/draft.js";
import { base, facts, QUEUE_URL, withFacts, withLegacyQueue } from "../enable/fixtures.js";

const problems = (view: unknown) => validateView(view).map((p) => `${p.message} at ${p.pointer}`);
const text = (view: { blocks: unknown[] }) => renderText(view.blocks as Block[]);
const block = (view: { blocks: unknown[] }, id: string) =>
  (view.blocks as Block[]).find((b) => b.block_id === id);

const PARKING = "arn:aws:sqs:us-east-1:111122223333:parking-lot";
const REDRIVE = { targetArn: PARKING, maxReceiveCount: 5 };

/** The legacy queue picked, its policy fine (merge ticked), with what its look-up found. */
const legacy = (
  check: Partial<NonNullable<Draft["queueCheck"]>>,
  dlq: Partial<Draft["dlq"]> = {},
) => {
  const draft = withLegacyQueue();
  return {
    ...draft,
    dlq: { ...draft.dlq, merge: true, ...dlq },
    queueCheck: { ...(draft.queueCheck as NonNullable<Draft["queueCheck"]>), ...check },
  };
};

describe("a new dead-letter queue", () => {
  it("keeps failed objects 14 days unless changed, and says it is encrypted with SSE-SQS", () => {
    const view = stepView(base(), "dlq");
    expect(problems(view)).toEqual([]);
    expect(block(view, "dlq_retention")?.element?.initial_value).toBe("14");
    expect(text(view)).toContain("SSE-SQS");
    const input = enableInputOf(base({ dlq: { mode: "new", retention: "10" } }));
    expect(input.ok && input.value.dlq).toEqual({
      mode: "new",
      name: "amazon-connect-examplecorp-dlq",
      retentionDays: 10,
    });
  });

  it("refuses a retention SQS does not allow, next to the field, saying what to enter", () => {
    const draft = base({ dlq: { mode: "new", retention: "30" } });
    const errors = validateStep("dlq", draft);
    expect(errors).toEqual({
      dlq_retention:
        "Enter a whole number of days from 1 to 14: '30' is out of range (SQS keeps a message at most 14 days).",
    });
    const shown = stepView(draft, "dlq");
    expect(Object.keys(errorsForSlack(errors, shown))).toEqual(["dlq_retention"]);
    expect(validateStep("dlq", base({ dlq: { mode: "new", retention: "14" } }))).toEqual({});
  });

  it("reads the typed retention back from the view", () => {
    const patch = readTyped({
      dlq_retention: { enable_dlq_retention: { type: "plain_text_input", value: "7" } },
    });
    expect(patch).toEqual({ dlq: { retention: "7" } });
  });
});

describe("an existing dead-letter queue", () => {
  it("shows its retention, and warns with the fix when it keeps messages under 14 days", () => {
    const fortnight = stepView(legacy({ retentionSeconds: 1_209_600 }), "dlq");
    expect(text(fortnight)).toContain("It keeps messages 14 days.");
    const short = stepView(legacy({ retentionSeconds: 345_600 }), "dlq");
    expect(problems(short)).toEqual([]);
    expect(text(short)).toContain("keeps messages only 4 days");
    expect(text(short)).toContain(
      `--queue-url ${QUEUE_URL} --attributes MessageRetentionPeriod=1209600`,
    );
  });

  it("with a RedrivePolicy, asks for a box naming the target before Next", () => {
    const draft = legacy({ redrive: REDRIVE });
    const view = stepView(draft, "dlq");
    expect(problems(view)).toEqual([]);
    expect(text(view)).toContain(
      "after 5 receives SQS moves a message on to parking-lot, and every scan of the bot counts as a receive",
    );
    const box = block(view, "dlq_redrive");
    expect(box?.label?.text).toBe("Messages received 5 times move on to parking-lot");
    expect(box?.element?.options?.[0]?.text?.text).toContain("parking-lot");
    expect(validateStep("dlq", draft).dlq_redrive).toMatch(/tick the box to use it anyway/);
    expect(validateStep("dlq", { ...draft, dlq: { ...draft.dlq, redrive: true } })).toEqual({});
  });

  it("forgets the redrive tick when another queue is picked", () => {
    const ticked = legacy({ redrive: REDRIVE }, { redrive: true });
    const { draft } = applyTyped(ticked, {
      dlq: { mode: "existing", queue: "other-dlq", redrive: true },
    });
    expect(draft.dlq.redrive).toBe(false);
    const same = applyTyped(ticked, { dlq: { mode: "existing", redrive: true } });
    expect(same.draft.dlq.redrive).toBe(true);
  });

  it("keeps the review blocked until the redrive box is ticked", () => {
    const withRedrive = facts({ queueRedrive: REDRIVE, queuePolicy: undefined });
    const blocked = reviewView(withFacts(legacy({ redrive: REDRIVE }), withRedrive));
    expect(problems(blocked)).toEqual([]);
    expect(blocked.submit?.text).toBe("Check again");
    expect(text(blocked)).toContain("Blocked");
    expect(text(blocked)).toContain("Go Back to step 3 and tick the box");
    const confirmed = legacy({ redrive: REDRIVE }, { redrive: true });
    const ready = reviewView(withFacts(confirmed, withRedrive));
    expect(ready.submit?.text).toBe("Enable");
    expect(text(ready)).not.toContain("Blocked");
    expect(text(ready)).toContain("moves a message on to parking-lot");
  });
});

describe("no dead-letter queue", () => {
  it("warns in the step and in the review that failures will be invisible", () => {
    const draft = base({ dlq: { mode: "none" } });
    const step = stepView(draft, "dlq");
    expect(text(step)).toContain(
      "Without a dead-letter queue, ingestion failures are invisible: Customer Profiles drops every object it can't ingest, nothing tells you",
    );
    expect(text(reviewView(withFacts(draft)))).toContain("ingestion failures are invisible");
  });
});

describe("the Data store of a new domain", () => {
  it("is a box, off by default, explained in one sentence", () => {
    const view = stepView(base(), "domain");
    expect(problems(view)).toEqual([]);
    const box = block(view, "domain_datastore");
    expect(box?.label?.text).toBe("Data store");
    expect(box?.hint?.text).toContain("segmentation and predictive insights");
    expect(box?.element?.initial_options).toBeUndefined();
    const input = enableInputOf(base());
    expect(input.ok && input.value.domain).toMatchObject({ mode: "new", dataStore: false });
  });

  it("when ticked, reaches the plan and the review says so", () => {
    const patch = readTyped({
      domain_datastore: {
        enable_domain_datastore: { type: "checkboxes", selected_options: [{ value: "datastore" }] },
      },
    });
    expect(patch).toEqual({ domain: { dataStore: true } });
    const draft = base({ domain: { mode: "new", dataStore: true } });
    expect(
      block(stepView(draft, "domain"), "domain_datastore")?.element?.initial_options,
    ).toHaveLength(1);
    expect(text(reviewView(withFacts(draft)))).toContain("with the Data store");
  });
});
