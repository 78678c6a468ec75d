/**
 * The enable wizard's block actions: Back, and the elements that re-shape a step when they
 * change (the instance picker, the mode radios, the queue and key pickers). Each acks,
 * saves what was typed into the draft, shows the step again (views.update with the hash),
 * then runs the step's look-up, if any, and shows it once more.
 *
 * What the payload carries is bound to the modal by a server-side record: private_metadata
 * must be a draft id (a random UUID, checked with zod), and the draft must belong to the
 * clicker (views/enable/draft.ts); the typed values are checked again on submit. Anything
 * else shows the expired view and changes nothing.
 */
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { WizardStep } from "../../enable/drafts.js";
import { previousStep } from "../../enable/wizard.js";
import type { SlackDeps } from "../deps.js";
import type { ActionArgs, Entry } from "../entries.js";
import { expiredView } from "../render/enable/common.js";
import { actionId, BACK_ACTION, DISPATCHING, stepOfCallback } from "../render/enable/ids.js";
import { draftStore, saveTyped } from "../views/enable/draft.js";
import { loadAndRefresh, showLatest } from "../views/enable/refresh.js";

type ActionEntry = Extract<Entry, { kind: "action" }>;

/** The view's private_metadata: the draft's random id, which only the bot and the modal know. */
const draftIdSchema = z.uuid();

async function onWizardAction(
  { ack, body, client }: ActionArgs,
  deps: SlackDeps,
  move: (step: WizardStep) => WizardStep,
): Promise<void> {
  await ack();
  const { view, user } = body;
  const shown = view && stepOfCallback(view.callback_id);
  if (!view || !shown) return;
  const slack = client as WebClient;
  const drafts = draftStore(deps);
  try {
    // Not a draft id the bot made: no draft is read, the modal says it has expired.
    const next = draftIdSchema.safeParse(view.private_metadata).success
      ? await saveTyped(drafts, view, user.id, move(shown))
      : undefined;
    if (!next) {
      await slack.views.update({ view_id: view.id, hash: view.hash, view: expiredView() });
      return;
    }
    const viewId = view.id;
    const shownHash = await showLatest({
      drafts,
      client: slack,
      draftId: next.id,
      step: next.step,
      viewId,
      hash: view.hash,
    });
    await loadAndRefresh({
      deps,
      drafts,
      client: slack,
      draft: next,
      viewId,
      ...(shownHash ? { hash: shownHash } : {}),
    });
  } catch (err) {
    deps.log.warn({ err, userId: user.id, step: shown }, "enable wizard action failed");
  }
}

const wizardAction = (id: string, move: (step: WizardStep) => WizardStep): ActionEntry => ({
  kind: "action",
  id,
  permission: "enable",
  audited: false,
  handler: (args, deps) => onWizardAction(args, deps, move),
});

/** Back, and every element that dispatches: the step stays, re-shaped by the change. */
export const ENABLE_ACTION_ENTRIES: ActionEntry[] = [
  wizardAction(BACK_ACTION, previousStep),
  ...DISPATCHING.map((field) => wizardAction(actionId(field), (step) => step)),
];
