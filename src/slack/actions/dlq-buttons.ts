/**
 * What the dead-letter buttons share: their values (validated with zod), where the click
 * was, how to answer only the clicker, and how a job is started, audited and told. A file
 * of its own so the handlers don't import each other.
 */
import type { BlockAction } from "@slack/bolt";
import { z } from "zod";
import { DLQ_CLASSES } from "../../dlq/classify.js";
import type { EnqueueOutcome } from "../../queues/outcome.js";
import {
  enqueueDiscard,
  enqueueReingest,
  type ReingestKind,
  type ReingestRequest,
} from "../../queues/reingest.js";
import { bindingStore, type SlackDeps } from "../deps.js";
import type { ActionArgs } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import { renderAlreadyRunning, renderQueueDown } from "../render/dlq-clicks.js";

const domainName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/);
/** `{"d":domain,"c":class}` (digest buttons). */
export const classValueSchema = z.object({ d: domainName, c: z.enum(DLQ_CLASSES) });
/** `{"d":domain,"m":messageId}` (Inspect modal). */
export const messageValueSchema = z.object({ d: domainName, m: z.string().min(1).max(200) });

export function parseButtonValue<T>(
  schema: z.ZodType<T>,
  value: string | undefined,
): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(value ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Where the click was: a digest message (replies go in its thread), or a modal (none). */
export function clickPlace(body: BlockAction): { channel?: string; threadTs?: string } {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const threadTs = body.message?.thread_ts ?? body.message?.ts ?? body.container?.message_ts;
  return { ...(channel && { channel }), ...(threadTs && { threadTs }) };
}

/** Tells only the clicker: through response_url on a message, as an ephemeral from a modal. */
export async function tellClicker(
  args: ActionArgs,
  deps: SlackDeps,
  text: string,
  domain?: string,
): Promise<void> {
  try {
    if (args.body.response_url) {
      await args.respond({ response_type: "ephemeral", replace_original: false, text });
      return;
    }
    const channel =
      clickPlace(args.body).channel ??
      (domain ? (await bindingStore(deps).get(domain))?.channelId : undefined);
    if (channel) await deps.notifier.ephemeral(channel, args.body.user.id, { text });
  } catch (err) {
    deps.log.warn(
      { err, userId: args.body.user.id, action: args.action.action_id },
      "could not tell the clicker",
    );
  }
}

/**
 * Enqueues the click's job, audits what that came to, and tells the clicker when someone's
 * job was already running, or when the queue did not answer (nothing was started then).
 */
export async function startJob(
  args: ActionArgs,
  deps: SlackDeps,
  kind: ReingestKind,
  request: Omit<ReingestRequest, "requestedBy">,
): Promise<void> {
  const user = args.body.user.id;
  const { domain } = request;
  const enqueue = kind === "reingest" ? enqueueReingest : enqueueDiscard;
  let outcome: EnqueueOutcome;
  try {
    outcome = await enqueue(deps.queues, { ...request, requestedBy: user });
  } catch (err) {
    deps.log.error(
      { err, userId: user, domain, action: args.action.action_id },
      `could not enqueue a ${kind}`,
    );
    await tellClicker(args, deps, renderQueueDown(kind), domain);
    return;
  }
  noteAudit(args.context, {
    target: domain,
    jobId: outcome.jobId,
    outcome: outcome.status === "started" ? "accepted" : "refused",
  });
  if (outcome.status === "already-running") {
    await tellClicker(args, deps, renderAlreadyRunning(kind, outcome.by, user), domain);
  }
}
