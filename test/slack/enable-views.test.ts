/**
 * The enable wizard's views as pure functions of a draft: every step and state within
 * Slack's limits (validateView, as the Slack stand-in judges them), the defaults each step
 * shows, the errors each step gives, and the draft store's semantics.
 */
import { describe, expect, it } from "vitest";
import { renderText, validateView } from "../../sandbox/slack/blocks.js";
import type { Block } from "../../sandbox/slack/types.js";
import {
  type Draft,
  type InstanceRow,
  MemoryDraftStore,
  newDraft,
  WIZARD_STEPS,
  type WizardStep,
} from "../../src/enable/drafts.js";
import { decideEnable } from "../../src/enable/submit.js";
import { invalid } from "../../src/enable/validation.js";
import { advance, applyTyped, enableInputOf, validateStep } from "../../src/enable/wizard.js";
import { errorsForSlack } from "../../src/slack/render/enable/common.js";
import { queueOptions } from "../../src/slack/render/enable/dlq.js";
import { stepView } from "../../src/slack/render/enable/index.js";
import { instanceOption, instanceOptions } from "../../src/slack/render/enable/instance.js";
import {
  alreadyRunningText,
  confirmationErrors,
  reviewView,
} from "../../src/slack/render/enable/review.js";
import { readTyped } from "../../src/slack/views/enable/draft.js";
import {
  ARN,
  base,
  facts,
  ID,
  instances,
  jobFor,
  KEY_ARN,
  KEY_ID,
  QUEUE_URL,
  USABLE_KEY,
  withFacts,
  withLegacyKey,
  withLegacyQueue,
} from "../enable/fixtures.js";

const NOW = new Date().toISOString();
/** Bidi-control and zero-width characters (src/text.ts). */
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/;

const problems = (view: unknown) => validateView(view).map((p) => `${p.message} at ${p.pointer}`);
const text = (view: { blocks: unknown[] }) => renderText(view.blocks as Block[]);
const initial = (view: { blocks: unknown[] }, blockId: string) => {
  const block = (view.blocks as Block[]).find((b) => b.block_id === blockId);
  return block?.element?.initial_value ?? block?.element?.initial_option?.value;
};

describe("every step's view", () => {
  const variants: [string, Draft][] = [
    ["a fresh draft", newDraft({ userId: "U1", teamId: "T1", channelId: "C1" })],
    ["an instance picked, link loading", base()],
    [
      "an instance linked elsewhere",
      base({ linked: { instanceArn: ARN, at: NOW, domain: "amazon-connect-legacy" } }),
    ],
    [
      "an existing domain",
      base({ domain: { mode: "existing", existing: "amazon-connect-legacy" } }),
    ],
    ["no dead-letter queue", base({ dlq: { mode: "none" } })],
    [
      "an existing domain kept as it is, still being read",
      base({
        domain: { mode: "existing", existing: "amazon-connect-legacy" },
        dlq: { mode: "keep" },
        key: { mode: "keep" },
      }),
    ],
    [
      "an existing domain that holds profiles, getting a new key",
      base({
        domain: { mode: "existing", existing: "amazon-connect-legacy" },
        dlq: { mode: "keep" },
        domainCheck: {
          name: "amazon-connect-legacy",
          at: NOW,
          found: true,
          deadLetterQueueUrl: QUEUE_URL,
          encryptionKey: KEY_ARN,
          profileCount: 12_345,
        },
      }),
    ],
    ["an existing queue lacking the statement", withLegacyQueue()],
    ["an existing key lacking the statement", withLegacyKey()],
    [
      "names with bidi-control and zero-width characters",
      base({
        linked: { instanceArn: ARN, at: NOW, domain: "legacy\u202E<!channel>" },
        domain: { mode: "new", name: "sales\u202Eteam\u200B*bold*", days: "36\u200B6" },
        dlq: { mode: "new", name: "q\u2066ueue<!here>" },
        key: { mode: "new", alias: "alias/\uFEFFkey&", description: "d\u202Desc" },
      }),
    ],
    [
      "very long names",
      base({
        instances: { at: NOW, value: [{ ...instances[0], alias: "x".repeat(64) } as InstanceRow] },
        domain: { mode: "new", name: "d".repeat(64), days: "1".repeat(50) },
        dlq: { mode: "new", name: "q".repeat(300) },
        key: { mode: "new", alias: `alias/${"a".repeat(300)}`, description: "z".repeat(5000) },
      }),
    ],
  ];
  for (const [name, draft] of variants) {
    for (const step of WIZARD_STEPS) {
      it(`${step} is within Slack's limits with ${name}`, () => {
        const view = stepView(draft, step);
        expect(problems(view)).toEqual([]);
        expect(view.private_metadata).toBe(draft.id);
        // What the view says (not what it gives back to edit) holds no invisible character.
        const said = (view.blocks as Block[]).filter((b) => b.type !== "input");
        expect(JSON.stringify(said)).not.toMatch(INVISIBLE);
        expect(view.blocks.length).toBeLessThanOrEqual(100);
      });
    }
  }

  it("the review with a plan, a blocked plan and a failed look-up is within limits", () => {
    const ready = withFacts(base());
    expect(problems(reviewView(ready))).toEqual([]);
    const blocked = withFacts(base(), facts({ existingDomains: ["amazon-connect-examplecorp"] }));
    expect(problems(reviewView(blocked))).toEqual([]);
    expect(problems(reviewView(base(), { kind: "failed", error: "x".repeat(5000) }))).toEqual([]);
    expect(problems(reviewView(base(), { kind: "loading" }))).toEqual([]);
  });

  it("offers the AWS owned key, which needs nothing more and reaches the review as such", () => {
    const keyStep = stepView({ ...base(), step: "key" });
    expect(renderText(keyStep.blocks as Block[])).toContain("Use an AWS owned key");
    const draft = base({ key: { mode: "aws-owned" } });
    const chosen = stepView({ ...draft, step: "key" });
    expect(renderText(chosen.blocks as Block[])).toMatch(/AWS owns and manages/);
    expect(problems(chosen)).toEqual([]);
    expect(validateStep("key", draft)).toEqual({});
    const review = reviewView(withFacts(draft));
    expect(problems(review)).toEqual([]);
    expect(renderText(review.blocks as Block[])).toContain("encrypted with a key AWS owns");
  });

  it("the review names the digests' channel as a mention, which Slack shows by name", () => {
    const text = JSON.stringify(reviewView(withFacts(base())).blocks);
    expect(text).toContain("*Dead-letter digests* <#C1>");
    expect(text).not.toContain("`C1`");
  });
});

describe("defaults", () => {
  it("name the domain, queue and alias after the instance, and keep data 366 days", () => {
    const draft = base();
    expect(initial(stepView(draft, "domain"), "domain_name")).toBe("amazon-connect-examplecorp");
    expect(initial(stepView(draft, "domain"), "domain_days")).toBe("366");
    expect(initial(stepView(draft, "dlq"), "dlq_name")).toBe("amazon-connect-examplecorp-dlq");
    expect(initial(stepView(draft, "key"), "key_alias")).toBe("alias/amazon-connect-examplecorp");
    expect(initial(stepView(draft, "domain"), "domain_mode")).toBe("new");
    expect(initial(stepView(draft, "dlq"), "dlq_mode")).toBe("new");
  });

  it("follow a changed domain name unless the person typed their own", () => {
    const draft = base({ dlq: { mode: "new", name: "amazon-connect-examplecorp-dlq" } });
    const renamed = applyTyped(draft, { domain: { mode: "new", name: "amazon-connect-sales" } });
    expect(initial(stepView(renamed.draft, "dlq"), "dlq_name")).toBe("amazon-connect-sales-dlq");
    expect(initial(stepView(renamed.draft, "key"), "key_alias")).toBe("alias/amazon-connect-sales");
    const custom = applyTyped(base({ dlq: { mode: "new", name: "my-own-dlq" } }), {
      domain: { mode: "new", name: "amazon-connect-sales" },
    });
    expect(initial(stepView(custom.draft, "dlq"), "dlq_name")).toBe("my-own-dlq");
  });

  it("instance options show alias, id and status within 75 characters", () => {
    const long = {
      ...instances[0],
      alias: "a-very-long-instance-alias-that-goes-on-and-on",
    } as InstanceRow;
    const opt = instanceOption(long);
    expect(opt.text.text.length).toBeLessThanOrEqual(75);
    expect(opt.value).toBe(ID);
    const listed = instanceOptions(instances, "");
    expect(listed[0]?.text.text).toBe(`examplecorp · ${ID} · ACTIVE`);
    expect(listed[1]?.text.text).toMatch(/\(no alias\) .* CREATION_IN_PROGRESS, can't be chosen/);
  });

  it("queue options fit Slack's 75 characters even for an 80-character name", () => {
    const name = "q".repeat(80);
    const [opt] = queueOptions([{ name, url: `${QUEUE_URL}x` }], "");
    expect(opt?.value?.length).toBeLessThanOrEqual(75);
    expect(opt?.text.text.length).toBeLessThanOrEqual(75);
  });
});

describe("step errors", () => {
  it("name the field and say what to fix", () => {
    expect(validateStep("instance", base({ instanceId: instances[1]?.id }))).toEqual({
      instance: expect.stringMatching(/CREATION_IN_PROGRESS: only an ACTIVE instance/),
    });
    expect(validateStep("instance", base({ instanceId: undefined }))).toEqual({
      instance: "Pick the Amazon Connect instance to enable.",
    });
    const domain = validateStep(
      "domain",
      base({
        domain: { mode: "new", name: "amazon-connect-legacy", days: "2000" },
        domains: { at: NOW, value: ["amazon-connect-legacy"] },
      }),
    );
    expect(domain.domain_name).toMatch(/already exists/);
    expect(domain.domain_days).toMatch(/out of range/);
    expect(validateStep("dlq", base({ dlq: { mode: "new", name: "x.fifo" } })).dlq_name).toMatch(
      /FIFO/,
    );
    expect(
      validateStep("key", base({ key: { mode: "new", alias: "alias/aws/x" } })).key_alias,
    ).toMatch(/alias\/aws\//);
    expect(validateStep("dlq", base({ dlq: { mode: "none" } }))).toEqual({});
  });

  it("stay within 300 characters, mark the cut with …, and show no invisible characters", () => {
    const hostile = "ab\u202Ecd\u200Bef\u2066<!channel>\uFEFF".repeat(250).slice(0, 5000);
    expect(hostile).toHaveLength(5000);
    const typed: [WizardStep, Partial<Draft>][] = [
      ["domain", { domain: { mode: "new", name: hostile, days: "366" } }],
      ["domain", { domain: { mode: "new", name: "ok", days: hostile } }],
      ["dlq", { dlq: { mode: "new", name: hostile } }],
      ["key", { key: { mode: "new", alias: hostile } }],
    ];
    for (const [step, patch] of typed) {
      const draft = { ...base(patch), step };
      const errors = errorsForSlack(validateStep(step, draft), stepView(draft, step));
      const texts = Object.values(errors);
      expect(texts.length).toBeGreaterThan(0);
      for (const error of texts) {
        expect(error.length).toBeLessThanOrEqual(300);
        expect(error).toContain("…");
        expect(error).not.toMatch(INVISIBLE);
      }
    }
    // The bound itself: a sentence that quotes 5,000 characters whole is cut at its end.
    const whole = invalid(`'${hostile}' is not allowed.`);
    expect(whole.ok).toBe(false);
    const error = whole.ok ? "" : whole.error;
    expect(error.length).toBeLessThanOrEqual(300);
    expect(error.endsWith("…")).toBe(true);
    expect(error).not.toMatch(INVISIBLE);
  });

  it("name an invisible character instead of quoting it", () => {
    const draft = base({ domain: { mode: "new", name: "sales\u202Eteam", days: "366" } });
    expect(validateStep("domain", draft).domain_name).toContain(
      "contains an invisible character (U+202E)",
    );
  });

  it("two errors on one field stay within 300 characters together", () => {
    const shown = { blocks: [{ type: "input", block_id: "domain_name" }] };
    const long = `${"x".repeat(290)}.`;
    const errors = errorsForSlack({ domain_name: long, domain_days: long }, shown);
    expect(errors.domain_name?.length).toBeLessThanOrEqual(300);
    expect(errors.domain_name?.endsWith("…")).toBe(true);
  });

  it("ask to merge an existing queue's policy that lacks the statement", () => {
    const draft = withLegacyQueue();
    expect(validateStep("dlq", draft).dlq_merge).toMatch(/tick the box/);
    expect(validateStep("dlq", { ...draft, dlq: { ...draft.dlq, merge: true } })).toEqual({});
    const view = stepView(draft, "dlq");
    expect(text(view)).toContain('"Sid": "CustomerProfilesDLQ"');
    expect(text(view)).toContain(`domains/amazon-connect-examplecorp`);
  });

  it("the review blocks a key lacking the statement and shows the statement", () => {
    const draft = withFacts(
      base({
        key: { mode: "existing", keyId: KEY_ID },
        keyCheck: { keyId: KEY_ID, at: NOW, arn: KEY_ARN },
      }),
      facts({ ...USABLE_KEY, keyPolicy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }),
    );
    const view = reviewView(draft);
    expect(view.submit?.text).toBe("Check again");
    expect(text(view)).toContain("Blocked");
    expect(text(view)).toContain('"Sid": "CustomerProfilesKey"');
    expect(text(view)).toContain("kms:CreateGrant");
  });

  it("the review asks to confirm relinking, saying the profiles will not move", () => {
    const draft = withFacts(base(), facts({ instanceLinkedTo: "amazon-connect-legacy" }));
    const view = reviewView(draft);
    expect(view.submit?.text).toBe("Enable");
    const confirm = (view.blocks as Block[]).find((b) => b.block_id === "review_confirm");
    expect(confirm?.label?.text).toMatch(/will not move to the new domain/);
    expect(confirm?.element?.options?.[0]?.text?.text).toMatch(/profiles will not move/);
  });
});

describe("an existing domain", () => {
  const LEGACY = "amazon-connect-legacy";
  const picked = () => applyTyped(base(), { domain: { mode: "existing", existing: LEGACY } }).draft;
  const read = (over: Partial<NonNullable<Draft["domainCheck"]>> = {}) => ({
    domainCheck: { name: LEGACY, at: NOW, found: true, ...over },
  });
  const options = (view: { blocks: unknown[] }, blockId: string) =>
    (view.blocks as Block[])
      .find((b) => b.block_id === blockId)
      ?.element?.options?.map((o: { value: string }) => o.value);

  it("pre-selects keeping its queue and key, showing what it uses now", () => {
    const draft = picked();
    expect(draft.dlq.mode).toBe("keep");
    expect(draft.key.mode).toBe("keep");
    const loading = stepView(draft, "dlq");
    expect(initial(loading, "dlq_mode")).toBe("keep");
    expect(text(loading)).toContain(`Reading what domain *${LEGACY}* uses now`);

    const dlq = stepView({ ...draft, ...read({ deadLetterQueueUrl: QUEUE_URL }) }, "dlq");
    expect(options(dlq, "dlq_mode")).toEqual(["keep", "none", "new", "existing"]);
    expect(text(dlq)).toContain("Keep the domain's current queue");
    expect(text(dlq)).toContain(`sends failed objects to \`${QUEUE_URL}\` now`);
    const none = stepView({ ...draft, ...read() }, "dlq");
    expect(text(none)).toContain("has no dead-letter queue now (none)");

    const key = stepView({ ...draft, ...read({ encryptionKey: KEY_ARN }) }, "key");
    expect(initial(key, "key_mode")).toBe("keep");
    expect(text(key)).toContain(`is encrypted with \`${KEY_ARN}\` now`);
    const awsOwned = stepView({ ...draft, ...read() }, "key");
    expect(text(awsOwned)).toContain("is encrypted with a key AWS owns now");
    expect(validateStep("dlq", draft)).toEqual({});
    expect(validateStep("key", draft)).toEqual({});
    for (const step of ["dlq", "key"] as const) {
      expect(problems(stepView({ ...draft, ...read() }, step))).toEqual([]);
    }

    // Back to a new domain: nothing to keep, so the steps start at new ones again.
    const back = applyTyped(draft, { domain: { mode: "new" } }).draft;
    expect([back.dlq.mode, back.key.mode]).toEqual(["new", "new"]);
    // "None" and "AWS owned" chosen for a new domain would remove what an existing one has.
    const chosen = base({ dlq: { mode: "none" }, key: { mode: "aws-owned" } });
    const existing = applyTyped(chosen, { domain: { mode: "existing", existing: LEGACY } });
    expect([existing.draft.dlq.mode, existing.draft.key.mode]).toEqual(["keep", "keep"]);
  });

  it("offers no keep for a new domain, and refuses a forged one", () => {
    const view = stepView(base(), "key");
    expect(options(view, "key_mode")).toEqual(["new", "existing", "aws-owned"]);
    expect(validateStep("key", base({ key: { mode: "keep" } })).key_mode).toMatch(
      /new domain has nothing to keep/,
    );
    expect(validateStep("dlq", base({ dlq: { mode: "keep" } })).dlq_mode).toMatch(
      /new domain has nothing to keep/,
    );
  });

  it("says on the key step that another key re-encrypts its profiles", () => {
    const draft = { ...picked(), ...read({ profileCount: 1234 }) };
    expect(text(stepView(draft, "key"))).not.toContain("re-encrypting");
    const other = { ...draft, key: { mode: "aws-owned" as const } };
    expect(text(stepView(other, "key"))).toContain(
      `Domain *${LEGACY}* holds 1,234 profiles: another key means re-encrypting all of them`,
    );
    // Switching a customer managed key to AWS owned says the key leaves the domain.
    const withKey = { ...other, ...read({ profileCount: 1234, encryptionKey: KEY_ARN }) };
    expect(text(stepView(withKey, "key"))).toContain(
      `uses \`${KEY_ARN}\` now: the job removes that key from the domain`,
    );
  });

  it("the review asks for the re-encryption tick, and Enable without it says what to do", () => {
    const draft = withFacts(
      { ...picked(), key: { mode: "new" } },
      facts({ existingDomain: { profileCount: 7 } }),
    );
    const view = reviewView(draft);
    expect(view.submit?.text).toBe("Enable");
    expect(problems(view)).toEqual([]);
    expect(text(view)).toContain(`Domain ${LEGACY} holds 7 profiles, stored encrypted`);
    const box = (view.blocks as Block[]).find((b) => b.block_id === "review_reencrypt");
    expect(box?.label?.text).toMatch(/its 7 profiles are re-encrypted/);
    const decision = decideEnable({ input: draft });
    expect(decision).toEqual({ kind: "confirm", missing: ["reencrypt"] });
    expect(confirmationErrors(draft, ["reencrypt"]).review_reencrypt).toMatch(
      /Tick the box to change the key of amazon-connect-legacy/,
    );

    const ticked = { ...draft, confirmReencrypt: true };
    expect(decideEnable({ input: ticked })).toMatchObject({ kind: "ready" });
    expect(text(reviewView(ticked))).not.toContain("Blocked");
    // A different key must be confirmed again.
    expect(applyTyped(ticked, { key: { mode: "existing" } }).draft.confirmReencrypt).toBe(false);
  });
});

describe("an instance already linked to a domain", () => {
  const LEGACY = "amazon-connect-legacy";
  const OTHER_ID = "0c8f3d2e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
  const OTHER_ARN = ARN.replace(ID, OTHER_ID);
  const both = {
    at: NOW,
    value: [
      ...instances,
      { ...instances[0], id: OTHER_ID, arn: OTHER_ARN, alias: "sales" } as InstanceRow,
    ],
  };
  const linkedTo = (domain?: string, instanceArn = ARN) => ({
    linked: { instanceArn, at: NOW, ...(domain ? { domain } : {}) },
  });
  /** Next on the instance step, as the listener applies it. */
  const next = (draft: Draft) => advance({ ...draft, step: "instance" }, "instance").draft;

  it("waits on the instance step until the bot knows which domain it is linked to", () => {
    expect(validateStep("instance", base()).instance).toMatch(
      /still checking which domain this instance is linked to: wait a moment and press Next again/,
    );
    expect(validateStep("instance", base(linkedTo(LEGACY)))).toEqual({});
    expect(validateStep("instance", base(linkedTo()))).toEqual({});
  });

  it("starts the domain step at the linked domain, kept with its queue and key, and no relink", () => {
    const draft = next(base(linkedTo(LEGACY)));
    expect(draft.step).toBe("domain");
    expect(draft.domain).toMatchObject({ mode: "existing", existing: LEGACY, chosen: false });
    const view = stepView(draft, "domain");
    expect(problems(view)).toEqual([]);
    expect(initial(view, "domain_mode")).toBe("existing");
    expect(initial(view, "domain_existing")).toBe(LEGACY);
    expect(text(view)).toContain(
      `*${LEGACY}* is pre-selected because the instance is linked to it`,
    );
    expect(text(view)).toContain("A new domain would move the instance to it without its profiles");
    expect(initial(stepView(draft, "dlq"), "dlq_mode")).toBe("keep");
    expect(initial(stepView(draft, "key"), "key_mode")).toBe("keep");

    // Keeping every default: the domain as it is, nothing to confirm.
    const input = enableInputOf(draft);
    expect(input.ok && input.value).toMatchObject({
      domain: { mode: "existing", name: LEGACY },
      dlq: { mode: "keep" },
      key: { mode: "keep" },
      confirmRelink: false,
    });
    const review = reviewView(
      withFacts(draft, facts({ instanceLinkedTo: LEGACY, existingDomain: { profileCount: 3 } })),
    );
    expect(review.submit?.text).toBe("Enable");
    expect(text(review)).toContain(`Use domain ${LEGACY} as it is.`);
    expect((review.blocks as Block[]).some((b) => b.block_id === "review_confirm")).toBe(false);
  });

  it("proposes a new domain for an unlinked instance, as before", () => {
    const draft = next(base(linkedTo()));
    expect(draft.domain.mode).toBe("new");
    expect(initial(stepView(draft, "domain"), "domain_name")).toBe("amazon-connect-examplecorp");
    expect(text(stepView(draft, "domain"))).not.toContain("pre-selected");
  });

  it("keeps a domain the person chose, saying what a new one does to the instance", () => {
    const proposed = next(base(linkedTo(LEGACY)));
    // The domain step answered with the radio switched to a new domain.
    const chosen = applyTyped(proposed, { domain: { mode: "new" } }).draft;
    expect(chosen.domain).toMatchObject({ mode: "new", chosen: true });
    expect([chosen.dlq.mode, chosen.key.mode]).toEqual(["new", "new"]);
    expect(initial(stepView(chosen, "domain"), "domain_name")).toBe("amazon-connect-examplecorp");
    expect(text(stepView(chosen, "domain"))).toContain(
      `linked to *${LEGACY}* now, which holds its profiles. This choice moves the instance without them`,
    );
    // Back to the instance step and Next again: the choice stays.
    expect(next(chosen).domain).toMatchObject({ mode: "new", chosen: true });
    // Answering the step with the proposal again is no choice of the person's.
    const again = applyTyped(chosen, { domain: { mode: "existing", existing: LEGACY } }).draft;
    expect(again.domain.chosen).toBe(false);
  });

  it("proposes afresh for another instance picked after Back, unless a domain was chosen", () => {
    const linked = base({ instances: both, ...linkedTo(LEGACY) });
    const onDomain = applyTyped(next(linked), {
      domain: { mode: "existing", existing: LEGACY },
    }).draft;
    // Another instance, not linked: a new domain named after it, with a new queue and key.
    const picked = applyTyped(onDomain, { instanceId: OTHER_ID }).draft;
    const unlinked = next({ ...picked, ...linkedTo(undefined, OTHER_ARN) });
    expect(unlinked.domain).toMatchObject({ mode: "new", chosen: false });
    expect(unlinked.domain.existing).toBeUndefined();
    expect([unlinked.dlq.mode, unlinked.key.mode]).toEqual(["new", "new"]);
    expect(initial(stepView(unlinked, "domain"), "domain_name")).toBe("amazon-connect-sales");

    // A name the person typed for the unlinked one is a choice: the linked one keeps it.
    const typed = applyTyped(unlinked, { domain: { mode: "new", name: "amazon-connect-mine" } });
    const back = applyTyped(typed.draft, { instanceId: ID }).draft;
    const kept = next({ ...back, ...linkedTo(LEGACY) });
    expect(kept.domain).toMatchObject({ mode: "new", name: "amazon-connect-mine", chosen: true });
  });
});

describe("a key whose policy the bot can't read", () => {
  const unreadable = (): Draft => {
    const draft = withLegacyKey();
    const { policy: _hidden, ...check } = draft.keyCheck ?? { keyId: KEY_ID, at: NOW };
    return { ...draft, keyCheck: check };
  };

  it("shows the statement on the key step, without offering to update the policy", () => {
    const view = stepView(unreadable(), "key");
    expect(text(view)).toContain("can't read its key policy (kms:GetKeyPolicy)");
    expect(text(view)).toContain('"Sid": "CustomerProfilesKey"');
    expect((view.blocks as Block[]).some((b) => b.block_id === "key_update")).toBe(false);
    expect(validateStep("key", unreadable())).toEqual({});
  });

  it("the review blocks on a box naming the statement and the key until it is ticked", () => {
    const draft = withFacts(unreadable(), facts(USABLE_KEY));
    const view = reviewView(draft);
    expect(view.submit?.text).toBe("Enable");
    expect(text(view)).toContain("confirm once they added it");
    const box = (view.blocks as Block[]).find((b) => b.block_id === "review_key_statement");
    expect(box?.label?.text).toBe(
      `The key's administrator added the CustomerProfilesKey statement shown to the policy of key ${KEY_ARN}.`,
    );
    expect(decideEnable({ input: draft })).toEqual({ kind: "confirm", missing: ["key-statement"] });

    const patch = readTyped({
      review_key_statement: {
        enable_review_key_statement: { type: "checkboxes", selected_options: [{ value: "added" }] },
      },
    });
    expect(patch).toEqual({ key: { confirmed: true } });
    const ticked = applyTyped(draft, patch).draft;
    const ready = decideEnable({ input: ticked });
    expect(ready.kind).toBe("ready");
    expect(ready.kind === "ready" && ready.data.request.key).toMatchObject({
      mode: "existing",
      confirmedStatement: true,
    });
    // Picking another key clears the tick.
    expect(
      applyTyped(ticked, { key: { keyId: "other" } as Draft["key"] }).draft.key.confirmed,
    ).toBe(false);
  });
});

describe("what Enable answers when the instance has a job already", () => {
  const job = jobFor("<corp>");

  it("says who started it, in the words every job message uses for its state", () => {
    expect(alreadyRunningText(job, "active")).toBe(
      ":hourglass_flowing_sand: Customer Profiles is already being enabled for instance *&lt;corp&gt;*: <@U2> started it and it is running. Nothing new was started. Its progress is reported in <#C9>.",
    );
    expect(alreadyRunningText(job, "waiting")).toContain("it is queued.");
    expect(alreadyRunningText(job, "delayed")).toContain("it is waiting to start.");
  });

  it("points a finished job to /profiles status, and a failed one to Retry or Clean up", () => {
    expect(alreadyRunningText(job, "completed")).toMatch(
      /<@U2> enabled Customer Profiles .* less than an hour ago, .*`\/profiles status amazon-connect-corp`/,
    );
    expect(alreadyRunningText(job, "failed")).toMatch(
      /earlier job by <@U2> .* failed, .* Retry or Clean up on its message\. .*<#C9>/,
    );
    // With several places, the command it suggests names the job's.
    expect(alreadyRunningText(job, "completed", "partner/eu-west-1")).toContain(
      "`/profiles status amazon-connect-corp --target partner/eu-west-1` shows it.",
    );
  });
});

describe("reading typed values back", () => {
  it("turns a view's state into a draft patch of the fields shown", () => {
    const patch = readTyped({
      domain_mode: {
        enable_domain_mode: { type: "radio_buttons", selected_option: { value: "new" } },
      },
      domain_name: { enable_domain_name: { type: "plain_text_input", value: "amazon-connect-x" } },
      dlq_merge: {
        enable_dlq_merge: { type: "checkboxes", selected_options: [{ value: "merge" }] },
      },
    });
    expect(patch).toEqual({
      domain: { mode: "new", name: "amazon-connect-x" },
      dlq: { merge: true },
    });
  });
});

describe("reading forged radio values", () => {
  it("keeps only a mode the step offers: a forged one changes nothing", () => {
    const radio = (field: string, value: string) => ({
      [field]: { [`enable_${field}`]: { type: "radio_buttons", selected_option: { value } } },
    });
    expect(readTyped(radio("key_mode", "aws-owned"))).toEqual({ key: { mode: "aws-owned" } });
    expect(readTyped(radio("key_mode", "root-key"))).toEqual({});
    expect(readTyped(radio("dlq_mode", "none"))).toEqual({ dlq: { mode: "none" } });
    expect(readTyped(radio("key_mode", "keep"))).toEqual({ key: { mode: "keep" } });
    expect(readTyped(radio("domain_mode", "__proto__"))).toEqual({});
  });
});

describe("MemoryDraftStore", () => {
  it("patches sections without touching the others and ignores removed drafts", async () => {
    const store = new MemoryDraftStore();
    const draft = await store.create({ userId: "U1", teamId: "T1", channelId: "C1" });
    await store.patch(draft.id, { domain: { mode: "new", name: "a" } });
    await store.patch(draft.id, { domains: { at: NOW, value: ["x"] } });
    const read = await store.get(draft.id);
    expect(read?.domain.name).toBe("a");
    expect(read?.domains?.value).toEqual(["x"]);
    await store.remove(draft.id);
    expect(await store.patch(draft.id, { step: "key" })).toBe(false);
    expect(await store.get(draft.id)).toBeUndefined();
  });
});
