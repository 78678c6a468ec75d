/**
 * Mute on a digest (an overflow menu): acks, reads the choice, mutes the digest's thread
 * (src/dlq/mute.ts) and says so in that thread.
 */
import { muteDigest } from "../../dlq/mute.js";
import { digestStore, type SlackDeps } from "../deps.js";
import type { ActionArgs } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import { MUTE_CHOICES, readMuteValue, renderMuteReply } from "../render/digest.js";
import { clickPlace } from "./dlq-buttons.js";

export async function onMute(args: ActionArgs, deps: SlackDeps): Promise<void> {
  const { ack, body, action } = args;
  await ack();
  const value = action.type === "overflow" ? action.selected_option?.value : undefined;
  const choice = readMuteValue(value);
  const log = deps.log.child({ userId: body.user.id, action: action.action_id });
  if (!choice) {
    log.warn({ value }, "Mute chosen with an unreadable value");
    return;
  }
  const { until } = await muteDigest({
    ctx: { digests: digestStore(deps) },
    input: { domain: choice.domain, forMs: MUTE_CHOICES[choice.choice].ms },
  });

  // The reply goes under the digest the menu was on.
  const { channel, threadTs } = clickPlace(body);
  if (!channel || !threadTs) return;
  noteAudit(args.context, {
    target: choice.domain,
    params: { mute: choice.choice },
    replied: true,
  });
  await deps.notifier
    .post(channel, { ...renderMuteReply(body.user.id, until), threadTs })
    .catch((err: unknown) => log.warn({ err }, "could not reply in the digest's thread"));
}
