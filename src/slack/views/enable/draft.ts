/**
 * The wizard's draft as the listeners reach it: the store, only the draft of the person it
 * was opened for, and what they typed, read back out of the view's state and saved first.
 */

import type { Gateways } from "../../../aws/gateways.js";
import type { Place } from "../../../aws/targets.js";
import {
  type Draft,
  type DraftPatch,
  type DraftStore,
  RedisDraftStore,
  type WizardStep,
} from "../../../enable/drafts.js";
import { applyTyped, parsePlaceValue, stepFor, type WizardField } from "../../../enable/wizard.js";
import { AppError } from "../../../errors.js";
import type { SlackDeps } from "../../deps.js";
import { actionId } from "../../render/enable/ids.js";

export const draftStore = (deps: SlackDeps): DraftStore =>
  new RedisDraftStore(deps.redis, deps.config.redis.prefix);

/**
 * The draft behind a view, only for the person it was opened for: Slack sends a view's
 * interactions from its owner alone, and this keeps it so if anything else ever does.
 */
export async function ownDraft(
  drafts: DraftStore,
  draftId: string,
  userId: string,
): Promise<Draft | undefined> {
  const draft = await drafts.get(draftId);
  return draft && draft.userId === userId ? draft : undefined;
}

/**
 * Reads the draft and saves what was typed (and the step it moves to, in the same write),
 * before anything else can fail.
 */
export async function saveTyped(
  drafts: DraftStore,
  view: { private_metadata: string; state?: { values?: unknown } },
  userId: string,
  step?: WizardStep,
): Promise<Draft | undefined> {
  const draft = await ownDraft(drafts, view.private_metadata, userId);
  if (!draft) return undefined;
  const typed = readTyped((view.state?.values ?? {}) as StateValues);
  const { draft: merged, patch } = applyTyped(draft, typed);
  const moved = step ? { step: stepFor(draft, step) } : {};
  await drafts.patch(draft.id, { ...patch, ...moved });
  return { ...merged, ...moved };
}

interface StateValue {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string } | null;
  selected_options?: { value?: string }[];
}
type StateValues = Record<string, Record<string, StateValue>>;

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
  /** A radio's value only when it is one the step offers: a forged one is left out. */
  const oneOf = <M extends string>(field: WizardField, modes: readonly M[]): M | undefined => {
    const v = selected(field);
    return modes.find((m) => m === v);
  };
  const ticked = (field: WizardField): boolean | undefined => {
    const v = read(field);
    return v ? (v.selected_options ?? []).length > 0 : undefined;
  };
  const defined = <T extends object>(o: T): Partial<T> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

  const patch: DraftPatch = {};
  const place = parsePlaceValue(selected("target") ?? "");
  if (place) patch.place = place;
  const instanceId = selected("instance");
  if (instanceId) patch.instanceId = instanceId;
  const domain = defined({
    mode: oneOf("domain_mode", ["new", "existing"] as const),
    name: text("domain_name"),
    days: text("domain_days"),
    existing: selected("domain_existing") || undefined,
    dataStore: ticked("domain_datastore"),
  });
  if (Object.keys(domain).length) patch.domain = domain as Draft["domain"];
  const dlq = defined({
    mode: oneOf("dlq_mode", ["keep", "none", "new", "existing"] as const),
    name: text("dlq_name"),
    retention: text("dlq_retention"),
    queue: selected("dlq_queue") || undefined,
    merge: ticked("dlq_merge"),
    redrive: ticked("dlq_redrive"),
  });
  if (Object.keys(dlq).length) patch.dlq = dlq as Draft["dlq"];
  const key = defined({
    mode: oneOf("key_mode", ["keep", "new", "existing", "aws-owned"] as const),
    alias: text("key_alias"),
    description: text("key_description"),
    keyId: selected("key_existing") || undefined,
    update: ticked("key_update"),
    confirmed: ticked("review_key_statement"),
  });
  if (Object.keys(key).length) patch.key = key as Draft["key"];
  const confirm = ticked("review_confirm");
  if (confirm !== undefined) patch.confirmRelink = confirm;
  const reencrypt = ticked("review_reencrypt");
  if (reencrypt !== undefined) patch.confirmReencrypt = reencrypt;
  return patch;
}

/**
 * Where the draft works, as long as the bot still serves it: the picked place, or the only
 * one there is for a draft made before the bot served several. Undefined otherwise.
 */
export function draftPlace(deps: SlackDeps, draft: Pick<Draft, "place">): Place | undefined {
  const places = deps.targets.places();
  const place = draft.place ?? (places.length === 1 ? places[0] : undefined);
  return place && deps.targets.targetOf(place) ? place : undefined;
}

/** The gateways for the draft's place, acting as its owner (the assumed role's session). */
export function draftGateways(deps: SlackDeps, draft: Draft): Gateways {
  const place = draftPlace(deps, draft);
  if (!place) {
    throw new AppError(
      "invalid_input",
      "The bot does not serve the account and region this form was for: run /profiles enable again.",
    );
  }
  return deps.targets.gateways(place, {
    type: "slack",
    userId: draft.userId,
    teamId: draft.teamId,
    channelId: draft.channelId,
  });
}
