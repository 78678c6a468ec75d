/**
 * Mute on a digest (an overflow menu): acks, reads the choice, checks it was chosen on that
 * domain's digest (dlq-buttons.ts), mutes the digest's thread (src/dlq/mute.ts) and says so in
 * that thread, as the digest store names it.
 */
import { muteDigest } from "../../dlq/mute.js";
import { asAppError } from "../../errors.js";
import { digestStore, type SlackDeps } from "../deps.js";
import type { ActionArgs } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import { MUTE_CHOICES, readMuteValue, renderMuteReply } from "../render/digest.js";
import { digestClicked, malformed, refuseClick, tellClicker } from "./dlq-buttons.js";

export async function onMute(args: ActionArgs, deps: SlackDeps): Promise<void> {
  const { ack, body, action } = args;
  await ack();
  const read = readMuteValue(
    action.type === "overflow" ? action.selected_option?.value : undefined,
  );
  if (!read.ok) return refuseClick(args, deps, malformed(read.problem));
  const { domain, choice } = read.value;
  const bound = await digestClicked(args, deps, domain);
  if ("refusal" in bound) return refuseClick(args, deps, bound.refusal, domain);

  let until: number | undefined;
  try {
    ({ until } = await muteDigest({
      ctx: { digests: digestStore(deps), tags: deps.gateways.profiles },
      input: { domain, forMs: MUTE_CHOICES[choice].ms },
    }));
  } catch (err) {
    const error = asAppError(err);
    deps.log.warn({ err, userId: body.user.id, domain }, "could not mute the digest");
    noteAudit(args.context, { target: domain, outcome: "failed", detail: error.code });
    return tellClicker(args, deps, `:warning: ${error.userMessage}`, domain);
  }
  noteAudit(args.context, { target: domain, params: { mute: choice }, replied: true });
  const { channel, ts } = bound.digest;
  await deps.notifier
    .post(channel, { ...renderMuteReply(body.user.id, until), threadTs: ts })
    .catch((err: unknown) =>
      deps.log.warn(
        { err, userId: body.user.id, domain },
        "could not reply in the digest's thread",
      ),
    );
}
