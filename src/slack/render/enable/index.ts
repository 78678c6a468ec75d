/** The wizard's views by step: pure functions from a draft to the modal Slack shows. */
import type { ModalView } from "@slack/types";
import type { Draft, WizardStep } from "../../../enable/drafts.js";
import { stepFor } from "../../../enable/wizard.js";
import { dlqView } from "./dlq.js";
import { domainView } from "./domain.js";
import { instanceView } from "./instance.js";
import { keyView } from "./key.js";
import { reviewView } from "./review.js";
import { targetView } from "./target.js";

const VIEWS: Record<WizardStep, (draft: Draft) => ModalView> = {
  target: targetView,
  instance: instanceView,
  domain: domainView,
  dlq: dlqView,
  key: keyView,
  review: reviewView,
};

/** A draft without a choice of places shows the instance step for the target step. */
export const stepView = (draft: Draft, step: WizardStep = draft.step): ModalView => {
  const shown = stepFor(draft, step);
  return VIEWS[shown]({ ...draft, step: shown });
};
