/**
 * What a step still needs from AWS (src/enable/wizard.ts `pendingLoad`) is looked up, stored
 * in the draft and shown. Where the bot knows the hash of the view on screen (a block
 * action's payload carries it), it shows the step at once and again with the look-up's
 * result (`loadAndRefresh`): the `hash` makes Slack refuse the update when the person changed
 * the view in between, and their change re-renders from the same draft, so nothing is lost.
 *
 * A submission's answer (`response_action: update`) replaces the view without telling the
 * bot its new hash, so an update after it can only go without one and may land after the
 * person pressed Next. So a submission waits for the look-up first (`answerWithStep`),
 * within Slack's 3 seconds, and answers with the step complete; only a look-up slower than
 * that is shown after the answer, and `showLatest` then puts back a step it overwrote.
 */
import type { WebClient } from "@slack/web-api";
import { samePlace } from "../../../aws/targets.js";
import { beforeDeadline, TIMED_OUT } from "../../../deadline.js";
import type { Draft, DraftStore } from "../../../enable/drafts.js";
import { pendingLoad } from "../../../enable/wizard.js";
import type { SlackDeps } from "../../deps.js";
import type { ViewArgs } from "../../entries.js";
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

/**
 * How long a submission waits for its step's look-up before answering without it. Slack
 * drops a view_submission's answer after 3 s; the rest is for Redis and the way back.
 */
export const LOOK_UP_BEFORE_ANSWER_MS = 2_000;

const slackError = (err: unknown): string | undefined =>
  (err as { data?: { error?: string } }).data?.error;

type LookUpArgs = Pick<RefreshArgs, "deps" | "drafts" | "draft">;

const logOf = ({ deps, draft }: LookUpArgs) =>
  deps.log.child({ userId: draft.userId, draftId: draft.id, step: draft.step });

/**
 * Runs the step's look-up, if it has one, and saves its result to the draft. Resolves with
 * the draft as it is then, or undefined when there was nothing to look up, the person has
 * left the place it was for, or it failed (logged). Never rejects.
 */
function lookUp(args: LookUpArgs): Promise<Draft | undefined> | undefined {
  const { deps, drafts, draft } = args;
  const load = pendingLoad(draft, draftGateways(deps, draft));
  if (!load) return undefined;
  return (async () => {
    const patch = await load();
    // What was looked up in a place the person has since left belongs to no step now.
    if (!samePlaceAs(draft, await drafts.get(draft.id))) return undefined;
    if (!(await drafts.patch(draft.id, patch))) return undefined;
    return drafts.get(draft.id);
  })().catch((err: unknown) => {
    logOf(args).warn({ err }, "could not look up what the enable wizard's step needs");
    return undefined;
  });
}

/** Shows the draft's step again once `looked` has saved something to it; never throws. */
async function showWhenLooked(
  looked: Promise<Draft | undefined>,
  { deps, drafts, client, draft, viewId, hash }: RefreshArgs,
): Promise<void> {
  try {
    if (!(await looked)) return;
    await showLatest({ drafts, client, draftId: draft.id, step: draft.step, viewId, hash });
  } catch (err) {
    logOf({ deps, drafts, draft }).warn(
      { err, code: slackError(err) },
      "could not refresh the enable wizard's view",
    );
  }
}

/** After a view was shown with its hash known: the step's look-up, then the step again. */
export async function loadAndRefresh(args: RefreshArgs): Promise<void> {
  const looked = lookUp(args);
  if (looked) await showWhenLooked(looked, args);
}

/**
 * A submission's answer: the step the draft is at, with its look-up when that came within
 * `ms`; otherwise the step as it is, and the look-up shown once it comes, after the answer.
 */
export async function answerWithStep(
  args: LookUpArgs & { ack: ViewArgs["ack"]; client: WebClient; viewId: string },
  ms = LOOK_UP_BEFORE_ANSWER_MS,
): Promise<void> {
  const looked = lookUp(args);
  const inTime = looked ? await beforeDeadline(looked, ms) : undefined;
  const shown = inTime && inTime !== TIMED_OUT ? inTime : args.draft;
  await args.ack({ response_action: "update", view: stepView(shown) });
  if (looked && inTime === TIMED_OUT) await showWhenLooked(looked, args);
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
