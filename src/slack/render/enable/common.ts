/**
 * What every step of the `/profiles enable` modal shares: the modal shell, the Back button,
 * Block Kit limits, the closing screens, and the inputs the steps are made of (mode radios,
 * text fields, pickers, a tick box, and what the look-up of a picked queue or key found).
 */
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { Draft, WizardStep } from "../../../enable/drafts.js";
import { MAX_FIELD_ERROR } from "../../../enable/validation.js";
import { type FieldErrors, stepNumber, type WizardField } from "../../../enable/wizard.js";
import { clip, code, esc, inert } from "../text.js";
import { actionId, BACK_ACTION, CALLBACK, DISPATCHING, INFO_CALLBACK } from "./ids.js";

/** Slack's limits (docs/slack/platform.md): builders clip to them so Slack never refuses a view. */
export const LIMIT = {
  blocks: 100,
  text: 3000,
  button: 24,
  option: 75,
  label: 2000,
} as const;

const plain = (text: string, max: number = LIMIT.label) => ({
  type: "plain_text" as const,
  text: clip(text, max),
  emoji: true,
});

const mrkdwn = (text: string) => ({ type: "mrkdwn" as const, text: clip(text, LIMIT.text) });

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

/**
 * A code block that stays inside one section's text limit: cleaned, clipped, escaped (Slack
 * reads `<…>` inside code too), and unable to close early.
 */
export const codeBlock = (text: string, room = LIMIT.text - 20): string =>
  `\`\`\`${esc(clip(text.replace(/```/g, "'''"), room))}\`\`\``;

/** Slack shows at most this many options in an external select. */
const MAX_OPTIONS = 100;

/**
 * A picker's options: the rows any of whose words hold what was typed (every row when nothing
 * was), in `sort` order when given, within Slack's 100.
 */
export function searchOptions<T>(
  rows: T[],
  query: string,
  how: {
    words: (row: T) => string[];
    toOption: (row: T) => PlainTextOption;
    sort?: (a: T, b: T) => number;
  },
): PlainTextOption[] {
  const q = query.trim().toLowerCase();
  const found = rows.filter((row) => !q || how.words(row).some((w) => w.toLowerCase().includes(q)));
  return (how.sort ? found.sort(how.sort) : found).slice(0, MAX_OPTIONS).map(how.toOption);
}

/** A picker's only option when it has none to offer: picking it makes the step say what to do. */
export const notice = (text: string): PlainTextOption[] => [option(text, "unavailable")];

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
  const { n, of } = stepNumber(draft, step);
  return {
    type: "modal",
    callback_id: CALLBACK[step],
    title: plain(`Enable Profiles (${n}/${of})`, LIMIT.button),
    close: plain("Cancel", LIMIT.button),
    ...(opts.submit ? { submit: plain(opts.submit, LIMIT.button) } : {}),
    // Only the draft id: everything else lives in the draft, in Redis.
    private_metadata: draft.id,
    // Leaves room for Slack's own checks: a longer view is cut at the end, never refused.
    blocks: blocks.slice(0, LIMIT.blocks),
  };
}

/** "*Step 2 of 5 · Customer Profiles domain*": the step's number among the draft's steps. */
export const stepHeading = (draft: Draft, step: WizardStep, title: string): string => {
  const { n, of } = stepNumber(draft, step);
  return `*Step ${n} of ${of} · ${title}*`;
};

/** Steps 2 to 4: their blocks, Back under them, and Next. */
export const middleStep = (step: WizardStep, draft: Draft, blocks: KnownBlock[]): ModalView =>
  modal(step, draft, [...blocks, backButton()], { submit: "Next" });

export function infoView(title: string, text: string): ModalView {
  return {
    type: "modal",
    callback_id: INFO_CALLBACK,
    title: plain(title, LIMIT.button),
    close: plain("Close", LIMIT.button),
    blocks: [section(text)],
  };
}

export const expiredView = (): ModalView =>
  infoView(
    "Enable Profiles",
    ":hourglass: This form expired (a draft is kept for an hour without changes). Nothing was created: run `/profiles enable` again.",
  );

const AGAIN = "Nothing was created: run `/profiles enable` again.";

/** Enable on a form whose account and region the bot no longer serves. */
export const placeGoneView = (): ModalView =>
  infoView(
    "Enable Profiles",
    `:warning: The bot no longer serves the AWS account and region this form was for. ${AGAIN}`,
  );

/** What the person is told when the modal didn't open, by Slack's error code. */
export function openFailureText(slackCode: string | undefined): string {
  switch (slackCode) {
    case "expired_trigger_id":
      return `:hourglass: Slack's request to open the form expired before the bot could open it (it lives 3 seconds). ${AGAIN}`;
    case "ratelimited":
    case "rate_limited":
    case "slack_webapi_rate_limited_error":
    case "timeout":
      return `:hourglass: Slack is rate limiting the bot right now, so the form didn't open. Nothing was created: run \`/profiles enable\` again in a minute.`;
    default:
      return `:warning: The form didn't open (Slack said ${code(slackCode ?? "unknown_error", 80)}). ${AGAIN}`;
  }
}

/** The draft could not be created (Redis), so the modal was never asked for. */
export const noDraftText = (reason: string): string => `:warning: ${inert(reason, 1000)} ${AGAIN}`;

/**
 * Errors for Slack's `response_action: errors`, block id → sentence. Slack takes only input
 * blocks of the view shown; an error for any other field lands on its first input.
 */
export function errorsForSlack(
  errors: FieldErrors,
  shown: { blocks: { type: string; block_id?: string }[] },
): Record<string, string> {
  const inputs = shown.blocks.filter((b) => b.type === "input").map((b) => b.block_id ?? "");
  const out: Record<string, string> = {};
  for (const [field, text] of Object.entries(errors)) {
    if (!text) continue;
    const target = inputs.includes(field) ? field : inputs[0];
    if (target) out[target] = out[target] ? `${out[target]} ${text}` : text;
  }
  // Each sentence is bounded where it is made; two on one field must not add up past it.
  for (const [block, text] of Object.entries(out)) out[block] = clip(text, MAX_FIELD_ERROR);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Inputs. The block id is the field; an element that re-shapes its step dispatches at once.

interface InputOptions {
  hint?: string;
  optional?: boolean;
}

function input(
  field: WizardField,
  label: string,
  element: Record<string, unknown>,
  opts: InputOptions = {},
): KnownBlock {
  return {
    type: "input",
    block_id: field,
    ...(DISPATCHING.includes(field) ? { dispatch_action: true } : {}),
    ...(opts.optional ? { optional: true } : {}),
    label: plain(label),
    ...(opts.hint ? { hint: plain(opts.hint) } : {}),
    element: { ...element, action_id: actionId(field) },
  } as KnownBlock;
}

/**
 * How a step's resource comes about (keep it, create it, pick one, none): one radio per mode
 * offered; none is selected when the current mode is not one of them.
 */
export const modeRadios = <M extends string>(
  field: WizardField,
  label: string,
  modes: Partial<Record<M, PlainTextOption>>,
  current: M,
): KnownBlock => {
  const selected = modes[current];
  return input(field, label, {
    type: "radio_buttons",
    options: Object.values(modes).filter(Boolean),
    ...(selected ? { initial_option: selected } : {}),
  });
};

export const textInput = (
  field: WizardField,
  label: string,
  value: string,
  opts?: InputOptions,
): KnownBlock => input(field, label, { type: "plain_text_input", initial_value: value }, opts);

/** An external select; an options listener answers what is typed into it. */
export const picker = (
  field: WizardField,
  label: string,
  placeholder: string,
  picked: PlainTextOption | undefined,
): KnownBlock =>
  input(field, label, {
    type: "external_select",
    placeholder: plain(placeholder, 150),
    min_query_length: 0,
    ...(picked ? { initial_option: picked } : {}),
  });

/** A static select of the options given (at most Slack's 100). */
export const choice = (
  field: WizardField,
  label: string,
  placeholder: string,
  options: PlainTextOption[],
  picked: PlainTextOption | undefined,
): KnownBlock =>
  input(field, label, {
    type: "static_select",
    placeholder: plain(placeholder, 150),
    options: options.slice(0, MAX_OPTIONS),
    ...(picked ? { initial_option: picked } : {}),
  });

export interface TickBox {
  field: WizardField;
  label: string;
  hint?: string;
  option: PlainTextOption;
  ticked: boolean | undefined;
}

export const tickBox = ({ field, label, hint, option: box, ticked }: TickBox): KnownBlock =>
  input(
    field,
    label,
    { type: "checkboxes", options: [box], ...(ticked ? { initial_options: [box] } : {}) },
    { optional: true, ...(hint ? { hint } : {}) },
  );
