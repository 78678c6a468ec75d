/**
 * Clean up after a failed job: remove only what its checkpoint says THIS job created.
 * A domain is deleted only while it holds no profiles or objects, because DeleteDomain
 * deletes customer data; when it stays, so do the queue and key it uses. Every branch is
 * idempotent, so the clean-up itself can be retried.
 */
import { isAppError } from "../errors.js";
import type { StepContext } from "./steps.js";
import type { Checkpoint, CleanupItem, CleanupResult, ProvisionInput } from "./types.js";

/** KMS never deletes at once; the shortest window gives people a week to change their mind. */
export const KEY_DELETION_DAYS = 7;

type CleanupContext = Omit<StepContext, "intend">;

const isNotFound = (err: unknown): boolean => isAppError(err) && err.code === "not_found";

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

  await cleanAlertBinding(ctx, checkpoint, items, left, forget);
  const domainKept = await cleanDomain(ctx, checkpoint, items, left, forget);
  const keepWhy = domainKept
    ? `domain ${checkpoint.domain?.name} was kept and uses it; delete the domain first, then clean up again.`
    : undefined;
  await cleanQueue(ctx, checkpoint, items, left, forget, keepWhy);
  await cleanKey(ctx, checkpoint, items, left, forget, keepWhy);
  if (checkpoint.link?.unlinkedFrom) {
    items.push({
      resource: "link",
      id: input.instance.arn,
      action: "kept",
      reason: `the job unlinked the instance from ${checkpoint.link.unlinkedFrom}; link it again in the Amazon Connect console if you want it back.`,
    });
  }
  return { items, checkpoint: left };
}

type Forget = (...steps: NonNullable<Checkpoint["done"]>) => void;

async function cleanAlertBinding(
  ctx: CleanupContext,
  checkpoint: Checkpoint,
  items: CleanupItem[],
  left: Checkpoint,
  forget: Forget,
): Promise<void> {
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

/** Returns true when a domain this job created had to stay. */
async function cleanDomain(
  ctx: CleanupContext,
  checkpoint: Checkpoint,
  items: CleanupItem[],
  left: Checkpoint,
  forget: Forget,
): Promise<boolean> {
  const domain = checkpoint.domain;
  if (!domain) return false;
  const { profiles } = ctx.gateways;
  if (!domain.created) {
    await restoreDomain(ctx, checkpoint, items);
    return false;
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
    return true;
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
  return false;
}

/**
 * An existing domain this job pointed at its own new key or queue goes back to what it used
 * before, so deleting them does not break it.
 */
async function restoreDomain(
  ctx: CleanupContext,
  checkpoint: Checkpoint,
  items: CleanupItem[],
): Promise<void> {
  const domain = checkpoint.domain;
  if (!domain) return;
  const current = await ctx.gateways.profiles.getDomain(domain.name);
  if (!current) return;
  const ourKey = checkpoint.key?.created ? checkpoint.key.arn : undefined;
  const ourQueue = checkpoint.queue?.created ? checkpoint.queue.url : undefined;
  const changes = {
    ...(ourKey && current.encryptionKey === ourKey
      ? { encryptionKey: domain.previous?.encryptionKey ?? "" }
      : {}),
    ...(ourQueue && current.deadLetterQueueUrl === ourQueue
      ? { deadLetterQueueUrl: domain.previous?.deadLetterQueueUrl ?? "" }
      : {}),
  };
  if (Object.keys(changes).length === 0) return;
  await ctx.gateways.profiles.updateDomain(domain.name, changes);
  items.push({
    resource: "domain",
    id: domain.name,
    action: "restored",
    reason: "it uses its earlier key and dead-letter queue again (none where it had none).",
  });
}

async function cleanQueue(
  ctx: CleanupContext,
  checkpoint: Checkpoint,
  items: CleanupItem[],
  left: Checkpoint,
  forget: Forget,
  keepWhy: string | undefined,
): Promise<void> {
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

async function cleanKey(
  ctx: CleanupContext,
  checkpoint: Checkpoint,
  items: CleanupItem[],
  left: Checkpoint,
  forget: Forget,
  keepWhy: string | undefined,
): Promise<void> {
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
    items.push({ resource: "key", id: key.arn, action: "scheduled-deletion" });
  } else {
    const when = await kms.scheduleDeletion(key.keyId, KEY_DELETION_DAYS);
    items.push({
      resource: "key",
      id: key.arn,
      action: "scheduled-deletion",
      reason: `KMS deletes it${when ? ` on ${when.toISOString().slice(0, 10)}` : ` in ${KEY_DELETION_DAYS} days`}; cancel the deletion in the KMS console to keep it.`,
    });
  }
  delete left.key;
  delete left.keyPolicy;
  forget("key", "key-policy");
}
