/**
 * Clean up after a failed job, from what its checkpoint recorded: what THIS job created is
 * removed, and what it changed on resources that existed before is put back where that can be
 * done exactly (its statement taken out of a queue's or key's policy by Sid, an existing
 * domain's earlier key and queue restored). What it leaves in place is listed with the reason:
 * a relink is never undone silently. A domain is deleted only while it holds no profiles or
 * objects, because DeleteDomain deletes customer data; when it stays, so do the queue, key and
 * statements it uses. Every branch is idempotent, so the clean-up itself can be retried.
 */
import { isEnableError } from "../enable/errors.js";
import { removeStatement } from "../enable/policies.js";
import { isAppError } from "../errors.js";
import { sidOf } from "./run.js";
import type { StepContext } from "./steps.js";
import type {
  AddedStatement,
  Checkpoint,
  CleanupItem,
  CleanupResult,
  ProvisionInput,
} from "./types.js";

/** KMS never deletes at once; the shortest window gives people a week to change their mind. */
export const KEY_DELETION_DAYS = 7;

type CleanupContext = Omit<StepContext, "intend">;

const isNotFound = (err: unknown): boolean => isAppError(err) && err.code === "not_found";
const isAccessDenied = (err: unknown): boolean =>
  isAppError(err) && err.code === "aws_access_denied";

/** Runs `fn`, treating "it is already gone" as success. */
async function unlessGone(fn: () => Promise<unknown>): Promise<"done" | "gone"> {
  try {
    await fn();
    return "done";
  } catch (err) {
    if (isNotFound(err)) return "gone";
    throw err;
  }
}

export async function cleanUp(
  ctx: CleanupContext,
  input: ProvisionInput,
  checkpoint: Checkpoint,
): Promise<CleanupResult> {
  const items: CleanupItem[] = [];
  const left: Checkpoint = structuredClone(checkpoint);
  // Whatever ran is being undone: a retry after this starts those steps again.
  const forget = (...steps: NonNullable<Checkpoint["done"]>) => {
    left.done = (left.done ?? []).filter((s) => !steps.includes(s));
    left.creating = (left.creating ?? []).filter((s) => !steps.includes(s));
  };
  const clean: Cleaning = { ctx, checkpoint, items, left, forget };

  await cleanAlertBinding(clean);
  const domain = await cleanDomain(clean);
  const keepWhy =
    domain === "kept"
      ? `domain ${checkpoint.domain?.name} was kept and uses it; delete the domain first, then clean up again.`
      : undefined;
  await cleanQueue(clean, keepWhy);
  await undoQueueStatement(clean, keepWhy);
  await cleanKey(clean, keepWhy);
  await undoKeyStatement(clean, keepWhy);
  const link = linkItem(input, checkpoint, domain === "deleted");
  if (link) items.push(link);
  return { items, checkpoint: left };
}

interface Cleaning {
  ctx: CleanupContext;
  checkpoint: Checkpoint;
  items: CleanupItem[];
  left: Checkpoint;
  forget: (...steps: NonNullable<Checkpoint["done"]>) => void;
}

async function cleanAlertBinding({ ctx, checkpoint, items, left, forget }: Cleaning) {
  const binding = checkpoint.alertBinding;
  if (!binding?.created) return;
  const removed = await ctx.bindings.remove(binding.domain, binding.channelId);
  items.push({
    resource: "alert-binding",
    id: binding.domain,
    action: removed ? "deleted" : "gone",
  });
  delete left.alertBinding;
  forget("alert-binding");
}

/** "deleted": a domain this job created is gone now; "kept": it had to stay. */
async function cleanDomain(clean: Cleaning): Promise<"deleted" | "kept" | "existing" | "none"> {
  const { ctx, checkpoint, items, left, forget } = clean;
  const domain = checkpoint.domain;
  if (!domain) return "none";
  const { profiles } = ctx.gateways;
  if (!domain.created) {
    await restoreDomain(clean);
    return "existing";
  }
  const current = await profiles.getDomain(domain.name);
  if (!current) {
    items.push({ resource: "domain", id: domain.name, action: "gone" });
  } else if (current.stats.profileCount > 0 || current.stats.objectCount > 0) {
    items.push({
      resource: "domain",
      id: domain.name,
      action: "kept",
      reason: `it holds ${current.stats.profileCount} profiles and ${current.stats.objectCount} objects, and deleting a domain deletes them; delete it yourself if they can go.`,
    });
    return "kept";
  } else {
    const outcome = await unlessGone(() => profiles.deleteDomain(domain.name));
    items.push({
      resource: "domain",
      id: domain.name,
      action: outcome === "done" ? "deleted" : "gone",
    });
  }
  // The domain took its integrations with it.
  delete left.domain;
  delete left.link;
  forget("domain", "link");
  return "deleted";
}

type DomainField = "encryptionKey" | "deadLetterQueueUrl";

const FIELD_LABEL: Record<DomainField, string> = {
  encryptionKey: "KMS key",
  deadLetterQueueUrl: "dead-letter queue",
};

/**
 * An existing domain goes back to the key and queue it used before this job changed them, so
 * removing what the job made (or its statements) does not break it. A field someone changed
 * again since is left as they set it.
 */
async function restoreDomain({ ctx, checkpoint, items }: Cleaning): Promise<void> {
  const domain = checkpoint.domain;
  if (!domain) return;
  const current = await ctx.gateways.profiles.getDomain(domain.name);
  if (!current) return;
  // What the job set: its key and queue, or "" where it cleared them (AWS owned, none).
  const ours: Record<DomainField, { value: string; created?: boolean }> = {
    encryptionKey: { value: checkpoint.key?.arn ?? "", created: checkpoint.key?.created },
    deadLetterQueueUrl: { value: checkpoint.queue?.url ?? "", created: checkpoint.queue?.created },
  };
  const changes: Partial<Record<DomainField, string>> = {};
  const restored: string[] = [];
  const kept: string[] = [];
  for (const field of ["encryptionKey", "deadLetterQueueUrl"] as const) {
    const { value, created } = ours[field];
    const before = domain.previous?.[field];
    const now = current[field] ?? "";
    // Older records name only fields that had a value; a key or queue this job created
    // can only have been set by it.
    const changedByJob =
      before !== undefined || (created === true && value !== "" && now === value);
    if (!changedByJob) continue;
    const was = before ?? "";
    if (now === was) continue; // as before: the job's update never landed
    if (now === value) {
      changes[field] = was;
      restored.push(was ? `its earlier ${FIELD_LABEL[field]} ${was}` : `no ${FIELD_LABEL[field]}`);
    } else {
      kept.push(
        `its ${FIELD_LABEL[field]} was changed again since this job set it (to ${now || "none"}), so it stays as it is`,
      );
    }
  }
  if (restored.length > 0) {
    await ctx.gateways.profiles.updateDomain(domain.name, changes);
    items.push({
      resource: "domain",
      id: domain.name,
      action: "restored",
      reason: `it uses ${restored.join(" and ")} again, as before this job.`,
    });
  }
  if (kept.length > 0) {
    items.push({
      resource: "domain",
      id: domain.name,
      action: "kept",
      reason: `${kept.join("; ")}.`,
    });
  }
}

async function cleanQueue(clean: Cleaning, keepWhy: string | undefined): Promise<void> {
  const { ctx, checkpoint, items, left, forget } = clean;
  const queue = checkpoint.queue;
  if (!queue?.created) return;
  if (keepWhy) {
    items.push({ resource: "queue", id: queue.url, action: "kept", reason: keepWhy });
    return;
  }
  const outcome = await unlessGone(() => ctx.gateways.sqs.deleteQueue(queue.url));
  items.push({ resource: "queue", id: queue.url, action: outcome === "done" ? "deleted" : "gone" });
  delete left.queue;
  delete left.queuePolicy;
  forget("queue", "queue-policy");
}

/** Takes the job's statement out of the policy of a queue that existed before it. */
async function undoQueueStatement(clean: Cleaning, keepWhy: string | undefined): Promise<void> {
  const { ctx, checkpoint, items, left, forget } = clean;
  const added = checkpoint.queuePolicy?.added;
  if (!added || checkpoint.queue?.created) return;
  const { sqs } = ctx.gateways;
  const item = await undoStatement(added, "queue-policy", keepWhy, {
    read: async () => {
      const info = await sqs.queueInfo(added.resource);
      return info ? { policy: info.policy } : undefined;
    },
    // A policy left with no statements is no policy: SQS removes it when set to "".
    write: (policy, remaining) => sqs.setPolicy(added.resource, remaining > 0 ? policy : ""),
    readAction: "sqs:GetQueueAttributes",
    canEmpty: true,
  });
  items.push(item);
  if (item.action === "kept") return;
  delete left.queuePolicy;
  forget("queue-policy");
}

async function cleanKey(clean: Cleaning, keepWhy: string | undefined): Promise<void> {
  const { ctx, checkpoint, items, left, forget } = clean;
  const { kms } = ctx.gateways;
  const key = checkpoint.key;
  const alias = checkpoint.alias;
  if (keepWhy) {
    if (key?.created) items.push({ resource: "key", id: key.arn, action: "kept", reason: keepWhy });
    return;
  }
  if (alias?.created) {
    const outcome = await unlessGone(() => kms.deleteAlias(alias.name));
    items.push({
      resource: "alias",
      id: alias.name,
      action: outcome === "done" ? "deleted" : "gone",
    });
    delete left.alias;
    forget("alias");
  }
  if (!key?.created) return;
  const info = await kms.describeKey(key.keyId);
  if (!info) {
    items.push({ resource: "key", id: key.arn, action: "gone" });
  } else if (info.state === "PendingDeletion") {
    items.push({
      resource: "key",
      id: key.arn,
      action: "scheduled-deletion",
      reason:
        "it was already scheduled for deletion; cancel the deletion in the KMS console to keep it.",
    });
  } else {
    const when = await kms.scheduleDeletion(key.keyId, KEY_DELETION_DAYS);
    const date = when?.toISOString().slice(0, 10);
    items.push({
      resource: "key",
      id: key.arn,
      action: "scheduled-deletion",
      ...(date ? { date } : {}),
      reason: `KMS deletes it ${date ? `on ${date}` : `in ${KEY_DELETION_DAYS} days`}, never at once; cancel the deletion in the KMS console to keep it.`,
    });
  }
  delete left.key;
  delete left.keyPolicy;
  forget("key", "key-policy");
}

/** Takes the job's statement out of the policy of a key that existed before it. */
async function undoKeyStatement(clean: Cleaning, keepWhy: string | undefined): Promise<void> {
  const { ctx, checkpoint, items, left, forget } = clean;
  const added = checkpoint.keyPolicy?.added;
  if (!added || checkpoint.key?.created) return;
  const { kms } = ctx.gateways;
  const item = await undoStatement(added, "key-policy", keepWhy, {
    read: async () => ({ policy: await kms.getKeyPolicy(added.resource) }),
    write: (policy) => kms.putKeyPolicy(added.resource, policy),
    readAction: "kms:GetKeyPolicy",
    canEmpty: false,
  });
  items.push(item);
  if (item.action === "kept") return;
  delete left.keyPolicy;
  forget("key-policy");
}

interface PolicyAccess {
  /** Undefined when the queue or key is gone. */
  read: () => Promise<{ policy: string | undefined } | undefined>;
  write: (policy: string, remaining: number) => Promise<void>;
  readAction: string;
  /** Whether the policy may be left with no statement (a key policy may not). */
  canEmpty: boolean;
}

/**
 * Read, remove, write: the policy keeps every other statement as it is. When the statement
 * was changed since, or the policy can't be read, it stays and the item says why.
 */
async function undoStatement(
  added: AddedStatement,
  resource: "queue-policy" | "key-policy",
  keepWhy: string | undefined,
  access: PolicyAccess,
): Promise<CleanupItem> {
  const sid = sidOf(added);
  const base = { resource, id: added.resource, sid };
  const removeYourself = `remove the statement with Sid ${sid} from the policy yourself if it should go.`;
  if (keepWhy) return { ...base, action: "kept", reason: keepWhy };
  let current: { policy: string | undefined } | undefined;
  try {
    current = await access.read();
  } catch (err) {
    if (!isAccessDenied(err) && !isNotFound(err)) throw err;
    if (isNotFound(err)) return { ...base, action: "gone", reason: "it no longer exists." };
    return {
      ...base,
      action: "kept",
      reason: `the bot may not read the policy now (${access.readAction} was denied), so it can't take the statement out without risking the others; ${removeYourself}`,
    };
  }
  if (!current) return { ...base, action: "gone", reason: "it no longer exists." };
  let outcome: ReturnType<typeof removeStatement>;
  try {
    outcome = removeStatement(current.policy, added.statement, added.replaced);
  } catch (err) {
    if (!isEnableError(err)) throw err;
    return {
      ...base,
      action: "kept",
      reason: `the policy can't be read any more (${err.message}), so the bot won't edit it; ${removeYourself}`,
    };
  }
  switch (outcome.outcome) {
    case "absent":
      return {
        ...base,
        action: "gone",
        reason:
          "the statement is not in the policy (it was never written, or was taken out already).",
      };
    case "changed":
      return {
        ...base,
        action: "kept",
        reason: `someone changed the statement since this job added it, so it stays as they left it; ${removeYourself}`,
      };
    case "removed":
      if (outcome.remaining === 0 && !access.canEmpty) {
        return {
          ...base,
          action: "kept",
          reason: `it is the policy's only statement, and a key policy can't be empty; ${removeYourself}`,
        };
      }
      await access.write(outcome.policy, outcome.remaining);
      return {
        ...base,
        action: "statement-removed",
        reason: added.replaced
          ? "the statement it replaced is back, and every other statement is as it was."
          : "every other statement is as it was.",
      };
  }
}

/** A relink is never moved back by Clean up: it says where the instance is and how to move it. */
function linkItem(
  input: ProvisionInput,
  checkpoint: Checkpoint,
  domainDeleted: boolean,
): CleanupItem | undefined {
  const link = checkpoint.link;
  if (!link?.unlinkedFrom) return undefined;
  const instance = input.instance.alias ?? input.instance.id;
  const before = link.unlinkedFrom;
  const reason = !link.linked
    ? `this job unlinked instance ${instance} from domain ${before}, and linking it to ${link.domain} did not happen: the instance is linked to no domain now. Clean up doesn't link it back by itself; to do so, run /profiles enable and pick ${before} as an existing domain.`
    : domainDeleted
      ? `this job moved instance ${instance} from domain ${before} to ${link.domain}, and deleting ${link.domain} took that link with it: the instance is linked to no domain now (it was linked to ${before} before). Clean up doesn't link it back by itself; to do so, run /profiles enable and pick ${before} as an existing domain.`
      : `instance ${instance} stays linked to ${link.domain}; it was linked to ${before} before this job. Clean up never moves a link back by itself, because that changes which profiles agents see; to move it back, run /profiles enable, pick ${before} as an existing domain and confirm the relink.`;
  return { resource: "link", id: input.instance.arn, action: "kept", reason };
}

export interface CleanupPreview {
  will: string[];
  leaves: string[];
}

/**
 * What Clean up would do with this checkpoint, in short phrases for its confirmation dialog
 * (Slack allows 300 characters there): what it removes or puts back, naming the resources that
 * existed before, and what it leaves in place.
 */
export function cleanupPreview(checkpoint: Checkpoint): CleanupPreview {
  const { alertBinding, domain, queue, queuePolicy, alias, key, keyPolicy, link } = checkpoint;
  const will: string[] = [];
  const leaves: string[] = [];
  if (alertBinding?.created) will.push("stop the digests here");
  if (domain?.created) will.push("delete the new domain if it holds no profiles");
  else if (domain) {
    // The fields the record names; older records leave out ones that had no value, but a
    // key or queue the job created can only have been set by it.
    const restores = [
      ...(domain.previous?.encryptionKey !== undefined || key?.created ? ["key"] : []),
      ...(domain.previous?.deadLetterQueueUrl !== undefined || queue?.created ? ["queue"] : []),
    ];
    if (restores.length > 0) {
      will.push(`put domain ${domain.name} back on its earlier ${restores.join(" and ")}`);
    }
  }
  if (queue?.created) will.push("delete the new queue");
  else if (queuePolicy?.added && queue) {
    will.push(`remove statement ${sidOf(queuePolicy.added)} from queue ${queue.name}'s policy`);
  }
  if (alias?.created) will.push("delete the alias");
  if (key?.created) will.push(`schedule the new KMS key's deletion (${KEY_DELETION_DAYS} days)`);
  else if (keyPolicy?.added && key) {
    will.push(`remove statement ${sidOf(keyPolicy.added)} from key ${key.keyId}'s policy`);
  }
  if (link?.unlinkedFrom) {
    leaves.push(
      `the instance off ${link.unlinkedFrom}, where it was linked before: move it back in the wizard`,
    );
  }
  return { will, leaves };
}
