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
} from "../../src/enable/drafts.js";
import type { EnableFacts } from "../../src/enable/plan.js";
import { applyTyped, enableInputOf, factsKey, validateStep } from "../../src/enable/wizard.js";
import { readTyped } from "../../src/slack/views/enable/common.js";
import { queueOptions } from "../../src/slack/views/enable/dlq.js";
import { stepView } from "../../src/slack/views/enable/index.js";
import { instanceOption, instanceOptions } from "../../src/slack/views/enable/instance.js";
import { reviewView } from "../../src/slack/views/enable/review.js";

const ACCOUNT = "111122223333";
const REGION = "us-east-1";
const ID = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${ID}`;
const NOW = new Date().toISOString();
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/legacy-dlq`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:legacy-dlq`;
const KEY_ID = "0b6e2c1d-9f3a-4e5b-8c7d-6a5b4c3d2e1f";
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;

const instances: InstanceRow[] = [
  { id: ID, arn: ARN, alias: "examplecorp", status: "ACTIVE" },
  {
    id: "c7a9e0f4-1b2d-4e6a-8c3f-9b5d7e2a4f13",
    arn: `arn:aws:connect:${REGION}:${ACCOUNT}:instance/c7a9e0f4-1b2d-4e6a-8c3f-9b5d7e2a4f13`,
    status: "CREATION_IN_PROGRESS",
  },
];

const base = (over: Partial<Draft> = {}): Draft => ({
  ...newDraft({ userId: "U1", teamId: "T1", channelId: "C1" }),
  instances: { at: NOW, value: instances },
  instanceId: ID,
  ...over,
});

const facts = (over: Partial<EnableFacts> = {}): EnableFacts => ({
  accountId: ACCOUNT,
  region: REGION,
  existingDomains: ["amazon-connect-legacy"],
  existingAliases: [],
  ...over,
});

/** The draft with facts gathered for what it describes now. */
const withFacts = (draft: Draft, f: EnableFacts = facts()): Draft => {
  const input = enableInputOf(draft);
  if (!input.ok) throw new Error(input.error);
  return { ...draft, step: "review", facts: { for: factsKey(input.value), at: NOW, facts: f } };
};

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
      "an existing queue lacking the statement",
      base({
        dlq: { mode: "existing", queue: "legacy-dlq" },
        queues: { at: NOW, value: [{ name: "legacy-dlq", url: QUEUE_URL }] },
        queueCheck: { name: "legacy-dlq", at: NOW, url: QUEUE_URL, arn: QUEUE_ARN },
      }),
    ],
    [
      "an existing key lacking the statement",
      base({
        key: { mode: "existing", keyId: KEY_ID },
        keyCheck: {
          keyId: KEY_ID,
          at: NOW,
          arn: KEY_ARN,
          state: "Enabled",
          manager: "CUSTOMER",
          spec: "SYMMETRIC_DEFAULT",
          usage: "ENCRYPT_DECRYPT",
          policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
        },
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
    expect(stepView(renamed.draft, "dlq").blocks).toBeDefined();
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

  it("ask to merge an existing queue's policy that lacks the statement", () => {
    const draft = base({
      dlq: { mode: "existing", queue: "legacy-dlq" },
      queues: { at: NOW, value: [{ name: "legacy-dlq", url: QUEUE_URL }] },
      queueCheck: { name: "legacy-dlq", at: NOW, url: QUEUE_URL, arn: QUEUE_ARN },
    });
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
      facts({
        keyPolicy: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
        keyState: "Enabled",
        keyManager: "CUSTOMER",
        keySpec: "SYMMETRIC_DEFAULT",
        keyUsage: "ENCRYPT_DECRYPT",
      }),
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
