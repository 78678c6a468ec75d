/**
 * The enable wizard's block actions: Back, and the elements that re-shape a step when they
 * change (the instance picker, the mode radios, the queue and key pickers). Each acks,
 * saves what was typed into the draft, shows the step again (views.update with the hash),
 * then runs the step's look-up, if any, and shows it once more.
 */
import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Draft, WizardStep } from "../../enable/drafts.js";
import { applyTyped, previousStep } from "../../enable/wizard.js";
import type { SlackDeps } from "../deps.js";
import {
  actionId,
  BACK_ACTION,
  CALLBACK,
  DISPATCHING,
  readTyped,
  stateOf,
} from "../views/enable/common.js";
import { loadAndRefresh, showLatest } from "../views/enable/refresh.js";
import { draftStore, expiredView, ownDraft } from "../views/enable/submit.js";

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const STEP_BY_CALLBACK = new Map(
  Object.entries(CALLBACK).map(([step, id]) => [id, step as WizardStep]),
);

async function onWizardAction(
  args: ActionArgs,
  deps: SlackDeps,
  move: (step: WizardStep) => WizardStep,
): Promise<void> {
  await args.ack();
  const view = args.body.view;
  const client = args.client as WebClient;
  const shown = view ? STEP_BY_CALLBACK.get(view.callback_id) : undefined;
  if (!view || !shown) return;
  const log = deps.log.child({ userId: args.body.user.id, step: shown });
  const drafts = draftStore(deps);
  try {
    const draft = await ownDraft(drafts, view.private_metadata, args.body.user.id);
    if (!draft) {
      await client.views.update({ view_id: view.id, hash: view.hash, view: expiredView() });
      return;
    }
    const { draft: merged, patch } = applyTyped(draft, readTyped(stateOf(view)));
    const next: Draft = { ...merged, step: move(shown) };
    await drafts.patch(draft.id, { ...patch, step: next.step });
    const hash = await showLatest({
      drafts,
      client,
      draftId: draft.id,
      step: next.step,
      viewId: view.id,
      hash: view.hash,
    });
    await loadAndRefresh({
      deps,
      drafts,
      client,
      draft: next,
      viewId: view.id,
      ...(hash ? { hash } : {}),
    });
  } catch (err) {
    log.warn({ err }, "enable wizard action failed");
  }
}

export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction>(BACK_ACTION, (args) => onWizardAction(args, deps, previousStep));
  for (const field of DISPATCHING) {
    app.action<BlockAction>(actionId(field), (args) => onWizardAction(args, deps, (s) => s));
  }
}
