/** The wizard's views by step: pure functions from a draft to the modal Slack shows. */
import type { ModalView } from "@slack/types";
import type { Draft, WizardStep } from "../../../enable/drafts.js";
import { dlqView } from "./dlq.js";
import { domainView } from "./domain.js";
import { instanceView } from "./instance.js";
import { keyView } from "./key.js";
import { reviewView } from "./review.js";

const VIEWS: Record<WizardStep, (draft: Draft) => ModalView> = {
  instance: instanceView,
  domain: domainView,
  dlq: dlqView,
  key: keyView,
  review: reviewView,
};

export const stepView = (draft: Draft, step: WizardStep = draft.step): ModalView =>
  VIEWS[step]({ ...draft, step });
