/**
 * Enable on the review: saves the review's ticks, then does what decideEnable
 * (src/enable/submit.ts) says: look AWS up again, ask for the ticks, or queue the job
 * (src/queues/provision.ts).
 */
import type { WebClient } from "@slack/web-api";
import { placeSelector } from "../../../dlq/places.js";
import type { ConfirmationKind } from "../../../enable/plan.js";
import { decideEnable } from "../../../enable/submit.js";
import { asAppError } from "../../../errors.js";
import { domainRefOfJob, type ProvisionJobData } from "../../../provision/plan-to-job.js";
import type { EnqueueOutcome } from "../../../queues/outcome.js";
import { enqueueProvision, provisionJobIdOf } from "../../../queues/provision.js";
import { auditedRef, type SlackDeps } from "../../deps.js";
import type { ViewArgs } from "../../entries.js";
import type { AuditNote } from "../../middleware/guard.js";
import { expiredView, placeGoneView } from "../../render/enable/common.js";
import {
  alreadyRunningView,
  confirmationErrors,
  queueFailedView,
} from "../../render/enable/review.js";
import { draftPlace, draftStore, saveTyped } from "./draft.js";
import { answerWithStep } from "./refresh.js";
import { postStatusAndStart } from "./start.js";

/** The audit's words for each box left unticked. */
const UNCONFIRMED: Record<ConfirmationKind, string> = {
  relink: "moving the instance to another domain",
  "key-statement": "that the key's administrator added the key policy statement",
  reencrypt: "re-encrypting the domain's profiles under another key",
};

export async function onEnable(args: ViewArgs, deps: SlackDeps): Promise<void> {
  const { ack, view } = args;
  const drafts = draftStore(deps);
  const note = args.context.audit as AuditNote | undefined;
  const refused = (detail: string) => note && Object.assign(note, { outcome: "refused", detail });
  const draft = await saveTyped(drafts, view, args.body.user.id);
  if (!draft) {
    refused("the form expired before Enable was pressed");
    return ack({ response_action: "update", view: expiredView() });
  }
  // The place is hostile input like the rest: the bot must (still) serve it.
  const place = draftPlace(deps, draft);
  if (!place) {
    refused("the form's account and region are not served by the bot");
    return ack({ response_action: "update", view: placeGoneView() });
  }
  const decision = decideEnable({ input: draft, place });
  if (decision.kind === "confirm") {
    refused(`not confirmed: ${decision.missing.map((m) => UNCONFIRMED[m]).join("; ")}`);
    return ack({ response_action: "errors", errors: confirmationErrors(draft, decision.missing) });
  }
  if (decision.kind === "check-again") {
    refused("what the review showed no longer matched AWS; it was looked up again");
    await drafts.patch(draft.id, decision.patch);
    const reset = { ...draft, ...decision.patch };
    const client = args.client as WebClient;
    return answerWithStep({ deps, drafts, draft: reset, ack, client, viewId: view.id });
  }
  const { data } = decision;
  const jobId = provisionJobIdOf(data);
  // Named like every other entry about a domain (its refId and place), so `/profiles audit
  // <domain>` finds the Enable beside the job's outcome; the instance goes with the parameters.
  if (note) {
    Object.assign(note, {
      ...auditedRef(deps, domainRefOfJob(data)),
      jobId,
      params: { ...note.params, instance: data.request.instance.id },
    });
  }
  const log = deps.log.child({
    userId: draft.userId,
    teamId: draft.teamId,
    draftId: draft.id,
    jobId,
  });
  let outcome: EnqueueOutcome<ProvisionJobData>;
  try {
    outcome = await enqueueProvision(deps.queues, data, { hold: true });
  } catch (err) {
    log.error({ err }, "could not queue the enable job");
    const reason = asAppError(err).userMessage;
    if (note) Object.assign(note, { outcome: "failed", detail: reason });
    const failed = queueFailedView(draft, reason);
    return ack({ response_action: "update", view: failed });
  }
  if (outcome.status === "already-running") {
    refused(`a job for this instance is already ${outcome.state}`);
    return ack({
      response_action: "update",
      view: alreadyRunningView(
        outcome.existing,
        outcome.state,
        deps.targets.places().length > 1
          ? placeSelector(deps.targets, domainRefOfJob(outcome.existing))
          : undefined,
      ),
    });
  }
  // The draft stays until it expires: a second press of Enable on the same form then finds
  // the job and says so, instead of calling the form expired.
  await ack({ response_action: "clear" });
  log.info("enable job queued from the wizard");
  await postStatusAndStart(deps, log, jobId, data);
}
