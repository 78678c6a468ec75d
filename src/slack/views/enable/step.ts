/**
 * Next on every step before the review: saves what was typed before anything else, validates the step
 * (src/enable/wizard.ts) and answers with errors next to the fields or with the next step, at
 * what that step starts at (wizard.ts `advance`). The next step's look-up is waited for before
 * the answer, within Slack's 3 seconds, so the step is shown complete (views/enable/refresh.ts).
 */
import type { WebClient } from "@slack/web-api";
import type { WizardStep } from "../../../enable/drafts.js";
import { advance, validateStep } from "../../../enable/wizard.js";
import type { SlackDeps } from "../../deps.js";
import type { ViewArgs } from "../../entries.js";
import { errorsForSlack, expiredView } from "../../render/enable/common.js";
import { draftStore, saveTyped } from "./draft.js";
import { answerWithStep } from "./refresh.js";

export const onStepSubmit =
  (step: WizardStep) =>
  async ({ ack, view, body, client }: ViewArgs, deps: SlackDeps): Promise<void> => {
    const drafts = draftStore(deps);
    const draft = await saveTyped(drafts, view, body.user.id);
    if (!draft) return ack({ response_action: "update", view: expiredView() });
    const errors = validateStep(step, { ...draft, step });
    if (Object.values(errors).some(Boolean)) {
      return ack({ response_action: "errors", errors: errorsForSlack(errors, view) });
    }
    const { draft: next, patch } = advance(draft, step);
    await drafts.patch(draft.id, patch);
    await answerWithStep({
      deps,
      drafts,
      draft: next,
      ack,
      client: client as WebClient,
      viewId: view.id,
    });
  };
