/**
 * What pressing Enable on the wizard's review comes to, from the draft alone: look AWS up
 * again (the facts are old or missing, or the plan is blocked), ask for the boxes still
 * unticked (the plan's only blockers), or the provisioning job to queue. Nothing here
 * calls AWS or the queue; the listener does what the decision says.
 */
import type { Place } from "../aws/targets.js";
import { type ProvisionJobData, provisionJobData } from "../provision/plan-to-job.js";
import type { Draft, DraftPatch } from "./drafts.js";
import { blockedOnlyByConfirmations, type ConfirmationKind } from "./plan.js";
import { reviewState } from "./wizard.js";

export type EnableDecision =
  /** Save `patch`, show the review loading, and gather the facts again. */
  | { kind: "check-again"; patch: DraftPatch }
  /** Boxes the review shows (relink, key statement, re-encryption) are not ticked. */
  | { kind: "confirm"; missing: ConfirmationKind[] }
  /** Nothing blocks the plan: queue this job. */
  | { kind: "ready"; data: ProvisionJobData };

/**
 * Facts for a key no input maps to: the review's look-up runs again even when the facts it
 * holds are fresh, since a person pressing Check again expects AWS to be read again.
 */
const staleFacts = (now: Date): DraftPatch => ({ facts: { for: "", at: now.toISOString() } });

export function decideEnable({
  input: draft,
  place,
  now = new Date(),
}: {
  input: Draft;
  /** Where the job works: the draft's place, checked by the caller to be one the bot serves. */
  place?: Place;
  now?: Date;
}): EnableDecision {
  const state = reviewState({ ...draft, step: "review" }, now.getTime());
  if (state.kind !== "ready") return { kind: "check-again", patch: staleFacts(now) };
  const { plan, input } = state;
  if (blockedOnlyByConfirmations(plan)) {
    const missing = plan.confirmations.filter((c) => !c.confirmed).map((c) => c.kind);
    return { kind: "confirm", missing };
  }
  if (plan.blockers.length > 0) return { kind: "check-again", patch: staleFacts(now) };
  // No blockers means the instance ARN parsed, so building the job data cannot refuse it.
  const who = { requestedBy: draft.userId, channelId: draft.channelId, teamId: draft.teamId };
  return { kind: "ready", data: provisionJobData(input, who, now, place) };
}
