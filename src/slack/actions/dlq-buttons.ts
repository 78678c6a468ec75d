/**
 * What the dead-letter buttons share: reading their values, binding each to the message it
 * was clicked on, refusing (audited, with the reason) what fails either, answering only the
 * clicker, and starting a job. A file of its own so the handlers don't import each other.
 *
 * A value is untrusted input: anyone holding the signing secret can sign any payload. So a
 * value is read with its zod schema (render/digest.ts), and then bound to the message it came
 * from by a server-side record, not by anything in the payload:
 * - a digest button acts only when the clicked message (channel and ts) is the current digest
 *   of the domain its value names, as the digest store records it (src/dlq/digests.ts);
 * - a button in an Inspect modal acts only when the modal is one the bot opened for that
 *   domain and offered that message in (inspect-views.ts).
 * A value copied from one domain's digest therefore acts on nothing when clicked on another's,
 * and replies go to the thread the store names, never to one the payload names.
 * The value names the digest's place (account and region) too, and the record is looked up
 * under that place's key: a value naming another place than the digest it was clicked on
 * finds that other place's digest, whose message is not the one clicked, and is refused
 * (audited, the target being the refId the value named). A value without a place (a digest
 * posted before the bot served several places, or Mute's short value) is bound by finding
 * the served place whose current digest is the clicked message. We chose a
 * record over an HMAC in the value because overflow option values (Mute) hold 75 characters,
 * too few for a MAC, and because the record also says which digest is current
 * (docs/adr/0004).
 */
import type { BlockAction } from "@slack/bolt";
import { type DomainRef, type Place, placeId, refId } from "../../aws/targets.js";
import type { DlqClass } from "../../dlq/classify.js";
import type { DigestState } from "../../dlq/digests.js";
import type { EnqueueOutcome } from "../../queues/outcome.js";
import {
  enqueueDiscard,
  enqueueReingest,
  type ReingestKind,
  type ReingestRequest,
} from "../../queues/reingest.js";
import { auditedRef, bindingStore, digestStore, type SlackDeps, slackActor } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import { type ClassTarget, DLQ_INSPECT_CALLBACK, readClassActionValue } from "../render/digest.js";
import {
  NO_SCAN_ID,
  renderAlreadyRunning,
  renderMalformedValue,
  renderNotThisDigest,
  renderNotThisView,
  renderQueueDown,
} from "../render/dlq-clicks.js";
import { type InspectedView, RedisInspectViewStore } from "./inspect-views.js";

/** The audit target of a value, before it is bound: the refId when it names a place. */
const namedTarget = (domain: string, place: Place | undefined) =>
  place ? refId({ ...place, domain }) : domain;

export const inspectViews = (deps: SlackDeps) =>
  new RedisInspectViewStore(deps.redis, deps.config.redis.prefix);

/** Why a click is refused: `reason` goes to the audit trail, `text` to the clicker. */
export interface Refusal {
  reason: string;
  text: string;
}

export const malformed = (problem: string): Refusal => ({
  reason: `malformed value: ${problem}`,
  text: renderMalformedValue(problem),
});

/**
 * Refuses a click: nothing is changed, the audit entry says `refused` and why, and only the
 * clicker is told. `trustedDomain` comes from a server-side record, never from the value: it
 * finds the channel to answer a modal click in.
 */
export async function refuseClick(
  args: ActionArgs,
  deps: SlackDeps,
  refusal: Refusal,
  target?: string,
  trustedDomain?: DomainRef,
): Promise<void> {
  noteAudit(args.context, {
    outcome: "refused",
    detail: refusal.reason,
    ...(target !== undefined && { target }),
  });
  deps.log.info(
    { userId: args.body.user.id, action: args.action.action_id, reason: refusal.reason },
    "click refused",
  );
  await tellClicker(args, deps, refusal.text, trustedDomain);
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/**
 * The top-level message a click names: its channel and ts, read from every place the payload
 * gives them. Undefined when it names none, when the places disagree, or when it names a
 * thread other than the message's own (the bot's buttons are on top-level messages, and the
 * guard's reply goes to the thread the payload names).
 */
export function clickedMessage(body: BlockAction): { channel: string; ts: string } | undefined {
  const container = (body.container ?? {}) as Record<string, unknown>;
  const channels = [str(body.channel?.id), str(container.channel_id)].filter(Boolean);
  const tss = [str(body.message?.ts), str(container.message_ts)].filter(Boolean);
  const threads = [body.message?.thread_ts, container.thread_ts].filter((t) => t !== undefined);
  const [channel] = channels;
  const [ts] = tss;
  if (!channel || !ts) return undefined;
  if (channels.some((c) => c !== channel) || tss.some((t) => t !== ts)) return undefined;
  if (threads.some((t) => t !== ts)) return undefined;
  return { channel, ts };
}

export type Digest = DigestState & { channel: string; ts: string };

/**
 * The current digest of `domain` when the click was on it; otherwise why the click is refused.
 * Read from the digest store: a forged payload can name any message, but only the digest's
 * own message passes, and only for the domain (and place) whose digest it is. `place` is the
 * one the value names; without one, every served place is looked at for the clicked message.
 */
export async function digestClicked(
  args: ActionArgs,
  deps: SlackDeps,
  domain: string,
  place?: Place,
): Promise<{ digest: Digest } | { refusal: Refusal }> {
  const named = namedTarget(domain, place);
  const refusal = (why: string) => ({
    refusal: { reason: `value names ${named}, ${why}`, text: renderNotThisDigest(domain) },
  });
  const clicked = clickedMessage(args.body);
  if (!clicked) return refusal("but the click names no message, or two different ones");
  if (place && !deps.targets.targetOf(place)) {
    return refusal(`a place the bot does not serve (${placeId(place)})`);
  }
  const places = place ? [place] : deps.targets.places();
  const store = digestStore(deps);
  const states = await Promise.all(places.map((p) => store.get({ ...p, domain })));
  const shown = states.filter((s) => s?.channel && s.ts);
  if (shown.length === 0) return refusal("which has no digest the bot posted");
  const state = shown.find((s) => s?.channel === clicked.channel && s.ts === clicked.ts);
  if (!state) {
    return refusal(`but was clicked on ${clicked.channel}/${clicked.ts}, not on its digest`);
  }
  return { digest: state as Digest };
}

/**
 * The Inspect modal a click was in, when the bot opened it for `domain` (in `place`, when the
 * value names one) and offered `messageId` in it; otherwise why the click is refused.
 */
export async function inspectViewClicked(
  args: ActionArgs,
  deps: SlackDeps,
  domain: string,
  messageId: string,
  place?: Place,
): Promise<{ view: InspectedView } | { refusal: Refusal; trustedDomain?: DomainRef }> {
  const refusal = (why: string) => ({ reason: why, text: renderNotThisView(domain) });
  const view = args.body.view;
  if (!view || view.callback_id !== DLQ_INSPECT_CALLBACK || typeof view.id !== "string") {
    return { refusal: refusal("not clicked in an Inspect modal") };
  }
  const opened = await inspectViews(deps).get(view.id);
  if (!opened)
    return { refusal: refusal(`view ${view.id} is not an Inspect modal the bot opened`) };
  const samePlace = !place || (place.account === opened.account && place.region === opened.region);
  if (opened.domain !== domain || !samePlace) {
    return {
      refusal: refusal(
        `value names ${namedTarget(domain, place)}, but the modal was opened for ${refId(opened)}`,
      ),
      trustedDomain: opened,
    };
  }
  if (!opened.messageIds.includes(messageId)) {
    return {
      refusal: refusal(`message ${messageId} was not offered in that modal`),
      trustedDomain: opened,
    };
  }
  return { view: opened };
}

/** Tells only the clicker: through response_url on a message, as an ephemeral from a modal. */
export async function tellClicker(
  args: ActionArgs,
  deps: SlackDeps,
  text: string,
  trustedDomain?: DomainRef,
): Promise<void> {
  try {
    if (args.body.response_url) {
      await args.respond({ response_type: "ephemeral", replace_original: false, text });
      return;
    }
    const actor = slackActor(args.body.user.id);
    const channel =
      clickedMessage(args.body)?.channel ??
      (trustedDomain ? (await bindingStore(deps, actor).get(trustedDomain))?.channelId : undefined);
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
  const enqueue = kind === "reingest" ? enqueueReingest : enqueueDiscard;
  const audited = auditedRef(deps, request);
  const teamId = args.body.user.team_id ?? args.body.team?.id;
  let outcome: EnqueueOutcome;
  try {
    outcome = await enqueue(deps.queues, {
      ...request,
      requestedBy: user,
      ...(teamId && { teamId }),
    });
  } catch (err) {
    deps.log.error(
      { err, userId: user, domain: audited.target, action: args.action.action_id },
      `could not enqueue a ${kind}`,
    );
    noteAudit(args.context, {
      ...audited,
      outcome: "failed",
      detail: "the job queue did not answer",
    });
    await tellClicker(args, deps, renderQueueDown(kind), request);
    return;
  }
  noteAudit(args.context, {
    ...audited,
    jobId: outcome.jobId,
    outcome: outcome.status === "started" ? "accepted" : "refused",
    ...(outcome.status === "already-running" && {
      detail: `this ${kind} is already running (started by ${outcome.by})`,
    }),
  });
  if (outcome.status === "already-running") {
    await tellClicker(args, deps, renderAlreadyRunning(kind, outcome.by, user), request);
  }
}

/**
 * The class a digest button names, read from its value and bound to that domain's current
 * digest; undefined when the click was refused instead (audited, and the clicker told).
 */
export async function classClicked(
  args: ActionArgs,
  deps: SlackDeps,
): Promise<{ target: ClassTarget; digest: Digest } | undefined> {
  const read = readClassActionValue(buttonValue(args));
  if (!read.ok) {
    await refuseClick(args, deps, malformed(read.problem));
    return undefined;
  }
  const { domain, place } = read.value;
  const bound = await digestClicked(args, deps, domain, place);
  if ("refusal" in bound) {
    await refuseClick(args, deps, bound.refusal, namedTarget(domain, place));
    return undefined;
  }
  return { target: read.value, digest: bound.digest };
}

/**
 * Re-ingest or Discard on a digest class: acks, reads the value, checks it was clicked on that
 * domain's digest, refuses a class `refuseClass` names and a value that names no scan, and
 * starts the job for the messages of the scan the digest showed, replying in its thread.
 */
export async function startClassJob(
  args: ActionArgs,
  deps: SlackDeps,
  kind: ReingestKind,
  refuseClass: (cls: DlqClass) => Refusal | undefined,
): Promise<void> {
  await args.ack();
  const bound = await classClicked(args, deps);
  if (!bound) return;
  const { cls, scanId } = bound.target;
  // The digest record's place, never the value's.
  const { account, region, domain } = bound.digest;
  const target = refId(bound.digest);
  const refusal = refuseClass(cls);
  if (refusal) return refuseClick(args, deps, refusal, target);
  if (scanId === undefined) {
    return refuseClick(args, deps, { reason: "value names no scan", text: NO_SCAN_ID }, target);
  }
  await startJob(args, deps, kind, {
    account,
    region,
    domain,
    cls,
    scanId,
    channel: bound.digest.channel,
    threadTs: bound.digest.ts,
  });
}
