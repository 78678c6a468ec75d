/**
 * showLatest (src/slack/views/enable/refresh.ts) against a fake views.update: an update
 * without a hash that lands after the person moved on is followed by one showing the draft
 * as it is now, and never overwrites a newer update.
 */
import type { WebClient } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { type Draft, type InstanceRow, MemoryDraftStore } from "../../src/enable/drafts.js";
import { dlqView } from "../../src/slack/render/enable/dlq.js";
import { domainView } from "../../src/slack/render/enable/domain.js";
import { showLatest } from "../../src/slack/views/enable/refresh.js";
import { ARN, ID } from "../enable/fixtures.js";

const instances: InstanceRow[] = [{ id: ID, arn: ARN, alias: "goingback", status: "ACTIVE" }];

interface Shown {
  callback_id: string;
  blocks: { block_id?: string; element?: { initial_value?: string } }[];
}

/** A modal as Slack keeps it: views.update checks the hash and hands out a new one. */
function fakeSlack(beforeApply: (n: number) => Promise<void> | void = () => {}) {
  let n = 0;
  const modal = { hash: "h0", view: undefined as Shown | undefined };
  const update = async (args: { hash?: string; view: Shown }) => {
    const call = n++;
    await beforeApply(call);
    if (args.hash && args.hash !== modal.hash) {
      throw Object.assign(new Error("hash_conflict"), { data: { error: "hash_conflict" } });
    }
    modal.hash = `h${call + 1}`;
    modal.view = args.view;
    return { ok: true, view: { hash: modal.hash } };
  };
  const client = { views: { update } } as unknown as WebClient;
  /** The ack of a submission: replaces the view, and the bot doesn't learn the hash. */
  const ack = (view: Shown) => {
    modal.hash = `ack-${modal.hash}`;
    modal.view = view;
  };
  return { client, modal, ack, calls: () => n };
}

const domainName = (v: Shown | undefined) =>
  v?.blocks.find((b) => b.block_id === "domain_name")?.element?.initial_value;

async function domainStepDraft(drafts: MemoryDraftStore): Promise<Draft> {
  const draft = await drafts.create({ userId: "U1", teamId: "T1", channelId: "C1" });
  await drafts.patch(draft.id, {
    step: "domain",
    instanceId: ID,
    instances: { at: new Date().toISOString(), value: instances },
  });
  return (await drafts.get(draft.id)) as Draft;
}

describe("showLatest", () => {
  it("puts the person's step back when its update landed after they pressed Next", async () => {
    const drafts = new MemoryDraftStore();
    const draft = await domainStepDraft(drafts);
    const slack = fakeSlack(async (call) => {
      if (call !== 0) return;
      // Between the read and the update landing: Next on the domain step, answered at once.
      await drafts.patch(draft.id, { domain: { mode: "new", name: "amazon-connect-custom" } });
      await drafts.patch(draft.id, { step: "dlq" });
      slack.ack(dlqView((await drafts.get(draft.id)) as Draft) as unknown as Shown);
    });
    await showLatest({
      drafts,
      client: slack.client,
      draftId: draft.id,
      step: "domain",
      viewId: "V1",
    });
    expect(slack.calls()).toBe(2);
    expect(slack.modal.view?.callback_id).toBe("enable_dlq");
  });

  it("shows what was typed when the person went Back before its update landed", async () => {
    const drafts = new MemoryDraftStore();
    const draft = await domainStepDraft(drafts);
    const slack = fakeSlack(async (call) => {
      if (call !== 0) return;
      // Next with a name, then Back; the Back's own update is the one that landed first.
      await drafts.patch(draft.id, { domain: { mode: "new", name: "amazon-connect-custom" } });
      slack.ack(domainView((await drafts.get(draft.id)) as Draft) as unknown as Shown);
    });
    await showLatest({
      drafts,
      client: slack.client,
      draftId: draft.id,
      step: "domain",
      viewId: "V1",
    });
    expect(slack.modal.view?.callback_id).toBe("enable_domain");
    expect(domainName(slack.modal.view)).toBe("amazon-connect-custom");
  });

  it("leaves a newer update alone", async () => {
    const drafts = new MemoryDraftStore();
    const draft = await domainStepDraft(drafts);
    const slack = fakeSlack(async (call) => {
      if (call === 0) await drafts.patch(draft.id, { step: "dlq" });
      // Something newer lands before the correction: the correction's hash no longer matches.
      if (call === 1) slack.ack({ callback_id: "newer", blocks: [] });
    });
    await showLatest({
      drafts,
      client: slack.client,
      draftId: draft.id,
      step: "domain",
      viewId: "V1",
    });
    expect(slack.calls()).toBe(2);
    expect(slack.modal.view?.callback_id).toBe("newer");
  });

  it("updates once when nothing changed meanwhile", async () => {
    const drafts = new MemoryDraftStore();
    const draft = await domainStepDraft(drafts);
    const slack = fakeSlack();
    const hash = await showLatest({
      drafts,
      client: slack.client,
      draftId: draft.id,
      step: "domain",
      viewId: "V1",
    });
    expect(slack.calls()).toBe(1);
    expect(hash).toBe(slack.modal.hash);
    expect(domainName(slack.modal.view)).toBe("amazon-connect-goingback");
  });
});
