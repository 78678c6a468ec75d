/**
 * Mute on a digest: stores until when its thread stays quiet and says so in the thread.
 * The scan job keeps editing the digest meanwhile; it only holds back the replies.
 */
import type {
  AllMiddlewareArgs,
  BlockAction,
  OverflowAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import { RedisDigestStore } from "../../dlq/digests.js";
import type { SlackDeps } from "../deps.js";
import type { AuditNote } from "../middleware/guard.js";
import { MUTE_CHOICES, readMuteValue, renderMuteReply } from "../render/digest.js";

export type OverflowArgs = SlackActionMiddlewareArgs<BlockAction<OverflowAction>> &
  AllMiddlewareArgs;

export async function onMute(args: OverflowArgs, deps: SlackDeps): Promise<void> {
  const { ack, body, action, context } = args;
  await ack();
  const choice = readMuteValue(action.selected_option?.value);
  const log = deps.log.child({ userId: body.user.id, action: action.action_id });
  if (!choice) {
    log.warn({ value: action.selected_option?.value }, "Mute chosen with an unreadable value");
    return;
  }
  const digests = new RedisDigestStore(deps.redis, deps.config.redis.prefix);
  const ms = MUTE_CHOICES[choice.choice].ms;
  const until = ms > 0 ? Date.now() + ms : undefined;
  await digests.setMute(choice.domain, until);

  // The reply goes under the digest the menu was on.
  const channel = body.channel?.id ?? body.container?.channel_id;
  const ts = body.message?.thread_ts ?? body.message?.ts ?? body.container?.message_ts;
  if (!channel || !ts) return;
  const note = context.audit as AuditNote | undefined;
  if (note) {
    note.target = choice.domain;
    note.params = { mute: choice.choice };
    note.replied = true;
  }
  await deps.notifier
    .post(channel, { ...renderMuteReply(body.user.id, until), threadTs: ts })
    .catch((err: unknown) => log.warn({ err }, "could not reply in the digest's thread"));
}
