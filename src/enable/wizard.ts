/**
 * The `/profiles enable` wizard's rules, without Slack: the defaults each step shows, what
 * each step's fields must hold before the next step opens (sentences from names.ts), the
 * EnableInput a finished draft describes, and the AWS look-ups the steps need, each stored
 * into the draft by the caller. Listeners ack first and call these after.
 */
import { createHash } from "node:crypto";
import type { Gateways } from "../aws/gateways.js";
import { type Place, placeId, samePlace } from "../aws/targets.js";
import { asAppError } from "../errors.js";
import { parseInstanceArn } from "./arns.js";
import {
  type DomainCheck,
  type DomainDraft,
  type Draft,
  type DraftPatch,
  type InstanceRow,
  type KeyCheck,
  type KeyRow,
  type LinkCheck,
  type Loaded,
  type PlaceOption,
  type QueueCheck,
  type QueueRow,
  WIZARD_STEPS,
  type WizardStep,
} from "./drafts.js";
import { gatherFacts } from "./facts.js";
import {
  DEFAULT_RETENTION_DAYS,
  defaultAliasName,
  defaultDomainName,
  defaultQueueName,
  validateAliasName,
  validateDomainName,
  validateExpirationDays,
  validateQueueName,
  validateRetentionDays,
} from "./names.js";
import { buildPlan, type ConfirmationKind, type EnableInput, type Plan } from "./plan.js";
import {
  checkKeyPolicy,
  checkQueuePolicy,
  type DomainRef,
  dlqPolicyStatement,
  type KeyPolicyCheck,
  type QueuePolicyCheck,
} from "./policies.js";
import { parseEnableInput } from "./schema.js";

export const DEFAULT_EXPIRATION_DAYS = 366;
/** Lists for the pickers are reused this long, then looked up again. */
export const LIST_FRESH_MS = 5 * 60_000;
/** The plan's facts are trusted this long at submission; older ones are looked up again. */
export const FACTS_FRESH_MS = 10 * 60_000;

/** Every field a step validates; the Slack views use the same names as block ids. */
export type WizardField =
  | "target"
  | "instance"
  | "domain_mode"
  | "domain_name"
  | "domain_days"
  | "domain_existing"
  | "domain_datastore"
  | "dlq_mode"
  | "dlq_name"
  | "dlq_retention"
  | "dlq_queue"
  | "dlq_merge"
  | "dlq_redrive"
  | "key_mode"
  | "key_alias"
  | "key_description"
  | "key_existing"
  | "key_update"
  | "review_confirm"
  | "review_key_statement"
  | "review_reencrypt";

export type FieldErrors = Partial<Record<WizardField, string>>;

export const KEY_DESCRIPTION_MAX = 8192;

// ---------------------------------------------------------------------------------------------
// Where the wizard works

/** The target step is shown only when there is a choice to make. */
export const hasTargetStep = (draft: Pick<Draft, "places">): boolean =>
  (draft.places?.length ?? 0) > 1;

/** The steps this draft goes through: all of them, or all but the target step. */
export const stepsOf = (draft: Pick<Draft, "places">): readonly WizardStep[] =>
  hasTargetStep(draft) ? WIZARD_STEPS : WIZARD_STEPS.filter((s) => s !== "target");

/** "Step 2 of 6": the step's number among the draft's steps. */
export function stepNumber(
  draft: Pick<Draft, "places">,
  step: WizardStep,
): { n: number; of: number } {
  const steps = stepsOf(draft);
  return { n: steps.indexOf(step) + 1, of: steps.length };
}

/** The step a move lands on: a draft without a target step stays at the instance. */
export const stepFor = (draft: Pick<Draft, "places">, step: WizardStep): WizardStep =>
  step === "target" && !hasTargetStep(draft) ? "instance" : step;

/** The offered place the draft works in; undefined until one is picked. */
export const chosenPlace = (draft: Pick<Draft, "place" | "places">): PlaceOption | undefined => {
  const { place } = draft;
  if (!place) return undefined;
  return draft.places?.find((p) => samePlace(p, place)) ?? { ...place, label: placeId(place) };
};

/** `111122223333.us-east-1` read back from the target picker; undefined for anything else. */
export function parsePlaceValue(text: string): Place | undefined {
  const match = /^(\d{12})\.([a-z]{2}(?:-[a-z]+)+-\d)$/.exec(text);
  return match ? { account: match[1] as string, region: match[2] as string } : undefined;
}

/**
 * Everything the draft looked up or picked in the place it leaves: another account or region
 * has other instances, domains, queues and keys. Loads are written as old (`at` 0, nothing in
 * them) so each step looks up afresh, since a patch can't remove a field.
 */
function leavePlace(next: Draft): void {
  const never = new Date(0).toISOString();
  Object.assign(next, {
    instanceId: "",
    instances: { at: never },
    domains: { at: never },
    queues: { at: never },
    keys: { at: never },
    queueCheck: { name: "", at: never },
    keyCheck: { keyId: "", at: never },
    domainCheck: { name: "", at: never },
    facts: { for: "", at: never },
    domain: { mode: "new" },
    dlq: { mode: "new" },
    key: { mode: "new" },
    confirmRelink: false,
    confirmReencrypt: false,
  } satisfies DraftPatch);
}

/** The sections `leavePlace` rewrites, written whole when the place changes. */
const placeSections = (draft: Draft): DraftPatch => ({
  place: draft.place,
  instanceId: draft.instanceId,
  instances: draft.instances,
  domains: draft.domains,
  queues: draft.queues,
  keys: draft.keys,
  queueCheck: draft.queueCheck,
  keyCheck: draft.keyCheck,
  domainCheck: draft.domainCheck,
  facts: draft.facts,
});

// ---------------------------------------------------------------------------------------------
// Reading the draft

export const chosenInstance = (draft: Draft): InstanceRow | undefined =>
  draft.instanceId ? draft.instances?.value?.find((i) => i.id === draft.instanceId) : undefined;

export const instanceLabel = (instance: InstanceRow): string => instance.alias ?? instance.id;

/** The instance's current domain, once looked up for the instance now picked. */
export const currentLink = (draft: Draft): LinkCheck | undefined => {
  const instance = chosenInstance(draft);
  return instance && draft.linked?.instanceArn === instance.arn ? draft.linked : undefined;
};

export const defaultDomainFor = (draft: Draft): string => {
  const instance = chosenInstance(draft);
  return defaultDomainName(instance?.alias ?? instance?.id);
};

/** The domain the draft points at: the typed (or default) new name, or the existing pick. */
export const domainNameOf = (draft: Draft): string =>
  draft.domain.mode === "existing"
    ? (draft.domain.existing ?? "")
    : (draft.domain.name ?? defaultDomainFor(draft)).trim();

export const queueNameOf = (draft: Draft): string =>
  (draft.dlq.name ?? defaultQueueName(domainNameOf(draft))).trim();

export const aliasOf = (draft: Draft): string =>
  (draft.key.alias ?? defaultAliasName(domainNameOf(draft))).trim();

export const keyDescriptionOf = (draft: Draft): string =>
  draft.key.description ?? `Customer Profiles domain ${domainNameOf(draft)}`;

export const daysOf = (draft: Draft): string =>
  draft.domain.days ?? String(DEFAULT_EXPIRATION_DAYS);

export const retentionOf = (draft: Draft): string =>
  draft.dlq.retention ?? String(DEFAULT_RETENTION_DAYS);

/**
 * How a picker names a queue: its name, or (for names longer than a Slack option value may
 * be) a shortened name with a digest, which `pickedQueue` resolves against the queue list.
 */
export const queueRef = (name: string): string =>
  name.length <= OPTION_VALUE_MAX
    ? name
    : `${name.slice(0, 60)}~${createHash("sha256").update(name).digest("hex").slice(0, 12)}`;

const OPTION_VALUE_MAX = 75;

export const pickedQueue = (draft: Draft): QueueRow | undefined =>
  draft.dlq.queue
    ? draft.queues?.value?.find((q) => queueRef(q.name) === draft.dlq.queue)
    : undefined;

export const pickedKey = (draft: Draft): KeyRow | undefined =>
  draft.key.keyId ? draft.keys?.value?.find((k) => k.keyId === draft.key.keyId) : undefined;

/** The picked queue's check, once it was made for the queue picked now. */
export const currentQueueCheck = (draft: Draft): QueueCheck | undefined =>
  draft.dlq.mode === "existing" && draft.dlq.queue && draft.queueCheck?.name === draft.dlq.queue
    ? draft.queueCheck
    : undefined;

/** What the existing domain uses now, once read for the domain picked now. */
export const currentDomainCheck = (draft: Draft): DomainCheck | undefined =>
  draft.domain.mode === "existing" &&
  draft.domain.existing &&
  draft.domainCheck?.name === draft.domain.existing
    ? draft.domainCheck
    : undefined;

export const currentKeyCheck = (draft: Draft): KeyCheck | undefined =>
  draft.key.mode === "existing" && draft.key.keyId && draft.keyCheck?.keyId === draft.key.keyId
    ? draft.keyCheck
    : undefined;

const domainRefOf = (draft: Draft): DomainRef | undefined => {
  const instance = chosenInstance(draft);
  const parsed = instance ? parseInstanceArn(instance.arn) : undefined;
  if (!parsed?.ok) return undefined;
  return {
    accountId: parsed.value.accountId,
    region: parsed.value.region,
    domainName: domainNameOf(draft),
  };
};

/** Does the picked queue's policy let Customer Profiles send to it, for this domain? */
export const queuePolicyStatus = (draft: Draft): QueuePolicyCheck | undefined => {
  const check = currentQueueCheck(draft);
  const ref = domainRefOf(draft);
  if (!check?.arn || check.error || !ref) return undefined;
  return checkQueuePolicy(check.policy, dlqPolicyStatement({ ...ref, queueArn: check.arn }));
};

/** Does the picked key's policy let Customer Profiles use it? Undefined until it was read. */
export const keyPolicyStatus = (draft: Draft): KeyPolicyCheck | undefined => {
  const check = currentKeyCheck(draft);
  const ref = domainRefOf(draft);
  if (!check || check.error || !ref) return undefined;
  return checkKeyPolicy(check.policy, ref);
};

// ---------------------------------------------------------------------------------------------
// Moving between steps

// The first step has no previous one and the review no next one: each stays where it is.
export const previousStep = (step: WizardStep): WizardStep =>
  WIZARD_STEPS[WIZARD_STEPS.indexOf(step) - 1] ?? step;

export const nextStep = (step: WizardStep): WizardStep =>
  WIZARD_STEPS[WIZARD_STEPS.indexOf(step) + 1] ?? step;

/**
 * Merges what was typed into the draft. When the instance or domain changes, names still
 * at the old default follow the new one, so a person who goes Back and picks another
 * instance is not left with `amazon-connect-<the old one>`.
 */
export function applyTyped(draft: Draft, typed: DraftPatch): { draft: Draft; patch: DraftPatch } {
  const next: Draft = {
    ...draft,
    ...typed,
    domain: { ...draft.domain, ...typed.domain },
    dlq: { ...draft.dlq, ...typed.dlq },
    key: { ...draft.key, ...typed.key },
  };
  const moved = typed.place !== undefined && !(draft.place && samePlace(draft.place, typed.place));
  if (moved) {
    leavePlace(next);
    return { draft: next, patch: { ...placeSections(next), ...inputSections(next) } };
  }
  if (typed.instanceId !== undefined && typed.instanceId !== draft.instanceId) {
    if (next.domain.name !== undefined && next.domain.name.trim() === defaultDomainFor(draft)) {
      next.domain = { ...next.domain, name: defaultDomainFor(next) };
    }
    next.confirmRelink = false;
  }
  // The domain step was answered: anything but the proposal is the person's own choice.
  if (typed.domain?.mode !== undefined) {
    next.domain = { ...next.domain, chosen: !isProposedDomain(next) };
  }
  // A redrive confirmation names one queue's target: picking another queue asks again.
  if (next.dlq.queue !== draft.dlq.queue) next.dlq = { ...next.dlq, redrive: false };
  // Ticks were for one key: another key is checked, and confirmed, afresh.
  if (typed.key?.keyId !== undefined && typed.key.keyId !== draft.key.keyId) {
    next.key = {
      ...next.key,
      confirmed: typed.key.confirmed ?? false,
      update: typed.key.update ?? false,
    };
  }
  followDomain(draft, next);
  // The input sections are small and only the person's own requests write them.
  return { draft: next, patch: { ...typed, ...inputSections(next) } };
}

/** The sections a person's request writes whole (Draft's doc: loads never write them). */
const inputSections = (draft: Draft): DraftPatch => ({
  domain: draft.domain,
  dlq: draft.dlq,
  key: draft.key,
  confirmRelink: draft.confirmRelink,
  confirmReencrypt: draft.confirmReencrypt === true,
});

/**
 * What follows from the domain changing between `draft` and `next` (in place on `next`):
 * the queue and key modes, the re-encryption tick, and the queue and alias names still at
 * the old domain's default.
 */
function followDomain(draft: Draft, next: Draft): void {
  if (next.domain.mode !== draft.domain.mode) keepFollowsDomain(next);
  const oldDomain = domainNameOf(draft);
  const newDomain = domainNameOf(next);
  if (
    newDomain !== oldDomain ||
    next.key.mode !== draft.key.mode ||
    next.key.keyId !== draft.key.keyId
  ) {
    next.confirmReencrypt = false;
  }
  if (newDomain !== oldDomain) {
    if (next.dlq.name !== undefined && next.dlq.name.trim() === defaultQueueName(oldDomain)) {
      next.dlq = { ...next.dlq, name: defaultQueueName(newDomain) };
    }
    if (next.key.alias !== undefined && next.key.alias.trim() === defaultAliasName(oldDomain)) {
      next.key = { ...next.key, alias: defaultAliasName(newDomain) };
    }
  }
}

/**
 * The domain the wizard proposes for the picked instance: the one it is linked to now, as
 * the AWS console does when Customer Profiles is already on for an instance (a new domain
 * would move the instance away from its profiles), else a new one.
 */
export const proposedDomain = (draft: Draft): string | undefined => currentLink(draft)?.domain;

/** Is the domain step at the proposal: the linked domain, or a new one at its default name? */
function isProposedDomain(draft: Draft): boolean {
  const linked = proposedDomain(draft);
  const { mode, name, existing } = draft.domain;
  if (linked) return mode === "existing" && existing === linked;
  return mode === "new" && (name === undefined || name.trim() === defaultDomainFor(draft));
}

/**
 * Next, from `step`: the step it moves to and what that step starts at. The domain step
 * starts at the proposal (proposedDomain) unless the person chose a domain themselves, so
 * going Back and picking another instance proposes that instance's domain. The instance
 * step only lets Next through once the link was looked up (validateInstanceStep).
 */
export function advance(draft: Draft, step: WizardStep): { draft: Draft; patch: DraftPatch } {
  const to = nextStep(step);
  if (to !== "domain" || draft.domain.chosen) {
    return { draft: { ...draft, step: to }, patch: { step: to } };
  }
  const next: Draft = { ...draft, step: to, domain: proposeDomain(draft) };
  followDomain(draft, next);
  return { draft: next, patch: { ...inputSections(next), step: to } };
}

function proposeDomain(draft: Draft): DomainDraft {
  const linked = proposedDomain(draft);
  if (linked) return { ...draft.domain, mode: "existing", existing: linked, chosen: false };
  // An existing domain proposed for the instance picked before is not this one's.
  const existing = draft.domain.mode === "existing" ? undefined : draft.domain.existing;
  return { ...draft.domain, mode: "new", existing, chosen: false };
}

/**
 * An existing domain already has a queue and a key (or none): the queue and key steps start
 * at keeping them, whatever was chosen for a new domain, since "none" or "AWS owned" would
 * now remove what it has. Back to a new domain, there is nothing to keep.
 */
function keepFollowsDomain(next: Draft): void {
  if (next.domain.mode === "existing") {
    next.dlq = { ...next.dlq, mode: "keep" };
    next.key = { ...next.key, mode: "keep" };
    return;
  }
  if (next.dlq.mode === "keep") next.dlq = { ...next.dlq, mode: "new" };
  if (next.key.mode === "keep") next.key = { ...next.key, mode: "new" };
}

// ---------------------------------------------------------------------------------------------
// Validating a step before the next one opens

export function validateStep(step: WizardStep, draft: Draft): FieldErrors {
  switch (step) {
    case "target":
      return validateTargetStep(draft);
    case "instance":
      return validateInstanceStep(draft);
    case "domain":
      return validateDomainStep(draft);
    case "dlq":
      return validateDlqStep(draft);
    case "key":
      return validateKeyStep(draft);
    case "review":
      return {};
  }
}

function validateTargetStep(draft: Draft): FieldErrors {
  const { place } = draft;
  if (!place) return { target: "Pick the AWS account and region to work in." };
  if (!draft.places?.some((p) => samePlace(p, place))) {
    return {
      target: "The bot does not serve this account and region: pick one from the list.",
    };
  }
  return {};
}

function validateInstanceStep(draft: Draft): FieldErrors {
  if (!draft.instanceId) return { instance: "Pick the Amazon Connect instance to enable." };
  const instance = chosenInstance(draft);
  if (!instance) {
    return {
      instance:
        "The bot can't find this instance in the list any more: open the list and pick it again.",
    };
  }
  if (instance.status !== "ACTIVE") {
    return {
      instance: `Instance ${instanceLabel(instance)} is ${instance.status}: only an ACTIVE instance can use Customer Profiles. Pick another one, or wait until it is ACTIVE.`,
    };
  }
  const arn = parseInstanceArn(instance.arn);
  if (!arn.ok) {
    return { instance: `The instance's ARN '${instance.arn}' can't be read: pick it again.` };
  }
  const where = { account: arn.value.accountId, region: arn.value.region };
  if (draft.place && !samePlace(where, draft.place)) {
    return {
      instance: "This instance is in another account or region than the one picked: pick it again.",
    };
  }
  // The domain step proposes the domain the instance is linked to, so it needs the answer.
  if (!currentLink(draft)) {
    return {
      instance:
        "The bot is still checking which domain this instance is linked to: wait a moment and press Next again.",
    };
  }
  return {};
}

function validateDomainStep(draft: Draft): FieldErrors {
  const errors: FieldErrors = {};
  const existing = draft.domains?.value;
  if (draft.domain.mode === "existing") {
    const name = draft.domain.existing;
    if (!name) errors.domain_existing = "Pick the domain to use.";
    else if (existing && !existing.includes(name)) {
      errors.domain_existing = `Domain '${name}' no longer exists: pick another, or create a new one.`;
    }
    return errors;
  }
  const name = validateDomainName(draft.domain.name ?? defaultDomainFor(draft));
  if (!name.ok) errors.domain_name = name.error;
  else if (existing?.includes(name.value)) {
    errors.domain_name = `A domain named '${name.value}' already exists: choose another name, or pick "Use an existing domain".`;
  }
  const days = validateExpirationDays(daysOf(draft));
  if (!days.ok) errors.domain_days = days.error;
  return errors;
}

/** "Keep" is offered for an existing domain only; a forged or stale one gets a sentence. */
const keepWithoutDomain = (draft: Draft): string | undefined =>
  draft.domain.mode === "existing"
    ? undefined
    : "A new domain has nothing to keep: choose what it should use.";

function validateDlqStep(draft: Draft): FieldErrors {
  const errors: FieldErrors = {};
  if (draft.dlq.mode === "keep") {
    const wrong = keepWithoutDomain(draft);
    return wrong ? { dlq_mode: wrong } : {};
  }
  if (draft.dlq.mode === "new") {
    const name = validateQueueName(queueNameOf(draft));
    if (!name.ok) errors.dlq_name = name.error;
    const days = validateRetentionDays(retentionOf(draft));
    if (!days.ok) errors.dlq_retention = days.error;
  }
  if (draft.dlq.mode === "existing") {
    if (!draft.dlq.queue) return { dlq_queue: "Pick the queue to use as the dead-letter queue." };
    const check = currentQueueCheck(draft);
    if (check?.error) errors.dlq_queue = check.error;
    else if (check && !check.url) {
      errors.dlq_queue = `Queue ${draft.dlq.queue} no longer exists: pick another one.`;
    } else if (!check?.arn) {
      errors.dlq_queue =
        "The bot is still reading this queue's policy: wait a moment and press Next again.";
    } else if (queuePolicyStatus(draft)?.ok === false && !draft.dlq.merge) {
      errors.dlq_merge =
        "This queue's policy doesn't let Customer Profiles send to it: tick the box to merge the statement in, or pick another queue.";
    }
    if (check?.redrive && !draft.dlq.redrive) {
      errors.dlq_redrive = `This queue moves a message on to another queue after ${check.redrive.maxReceiveCount} receives, and scans count as receives: tick the box to use it anyway, or pick another queue.`;
    }
  }
  return errors;
}

function validateKeyStep(draft: Draft): FieldErrors {
  const errors: FieldErrors = {};
  if (draft.key.mode === "keep") {
    const wrong = keepWithoutDomain(draft);
    return wrong ? { key_mode: wrong } : {};
  }
  if (draft.key.mode === "aws-owned") return errors;
  if (draft.key.mode === "new") {
    const alias = validateAliasName(aliasOf(draft));
    if (!alias.ok) errors.key_alias = alias.error;
    if (keyDescriptionOf(draft).length > KEY_DESCRIPTION_MAX) {
      errors.key_description = `Use at most ${KEY_DESCRIPTION_MAX} characters for the description.`;
    }
    return errors;
  }
  if (!draft.key.keyId) return { key_existing: "Pick the key to encrypt the domain with." };
  const check = currentKeyCheck(draft);
  if (check?.error) errors.key_existing = check.error;
  else if (check && !check.arn) {
    errors.key_existing = "This key no longer exists: pick another one.";
  } else if (!check) {
    errors.key_existing =
      "The bot is still reading this key's policy: wait a moment and press Next again.";
  }
  // A key policy that lacks the statement is not refused here: the review shows the
  // statement to send to the key's administrator and blocks until it is there or allowed.
  return errors;
}

// ---------------------------------------------------------------------------------------------
// The plan

/** The plan's input; an error sentence when the draft is missing something a step checks. */
export function enableInputOf(
  draft: Draft,
): { ok: true; value: EnableInput } | { ok: false; error: string } {
  const instance = chosenInstance(draft);
  if (!instance) return { ok: false, error: "Pick an instance first (go Back to step 1)." };
  const domainName = domainNameOf(draft);
  const days = validateExpirationDays(daysOf(draft));
  const retention = validateRetentionDays(retentionOf(draft));
  const queue = currentQueueCheck(draft);
  const key = currentKeyCheck(draft);
  const raw: EnableInput = {
    instance: {
      id: instance.id,
      arn: instance.arn,
      ...(instance.alias ? { alias: instance.alias } : {}),
    },
    domain:
      draft.domain.mode === "existing"
        ? { mode: "existing", name: domainName }
        : {
            mode: "new",
            name: domainName,
            expirationDays: days.ok ? days.value : Number.NaN,
            dataStore: draft.domain.dataStore === true,
          },
    dlq:
      draft.dlq.mode === "keep" || draft.dlq.mode === "none"
        ? { mode: draft.dlq.mode }
        : draft.dlq.mode === "new"
          ? {
              mode: "new",
              name: queueNameOf(draft),
              retentionDays: retention.ok ? retention.value : Number.NaN,
            }
          : {
              mode: "existing",
              url: queue?.url ?? "",
              arn: queue?.arn ?? "",
              mergePolicy: draft.dlq.merge === true,
              confirmRedrive: draft.dlq.redrive === true,
            },
    key:
      draft.key.mode === "new"
        ? { mode: "new", alias: aliasOf(draft), description: keyDescriptionOf(draft) }
        : draft.key.mode === "aws-owned" || draft.key.mode === "keep"
          ? { mode: draft.key.mode }
          : {
              mode: "existing",
              keyId: draft.key.keyId ?? "",
              arn: key?.arn ?? pickedKey(draft)?.arn ?? "",
              updatePolicy: draft.key.update === true,
              confirmedStatement: draft.key.confirmed === true,
              ...(pickedKey(draft)?.aliases[0] ? { alias: pickedKey(draft)?.aliases[0] } : {}),
            },
    confirmRelink: draft.confirmRelink,
    confirmReencrypt: draft.confirmReencrypt === true,
    channelId: draft.channelId,
    requestedBy: draft.userId,
  };
  if (raw.domain.mode === "new" && !days.ok) return { ok: false, error: days.error };
  if (raw.dlq.mode === "new" && !retention.ok) return { ok: false, error: retention.error };
  if (raw.dlq.mode === "existing" && !raw.dlq.url)
    return { ok: false, error: "Pick the dead-letter queue again (go Back to step 3)." };
  if (raw.key.mode === "existing" && !raw.key.arn)
    return { ok: false, error: "Pick the KMS key again (go Back to step 4)." };
  return parseEnableInput(raw);
}

/** The facts depend on these choices only; a confirmation tick does not need new facts. */
export function factsKey(input: EnableInput): string {
  const { instance, domain, dlq, key } = input;
  return JSON.stringify({
    i: instance.arn,
    d: [domain.mode, domain.name],
    q: dlq.mode === "existing" ? dlq.url : dlq.mode,
    k: key.mode === "existing" ? key.arn : key.mode === "new" ? key.alias : key.mode,
  });
}

export type ReviewState =
  | { kind: "loading" }
  | { kind: "failed"; error: string }
  | { kind: "ready"; input: EnableInput; plan: Plan; factsAt: string };

/** What the review step shows now, from the draft alone (no AWS call). */
export function reviewState(draft: Draft, now = Date.now()): ReviewState {
  const input = enableInputOf(draft);
  if (!input.ok) return { kind: "failed", error: input.error };
  const facts = draft.facts;
  if (!facts || facts.for !== factsKey(input.value)) return { kind: "loading" };
  if (facts.error || !facts.facts) return { kind: "failed", error: facts.error ?? "No facts." };
  if (now - Date.parse(facts.at) > FACTS_FRESH_MS) return { kind: "loading" };
  return {
    kind: "ready",
    input: input.value,
    plan: buildPlan(input.value, facts.facts),
    factsAt: facts.at,
  };
}

/** The review's box for each confirmation a plan can ask for. */
export const CONFIRMATION_FIELD: Record<ConfirmationKind, WizardField> = {
  relink: "review_confirm",
  "key-statement": "review_key_statement",
  reencrypt: "review_reencrypt",
};

// ---------------------------------------------------------------------------------------------
// Look-ups (each returns the draft section to store; none throws)

export type WizardGateways = Pick<Gateways, "connect" | "profiles" | "sqs" | "kms">;

const stamp = () => new Date().toISOString();

async function loaded<T>(read: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { at: stamp(), value: await read() };
  } catch (err) {
    return { at: stamp(), error: asAppError(err).userMessage };
  }
}

export const isFresh = (item: { at: string; error?: string } | undefined, now = Date.now()) =>
  item !== undefined && !item.error && now - Date.parse(item.at) < LIST_FRESH_MS;

export const loadInstances = (gateways: WizardGateways): Promise<Loaded<InstanceRow[]>> =>
  loaded(async () =>
    (await gateways.connect.listInstances()).map((i) => ({
      id: i.id,
      arn: i.arn,
      ...(i.alias ? { alias: i.alias } : {}),
      status: i.status,
    })),
  );

export const loadDomains = (gateways: WizardGateways): Promise<Loaded<string[]>> =>
  loaded(async () => (await gateways.profiles.listDomains()).map((d) => d.name).sort());

export const loadQueues = (gateways: WizardGateways): Promise<Loaded<QueueRow[]>> =>
  loaded(async () =>
    (await gateways.sqs.listQueues())
      .map((url) => ({ url, name: url.split("/").filter(Boolean).pop() ?? url }))
      // A FIFO queue can't be a domain's dead-letter queue.
      .filter((q) => !q.name.endsWith(".fifo"))
      .sort((a, b) => a.name.localeCompare(b.name)),
  );

export const loadKeys = (gateways: WizardGateways): Promise<Loaded<KeyRow[]>> =>
  loaded(async () => await gateways.kms.listCustomerKeys());

export async function loadLink(gateways: WizardGateways, instanceArn: string): Promise<LinkCheck> {
  try {
    const domain = await gateways.profiles.domainForInstance(instanceArn);
    return { instanceArn, at: stamp(), ...(domain ? { domain } : {}) };
  } catch (err) {
    return { instanceArn, at: stamp(), error: asAppError(err).userMessage };
  }
}

/** `name` is the picker's reference (queueRef); the URL comes from the queue list. */
export async function loadQueueCheck(
  gateways: WizardGateways,
  name: string,
  url: string,
): Promise<QueueCheck> {
  try {
    const info = await gateways.sqs.queueInfo(url);
    if (!info) return { name, at: stamp() };
    return {
      name,
      at: stamp(),
      url: info.url,
      arn: info.arn,
      ...(info.policy ? { policy: info.policy } : {}),
      ...(info.retentionSeconds !== undefined ? { retentionSeconds: info.retentionSeconds } : {}),
      ...(info.redrive ? { redrive: info.redrive } : {}),
    };
  } catch (err) {
    return { name, at: stamp(), error: asAppError(err).userMessage };
  }
}

export async function loadDomainCheck(
  gateways: WizardGateways,
  name: string,
): Promise<DomainCheck> {
  try {
    const domain = await gateways.profiles.getDomain(name);
    if (!domain) return { name, at: stamp(), found: false };
    return {
      name,
      at: stamp(),
      found: true,
      ...(domain.deadLetterQueueUrl ? { deadLetterQueueUrl: domain.deadLetterQueueUrl } : {}),
      ...(domain.encryptionKey ? { encryptionKey: domain.encryptionKey } : {}),
      profileCount: domain.stats.profileCount,
    };
  } catch (err) {
    return { name, at: stamp(), error: asAppError(err).userMessage };
  }
}

export async function loadKeyCheck(gateways: WizardGateways, keyId: string): Promise<KeyCheck> {
  try {
    const info = await gateways.kms.describeKey(keyId);
    if (!info) return { keyId, at: stamp() };
    let policy: string | undefined;
    try {
      policy = await gateways.kms.getKeyPolicy(info.keyId);
    } catch (err) {
      // Someone else's key often hides its policy; the review then shows what to ask for.
      if (asAppError(err).code !== "aws_access_denied") throw err;
    }
    return {
      keyId,
      at: stamp(),
      arn: info.arn,
      state: info.state,
      manager: info.manager,
      spec: info.spec,
      usage: info.usage,
      ...(policy ? { policy } : {}),
    };
  } catch (err) {
    return { keyId, at: stamp(), error: asAppError(err).userMessage };
  }
}

/** The facts for the review; stored in the draft under the input they were gathered for. */
export async function loadFacts(
  gateways: WizardGateways,
  input: EnableInput,
): Promise<NonNullable<Draft["facts"]>> {
  const key = factsKey(input);
  try {
    return { for: key, at: stamp(), facts: await gatherFacts(gateways, input) };
  } catch (err) {
    return { for: key, at: stamp(), error: asAppError(err).userMessage };
  }
}

/**
 * What the current step still needs looked up, as a draft patch once done (undefined when
 * nothing is missing). The listener shows the step first, then runs this and shows it again.
 * The queue and key steps of an existing domain also read what it uses now, beside their own.
 */
export function pendingLoad(
  draft: Draft,
  gateways: WizardGateways,
): (() => Promise<DraftPatch>) | undefined {
  const own = stepLoad(draft, gateways);
  const name = draft.domain.existing;
  const check = currentDomainCheck(draft);
  const needsDomain =
    (draft.step === "dlq" || draft.step === "key") &&
    draft.domain.mode === "existing" &&
    name &&
    (!check || check.error);
  if (!needsDomain) return own;
  return async () => {
    const [patch, domainCheck] = await Promise.all([
      own ? own() : Promise.resolve({}),
      loadDomainCheck(gateways, name),
    ]);
    return { ...patch, domainCheck };
  };
}

function stepLoad(draft: Draft, gateways: WizardGateways): (() => Promise<DraftPatch>) | undefined {
  switch (draft.step) {
    case "target":
      return undefined;
    case "instance": {
      // Warmed when the wizard opens in its only place; picked places load it here.
      if (!draft.instanceId) {
        return isFresh(draft.instances)
          ? undefined
          : async () => ({ instances: await loadInstances(gateways) });
      }
      const instance = chosenInstance(draft);
      if (!instance) {
        return async () => {
          const instances = await loadInstances(gateways);
          const found = instances.value?.find((i) => i.id === draft.instanceId);
          return {
            instances,
            ...(found ? { linked: await loadLink(gateways, found.arn) } : {}),
          };
        };
      }
      if (currentLink(draft)) return undefined;
      return async () => ({ linked: await loadLink(gateways, instance.arn) });
    }
    case "domain":
      return isFresh(draft.domains)
        ? undefined
        : async () => ({ domains: await loadDomains(gateways) });
    case "dlq": {
      const name = draft.dlq.queue;
      const needsCheck = draft.dlq.mode === "existing" && name && !currentQueueCheck(draft);
      // The list is loaded as the step opens, so the picker's options request finds it.
      if (!needsCheck) {
        return isFresh(draft.queues)
          ? undefined
          : async () => ({ queues: await loadQueues(gateways) });
      }
      return async () => {
        const patch: DraftPatch = {};
        let row = pickedQueue(draft);
        if (!row) {
          patch.queues = await loadQueues(gateways);
          row = patch.queues.value?.find((q) => queueRef(q.name) === name);
        }
        // No such queue any more: a check without a URL, which the step reports.
        patch.queueCheck = row
          ? await loadQueueCheck(gateways, name, row.url)
          : { name, at: stamp() };
        return patch;
      };
    }
    case "key": {
      const keyId = draft.key.keyId;
      if (draft.key.mode !== "existing" || !keyId || currentKeyCheck(draft)) {
        return isFresh(draft.keys) ? undefined : async () => ({ keys: await loadKeys(gateways) });
      }
      return async () => ({ keyCheck: await loadKeyCheck(gateways, keyId) });
    }
    case "review": {
      if (reviewState(draft).kind !== "loading") return undefined;
      const input = enableInputOf(draft);
      if (!input.ok) return undefined;
      return async () => ({ facts: await loadFacts(gateways, input.value) });
    }
  }
}
