/**
 * What the re-ingest and discard buttons share: their values (validated with zod), where the
 * click was, and how to answer only the clicker. A file of its own so the two handlers don't
 * import each other.
 */
import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import type { Queue } from "bullmq";
import { z } from "zod";
import { REINGEST_QUEUE } from "../../../jobs/reingest.js";
import { DLQ_CLASSES } from "../../dlq/classify.js";
import { RedisBindingStore } from "../../provision/bindings.js";
import type { SlackDeps } from "../deps.js";
import type { AuditNote } from "../middleware/guard.js";

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

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

export const MALFORMED_VALUE =
  ":warning: This button carries a value the bot can't read (it may be from an older digest). Wait for the next scan and use the new digest's buttons.";

export function reingestQueue(deps: SlackDeps): Queue {
  const queue = deps.queues[REINGEST_QUEUE];
  if (!queue) throw new Error(`no "${REINGEST_QUEUE}" queue in SlackDeps.queues`);
  return queue;
}

/** Where the click was: a digest message (replies go in its thread), or a modal (none). */
export function clickPlace(body: BlockAction): { channel?: string; threadTs?: string } {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const threadTs = body.message?.thread_ts ?? body.message?.ts ?? body.container?.message_ts;
  return { ...(channel && { channel }), ...(threadTs && { threadTs }) };
}

/** Tells only the clicker: through response_url on a message, as an ephemeral from a modal. */
export async function tellClicker(
  args: ButtonArgs,
  deps: SlackDeps,
  text: string,
  domain?: string,
): Promise<void> {
  const log = deps.log.child({ userId: args.body.user.id, action: args.action.action_id });
  try {
    if (args.body.response_url) {
      await args.respond({ response_type: "ephemeral", replace_original: false, text });
      return;
    }
    const place = clickPlace(args.body);
    const channel =
      place.channel ??
      (domain
        ? (await new RedisBindingStore(deps.redis, deps.config.redis.prefix).get(domain))?.channelId
        : undefined);
    if (channel) await deps.notifier.ephemeral(channel, args.body.user.id, { text });
  } catch (err) {
    log.warn({ err }, "could not tell the clicker");
  }
}

export function audit(args: ButtonArgs, note: AuditNote): void {
  const current = args.context.audit as AuditNote | undefined;
  if (current) Object.assign(current, note);
}

/** A request id unique per click: it tells whether this click's job is the one that runs. */
export const newRequestId = (user: string) =>
  `${user}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
