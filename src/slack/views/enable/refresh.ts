/**
 * After a listener has acked and shown a step, this looks up what the step still needs
 * (src/enable/wizard.ts `pendingLoad`), stores it in the draft and shows the step again
 * with views.update. The `hash` makes Slack refuse the update when the person changed the
 * view in between; their change re-renders from the same draft, so nothing is lost.
 */
import type { WebClient } from "@slack/web-api";
import { samePlace } from "../../../aws/targets.js";
import type { Draft, DraftStore } from "../../../enable/drafts.js";
import { pendingLoad } from "../../../enable/wizard.js";
import type { SlackDeps } from "../../deps.js";
import { stepView } from "../../render/enable/index.js";
import { draftGateways } from "./draft.js";

export interface RefreshArgs {
  deps: SlackDeps;
  drafts: DraftStore;
  client: WebClient;
  draft: Draft;
  viewId: string;
  hash?: string;
}

const slackError = (err: unknown): string | undefined =>
  (err as { data?: { error?: string } }).data?.error;

/** Runs the step's pending look-up, if any; never throws (it runs after the ack). */
export async function loadAndRefresh({ deps, drafts, client, draft, viewId, hash }: RefreshArgs) {
  const log = deps.log.child({ userId: draft.userId, draftId: draft.id, step: draft.step });
  try {
    const load = pendingLoad(draft, draftGateways(deps, draft));
    if (!load) return;
    const patch = await load();
    // What was looked up in a place the person has since left belongs to no step now.
    if (!samePlaceAs(draft, await drafts.get(draft.id))) return;
    if (!(await drafts.patch(draft.id, patch))) return;
    await showLatest({ drafts, client, draftId: draft.id, step: draft.step, viewId, hash });
  } catch (err) {
    log.warn({ err, code: slackError(err) }, "could not refresh the enable wizard's view");
  }
}

/** How many times one caller re-renders a view the draft changed under; each needs a change. */
const MAX_RENDERS = 4;

const sameView = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Shows the draft as it is now. A hash conflict means the view changed since the caller
 * saw it; every render comes from the draft, which the change was saved to first, so one
 * more render of the latest draft (without the hash) shows both.
 *
 * An update without a hash can land after the person moved on: read the draft, then they
 * press Next (their answer is saved and the next step shown), then this update arrives and
 * puts the old step, with what they had typed before, back over it. So after each update
 * the draft is read again; when it no longer renders to what was just shown, the latest
 * draft is shown once more, with the hash of this caller's own update: a conflict then
 * means something newer replaced it, and that writer checks its own update the same way.
 */
export async function showLatest(args: {
  drafts: DraftStore;
  client: WebClient;
  draftId: string;
  step: Draft["step"];
  viewId: string;
  hash?: string;
}): Promise<string | undefined> {
  const { drafts, client, draftId, step, viewId, hash } = args;
  let fresh = await drafts.get(draftId);
  // The person moved on (Next or Back) meanwhile: that step renders itself.
  if (!fresh || fresh.step !== step) return undefined;
  let useHash = hash;
  // Only the caller's own hash may be dropped on a conflict; a correction's may not.
  let mayDropHash = Boolean(hash);
  for (let render = 0; render < MAX_RENDERS; render++) {
    const view = stepView(fresh);
    let shownHash: string | undefined;
    try {
      const updated = await client.views.update({
        view_id: viewId,
        ...(useHash ? { hash: useHash } : {}),
        view,
      });
      shownHash = updated.view?.hash;
    } catch (err) {
      const code = slackError(err);
      if (code === "not_found") return undefined; // closed
      if (code !== "hash_conflict") throw err;
      if (!mayDropHash) return undefined; // a newer update replaced ours
      mayDropHash = false;
      useHash = undefined;
      fresh = await drafts.get(draftId);
      if (!fresh || fresh.step !== step) return undefined;
      continue;
    }
    mayDropHash = false;
    const latest = await drafts.get(draftId);
    if (!latest || !shownHash || sameView(stepView(latest), view)) {
      return latest?.step === step ? shownHash : undefined;
    }
    fresh = latest;
    useHash = shownHash;
  }
  return undefined;
}

/** Whether `now` (the draft read again) still works where `before` did. */
export const samePlaceAs = (before: Draft, now: Draft | undefined): boolean =>
  now !== undefined &&
  (before.place === undefined
    ? now.place === undefined
    : now.place !== undefined && samePlace(before.place, now.place));
