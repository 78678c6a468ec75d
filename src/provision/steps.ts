/**
 * The provisioning steps. Each is an "ensure" that creates first and reads only when AWS
 * says no: a fresh enable is one create per resource, with no look-up before it. What makes
 * that safe is the checkpoint: a step records its intent before it sends a create, so when
 * AWS answers "already exists" the step can tell a resource an earlier run of this job made
 * (adopt it) from someone else's (stop). Running any step twice ends in the same state as
 * running it once.
 */
import type { Gateways } from "../aws/gateways.js";
import { domainArn, queueArn } from "../enable/arns.js";
import { isEnableError } from "../enable/errors.js";
import { DEFAULT_RETENTION_DAYS, SECONDS_PER_DAY } from "../enable/names.js";
import {
  checkKeyPolicy,
  type DomainRef,
  dlqPolicyStatement,
  formatPolicy,
  kmsKeyStatement,
  type MergeResult,
  mergeKeyPolicy,
  mergeQueuePolicy,
  newKeyPolicy,
} from "../enable/policies.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { PlaceBindings } from "./bindings.js";
import {
  domainDependencies,
  domainDependency,
  keyDependencies,
  queueDependencies,
  type Settling,
  settled,
} from "./settle.js";
import type { AddedStatement, Checkpoint, LinkRefusal, ProvisionInput, StepName } from "./types.js";

/** The gateways provisioning calls. */
export type ProvisionGateways = Pick<Gateways, "profiles" | "sqs" | "kms">;

export interface StepContext {
  gateways: ProvisionGateways;
  log: Logger;
  bindings: PlaceBindings;
  /**
   * Records that `step` is about to send a create, before it does: if the worker dies
   * before the answer is checkpointed, the re-run knows the resource it finds is its own.
   * `record` is saved with it: what the step is about to change on a resource that existed
   * before, so clean-up can undo it even when the answer was never recorded.
   */
  intend?: (step: StepName, record?: Partial<Checkpoint>) => Promise<void>;
  /**
   * The domain the instance was linked to when this run started (ListAccountIntegrations),
   * read beside the first creates rather than after the domain; absent means read it then.
   */
  instanceLink?: Promise<string | undefined>;
  /** How long calls naming a resource this job just made wait for it to spread (settle.ts). */
  settling?: Settling;
  now?: () => Date;
}

export type Step = (
  ctx: StepContext,
  input: ProvisionInput,
  checkpoint: Checkpoint,
) => Promise<Partial<Checkpoint>>;

export const TAG_REQUESTED_BY = "profiles-bot:requested-by";
export const TAG_JOB = "profiles-bot:job";
/**
 * iam-policy.json lets the bot delete only what carries this tag, and lets it create only
 * with it: a pre-existing domain, queue or key never has it (README, "IAM").
 */
export const TAG_CREATED_BY = "profiles-bot:created-by";
export const CREATED_BY = "profiles-bot";

/** Tags on everything the job creates, naming who asked and which job made it. */
export const requestTags = (input: ProvisionInput): Record<string, string> => ({
  [TAG_CREATED_BY]: CREATED_BY,
  [TAG_REQUESTED_BY]: input.requestedBy,
  [TAG_JOB]: input.jobId,
});

/**
 * KMS keys get no alias until after CreateKey, and the gateway can't read key tags, so the
 * description carries the job id: a re-run finds a key it created but never recorded.
 */
export const keyMarker = (jobId: string): string => `[profiles-bot job ${jobId}]`;

const domainRefOf = (input: ProvisionInput): DomainRef => ({
  accountId: input.accountId,
  region: input.region,
  domainName: input.domain.name,
});

/** Now, as the checkpoint records it. */
const nowIso = (ctx: StepContext): string => (ctx.now?.() ?? new Date()).toISOString();

const intending = (checkpoint: Checkpoint, step: StepName): boolean =>
  checkpoint.creating?.includes(step) ?? false;

/** A permanent failure that is not an AWS error; the message says what to do. */
const conflict = (what: string, fix: string, details: Record<string, unknown> = {}): AppError =>
  new AppError("conflict", what, { fix, retryable: false, details });

// ---------------------------------------------------------------------------------------------
// Dead-letter queue

export const ensureQueue: Step = async (ctx, input, checkpoint) => {
  const { dlq } = input;
  if (dlq.mode === "none" || dlq.mode === "keep") return {};
  if (checkpoint.queue) return { queue: checkpoint.queue };
  if (dlq.mode === "existing") {
    const name = dlq.url.split("/").filter(Boolean).pop() ?? dlq.url;
    return { queue: { url: dlq.url, arn: dlq.arn, name, created: false } };
  }
  const name = dlq.name.trim();
  const arn = queueArn(input.region, input.accountId, name);
  // Read before intend() records this run's own intent in the same checkpoint.
  const resumed = intending(checkpoint, "queue");
  await ctx.intend?.("queue");
  const { sqs } = ctx.gateways;
  try {
    // Created with its policy: CreateDomain can follow at once, with no SetQueueAttributes.
    // Retention and encryption go in the same call: a fresh enable stays one round trip here.
    const url = await sqs.createQueue(name, {
      tags: { ...requestTags(input), "profiles-bot:domain": input.domain.name },
      policy: newQueuePolicy(input, arn),
      retentionSeconds: (dlq.retentionDays ?? DEFAULT_RETENTION_DAYS) * SECONDS_PER_DAY,
      sqsManagedSse: true,
    });
    // Success means a new queue, or one whose policy names this very submission: ours.
    return { queue: { url, arn, name, created: true, policySet: true, changedAt: nowIso(ctx) } };
  } catch (err) {
    if (!isAwsCode(err, "QueueNameExists")) throw retryableIfDeletedRecently(err);
    const found = await sqs.findQueueUrl(name);
    if (!found) throw err;
    if (!resumed) {
      throw conflict(
        `A queue named ${name} already exists and this job did not create it.`,
        "pick it as an existing queue in the wizard (the bot then merges its policy), or choose another name.",
        { queueUrl: found },
      );
    }
    // An earlier run of this job sent CreateQueue (its policy may differ, e.g. an older
    // version's): the queue-policy step writes the policy again.
    ctx.log.info({ queueUrl: found }, "found the queue an earlier run of this job created");
    return { queue: { url: found, arn, name, created: true, changedAt: nowIso(ctx) } };
  }
};

/**
 * A new queue's whole policy: the Customer Profiles statement, under an Id naming this
 * job's submission. CreateQueue compares attributes, so the same name with this policy can
 * only be a queue an earlier run of this submission made.
 */
const newQueuePolicy = (input: ProvisionInput, arn: string): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Id: `profiles-bot:${input.jobId}:${input.submissionId}`,
    Statement: [dlqPolicyStatement({ ...domainRefOf(input), queueArn: arn })],
  });

const isAwsCode = (err: unknown, awsCode: string): boolean =>
  err instanceof AppError && err.details.awsCode === awsCode;

/**
 * SQS refuses a name for 60 s after its queue was deleted (a Clean up, then Retry). The job's
 * backoff outlasts that, so the wait is worth retrying rather than a failure to report.
 */
const retryableIfDeletedRecently = (err: unknown): unknown =>
  err instanceof AppError && isAwsCode(err, "QueueDeletedRecently")
    ? new AppError("aws_unavailable", err.reason, {
        fix: err.fix,
        call: err.call,
        awsCode: err.awsCode,
        cause: err.cause,
        retryable: true,
        details: err.details,
      })
    : err;

/**
 * Merges the Customer Profiles statement into the queue's policy, keeping every other
 * statement, and writes only when that changes something. A queue this job created got its
 * policy from CreateQueue, so nothing is sent; one an earlier run created (and whose answer
 * was lost) has no policy but ours, so it is written without reading it first. On a queue
 * that existed before, the statement is recorded before the write, so clean-up can take it
 * out again.
 */
export const ensureQueuePolicy: Step = async (ctx, input, checkpoint) => {
  const queue = checkpoint.queue;
  if (!queue) return {};
  if (queue.created && queue.policySet) return { queuePolicy: { changed: true } };
  let { arn } = queue;
  let current: string | undefined;
  if (!queue.created) {
    const info = await ctx.gateways.sqs.queueInfo(queue.url);
    if (!info) {
      throw conflict(
        `The queue ${queue.url} no longer exists.`,
        "pick another queue, or let the bot create one.",
      );
    }
    arn = info.arn || arn;
    current = info.policy;
  }
  const statement = dlqPolicyStatement({ ...domainRefOf(input), queueArn: arn });
  const merged = mergeOrExplain(
    () => mergeQueuePolicy(current, statement),
    formatPolicy(statement),
  );
  if (!merged.changed) return { queuePolicy: unchangedSince(ctx, checkpoint.queuePolicy) };
  const allowed = queue.created || (input.dlq.mode === "existing" && input.dlq.mergePolicy);
  if (!allowed) {
    throw conflict(
      `Queue ${queue.name}'s access policy doesn't let Customer Profiles send failed objects to it, and the bot was not asked to change it.`,
      `add this statement to the queue's policy, or let the bot merge it:\n${formatPolicy(statement)}`,
    );
  }
  const write = () =>
    settled(ctx, queueDependencies(checkpoint), () =>
      ctx.gateways.sqs.setPolicy(queue.url, merged.policy),
    );
  if (queue.created) {
    await write();
    return { queuePolicy: { changed: true, changedAt: nowIso(ctx) } };
  }
  const added = addedStatement(queue.url, merged);
  await ctx.intend?.("queue-policy", { queuePolicy: { changed: true, added } });
  await write();
  return { queuePolicy: { changed: true, added, changedAt: nowIso(ctx) } };
};

/**
 * A policy that needs no change may hold the statement an earlier run of this job recorded
 * and wrote before its worker died: that is still this job's change, for clean-up to undo.
 */
const unchangedSince = (
  ctx: StepContext,
  earlier: { added?: AddedStatement; changedAt?: string } | undefined,
): { changed: boolean; added?: AddedStatement; changedAt?: string } =>
  earlier?.added
    ? // When the write landed is unknown: counting from now lets dependent calls wait for it.
      { changed: true, added: earlier.added, changedAt: earlier.changedAt ?? nowIso(ctx) }
    : { changed: false };

const addedStatement = (resource: string, merged: MergeResult): AddedStatement => ({
  resource,
  statement: merged.statement ?? {},
  ...(merged.replaced ? { replaced: merged.replaced } : {}),
});

const mergeOrExplain = (
  merge: () => { policy: string; changed: boolean },
  statement: string,
): { policy: string; changed: boolean } => {
  try {
    return merge();
  } catch (err) {
    if (!isEnableError(err)) throw err;
    throw new AppError(
      "invalid_input",
      `The existing policy can't be read (${err.message}), so the bot won't merge into it.`,
      {
        fix: `correct the policy, or add this statement yourself:\n${statement}`,
        cause: err,
        retryable: false,
      },
    );
  }
};

// ---------------------------------------------------------------------------------------------
// KMS key, alias and key policy

/** The alias the job gives a new key. */
const aliasName = (input: ProvisionInput): string | undefined =>
  input.key.mode === "new" ? input.key.alias : undefined;

/**
 * CreateKey has no name to collide on, so a fresh job creates at once (with the key policy
 * in the call). Only a job that had sent CreateKey before looks for the key it made, by the
 * marker in its description.
 */
export const ensureKey: Step = async (ctx, input, checkpoint) => {
  const { key } = input;
  if (key.mode === "aws-owned" || key.mode === "keep") return {};
  if (checkpoint.key) return { key: checkpoint.key };
  if (key.mode === "existing") return { key: { keyId: key.keyId, arn: key.arn, created: false } };

  const marker = keyMarker(input.jobId);
  const { kms } = ctx.gateways;
  if (intending(checkpoint, "key")) {
    // An earlier run sent CreateKey but died before recording the answer: find that key.
    const mine = (await kms.listCustomerKeys()).find((k) => k.description.includes(marker));
    if (mine) {
      return { key: { keyId: mine.keyId, arn: mine.arn, created: true, changedAt: nowIso(ctx) } };
    }
  }
  await ctx.intend?.("key");
  const description = `${key.description?.trim() || `Customer Profiles domain ${input.domain.name}`} ${marker}`;
  const created = await kms.createKey({
    description,
    policy: JSON.stringify(newKeyPolicy(domainRefOf(input))),
    tags: requestTags(input),
  });
  return {
    key: { keyId: created.keyId, arn: created.arn, created: true, changedAt: nowIso(ctx) },
  };
};

/** Off the critical path (the domain uses the key's ARN), and created before it is looked up. */
export const ensureAlias: Step = async (ctx, input, checkpoint) => {
  const name = aliasName(input);
  const key = checkpoint.key;
  if (!name || !key) return {};
  if (checkpoint.alias) return { alias: checkpoint.alias };
  const { kms } = ctx.gateways;
  try {
    await settled(ctx, keyDependencies(checkpoint), () => kms.createAlias(name, key.keyId));
    return { alias: { name, created: true } };
  } catch (err) {
    if (!isAwsCode(err, "AlreadyExistsException")) throw err;
    const target = await kms.findAlias(name);
    if (target === undefined) throw err;
    if (target === key.keyId) return { alias: { name, created: key.created } };
    const info = await kms.describeKey(target);
    if (info?.description.includes(keyMarker(input.jobId)) && info.state === "PendingDeletion") {
      throw conflict(
        `The alias ${name} still names the key this job created before, which Clean up scheduled for deletion.`,
        `delete the alias ${name} in the KMS console (or cancel the key's deletion), or choose another alias, then retry.`,
      );
    }
    throw conflict(
      `The alias ${name} already names another key${info ? ` (${info.arn})` : ""}.`,
      "choose another alias and retry, or pick that key as an existing key.",
    );
  }
};

/**
 * A new key is created with the right policy. An existing key's policy is read: the bot adds
 * the statement where the user let it (recorded before the write, so clean-up can take it out
 * again), and otherwise checks it is there. A policy the bot may not read (the usual case for
 * a key another team runs) is reported as not verified rather than as needing no change.
 */
export const ensureKeyPolicy: Step = async (ctx, input, checkpoint) => {
  const { key } = input;
  if (key.mode !== "existing" || !checkpoint.key) return { keyPolicy: { changed: false } };
  const { kms } = ctx.gateways;
  const keyId = checkpoint.key.keyId;
  const ref = domainRefOf(input);
  const statement = formatPolicy(kmsKeyStatement(ref));
  let current: string;
  try {
    current = await kms.getKeyPolicy(keyId);
  } catch (err) {
    if (key.updatePolicy || !(err instanceof AppError) || err.code !== "aws_access_denied") {
      throw err;
    }
    return { keyPolicy: { changed: false, verified: false, why: unverifiedWhy(key) } };
  }
  if (!key.updatePolicy) {
    const check = checkKeyPolicy(current, ref);
    if (check.ok) return { keyPolicy: { changed: false, verified: true } };
    throw conflict(
      `Key ${key.arn}'s policy doesn't let Customer Profiles use it (${check.problems.join(" ")}), and the bot was not asked to change it.`,
      `ask the key's administrator to add this statement, or let the bot update the policy, then retry:\n${statement}`,
    );
  }
  const merged = mergeOrExplain(() => mergeKeyPolicy(current, ref), statement);
  if (!merged.changed) {
    return { keyPolicy: { ...unchangedSince(ctx, checkpoint.keyPolicy), verified: true } };
  }
  const added = addedStatement(keyId, merged);
  await ctx.intend?.("key-policy", { keyPolicy: { changed: true, added, verified: true } });
  await kms.putKeyPolicy(keyId, merged.policy);
  return { keyPolicy: { changed: true, added, verified: true, changedAt: nowIso(ctx) } };
};

const unverifiedWhy = (key: Extract<ProvisionInput["key"], { mode: "existing" }>): string =>
  `the bot may not read key ${key.arn}'s policy (kms:GetKeyPolicy was denied), so it did not check that Customer Profiles may use the key${
    key.confirmedStatement
      ? "; you confirmed in the wizard that its administrator added the statement"
      : "; make sure its administrator added the Customer Profiles statement"
  }.`;

// ---------------------------------------------------------------------------------------------
// Domain

/** The checkpoint of a domain this job created (at once, or before its worker died). */
function createdDomain(
  ctx: StepContext,
  name: string,
  arn: string,
  deadLetterQueueUrl: string | undefined,
) {
  const dlq = deadLetterQueueUrl ? { deadLetterQueueUrl } : {};
  return { domain: { name, arn, created: true, ...dlq, changedAt: nowIso(ctx) } };
}

/**
 * A new domain is created at once; only when CreateDomain refuses is the domain read, to
 * tell one an earlier run of this job made (its tag names the job) from someone else's. An
 * existing domain is read first: the step must know what it uses to change only that.
 */
export const ensureDomain: Step = async (ctx, input, checkpoint) => {
  const { profiles } = ctx.gateways;
  const name = input.domain.name;
  const arn = domainArn(input.region, input.accountId, name);
  const keyArn = checkpoint.key?.arn;
  const queueUrl = checkpoint.queue?.url;

  let refused: unknown;
  if (input.domain.mode === "new") {
    await ctx.intend?.("domain");
    try {
      const { expirationDays, dataStore } = input.domain;
      const created = await settled(ctx, domainDependencies(checkpoint), () =>
        profiles.createDomain({
          name,
          expirationDays,
          ...(dataStore ? { dataStore: true } : {}),
          ...(keyArn ? { encryptionKey: keyArn } : {}),
          ...(queueUrl ? { deadLetterQueueUrl: queueUrl } : {}),
          tags: requestTags(input),
        }),
      );
      return createdDomain(ctx, name, arn, created.deadLetterQueueUrl);
    } catch (err) {
      // Customer Profiles answers a taken name with a plain BadRequestException: read to see.
      if (!(err instanceof AppError) || err.retryable) throw err;
      refused = err;
    }
  }

  const existing = await profiles.getDomain(name);
  if (!existing) {
    if (refused) throw refused;
    throw conflict(`Domain ${name} no longer exists.`, "pick another domain, or create a new one.");
  }

  if (input.domain.mode === "new") {
    // Ours when its tag names this job: CreateDomain succeeded before the worker died.
    if (existing.tags[TAG_JOB] !== input.jobId) {
      throw conflict(
        `A domain named ${name} already exists and this job did not create it.`,
        "pick it as an existing domain, or choose another name.",
      );
    }
    return createdDomain(ctx, name, arn, existing.deadLetterQueueUrl);
  }

  // An existing domain: change only what the person chose to, remembering what it used.
  const changes = existingDomainChanges(input, existing, keyArn, queueUrl);
  if (
    changes.encryptionKey !== undefined &&
    existing.stats.profileCount > 0 &&
    !input.confirmReencrypt
  ) {
    // The plan asks for this confirmation; profiles may have arrived since it was shown.
    throw conflict(
      `Domain ${name} holds ${existing.stats.profileCount} profiles, and changing its key means re-encrypting them; that was not confirmed.`,
      "run the wizard again and confirm the key change, or keep the domain's current key.",
    );
  }
  // Every field this job changes, "" where the domain had none. An earlier run's record wins:
  // after a crash the domain may already show this job's values.
  const previous = checkpoint.domain?.previous ?? {
    ...(changes.encryptionKey !== undefined ? { encryptionKey: existing.encryptionKey ?? "" } : {}),
    ...(changes.deadLetterQueueUrl !== undefined
      ? { deadLetterQueueUrl: existing.deadLetterQueueUrl ?? "" }
      : {}),
  };
  const dlqUrl =
    changes.deadLetterQueueUrl !== undefined
      ? changes.deadLetterQueueUrl
      : existing.deadLetterQueueUrl;
  const domain = {
    name,
    arn,
    created: false,
    ...(dlqUrl ? { deadLetterQueueUrl: dlqUrl } : {}),
    ...(Object.keys(previous).length > 0 ? { previous } : {}),
  };
  if (Object.keys(changes).length > 0) {
    await ctx.intend?.("domain", { domain });
    await settled(ctx, domainDependencies(checkpoint), () => profiles.updateDomain(name, changes));
  }
  return { domain };
};

/**
 * What UpdateDomain must send to an existing domain: the chosen key and queue where they
 * differ from what it uses, `""` to clear a key (AWS owned) or a queue (none) it has, and
 * nothing for what the person kept.
 */
const existingDomainChanges = (
  input: ProvisionInput,
  existing: { encryptionKey?: string; deadLetterQueueUrl?: string },
  keyArn: string | undefined,
  queueUrl: string | undefined,
): { encryptionKey?: string; deadLetterQueueUrl?: string } => {
  const key = input.key.mode === "aws-owned" ? "" : input.key.mode === "keep" ? undefined : keyArn;
  const dlq = input.dlq.mode === "none" ? "" : input.dlq.mode === "keep" ? undefined : queueUrl;
  return {
    ...(key !== undefined && (existing.encryptionKey ?? "") !== key ? { encryptionKey: key } : {}),
    ...(dlq !== undefined && (existing.deadLetterQueueUrl ?? "") !== dlq
      ? { deadLetterQueueUrl: dlq }
      : {}),
  };
};

// ---------------------------------------------------------------------------------------------
// Instance link

/**
 * Reads which domain the instance is linked to before linking, so a link elsewhere is never
 * moved without the confirmation. The read is the one the job started with (StepContext
 * `instanceLink`), so on the critical path the step costs only PutIntegration.
 *
 * AWS's model says an instance is linked from the Amazon Connect admin website, not the API,
 * and some accounts do refuse PutIntegration. That refusal ends the step in a "link it by
 * hand" state rather than failing the job: everything else the job made is usable, and the
 * report gives the console steps and a Check again button (docs/aws/connect.md).
 */
export const ensureLink: Step = async (ctx, input, checkpoint) => {
  const { profiles } = ctx.gateways;
  const domain = input.domain.name;
  const instanceArn = input.instance.arn;
  const earlier = checkpoint.link?.unlinkedFrom;
  const current = await (ctx.instanceLink ?? profiles.domainForInstance(instanceArn));
  if (current === domain) {
    // Made by hand since an earlier run was refused: the refusal stays, to say how.
    const refused = checkpoint.link?.refused;
    return {
      link: {
        instanceArn,
        domain,
        linked: true,
        ...(earlier ? { unlinkedFrom: earlier } : {}),
        ...(refused ? { refused } : {}),
      },
    };
  }
  if (current) {
    if (!input.confirmRelink) {
      throw conflict(
        `Instance ${input.instance.alias ?? input.instance.id} is linked to domain ${current}.`,
        `confirm in the wizard that it should move to ${domain}; its profiles stay in ${current}.`,
      );
    }
    // Recorded first: if the link below fails or the worker dies, clean-up still knows the
    // instance was taken off `current`, and says so.
    await ctx.intend?.("link", {
      link: { instanceArn, domain, linked: false, unlinkedFrom: current },
    });
    await profiles.unlinkInstance(current, instanceArn);
  }
  const unlinkedFrom = current ?? earlier;
  const link = { instanceArn, domain, ...(unlinkedFrom ? { unlinkedFrom } : {}) };
  try {
    await settled(ctx, domainDependency(checkpoint), () =>
      profiles.linkInstance(domain, instanceArn),
    );
  } catch (err) {
    const refused = linkRefusal(err);
    if (!refused) throw err;
    ctx.log.warn({ refused }, "PutIntegration was refused: the instance is to be linked by hand");
    return { link: { ...link, linked: false, refused } };
  }
  return { link: { ...link, linked: true } };
};

/**
 * The gateway marks the refusals that mean "link it in the console" (access denied or a
 * request AWS calls invalid); throttling, 5xx and not-found stay errors the job retries.
 */
function linkRefusal(err: unknown): LinkRefusal | undefined {
  if (!(err instanceof AppError) || err.details.linkInConsole !== true) return undefined;
  return {
    call: err.call ?? "Customer Profiles PutIntegration",
    awsCode: err.awsCode ?? "UnknownError",
    awsMessage: err.awsMessage ?? "",
  };
}

// ---------------------------------------------------------------------------------------------
// DLQ alert binding

export const ensureAlertBinding: Step = async (ctx, input, checkpoint) => {
  const domain = input.domain.name;
  const queueUrl = checkpoint.domain?.deadLetterQueueUrl ?? checkpoint.queue?.url;
  // No queue, nothing to digest; the plan says so too.
  if (!queueUrl || !input.channelId) return {};
  const current = await ctx.bindings.get(domain);
  if (current?.channelId === input.channelId && current.queueUrl === queueUrl) {
    const created = checkpoint.alertBinding?.created ?? intending(checkpoint, "alert-binding");
    return { alertBinding: { domain, channelId: input.channelId, created } };
  }
  await ctx.intend?.("alert-binding");
  await ctx.bindings.set({
    domain,
    channelId: input.channelId,
    teamId: input.teamId,
    queueUrl,
    boundBy: input.requestedBy,
    boundAt: nowIso(ctx),
  });
  return { alertBinding: { domain, channelId: input.channelId, created: !current } };
};

export const STEPS: Record<StepName, Step> = {
  queue: ensureQueue,
  "queue-policy": ensureQueuePolicy,
  key: ensureKey,
  alias: ensureAlias,
  "key-policy": ensureKeyPolicy,
  domain: ensureDomain,
  link: ensureLink,
  "alert-binding": ensureAlertBinding,
};
