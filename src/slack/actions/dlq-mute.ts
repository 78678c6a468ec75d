/**
 * Mute on a digest (an overflow menu): acks, reads the choice, checks it was chosen on that
 * domain's digest (dlq-buttons.ts; the value has no room for the place, so the digest clicked
 * says which place it is), mutes the digest's thread (src/dlq/mute.ts, the tag written in the
 * domain's own account as the person who chose) and says so in that thread, as the digest
 * store names it.
 */
import { muteDigest } from "../../dlq/mute.js";
import { asAppError } from "../../errors.js";
import { auditedRef, digestStore, type SlackDeps, slackActor } from "../deps.js";
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
  const ref = bound.digest;
  const audited = auditedRef(deps, ref);

  let until: number | undefined;
  try {
    const actor = slackActor(body.user.id, body.user.team_id ?? body.team?.id);
    ({ until } = await muteDigest({
      ctx: { digests: digestStore(deps), tags: deps.targets.gateways(ref, actor).profiles },
      input: { ref, forMs: MUTE_CHOICES[choice].ms },
    }));
  } catch (err) {
    const error = asAppError(err);
    deps.log.warn(
      { err, userId: body.user.id, domain: audited.target },
      "could not mute the digest",
    );
    noteAudit(args.context, { ...audited, outcome: "failed", detail: error.code });
    return tellClicker(args, deps, `:warning: ${error.userMessage}`, ref);
  }
  noteAudit(args.context, { ...audited, params: { mute: choice }, replied: true });
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
