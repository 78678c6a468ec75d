/**
 * The enable wizard's entries (src/slack/views/enable/entries.ts) against the views it
 * renders: every id Slack can send back from the modal is answered, as the kind Slack sends
 * it as, with the enable permission; only Enable on the review is audited.
 */
import { describe, expect, it } from "vitest";
import { type Draft, newDraft, WIZARD_STEPS } from "../../src/enable/drafts.js";
import { expiredView } from "../../src/slack/render/enable/common.js";
import { stepView } from "../../src/slack/render/enable/index.js";
import { alreadyRunningView } from "../../src/slack/render/enable/review.js";
import { ENABLE_ENTRIES } from "../../src/slack/views/enable/entries.js";
import {
  base,
  facts,
  jobFor,
  withFacts,
  withLegacyKey,
  withLegacyQueue,
} from "../enable/fixtures.js";

/** Drafts that between them show every element the wizard has. */
const drafts: Draft[] = [
  newDraft({ userId: "U1", teamId: "T1", channelId: "C1" }),
  // A bot serving several places: the target step comes first.
  newDraft({
    userId: "U1",
    teamId: "T1",
    channelId: "C1",
    places: [
      { account: "111122223333", region: "us-east-1", label: "default (111122223333) · us-east-1" },
      { account: "444455556666", region: "eu-west-2", label: "prod (444455556666) · eu-west-2" },
    ],
  }),
  base(),
  base({ domain: { mode: "existing", existing: "amazon-connect-legacy" } }),
  withLegacyQueue(),
  withLegacyKey(),
  withFacts(base(), facts({ instanceLinkedTo: "amazon-connect-legacy" })),
];

interface Element {
  type?: string;
  action_id?: string;
}
interface Block {
  type: string;
  dispatch_action?: boolean;
  element?: Element;
  elements?: Element[];
}

/** What Slack can send back from the views, as `kind:id`. */
function sentBack(views: { callback_id?: string; blocks: unknown[] }[]): Set<string> {
  const ids = new Set<string>();
  for (const view of views) {
    ids.add(`view:${view.callback_id}`);
    for (const block of view.blocks as Block[]) {
      for (const el of block.type === "actions" ? (block.elements ?? []) : []) {
        ids.add(`action:${el.action_id}`);
      }
      if (block.type !== "input" || !block.element) continue;
      if (block.dispatch_action) ids.add(`action:${block.element.action_id}`);
      if (block.element.type === "external_select") ids.add(`options:${block.element.action_id}`);
    }
  }
  return ids;
}

describe("ENABLE_ENTRIES", () => {
  const views = [
    ...drafts.flatMap((d) => WIZARD_STEPS.map((step) => stepView(d, step))),
    expiredView(),
    alreadyRunningView(jobFor("examplecorp"), "active"),
  ];
  const listed = ENABLE_ENTRIES.map((e) => `${e.kind}:${e.id}`);

  it("answers everything the wizard's views can send back, as the kind Slack sends it", () => {
    const rendered = sentBack(views);
    expect(rendered.size).toBeGreaterThan(10);
    for (const id of rendered) expect(listed).toContain(id);
  });

  it("lists nothing the views never send, and each id once per kind", () => {
    expect([...sentBack(views)].sort()).toEqual([...listed].sort());
  });

  it("needs the enable permission throughout and audits only Enable on the review", () => {
    expect(new Set(ENABLE_ENTRIES.map((e) => e.permission))).toEqual(new Set(["enable"]));
    expect(ENABLE_ENTRIES.filter((e) => e.audited).map((e) => `${e.kind}:${e.id}`)).toEqual([
      "view:enable_review",
    ]);
  });

  it("keeps the ids a modal opened before a deploy still sends", () => {
    const steps = ["enable_instance", "enable_domain", "enable_dlq", "enable_key"];
    const pickers = ["enable_instance", "enable_domain_existing", "enable_dlq_queue"];
    expect([...listed].sort()).toEqual(
      [
        ...[...steps, "enable_target", "enable_review", "enable_info"].map((id) => `view:${id}`),
        ...["enable_back", "enable_instance", "enable_domain_mode", "enable_dlq_mode"]
          .concat(["enable_dlq_queue", "enable_key_mode", "enable_key_existing"])
          .map((id) => `action:${id}`),
        ...[...pickers, "enable_key_existing"].map((id) => `options:${id}`),
      ].sort(),
    );
  });
});
