/**
 * The enable wizard's Slack ids, in one place: the views set them, the listeners are
 * registered under them (src/slack/views/enable/entries.ts). Block ids are the wizard's field
 * names (src/enable/wizard.ts), so a validation error lands next to its field without a
 * lookup table.
 */
import type { WizardStep } from "../../../enable/drafts.js";
import type { WizardField } from "../../../enable/wizard.js";

export const CALLBACK: Record<WizardStep, string> = {
  target: "enable_target",
  instance: "enable_instance",
  domain: "enable_domain",
  dlq: "enable_dlq",
  key: "enable_key",
  review: "enable_review",
};
/** A closing screen (expired draft, already running): nothing to submit. */
export const INFO_CALLBACK = "enable_info";

export const actionId = (field: WizardField): string => `enable_${field}`;
export const BACK_ACTION = "enable_back";

/** Elements that tell the bot at once when they change (dispatch_action), so it can re-render. */
export const DISPATCHING: readonly WizardField[] = [
  "instance",
  "domain_mode",
  "dlq_mode",
  "dlq_queue",
  "key_mode",
  "key_existing",
];

const STEP_BY_CALLBACK = new Map(
  Object.entries(CALLBACK).map(([step, id]) => [id, step as WizardStep]),
);

/** The step a view shows, from its callback id; undefined for any other view. */
export const stepOfCallback = (callbackId: string): WizardStep | undefined =>
  STEP_BY_CALLBACK.get(callbackId);
