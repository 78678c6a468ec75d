/**
 * The wizard's view_submission listeners. Each saves what was typed into the draft before
 * anything else, then validates the step (src/enable/wizard.ts) and answers with `errors`
 * next to the field, or `update` to the next step; look-ups happen after the ack. Review's
 * Enable re-checks the plan and enqueues the provisioning job (one per instance).
 */
import type {
  AllMiddlewareArgs,
  App,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Job, Queue } from "bullmq";
import { enqueueProvision, PROVISION_QUEUE } from "../../../../jobs/provision.js";
import {
  type Draft,
  type DraftStore,
  RedisDraftStore,
  type WizardStep,
} from "../../../enable/drafts.js";
import {
  applyTyped,
  blockedOnlyByRelink,
  chosenInstance,
  instanceLabel,
  nextStep,
  reviewState,
  validateStep,
} from "../../../enable/wizard.js";
import { asAppError } from "../../../errors.js";
import {
  type ProvisionJobData,
  provisionJobData,
  provisionJobId,
} from "../../../provision/plan-to-job.js";
import type { SlackDeps } from "../../deps.js";
import type { AuditNote } from "../../middleware/guard.js";
import { initialProvisionMessage } from "../../provision-report.js";
import { CALLBACK, errorsForSlack, esc, infoView, readTyped, stateOf } from "./common.js";
import { stepView } from "./index.js";
import { loadAndRefresh } from "./refresh.js";
import { reviewView } from "./review.js";

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The job waits this long before it may start, so the status message can be posted and
 * stored in its data first (the reporter then edits that message instead of posting one).
 * The wizard promotes it as soon as the message is stored; the delay only matters when
 * posting fails or this process dies in between.
 */
export const JOB_HOLD_MS = 15_000;

export const expiredView = () =>
  infoView(
    "Enable Profiles",
    ":hourglass: This form expired (a draft is kept for an hour without changes). Nothing was created: run `/profiles enable` again.",
  );

export const draftStore = (deps: SlackDeps): DraftStore =>
  new RedisDraftStore(deps.redis, deps.config.redis.prefix);

/**
 * The draft behind a view, only for the person it was opened for: Slack sends a view's
 * interactions from its owner alone, and this keeps it so if anything else ever does.
 */
export async function ownDraft(
  drafts: DraftStore,
  draftId: string,
  userId: string,
): Promise<Draft | undefined> {
  const draft = await drafts.get(draftId);
  return draft && draft.userId === userId ? draft : undefined;
}

/** Errors may only name input blocks of the view shown; any other lands on its first input. */
function placeErrors(
  errors: Record<string, string>,
  view: ViewSubmitAction["view"],
): Record<string, string> {
  const inputs = view.blocks.filter((b) => b.type === "input").map((b) => b.block_id ?? "");
  const out: Record<string, string> = {};
  for (const [field, text] of Object.entries(errors)) {
    const target = inputs.includes(field) ? field : inputs[0];
    if (target) out[target] = out[target] ? `${out[target]} ${text}` : text;
  }
  return out;
}

/** Reads the draft and saves what was typed, before anything else can fail. */
async function saveTyped(
  drafts: DraftStore,
  view: ViewSubmitAction["view"],
  userId: string,
): Promise<Draft | undefined> {
  const draft = await ownDraft(drafts, view.private_metadata, userId);
  if (!draft) return undefined;
  const { draft: merged, patch } = applyTyped(draft, readTyped(stateOf(view)));
  await drafts.patch(draft.id, patch);
  return merged;
}

async function onStepSubmit(step: WizardStep, args: SubmitArgs, deps: SlackDeps): Promise<void> {
  const { ack, view, client } = args;
  const drafts = draftStore(deps);
  const draft = await saveTyped(drafts, view, args.body.user.id);
  if (!draft) {
    await ack({ response_action: "update", view: expiredView() });
    return;
  }
  const errors = errorsForSlack(validateStep(step, { ...draft, step }));
  if (Object.keys(errors).length > 0) {
    await ack({ response_action: "errors", errors: placeErrors(errors, view) });
    return;
  }
  const next: Draft = { ...draft, step: nextStep(step) };
  await drafts.patch(draft.id, { step: next.step });
  await ack({ response_action: "update", view: stepView(next) });
  await loadAndRefresh({ deps, drafts, client: client as WebClient, draft: next, viewId: view.id });
}

// ---------------------------------------------------------------------------------------------
// Review: Enable

const STATE_WORDS: Record<string, string> = {
  active: "running",
  waiting: "queued",
  delayed: "about to start",
  prioritized: "queued",
  "waiting-children": "queued",
};

/** What the second person (or the second press) is told about the job that exists. */
export function alreadyRunningText(data: ProvisionJobData, state: string): string {
  const instance = esc(data.request.instance.alias ?? data.request.instance.id);
  const who = `<@${data.requestedBy}>`;
  const where = data.channelId ? ` Its progress is reported in <#${data.channelId}>.` : "";
  if (state === "completed") {
    return `:white_check_mark: ${who} enabled Customer Profiles for instance *${instance}* (domain *${esc(data.request.domain.name)}*) less than an hour ago, so nothing new was started. \`/profiles status ${esc(data.request.domain.name)}\` shows it.`;
  }
  if (state === "failed") {
    return `:warning: An earlier job by ${who} for instance *${instance}* failed, so nothing new was started: use Retry or Clean up on its message.${where}`;
  }
  return `:hourglass_flowing_sand: Customer Profiles is already being enabled for instance *${instance}*: ${who} started it and it is ${STATE_WORDS[state] ?? state}. Nothing new was started.${where}`;
}

function provisionQueueOf(deps: SlackDeps): Queue {
  const queue = deps.queues[PROVISION_QUEUE];
  if (!queue) throw new Error(`no "${PROVISION_QUEUE}" queue in SlackDeps.queues`);
  return queue;
}

/** Shows "checking" and looks AWS up again: the facts were old, missing or blocked the plan. */
async function checkAgain(args: SubmitArgs, deps: SlackDeps, drafts: DraftStore, draft: Draft) {
  // A key that no input maps to: the review's look-up runs again even if the facts are fresh.
  const stale = { for: "", at: new Date().toISOString() };
  await drafts.patch(draft.id, { facts: stale });
  const reset = { ...draft, facts: stale };
  await args.ack({ response_action: "update", view: reviewView(reset, { kind: "loading" }) });
  await loadAndRefresh({
    deps,
    drafts,
    client: args.client as WebClient,
    draft: reset,
    viewId: args.view.id,
  });
}

async function onReviewSubmit(args: SubmitArgs, deps: SlackDeps): Promise<void> {
  const { ack, view } = args;
  const drafts = draftStore(deps);
  const draft = await saveTyped(drafts, view, args.body.user.id);
  if (!draft) {
    await ack({ response_action: "update", view: expiredView() });
    return;
  }
  const log = deps.log.child({ userId: draft.userId, teamId: draft.teamId, draftId: draft.id });
  const state = reviewState({ ...draft, step: "review" });
  if (state.kind !== "ready") {
    await checkAgain(args, deps, drafts, draft);
    return;
  }
  const { plan, input } = state;
  if (plan.blockers.length > 0) {
    if (blockedOnlyByRelink(plan, input)) {
      const instance = chosenInstance(draft);
      await ack({
        response_action: "errors",
        errors: {
          review_confirm: `Tick the box to link ${instance ? instanceLabel(instance) : "the instance"} to the new domain: its profiles will not move with it.`,
        },
      });
      return;
    }
    await checkAgain(args, deps, drafts, draft);
    return;
  }

  const queue = provisionQueueOf(deps);
  const jobId = provisionJobId(input.instance.id);
  const note = args.context.audit as AuditNote | undefined;
  if (note) Object.assign(note, { target: input.instance.arn, jobId });
  try {
    const existing = (await queue.getJob(jobId)) as Job<ProvisionJobData> | undefined;
    if (existing) {
      if (note) note.outcome = "refused";
      await ack({
        response_action: "update",
        view: infoView(
          "Enable Profiles",
          alreadyRunningText(existing.data, await existing.getState()),
        ),
      });
      return;
    }
    const data = provisionJobData(input, {
      requestedBy: draft.userId,
      channelId: draft.channelId,
      teamId: draft.teamId,
    });
    const result = await enqueueProvision(queue, data, { delay: JOB_HOLD_MS });
    if (!result.isNew) {
      const other = (await queue.getJob(jobId)) as Job<ProvisionJobData> | undefined;
      if (note) note.outcome = "refused";
      await ack({
        response_action: "update",
        view: infoView(
          "Enable Profiles",
          alreadyRunningText(other?.data ?? data, other ? await other.getState() : result.state),
        ),
      });
      return;
    }
    await ack({ response_action: "clear" });
    // The draft stays until it expires: a second press of Enable on the same form then
    // finds the job and says so, instead of calling the form expired.
    log.info({ jobId }, "enable job queued from the wizard");
    await postStatusAndStart(deps, queue, jobId, data);
  } catch (err) {
    const appError = asAppError(err);
    log.error({ err }, "could not queue the enable job");
    await ack({
      response_action: "update",
      view: reviewView(draft, {
        kind: "failed",
        error: `The bot couldn't queue the job (${appError.userMessage}). Nothing was created; press Check again to try again.`,
      }),
    });
  }
}

/**
 * Posts the job's status message where `/profiles enable` was typed, stores it in the job's
 * data for the reporter to edit, then lets the job start.
 */
async function postStatusAndStart(
  deps: SlackDeps,
  queue: Queue,
  jobId: string,
  data: ProvisionJobData,
): Promise<void> {
  const log = deps.log.child({ jobId });
  try {
    const posted = await deps.notifier.post(data.channelId, initialProvisionMessage(jobId, data));
    const job = await queue.getJob(jobId);
    if (job)
      await job.updateData({ ...job.data, message: { channel: posted.channel, ts: posted.ts } });
  } catch (err) {
    // The reporter posts its own message when the job starts without one.
    log.warn({ err }, "could not post the enable job's status message");
  }
  try {
    const job = await queue.getJob(jobId);
    if (job && (await job.getState()) === "delayed") await job.promote();
  } catch (err) {
    log.warn({ err }, "could not start the enable job early; it starts after its hold");
  }
}

export function register(app: App, deps: SlackDeps): void {
  for (const step of ["instance", "domain", "dlq", "key"] as const) {
    app.view<ViewSubmitAction>(CALLBACK[step], (args) => onStepSubmit(step, args, deps));
  }
  app.view<ViewSubmitAction>(CALLBACK.review, (args) => onReviewSubmit(args, deps));
}
