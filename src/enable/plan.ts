import type { RedriveTarget } from "../aws/sqs-gateway.js";
import { STEP_ORDER } from "../provision/step-names.js";
import {
  type InstanceArn,
  parseInstanceArn,
  parseKeyArn,
  parseQueueArn,
  parseQueueUrl,
  queueArn,
  queueArnFromUrl,
} from "./arns.js";
import { isEnableError } from "./errors.js";
import {
  DEFAULT_RETENTION_DAYS,
  defaultAliasName,
  domainNameWarnings,
  RETENTION_DAYS_MAX,
  SECONDS_PER_DAY,
  validateAliasName,
  validateDomainName,
  validateExpirationDays,
  validateQueueName,
  validateRetentionDays,
} from "./names.js";
import {
  checkKeyPolicy,
  checkQueuePolicy,
  type DomainRef,
  dlqPolicyStatement,
  formatPolicy,
  KEY_STATEMENT_SID,
  newKeyPolicy,
  type PolicyStatement,
} from "./policies.js";
import { parsePolicyDocument } from "./policy-document.js";

// ---------------------------------------------------------------------------------------------
// What the wizard (or the CLI) chose

export interface InstanceChoice {
  id: string;
  arn: string;
  alias?: string;
}

export type DomainChoice =
  /** `dataStore`: CreateDomain turns on the console's Data store; off when absent. */
  | { mode: "new"; name: string; expirationDays: number; dataStore?: boolean }
  | { mode: "existing"; name: string };

/**
 * "keep" (an existing domain only) leaves the domain's queue as it is, whatever it is. For an
 * existing domain, "new" and "existing" set the domain's queue with UpdateDomain, and "none"
 * removes the one it has.
 */
export type DlqChoice =
  | { mode: "keep" }
  | { mode: "none" }
  /** `retentionDays`: how long the new queue keeps failed objects (DEFAULT_RETENTION_DAYS when absent). */
  | { mode: "new"; name: string; retentionDays?: number }
  | {
      mode: "existing";
      url: string;
      arn: string;
      mergePolicy: boolean;
      /** The person read that the queue's own RedrivePolicy moves often-received messages on. */
      confirmRedrive?: boolean;
    };

/**
 * "keep" (an existing domain only) leaves the domain's key as it is, whatever it is.
 * "aws-owned" sends no DefaultEncryptionKey to a new domain, as the console does when no key
 * is chosen; an existing domain with a customer managed key has it cleared (`""`).
 */
export type KeyChoice =
  | { mode: "keep" }
  | { mode: "aws-owned" }
  | { mode: "new"; alias: string; description?: string }
  | {
      mode: "existing";
      keyId: string;
      arn: string;
      updatePolicy: boolean;
      /**
       * The person confirmed that the key's administrator added the CustomerProfilesKey
       * statement, which the bot could not check (kms:GetKeyPolicy denied). The job's report
       * says such a policy was not verified.
       */
      confirmedStatement: boolean;
      /** An alias the key already has, for the report; the job changes none. */
      alias?: string;
    };

export interface EnableInput {
  instance: InstanceChoice;
  domain: DomainChoice;
  dlq: DlqChoice;
  key: KeyChoice;
  /** The user read that the instance's current domain keeps its profiles and still wants to move. */
  confirmRelink: boolean;
  /** The user read what changing the key of a domain that holds profiles means, and wants it. */
  confirmReencrypt: boolean;
  channelId?: string;
  requestedBy?: string;
}

// ---------------------------------------------------------------------------------------------
// What AWS said when the wizard looked

export interface EnableFacts {
  /** The account and region the bot's credentials act in. */
  accountId: string;
  region: string;
  /** Every domain in the region (ListDomains, all pages). */
  existingDomains: string[];
  /** The domain the instance is linked to now (ListAccountIntegrations), if any. */
  instanceLinkedTo?: string;
  /** How many profiles that other domain holds (GetDomain Stats), when it could be read. */
  linkedDomainProfiles?: number;
  /** The existing queue's Policy attribute; absent when the queue has none. */
  queuePolicy?: string;
  /** The existing queue's MessageRetentionPeriod, in seconds; absent when it could not be read. */
  queueRetentionSeconds?: number;
  /** The existing queue's own RedrivePolicy; absent when it has none. */
  queueRedrive?: RedriveTarget;
  /** The existing key's `default` policy; absent when the bot could not read it. */
  keyPolicy?: string;
  /** From DescribeKey; absent when the bot could not describe the key. */
  keyState?: string;
  keyManager?: string;
  keySpec?: string;
  keyUsage?: string;
  /** Aliases already in the region (ListAliases), to catch a taken name before CreateAlias. */
  existingAliases?: string[];
  /** For an existing domain: what GetDomain says it uses now, and how many profiles it holds. */
  existingDomain?: {
    deadLetterQueueUrl?: string;
    defaultEncryptionKey?: string;
    profileCount?: number;
  };
}

// ---------------------------------------------------------------------------------------------
// The plan

export type PlanStepKind =
  | "queue"
  | "queue-policy"
  | "key"
  | "key-policy"
  | "alias"
  | "domain"
  | "unlink"
  | "link"
  | "alert-binding";

export type PlanAction = "create" | "update" | "use" | "none";

export interface PlanStep {
  kind: PlanStepKind;
  action: PlanAction;
  /** The resource's name, URL or ARN as the user would recognise it. */
  target: string;
  /** One sentence for the review screen. */
  details: string;
}

export interface PlanStatement {
  /** The queue ARN, key ARN, or `<alias> (new key)`. */
  resource: string;
  statement: PolicyStatement;
}

/** What a person confirms by ticking a box (on the review; a flag in the CLI). */
export type ConfirmationKind = "relink" | "key-statement" | "reencrypt";

export interface PlanConfirmation {
  kind: ConfirmationKind;
  /** What ticking the box says, as one sentence. */
  text: string;
  confirmed: boolean;
  /** Why it is asked and what to do, as the blocker says it while the box is unticked. */
  blocker: string;
}

export interface Plan {
  steps: PlanStep[];
  statements: PlanStatement[];
  warnings: string[];
  /** Any blocker stops submission; each says what to change. */
  blockers: string[];
  /**
   * The boxes this plan needs ticked. Each one not ticked is also a blocker (its sentence in
   * `blockers`), so `planIsReady` needs no special case.
   */
  confirmations: PlanConfirmation[];
}

export const DOMAINS_PER_REGION = 100;

/** The provisioning order, with the unlink the plan shows right before the new link. */
const PLAN_ORDER: readonly PlanStepKind[] = STEP_ORDER.flatMap((step) =>
  step === "link" ? (["unlink", "link"] as const) : [step],
);

/** Local mutation while one plan is being built; nothing escapes but the finished plan. */
class PlanBuilder {
  readonly plan: Plan = {
    steps: [],
    statements: [],
    warnings: [],
    blockers: [],
    confirmations: [],
  };

  step(kind: PlanStepKind, action: PlanAction, target: string, details: string): void {
    this.plan.steps.push({ kind, action, target, details });
  }

  statement(resource: string, statement: PolicyStatement): void {
    this.plan.statements.push({ resource, statement });
  }

  warn(...texts: string[]): void {
    this.plan.warnings.push(...texts);
  }

  block(text: string): void {
    this.plan.blockers.push(text);
  }

  /** A box to tick; until it is, `blocker` blocks the plan. */
  confirmation(kind: ConfirmationKind, text: string, confirmed: boolean, blocker: string): void {
    this.plan.confirmations.push({ kind, text, confirmed, blocker });
    if (!confirmed) this.block(blocker);
  }

  finish(): Plan {
    const rank = (kind: PlanStepKind) => PLAN_ORDER.indexOf(kind);
    return {
      ...this.plan,
      steps: [...this.plan.steps].sort((a, b) => rank(a.kind) - rank(b.kind)),
    };
  }
}

interface PlanContext {
  input: EnableInput;
  facts: EnableFacts;
  region: string;
  accountId: string;
  domainName: string;
  instanceLabel: string;
  /** True once we know the domain will have a dead-letter queue after the plan runs. */
  hasDlq: boolean;
}

export const buildPlan = (input: EnableInput, facts: EnableFacts): Plan => {
  const builder = new PlanBuilder();
  const instance = checkInstance(input, facts, builder);
  const domainName = input.domain.name.trim();
  const context: PlanContext = {
    input,
    facts,
    region: instance?.region ?? facts.region,
    accountId: instance?.accountId ?? facts.accountId,
    domainName,
    instanceLabel: input.instance.alias ?? input.instance.id,
    hasDlq:
      input.dlq.mode === "new" ||
      input.dlq.mode === "existing" ||
      (input.dlq.mode === "keep" && Boolean(facts.existingDomain?.deadLetterQueueUrl)),
  };
  planDomain(context, builder);
  planQueue(context, builder);
  planKey(context, builder);
  planLink(context, builder);
  planAlerts(context, builder);
  return builder.finish();
};

// ---------------------------------------------------------------------------------------------
// Instance

const checkInstance = (
  input: EnableInput,
  facts: EnableFacts,
  builder: PlanBuilder,
): InstanceArn | undefined => {
  const parsed = parseInstanceArn(input.instance.arn);
  if (!parsed.ok) {
    builder.block(parsed.error);
    return undefined;
  }
  const instance = parsed.value;
  if (instance.accountId !== facts.accountId) {
    builder.block(
      `The instance is in account ${instance.accountId} but the bot's AWS credentials are for ${facts.accountId}: configure credentials for ${instance.accountId}.`,
    );
  }
  if (instance.region !== facts.region) {
    builder.block(
      `The instance is in ${instance.region} but the bot works in ${facts.region}: configure the bot for ${instance.region}.`,
    );
  }
  return instance;
};

// ---------------------------------------------------------------------------------------------
// Domain

const planDomain = (context: PlanContext, builder: PlanBuilder): void => {
  const { input, facts, domainName } = context;
  const name = validateDomainName(input.domain.name);
  if (!name.ok) builder.block(name.error);
  builder.warn(...domainNameWarnings(domainName));
  if (input.domain.mode === "new") {
    if (input.dlq.mode === "keep" || input.key.mode === "keep") {
      builder.block(
        `Domain ${domainName} is new, so it has no current queue or key to keep: choose what it should use.`,
      );
    }
    planNewDomain(context, input.domain, builder);
    return;
  }
  if (!facts.existingDomains.includes(domainName)) {
    builder.block(
      `Domain '${domainName}' doesn't exist in ${context.region}: pick another domain or create a new one.`,
    );
  }
  planExistingDomain(context, builder);
};

const planNewDomain = (
  context: PlanContext,
  { expirationDays, dataStore }: Extract<DomainChoice, { mode: "new" }>,
  builder: PlanBuilder,
): void => {
  const { facts, domainName } = context;
  if (facts.existingDomains.includes(domainName)) {
    builder.block(
      `A domain named '${domainName}' already exists in ${context.region}: choose another name, or pick it as an existing domain.`,
    );
  } else if (facts.existingDomains.length >= DOMAINS_PER_REGION) {
    builder.block(
      `${context.region} already has ${facts.existingDomains.length} domains, the default quota: use an existing domain or request a quota increase.`,
    );
  }
  const days = validateExpirationDays(String(expirationDays));
  if (!days.ok) builder.block(days.error);
  builder.step(
    "domain",
    "create",
    domainName,
    `Create domain ${domainName}, keeping profile data ${expirationDays} days, ${dataStore ? "with" : "without"} the Data store, ${describeEncryption(context)}, ${describeDlq(context)}.`,
  );
};

const planExistingDomain = (context: PlanContext, builder: PlanBuilder): void => {
  const { input, facts, domainName } = context;
  const current = facts.existingDomain;
  const changesDlq = changesDomainQueue(context);
  const changesKey = changesDomainKey(context);
  if (changesDlq && current?.deadLetterQueueUrl) {
    builder.warn(
      input.dlq.mode === "none"
        ? `Domain ${domainName} sends failed objects to ${current.deadLetterQueueUrl} now; this plan removes that queue from the domain (the queue itself stays, with its messages).`
        : `Domain ${domainName} sends failed objects to ${current.deadLetterQueueUrl} now; this plan points it at another queue, and messages already in the old one stay there.`,
    );
  }
  if (changesKey) planReencryption(context, builder);
  if (!changesDlq && !changesKey) {
    builder.step("domain", "use", domainName, `Use domain ${domainName} as it is.`);
    return;
  }
  const changes = [
    changesKey ? describeEncryption(context) : "",
    changesDlq ? describeDlq(context) : "",
  ];
  builder.step(
    "domain",
    "update",
    domainName,
    `Update domain ${domainName}: ${changes.filter(Boolean).join(", ")}.`,
  );
};

/**
 * Does the plan change the queue of the existing domain? Without GetDomain's answer we can't
 * tell "already set" from "different", so a chosen queue counts as a change.
 */
const changesDomainQueue = ({ input, facts }: PlanContext): boolean => {
  const current = facts.existingDomain?.deadLetterQueueUrl;
  switch (input.dlq.mode) {
    case "keep":
      return false;
    case "none":
      return Boolean(current);
    case "new":
      return true;
    case "existing":
      return current !== input.dlq.url;
  }
};

/** Does the plan change the key of the existing domain? (As above, unknown counts as a change.) */
const changesDomainKey = ({ input, facts }: PlanContext): boolean => {
  const current = facts.existingDomain?.defaultEncryptionKey;
  switch (input.key.mode) {
    case "keep":
      return false;
    case "aws-owned":
      return Boolean(current);
    case "new":
      return true;
    case "existing":
      return current !== input.key.arn;
  }
};

/**
 * A new key for a domain that holds profiles touches every one of them (docs/aws/
 * customer-profiles.md, "Changing a domain's key"): a box to tick, with the count.
 */
const planReencryption = (context: PlanContext, builder: PlanBuilder): void => {
  const { input, facts, domainName } = context;
  const current = facts.existingDomain?.defaultEncryptionKey;
  const from = current ? `key ${current}` : "a key AWS owns";
  const to = input.key.mode === "aws-owned" ? "a key AWS owns" : "another key";
  const keepOld = current
    ? ` Keep ${current} enabled, with its policy, and don't schedule its deletion: data written under it may still need it.`
    : "";
  const count = facts.existingDomain?.profileCount ?? 0;
  if (count === 0) {
    if (current) {
      builder.warn(
        `Domain ${domainName} is encrypted with ${from} now; this plan switches it to ${to}.${keepOld}`,
      );
    }
    return;
  }
  const profiles = `${count.toLocaleString("en-US")} profile${count === 1 ? "" : "s"}`;
  const meaning = `Domain ${domainName} holds ${profiles}, stored encrypted with ${from}. Customer Profiles encrypts everything it stores with the domain's key, so switching it to ${to} means re-encrypting all of them; AWS doesn't document how long that takes or when the old key stops being needed.${keepOld}`;
  builder.confirmation(
    "reencrypt",
    `Change the key of ${domainName}: its ${profiles} are re-encrypted, and the old key must stay usable.`,
    input.confirmReencrypt,
    `${meaning} Confirm that you want to change its key, or keep the domain's current key.`,
  );
  if (input.confirmReencrypt) builder.warn(meaning);
};

const describeEncryption = ({ input, facts }: PlanContext): string => {
  switch (input.key.mode) {
    case "keep": {
      const current = facts.existingDomain?.defaultEncryptionKey;
      return current ? `keeping its key ${current}` : "keeping the key AWS owns";
    }
    case "aws-owned":
      return "encrypted with a key AWS owns";
    case "new":
      return `encrypted with the new key ${aliasOf(input.key.alias)}`;
    case "existing":
      return `encrypted with key ${input.key.arn}`;
  }
};

const describeDlq = ({ input, facts }: PlanContext): string => {
  switch (input.dlq.mode) {
    case "keep": {
      const current = facts.existingDomain?.deadLetterQueueUrl;
      return current ? `keeping its dead-letter queue ${current}` : "keeping no dead-letter queue";
    }
    case "none":
      return "with no dead-letter queue";
    case "new":
      return `sending failed objects to the new queue ${input.dlq.name.trim()}`;
    case "existing":
      return `sending failed objects to ${input.dlq.url}`;
  }
};

// ---------------------------------------------------------------------------------------------
// Dead-letter queue

const domainRef = (context: PlanContext): DomainRef => ({
  accountId: context.accountId,
  region: context.region,
  domainName: context.domainName,
});

const planQueue = (context: PlanContext, builder: PlanBuilder): void => {
  const { dlq } = context.input;
  switch (dlq.mode) {
    case "keep":
      planKeptQueue(context, builder);
      return;
    case "none":
      planNoQueue(builder);
      return;
    case "new":
      planNewQueue(context, dlq, builder);
      return;
    case "existing":
      planExistingQueue(context, dlq, builder);
      return;
  }
};

const planNoQueue = (builder: PlanBuilder): void => {
  builder.step("queue", "none", "none", "No dead-letter queue.");
  builder.warn(NO_DLQ_WARNING);
};

/** The existing domain's queue, whatever it is, left alone. */
const planKeptQueue = (context: PlanContext, builder: PlanBuilder): void => {
  const known = context.facts.existingDomain;
  const current = known?.deadLetterQueueUrl;
  if (current) {
    builder.step("queue", "none", current, `Keep the domain's dead-letter queue ${current}.`);
    return;
  }
  builder.step("queue", "none", "none", "Keep the domain without a dead-letter queue.");
  // We only know it has none when GetDomain told us so.
  if (known) builder.warn(NO_DLQ_WARNING);
};

/** Shown in the DLQ step and the review: without a queue, failures leave no trace. */
export const NO_DLQ_WARNING =
  "Without a dead-letter queue, ingestion failures are invisible: Customer Profiles drops every object it can't ingest, nothing tells you, and nothing can be re-ingested.";

const planNewQueue = (
  context: PlanContext,
  { name: rawName, retentionDays = DEFAULT_RETENTION_DAYS }: Extract<DlqChoice, { mode: "new" }>,
  builder: PlanBuilder,
): void => {
  const name = validateQueueName(rawName);
  if (!name.ok) builder.block(name.error);
  const days = validateRetentionDays(String(retentionDays));
  if (!days.ok) builder.block(days.error);
  const queueName = rawName.trim();
  const arn = queueArn(context.region, context.accountId, queueName);
  builder.step(
    "queue",
    "create",
    queueName,
    `Create the standard SQS queue ${queueName}, keeping failed objects ${plural(retentionDays, "day")}, encrypted at rest with keys SQS manages (SSE-SQS).`,
  );
  builder.step(
    "queue-policy",
    "create",
    arn,
    "Give it an access policy that lets Customer Profiles send this domain's failed objects to it.",
  );
  builder.statement(arn, dlqPolicyStatement({ ...domainRef(context), queueArn: arn }));
};

const planExistingQueue = (
  context: PlanContext,
  dlq: Extract<DlqChoice, { mode: "existing" }>,
  builder: PlanBuilder,
): void => {
  const location = parseQueueUrl(dlq.url);
  const arn = parseQueueArn(dlq.arn) ? dlq.arn : queueArnFromUrl(dlq.url, context.region);
  if (!location || !arn) {
    builder.block(`'${dlq.url}' is not an SQS queue URL: pick the queue again.`);
    return;
  }
  if (location.name.endsWith(".fifo")) {
    builder.block(
      `${location.name} is a FIFO queue: Customer Profiles needs a standard queue as its dead-letter queue.`,
    );
  }
  const queueRegion = parseQueueArn(arn)?.region ?? location.region;
  if (queueRegion && queueRegion !== context.region) {
    builder.warn(
      `Queue ${location.name} is in ${queueRegion}, not ${context.region} like the domain; Customer Profiles may refuse it.`,
    );
  }
  const retention = context.facts.queueRetentionSeconds;
  const keeps =
    retention === undefined ? "" : `, which keeps messages ${describeRetention(retention)}`;
  builder.step("queue", "use", dlq.url, `Use the existing queue ${location.name}${keeps}.`);
  const short = retentionWarning(location.name, dlq.url, retention);
  if (short) builder.warn(short);
  planRedrive(context, location.name, dlq, builder);
  const statement = dlqPolicyStatement({ ...domainRef(context), queueArn: arn });
  const check = checkQueuePolicy(context.facts.queuePolicy, statement);
  if (check.ok) {
    builder.step(
      "queue-policy",
      "none",
      arn,
      "Its access policy already lets Customer Profiles send to it.",
    );
    return;
  }
  builder.statement(arn, statement);
  if (!dlq.mergePolicy) {
    builder.block(
      `Queue ${location.name}'s access policy doesn't let Customer Profiles send failed objects to it (${check.missing.join(" ")}) Let the bot merge the statement in, or add it yourself:\n${formatPolicy(statement)}`,
    );
    return;
  }
  planQueuePolicyMerge(context, location.name, arn, statement, builder);
};

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** Whole days when it is whole days; SQS counts in seconds, from 60 up. */
const describeRetention = (seconds: number): string =>
  seconds % SECONDS_PER_DAY === 0
    ? plural(seconds / SECONDS_PER_DAY, "day")
    : seconds % 3600 === 0
      ? plural(seconds / 3600, "hour")
      : plural(seconds, "second");

/** How long an existing queue keeps messages, as the DLQ step and the review say it. */
export const retentionText = (seconds: number): string =>
  `It keeps messages ${describeRetention(seconds)}.`;

/** Undefined when the queue keeps messages the most SQS allows; else what to do about it. */
export const retentionWarning = (
  name: string,
  url: string,
  seconds: number | undefined,
): string | undefined => {
  const most = RETENTION_DAYS_MAX * SECONDS_PER_DAY;
  if (seconds === undefined || seconds >= most) return undefined;
  return `Queue ${name} keeps messages only ${describeRetention(seconds)}: failures older than that are deleted unseen, for instance over a long weekend. Raise its message retention period to ${RETENTION_DAYS_MAX} days in the SQS console (Edit), or with: aws sqs set-queue-attributes --queue-url ${url} --attributes MessageRetentionPeriod=${most}`;
};

/** The queue's own RedrivePolicy moves a message on after maxReceiveCount receives. */
const planRedrive = (
  context: PlanContext,
  name: string,
  dlq: Extract<DlqChoice, { mode: "existing" }>,
  builder: PlanBuilder,
): void => {
  const redrive = context.facts.queueRedrive;
  if (!redrive) return;
  const text = redriveText(name, redrive);
  if (dlq.confirmRedrive) builder.warn(text);
  else
    builder.block(
      `${text} Go Back to step 3 and tick the box to accept that (--confirm-redrive from the command line), or pick another queue.`,
    );
};

/** What a RedrivePolicy on the dead-letter queue means for the bot, naming the target. */
export const redriveText = (name: string, redrive: RedriveTarget): string =>
  `Queue ${name} has a redrive policy of its own: after ${plural(redrive.maxReceiveCount, "receive")} SQS moves a message on to ${queueNameOfArn(redrive.targetArn)}, and every scan of the bot counts as a receive. The bot stops scanning a message short of that, so its digests may pause.`;

export const queueNameOfArn = (arn: string): string => arn.split(":").pop() || arn;

const planQueuePolicyMerge = (
  context: PlanContext,
  queueName: string,
  arn: string,
  statement: PolicyStatement,
  builder: PlanBuilder,
): void => {
  const existing = context.facts.queuePolicy;
  const kept = countStatements(existing);
  if (kept === undefined) {
    builder.block(
      `Queue ${queueName}'s access policy isn't a valid JSON policy, so the bot can't merge into it safely: fix it in the SQS console, or add this statement yourself:\n${formatPolicy(statement)}`,
    );
    return;
  }
  builder.step(
    "queue-policy",
    kept === 0 ? "create" : "update",
    arn,
    kept === 0
      ? "Give it an access policy that lets Customer Profiles send this domain's failed objects to it."
      : `Add the CustomerProfilesDLQ statement to its access policy, keeping its ${kept} other statement${kept === 1 ? "" : "s"}.`,
  );
  if (kept > 0) {
    builder.warn(
      `Queue ${queueName} already has an access policy: the bot adds the CustomerProfilesDLQ statement and keeps its ${kept} existing statement${kept === 1 ? "" : "s"} unchanged.`,
    );
  }
};

/** Undefined when the text is not a policy we can merge into. */
const countStatements = (policyJson: string | undefined): number | undefined => {
  try {
    return parsePolicyDocument(policyJson)?.Statement.length ?? 0;
  } catch (error) {
    if (isEnableError(error)) return undefined;
    throw error;
  }
};

// ---------------------------------------------------------------------------------------------
// KMS key

const aliasOf = (raw: string): string => {
  const alias = validateAliasName(raw);
  return alias.ok ? alias.value : raw.trim();
};

const planKey = (context: PlanContext, builder: PlanBuilder): void => {
  const { key } = context.input;
  switch (key.mode) {
    case "keep":
      planKeptKey(context, builder);
      return;
    case "aws-owned":
      planAwsOwnedKey(builder);
      return;
    case "new":
      planNewKey(context, key, builder);
      return;
    case "existing":
      planExistingKey(context, key, builder);
      return;
  }
};

/** The existing domain's key, whatever it is, left alone. */
const planKeptKey = (context: PlanContext, builder: PlanBuilder): void => {
  const current = context.facts.existingDomain?.defaultEncryptionKey;
  if (current) {
    builder.step("key", "none", current, `Keep the domain's encryption key ${current}.`);
    return;
  }
  builder.step(
    "key",
    "none",
    "aws-owned",
    "Keep encrypting the domain with the key AWS owns that it uses now.",
  );
};

const planAwsOwnedKey = (builder: PlanBuilder): void => {
  builder.step(
    "key",
    "none",
    "aws-owned",
    "Encrypt with a key AWS owns and manages; there is no key policy to keep.",
  );
};

const planNewKey = (
  context: PlanContext,
  key: Extract<KeyChoice, { mode: "new" }>,
  builder: PlanBuilder,
): void => {
  const alias = validateAliasName(key.alias || defaultAliasName(context.domainName));
  if (!alias.ok) builder.block(alias.error);
  const aliasName = aliasOf(key.alias || defaultAliasName(context.domainName));
  if (context.facts.existingAliases?.includes(aliasName)) {
    builder.block(
      `The alias ${aliasName} is already taken in ${context.region}: choose another alias.`,
    );
  }
  const resource = `${aliasName} (new key)`;
  builder.step(
    "key",
    "create",
    aliasName,
    `Create a symmetric encryption key${key.description ? ` described as "${key.description}"` : ""}, administered by account ${context.accountId}.`,
  );
  builder.step(
    "key-policy",
    "create",
    resource,
    "Give it a key policy that keeps the account its administrator and lets Customer Profiles use it for this domain only.",
  );
  builder.step("alias", "create", aliasName, `Name the key ${aliasName}.`);
  for (const statement of newKeyPolicy(domainRef(context)).Statement)
    builder.statement(resource, statement);
};

const planExistingKey = (
  context: PlanContext,
  key: Extract<KeyChoice, { mode: "existing" }>,
  builder: PlanBuilder,
): void => {
  const parsed = parseKeyArn(key.arn);
  if (!parsed) {
    builder.block(`'${key.arn}' is not a KMS key ARN: pick the key again.`);
    return;
  }
  if (parsed.region !== context.region) {
    builder.block(
      `Key ${key.arn} is in ${parsed.region}: Customer Profiles needs a key in the domain's region, ${context.region}.`,
    );
  }
  checkKeyFacts(context, key.arn, builder);
  builder.step("key", "use", key.arn, `Use the existing key ${key.keyId}.`);
  planKeyPolicy(context, key, builder);
};

const checkKeyFacts = (context: PlanContext, arn: string, builder: PlanBuilder): void => {
  const { keyManager, keyState, keySpec, keyUsage } = context.facts;
  if (keyManager === "AWS") {
    builder.block(
      `Key ${arn} is managed by AWS, so its policy can't grant Customer Profiles access: pick a customer-managed key or create a new one.`,
    );
  }
  if (keyState !== undefined && keyState !== "Enabled") {
    const fix = keyState === "PendingDeletion" ? "cancel its deletion and enable it" : "enable it";
    builder.block(`Key ${arn} is ${keyState}: ${fix}, or pick another key.`);
  }
  if (keySpec !== undefined && keySpec !== "SYMMETRIC_DEFAULT") {
    builder.block(
      `Key ${arn} is a ${keySpec} key: Customer Profiles needs a symmetric encryption key (SYMMETRIC_DEFAULT).`,
    );
  }
  if (keyUsage !== undefined && keyUsage !== "ENCRYPT_DECRYPT") {
    builder.block(
      `Key ${arn} is for ${keyUsage}: Customer Profiles needs a key for ENCRYPT_DECRYPT.`,
    );
  }
  if ([keyManager, keyState, keySpec].includes(undefined)) {
    builder.warn(
      `The bot couldn't describe key ${arn} (kms:DescribeKey), so it couldn't check that the key is enabled, symmetric and customer-managed.`,
    );
  }
};

const planKeyPolicy = (
  context: PlanContext,
  key: Extract<KeyChoice, { mode: "existing" }>,
  builder: PlanBuilder,
): void => {
  const policy = context.facts.keyPolicy;
  const ref = domainRef(context);
  if (policy === undefined) {
    planUnreadableKeyPolicy(context, key, builder);
    return;
  }
  const check = checkKeyPolicy(policy, ref);
  if (check.ok || !check.statementToAdd) {
    builder.step(
      "key-policy",
      "none",
      key.arn,
      "Its key policy already lets Customer Profiles use it.",
    );
    return;
  }
  const statement = check.statementToAdd;
  builder.statement(key.arn, statement);
  if (!key.updatePolicy) {
    builder.block(
      `Key ${key.arn}'s policy doesn't let Customer Profiles use it (${check.problems.join(" ")}) Ask the key's administrator to add this statement, or let the bot update the policy:\n${formatPolicy(statement)}`,
    );
    return;
  }
  if (countStatements(policy) === undefined) {
    builder.block(
      `Key ${key.arn}'s policy isn't a valid JSON policy, so the bot can't add to it safely: ask the key's administrator to add this statement:\n${formatPolicy(statement)}`,
    );
    return;
  }
  builder.step(
    "key-policy",
    "update",
    key.arn,
    "Add the CustomerProfilesKey statement to its key policy, keeping every statement already there.",
  );
  builder.warn(
    `The bot will change key ${key.keyId}'s policy: it adds the CustomerProfilesKey statement and keeps every existing statement unchanged.`,
  );
};

/**
 * Keys administered by someone else often hide their policy from us; that alone proves
 * nothing, but it proves nothing the other way either: the plan waits until the person
 * confirms that the administrator added the statement shown.
 */
const planUnreadableKeyPolicy = (
  context: PlanContext,
  key: Extract<KeyChoice, { mode: "existing" }>,
  builder: PlanBuilder,
): void => {
  const statement = checkKeyPolicy(undefined, domainRef(context)).statementToAdd;
  if (!statement) return;
  builder.statement(key.arn, statement);
  if (key.updatePolicy) {
    builder.block(
      `The bot can't read key ${key.arn}'s policy (kms:GetKeyPolicy), so it can't add to it without risking the statements there: grant it kms:GetKeyPolicy, or ask the key's administrator to add this statement:\n${formatPolicy(statement)}`,
    );
    return;
  }
  builder.confirmation(
    "key-statement",
    keyStatementText(key),
    key.confirmedStatement,
    `The bot can't read key ${key.arn}'s policy (kms:GetKeyPolicy), so it can't check that Customer Profiles may use the key: send this statement to the key's administrator, and confirm once they added it:\n${formatPolicy(statement)}`,
  );
  builder.step(
    "key-policy",
    "none",
    key.arn,
    key.confirmedStatement
      ? `You confirmed its administrator added the ${KEY_STATEMENT_SID} statement; the bot can't read the policy to verify it.`
      : "The bot can't read the key policy; its administrator keeps it.",
  );
  if (key.confirmedStatement) {
    builder.warn(
      `The bot can't read key ${key.keyId}'s policy, so the ${KEY_STATEMENT_SID} statement is not verified: if it is missing, Customer Profiles can't use the key and the domain's ingestion fails.`,
    );
  }
};

/** What the key-statement box says: the statement's Sid and the key. */
export const keyStatementText = (key: { arn: string; alias?: string }): string =>
  `The key's administrator added the ${KEY_STATEMENT_SID} statement shown to the policy of key ${key.alias ? `${key.alias} (${key.arn})` : key.arn}.`;

// ---------------------------------------------------------------------------------------------
// Instance link and alerts

const planLink = (context: PlanContext, builder: PlanBuilder): void => {
  const { input, facts, domainName, instanceLabel } = context;
  const current = facts.instanceLinkedTo;
  if (current === domainName) {
    builder.step(
      "link",
      "none",
      input.instance.arn,
      `Instance ${instanceLabel} is already linked to ${domainName}.`,
    );
    return;
  }
  if (current) {
    const held = facts.linkedDomainProfiles;
    const profiles =
      held === undefined
        ? "its profiles"
        : `its ${held.toLocaleString("en-US")} profile${held === 1 ? "" : "s"}`;
    const consequence = `${profiles} stay in ${current} and will not move to ${domainName}`;
    builder.confirmation(
      "relink",
      `Link instance ${instanceLabel} to ${domainName} anyway: ${consequence}.`,
      input.confirmRelink,
      `Instance ${instanceLabel} is linked to domain ${current}: confirm that you want to link it to ${domainName} instead; ${consequence}.`,
    );
    if (input.confirmRelink) {
      builder.warn(
        `Instance ${instanceLabel} will be unlinked from domain ${current}; ${consequence}.`,
      );
    }
    builder.step(
      "unlink",
      "update",
      current,
      `Unlink instance ${instanceLabel} from domain ${current}.`,
    );
  }
  builder.step(
    "link",
    "create",
    input.instance.arn,
    `Link instance ${instanceLabel} to domain ${domainName}.`,
  );
};

const planAlerts = (context: PlanContext, builder: PlanBuilder): void => {
  const channel = context.input.channelId;
  if (!channel) return;
  if (!context.hasDlq) {
    builder.step(
      "alert-binding",
      "none",
      channel,
      "No dead-letter queue to watch, so no digests to post.",
    );
    return;
  }
  builder.step(
    "alert-binding",
    "create",
    channel,
    // Plain text, escaped where shown: the channel is the one the wizard was opened in.
    `Post dead-letter digests for ${context.domainName} in this channel.`,
  );
};

// ---------------------------------------------------------------------------------------------
// Output forms

export const planIsReady = (plan: Plan): boolean => plan.blockers.length === 0;

/** True when ticking boxes is all the plan still needs: every blocker is an unticked box. */
export const blockedOnlyByConfirmations = (plan: Plan): boolean =>
  plan.blockers.length > 0 &&
  plan.blockers.length === plan.confirmations.filter((c) => !c.confirmed).length;

const indent = (text: string, prefix: string): string =>
  text
    .split("\n")
    .map((line, index) => (index === 0 ? line : `${prefix}${line}`))
    .join("\n");

/** The text the CLI prints and tests read; multi-line entries keep their layout, indented. */
export const renderPlanText = (plan: Plan): string => {
  const lines: string[] = [
    planIsReady(plan) ? "Plan: ready to submit" : `Plan: blocked (${plan.blockers.length})`,
  ];
  lines.push("", "Steps:");
  plan.steps.forEach((step, index) => {
    lines.push(`  ${index + 1}. ${step.action} ${step.kind} ${step.target}: ${step.details}`);
  });
  if (plan.statements.length > 0) {
    lines.push("", "Policy statements:");
    for (const { resource, statement } of plan.statements) {
      lines.push(`  ${resource}:`, `    ${indent(formatPolicy(statement), "    ")}`);
    }
  }
  for (const [title, items] of [
    ["Warnings:", plan.warnings],
    ["Blockers:", plan.blockers],
  ] as const) {
    if (items.length === 0) continue;
    lines.push("", title, ...items.map((item) => `  - ${indent(item, "    ")}`));
  }
  return lines.join("\n");
};

/** Field order is fixed here, so equal plans serialise to equal bytes (snapshots, job data). */
export const planToJson = (plan: Plan): string =>
  JSON.stringify(
    {
      version: 1,
      ready: planIsReady(plan),
      steps: plan.steps.map(({ kind, action, target, details }) => ({
        kind,
        action,
        target,
        details,
      })),
      statements: plan.statements.map(({ resource, statement }) => ({ resource, statement })),
      warnings: plan.warnings,
      blockers: plan.blockers,
    },
    null,
    2,
  );
