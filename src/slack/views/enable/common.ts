/**
 * What every step of the `/profiles enable` modal shares: its ids, the modal shell, the
 * Back button, Block Kit limits, and reading what the person typed back out of a view's
 * state. Block ids are the wizard's field names (src/enable/wizard.ts), so a validation
 * error lands next to its field without a lookup table.
 */
import type { KnownBlock, ModalView, PlainTextOption, View } from "@slack/types";
import type { Draft, DraftPatch, WizardStep } from "../../../enable/drafts.js";
import type { FieldErrors, WizardField } from "../../../enable/wizard.js";
import type { Requirement } from "../../middleware/guard.js";

export const CALLBACK: Record<WizardStep, string> = {
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
/** External selects, whose options an options listener loads. */
export const EXTERNAL: readonly WizardField[] = [
  "instance",
  "domain_existing",
  "dlq_queue",
  "key_existing",
];

const STEP_NUMBER: Record<WizardStep, number> = {
  instance: 1,
  domain: 2,
  dlq: 3,
  key: 4,
  review: 5,
};

/** Slack's limits (FACTS.md): the builders clip to them rather than have Slack refuse a view. */
export const LIMIT = {
  blocks: 100,
  text: 3000,
  button: 24,
  option: 75,
  label: 2000,
} as const;

export const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

export const plain = (text: string, max: number = LIMIT.label) => ({
  type: "plain_text" as const,
  text: clip(text, max),
  emoji: true,
});

export const mrkdwn = (text: string) => ({ type: "mrkdwn" as const, text: clip(text, LIMIT.text) });

export const section = (text: string): KnownBlock => ({ type: "section", text: mrkdwn(text) });

export const context = (text: string): KnownBlock => ({
  type: "context",
  elements: [mrkdwn(text)],
});

export const option = (text: string, value: string, description?: string): PlainTextOption => ({
  text: plain(text, LIMIT.option),
  value: clip(value, LIMIT.option),
  ...(description ? { description: plain(description, LIMIT.option) } : {}),
});

/** Escapes what Slack's mrkdwn would read as markup in names people typed. */
export const esc = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A code block that stays inside one section's text limit. */
export const codeBlock = (text: string, room = LIMIT.text - 20): string =>
  `\`\`\`${clip(text.replace(/```/g, "'''"), room)}\`\`\``;

export const backButton = (): KnownBlock => ({
  type: "actions",
  block_id: "enable_nav",
  elements: [
    {
      type: "button",
      action_id: BACK_ACTION,
      text: plain("← Back", LIMIT.button),
      value: "back",
    },
  ],
});

export interface ShellOptions {
  /** Absent: no Submit button (a loading screen). */
  submit?: string;
}

export function modal(
  step: WizardStep,
  draft: Draft,
  blocks: KnownBlock[],
  opts: ShellOptions,
): ModalView {
  return {
    type: "modal",
    callback_id: CALLBACK[step],
    title: plain(`Enable Profiles (${STEP_NUMBER[step]}/5)`, LIMIT.button),
    close: plain("Cancel", LIMIT.button),
    ...(opts.submit ? { submit: plain(opts.submit, LIMIT.button) } : {}),
    // Only the draft id: everything else lives in the draft, in Redis.
    private_metadata: draft.id,
    // Leaves room for Slack's own checks: a longer view is cut at the end, never refused.
    blocks: blocks.slice(0, LIMIT.blocks),
  };
}

export function infoView(title: string, text: string): ModalView {
  return {
    type: "modal",
    callback_id: INFO_CALLBACK,
    title: plain(title, LIMIT.button),
    close: plain("Close", LIMIT.button),
    blocks: [section(text)],
  };
}

/** Errors for Slack's `response_action: errors`: block id → sentence. */
export const errorsForSlack = (errors: FieldErrors): Record<string, string> =>
  Object.fromEntries(Object.entries(errors).filter(([, v]) => v)) as Record<string, string>;

// ---------------------------------------------------------------------------------------------
// Reading the view's state back

interface StateValue {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string } | null;
  selected_options?: { value?: string }[];
}
type StateValues = Record<string, Record<string, StateValue>>;

export const stateOf = (view: View | { state?: { values?: unknown } } | undefined): StateValues =>
  ((view as { state?: { values?: StateValues } } | undefined)?.state?.values ?? {}) as StateValues;

/**
 * What the person typed on the step shown, as a draft patch. Only the fields present in
 * the view are read: a field of another step keeps its draft value.
 */
export function readTyped(values: StateValues): DraftPatch {
  const read = (field: WizardField): StateValue | undefined => values[field]?.[actionId(field)];
  const text = (field: WizardField): string | undefined => {
    const v = read(field);
    return v ? (v.value ?? "") : undefined;
  };
  const selected = (field: WizardField): string | undefined => {
    const v = read(field);
    return v ? (v.selected_option?.value ?? "") : undefined;
  };
  const ticked = (field: WizardField): boolean | undefined => {
    const v = read(field);
    return v ? (v.selected_options ?? []).length > 0 : undefined;
  };
  const defined = <T extends object>(o: T): Partial<T> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

  const patch: DraftPatch = {};
  const instanceId = selected("instance");
  if (instanceId) patch.instanceId = instanceId;
  const domain = defined({
    mode: selected("domain_mode") as "new" | "existing" | undefined,
    name: text("domain_name"),
    days: text("domain_days"),
    existing: selected("domain_existing") || undefined,
  });
  if (Object.keys(domain).length) patch.domain = domain as Draft["domain"];
  const dlq = defined({
    mode: selected("dlq_mode") as Draft["dlq"]["mode"] | undefined,
    name: text("dlq_name"),
    queue: selected("dlq_queue") || undefined,
    merge: ticked("dlq_merge"),
  });
  if (Object.keys(dlq).length) patch.dlq = dlq as Draft["dlq"];
  const key = defined({
    mode: selected("key_mode") as Draft["key"]["mode"] | undefined,
    alias: text("key_alias"),
    description: text("key_description"),
    keyId: selected("key_existing") || undefined,
    update: ticked("key_update"),
  });
  if (Object.keys(key).length) patch.key = key as Draft["key"];
  const confirm = ticked("review_confirm");
  if (confirm !== undefined) patch.confirmRelink = confirm;
  return patch;
}

/**
 * What the guard should require for the wizard's ids. Moving through the steps changes
 * nothing (and only the person who opened the form, which `/profiles enable` already
 * required the enable permission for, can send them); Enable on the review starts the job.
 * Spread into ID_PERMISSIONS (src/slack/permissions.ts).
 */
export const ENABLE_ID_PERMISSIONS: Record<string, Requirement> = {
  ...Object.fromEntries(
    [
      ...(["instance", "domain", "dlq", "key"] as const).map((s) => CALLBACK[s]),
      INFO_CALLBACK,
      BACK_ACTION,
      ...DISPATCHING.map(actionId),
      ...EXTERNAL.map(actionId),
    ].map((id) => [id, "enable" as const]),
  ),
  [CALLBACK.review]: "enable",
};

/** Wizard navigation: authorised like the wizard, but only the final submission is audited. */
export const ENABLE_NAVIGATION_IDS = Object.keys(ENABLE_ID_PERMISSIONS).filter(
  (id) => id !== CALLBACK.review,
);
