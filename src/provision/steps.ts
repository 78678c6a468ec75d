/**
 * The provisioning steps. Each is an "ensure": it looks before it creates, reuses what this
 * job made (the checkpoint first, then by name, alias or tag), and returns the part of the
 * checkpoint it owns. Running any step twice ends in the same state as running it once.
 */
import type { Gateways } from "../aws/gateways.js";
import { domainArn, queueArnFromUrl } from "../enable/arns.js";
import { isEnableError } from "../enable/errors.js";
import {
  type DomainRef,
  dlqPolicyStatement,
  formatPolicy,
  kmsKeyStatement,
  mergeKeyPolicy,
  mergeQueuePolicy,
  newKeyPolicy,
} from "../enable/policies.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { BindingStore } from "./bindings.js";
import type { Checkpoint, ProvisionInput, StepName } from "./types.js";

/** The gateways provisioning calls. */
export type ProvisionGateways = Pick<Gateways, "profiles" | "sqs" | "kms">;

export interface StepContext {
  gateways: ProvisionGateways;
  log: Logger;
  bindings: BindingStore;
  /**
   * Records that `step` is about to send a create, before it does: if the worker dies
   * before the answer is checkpointed, the re-run knows the resource it finds is its own.
   */
  intend?: (step: StepName) => Promise<void>;
  now?: () => Date;
}

export type Step = (
  ctx: StepContext,
  input: ProvisionInput,
  checkpoint: Checkpoint,
) => Promise<Partial<Checkpoint>>;

export const TAG_REQUESTED_BY = "profiles-bot:requested-by";
export const TAG_JOB = "profiles-bot:job";

/** Tags on everything the job creates, naming who asked and which job made it. */
export const requestTags = (input: ProvisionInput): Record<string, string> => ({
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

const intending = (checkpoint: Checkpoint, step: StepName): boolean =>
  checkpoint.creating?.includes(step) ?? false;

/** A permanent failure that is not an AWS error; the message says what to do. */
const conflict = (what: string, fix: string, details: Record<string, unknown> = {}): AppError =>
  new AppError("conflict", what, { fix, retryable: false, details });

// ---------------------------------------------------------------------------------------------
// Dead-letter queue

export const ensureQueue: Step = async (ctx, input, checkpoint) => {
  const { dlq } = input;
  if (dlq.mode === "none") return {};
  if (checkpoint.queue) return { queue: checkpoint.queue };
  if (dlq.mode === "existing") {
    const name = dlq.url.split("/").filter(Boolean).pop() ?? dlq.url;
    return { queue: { url: dlq.url, arn: dlq.arn, name, created: false } };
  }
  const name = dlq.name.trim();
  const found = await ctx.gateways.sqs.findQueueUrl(name);
  if (found) {
    if (!intending(checkpoint, "queue")) {
      throw conflict(
        `A queue named ${name} already exists and this job did not create it.`,
        "pick it as an existing queue in the wizard (the bot then merges its policy), or choose another name.",
        { queueUrl: found },
      );
    }
    ctx.log.info({ queueUrl: found }, "found the queue an earlier run of this job created");
    return {
      queue: { url: found, arn: queueArnFromUrl(found, input.region) ?? "", name, created: true },
    };
  }
  await ctx.intend?.("queue");
  const url = await ctx.gateways.sqs
    .createQueue(name, {
      tags: { ...requestTags(input), "profiles-bot:domain": input.domain.name },
    })
    .catch((err: unknown) => {
      throw retryableIfDeletedRecently(err);
    });
  return { queue: { url, arn: queueArnFromUrl(url, input.region) ?? "", name, created: true } };
};

/**
 * SQS refuses a name for 60 s after its queue was deleted (a Clean up, then Retry). The job's
 * backoff outlasts that, so the wait is worth retrying rather than a failure to report.
 */
const retryableIfDeletedRecently = (err: unknown): unknown =>
  err instanceof AppError && err.details.awsCode === "QueueDeletedRecently"
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
 * statement, and writes only when that changes something. A queue this job created has no
 * policy but ours, so it is written without reading it first.
 */
export const ensureQueuePolicy: Step = async (ctx, input, checkpoint) => {
  const queue = checkpoint.queue;
  if (!queue) return {};
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
  if (!merged.changed) return { queuePolicy: { changed: false } };
  const allowed = queue.created || (input.dlq.mode === "existing" && input.dlq.mergePolicy);
  if (!allowed) {
    throw conflict(
      `Queue ${queue.name}'s access policy doesn't let Customer Profiles send failed objects to it, and the bot was not asked to change it.`,
      `add this statement to the queue's policy, or let the bot merge it:\n${formatPolicy(statement)}`,
    );
  }
  await ctx.gateways.sqs.setPolicy(queue.url, merged.policy);
  return { queuePolicy: { changed: true } };
};

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

export const ensureKey: Step = async (ctx, input, checkpoint) => {
  const { key } = input;
  if (key.mode === "aws-owned") return {};
  if (checkpoint.key) return { key: checkpoint.key };
  if (key.mode === "existing") return { key: { keyId: key.keyId, arn: key.arn, created: false } };

  const marker = keyMarker(input.jobId);
  const { kms } = ctx.gateways;
  const aliasTarget = await kms.findAlias(key.alias);
  if (aliasTarget) {
    const info = await kms.describeKey(aliasTarget);
    if (info?.description.includes(marker) && info.state === "PendingDeletion") {
      throw conflict(
        `The alias ${key.alias} still names the key this job created, which Clean up scheduled for deletion.`,
        `delete the alias ${key.alias} in the KMS console (or cancel the key's deletion), or choose another alias, then retry.`,
      );
    }
    if (!info?.description.includes(marker)) {
      throw conflict(
        `The alias ${key.alias} already names another key${info ? ` (${info.arn})` : ""}.`,
        "choose another alias, or pick that key as an existing key.",
      );
    }
    return { key: { keyId: info.keyId, arn: info.arn, created: true } };
  }
  if (intending(checkpoint, "key")) {
    // An earlier run sent CreateKey but died before recording the answer: find that key.
    const mine = (await kms.listCustomerKeys()).find((k) => k.description.includes(marker));
    if (mine) return { key: { keyId: mine.keyId, arn: mine.arn, created: true } };
  }
  await ctx.intend?.("key");
  const description = `${key.description?.trim() || `Customer Profiles domain ${input.domain.name}`} ${marker}`;
  const created = await kms.createKey({
    description,
    policy: JSON.stringify(newKeyPolicy(domainRefOf(input))),
    tags: requestTags(input),
  });
  return { key: { keyId: created.keyId, arn: created.arn, created: true } };
};

export const ensureAlias: Step = async (ctx, input, checkpoint) => {
  const name = aliasName(input);
  const key = checkpoint.key;
  if (!name || !key) return {};
  if (checkpoint.alias) return { alias: checkpoint.alias };
  const target = await ctx.gateways.kms.findAlias(name);
  if (target === key.keyId) return { alias: { name, created: key.created } };
  if (target) {
    throw conflict(
      `The alias ${name} was taken by another key (${target}) while the job ran.`,
      "choose another alias and retry.",
    );
  }
  await ctx.gateways.kms.createAlias(name, key.keyId);
  return { alias: { name, created: true } };
};

/**
 * A new key is created with the right policy, so only an existing key whose policy the
 * user let the bot change is touched here.
 */
export const ensureKeyPolicy: Step = async (ctx, input, checkpoint) => {
  const { key } = input;
  if (key.mode !== "existing" || !key.updatePolicy || !checkpoint.key) {
    return { keyPolicy: { changed: false } };
  }
  const { kms } = ctx.gateways;
  const current = await kms.getKeyPolicy(checkpoint.key.keyId);
  const ref = domainRefOf(input);
  const merged = mergeOrExplain(
    () => mergeKeyPolicy(current, ref),
    formatPolicy(kmsKeyStatement(ref)),
  );
  if (!merged.changed) return { keyPolicy: { changed: false } };
  await kms.putKeyPolicy(checkpoint.key.keyId, merged.policy);
  return { keyPolicy: { changed: true } };
};

// ---------------------------------------------------------------------------------------------
// Domain

export const ensureDomain: Step = async (ctx, input, checkpoint) => {
  const { profiles } = ctx.gateways;
  const name = input.domain.name;
  const arn = domainArn(input.region, input.accountId, name);
  const keyArn = checkpoint.key?.arn;
  const queueUrl = checkpoint.queue?.url;
  const existing = await profiles.getDomain(name);

  if (!existing) {
    if (input.domain.mode === "existing") {
      throw conflict(
        `Domain ${name} no longer exists.`,
        "pick another domain, or create a new one.",
      );
    }
    await ctx.intend?.("domain");
    const created = await profiles.createDomain({
      name,
      expirationDays: input.domain.expirationDays,
      ...(keyArn ? { encryptionKey: keyArn } : {}),
      ...(queueUrl ? { deadLetterQueueUrl: queueUrl } : {}),
      tags: requestTags(input),
    });
    return {
      domain: {
        name,
        arn,
        created: true,
        ...(created.deadLetterQueueUrl ? { deadLetterQueueUrl: created.deadLetterQueueUrl } : {}),
      },
    };
  }

  if (input.domain.mode === "new") {
    // Ours when its tag names this job: CreateDomain succeeded before the worker died.
    if (existing.tags[TAG_JOB] !== input.jobId) {
      throw conflict(
        `A domain named ${name} already exists and this job did not create it.`,
        "pick it as an existing domain, or choose another name.",
      );
    }
    return {
      domain: {
        name,
        arn,
        created: true,
        ...(existing.deadLetterQueueUrl ? { deadLetterQueueUrl: existing.deadLetterQueueUrl } : {}),
      },
    };
  }

  // An existing domain: point it at the chosen key and queue, remembering what it used.
  const changes = {
    ...(keyArn && existing.encryptionKey !== keyArn ? { encryptionKey: keyArn } : {}),
    ...(queueUrl && existing.deadLetterQueueUrl !== queueUrl
      ? { deadLetterQueueUrl: queueUrl }
      : {}),
  };
  const previous = checkpoint.domain?.previous ?? {
    ...(changes.encryptionKey && existing.encryptionKey
      ? { encryptionKey: existing.encryptionKey }
      : {}),
    ...(changes.deadLetterQueueUrl && existing.deadLetterQueueUrl
      ? { deadLetterQueueUrl: existing.deadLetterQueueUrl }
      : {}),
  };
  if (Object.keys(changes).length > 0) await profiles.updateDomain(name, changes);
  const dlqUrl = queueUrl ?? existing.deadLetterQueueUrl;
  return {
    domain: {
      name,
      arn,
      created: false,
      ...(dlqUrl ? { deadLetterQueueUrl: dlqUrl } : {}),
      ...(Object.keys(previous).length > 0 ? { previous } : {}),
    },
  };
};

// ---------------------------------------------------------------------------------------------
// Instance link

export const ensureLink: Step = async (ctx, input, checkpoint) => {
  const { profiles } = ctx.gateways;
  const domain = input.domain.name;
  const instanceArn = input.instance.arn;
  const earlier = checkpoint.link?.unlinkedFrom;
  const current = await profiles.domainForInstance(instanceArn);
  if (current === domain) {
    return {
      link: { instanceArn, domain, linked: true, ...(earlier ? { unlinkedFrom: earlier } : {}) },
    };
  }
  if (current) {
    if (!input.confirmRelink) {
      throw conflict(
        `Instance ${input.instance.alias ?? input.instance.id} is linked to domain ${current}.`,
        `confirm in the wizard that it should move to ${domain}; its profiles stay in ${current}.`,
      );
    }
    await profiles.unlinkInstance(current, instanceArn);
  }
  await profiles.linkInstance(domain, instanceArn);
  const unlinkedFrom = current ?? earlier;
  return { link: { instanceArn, domain, linked: true, ...(unlinkedFrom ? { unlinkedFrom } : {}) } };
};

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
    boundAt: (ctx.now?.() ?? new Date()).toISOString(),
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
