/**
 * Retry and Clean up on a failed provisioning job's message, and Check again on a report whose
 * instance is left to be linked by hand. Each acks, reads the job id (a
 * zod schema), checks the click was on the message that reports on that job (its data records
 * the message: a server-side record, so a forged payload can't point a click at another job),
 * hands the job id to src/queues (which lets one click per job through and checks the job's
 * state), audits what the click came to and, when it started nothing, tells only the clicker
 * why. When it did start, the job's reporter edits the message with what happens next.
 * Check again is bound the same way, by the record the job kept for it (src/queues/link-check.ts).
 */
import { z } from "zod";
import { asAppError } from "../../errors.js";
import { domainRefOfJob, placeOfJob, type StatusMessageRef } from "../../provision/plan-to-job.js";
import { checkLinkOnce, type LinkCheckRecord, readLinkCheck } from "../../queues/link-check.js";
import {
  type ClickOutcome,
  cleanUpProvision,
  PROVISION_JOB_ID,
  provisionStatusMessage,
  retryProvision,
} from "../../queues/provision.js";
import { auditedRef, placeLabel, type SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import { renderProvisionMessage } from "../render/provision.js";
import * as say from "../render/provision-clicks.js";
import { completedReport } from "../reporters/provision.js";
import { clickedMessage } from "./dlq-buttons.js";

/** `enable-<account>.<region>.<instance id>`, as src/queues/provision.ts names an enable job. */
const jobIdSchema = z
  .string({ error: "it is missing" })
  .regex(PROVISION_JOB_ID, "it is not the id of an enable job");

export async function onRetry(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const jobId = await boundJobId(args, deps);
  if (jobId) await answer(args, deps, jobId, "retry", () => retryProvision(deps.queues, jobId));
}

export async function onCleanup(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const jobId = await boundJobId(args, deps);
  if (!jobId) return;
  const user = args.body.user.id;
  await answer(args, deps, jobId, "cleanup", () => cleanUpProvision(deps.queues, jobId, user));
}

/**
 * Reads which domain the instance is linked to now. Once it is the job's domain, the report is
 * completed in place; otherwise the clicker hears what is missing, with the steps again.
 */
export async function onCheckLink(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const jobId = await readJobId(args);
  if (!jobId) return;
  const kept = await readLinkCheck(deps.queues, jobId);
  if (!kept) {
    await tell(args, say.NO_LINK_CHECK, {
      jobId,
      detail: `no link check is kept for job ${jobId}`,
    });
    return;
  }
  noteAudit(args.context, auditedRef(deps, domainRefOfJob(kept.data)));
  if (!(await onItsMessage(args, jobId, kept.data.message))) return;
  try {
    const { profiles } = deps.targets.gateways(placeOfJob(kept.data), {
      type: "slack",
      userId: args.body.user.id,
      teamId: args.body.team?.id ?? kept.data.teamId,
    });
    const outcome = await checkLinkOnce(deps.queues, jobId, (arn) =>
      profiles.domainForInstance(arn),
    );
    switch (outcome.status) {
      case "linked":
      case "already-linked":
        await completeReport(deps, jobId, outcome.record);
        if (outcome.status === "already-linked") {
          await tell(args, say.ALREADY_LINKED, { jobId, detail: "the link was found before" });
          return;
        }
        noteAudit(args.context, {
          jobId,
          detail: `the instance is linked to ${outcome.record.data.request.domain.name}: the report is complete`,
        });
        return;
      case "missing":
      case "elsewhere": {
        const text = say.renderLinkStillMissing(
          outcome,
          completedReport(
            jobId,
            outcome.record.data,
            placeLabel(deps, placeOfJob(outcome.record.data)),
          ),
        );
        const found = outcome.status === "missing" ? "no domain" : `domain ${outcome.domain}`;
        await tell(args, text, {
          jobId,
          outcome: "succeeded",
          detail: `the instance is linked to ${found}, not to ${outcome.record.data.request.domain.name}`,
        });
        return;
      }
      case "busy":
        await tell(args, say.CHECK_BUSY, { jobId, detail: "another click is being handled" });
        return;
      case "gone":
        await tell(args, say.NO_LINK_CHECK, { jobId, detail: "the link check expired" });
        return;
    }
  } catch (err) {
    deps.log.error({ err, jobId, userId: args.body.user.id }, "provisioning check-link failed");
    const error = asAppError(err);
    await tell(args, `:warning: ${error.userMessage}`, {
      jobId,
      outcome: "failed",
      detail: error.code,
    });
  }
}

/** Edits the report into the completed summary, from the record the click found. */
async function completeReport(deps: SlackDeps, jobId: string, record: LinkCheckRecord) {
  const { message } = record.data;
  if (!message) return;
  const report = completedReport(jobId, record.data, placeLabel(deps, placeOfJob(record.data)));
  await deps.notifier.update(message.channel, message.ts, renderProvisionMessage(report));
}

/**
 * The button's job id when it is one and the click was on that job's message; otherwise the
 * click is refused (audited with the reason) and undefined. A job that is gone passes: the
 * click then only hears that it is gone.
 */
async function boundJobId(args: ActionArgs, deps: SlackDeps): Promise<string | undefined> {
  const jobId = await readJobId(args);
  if (!jobId) return undefined;
  const found = await provisionStatusMessage(deps.queues, jobId);
  if (found.status === "gone") return jobId;
  if (found.ref) noteAudit(args.context, auditedRef(deps, found.ref));
  return (await onItsMessage(args, jobId, found.message)) ? jobId : undefined;
}

/** The button's value as an enable job id; a malformed one is refused, saying why. */
async function readJobId(args: ActionArgs): Promise<string | undefined> {
  const parsed = jobIdSchema.safeParse(buttonValue(args));
  if (parsed.success) {
    // Named by its job until the job's domain is found (the entry then names the domain).
    noteAudit(args.context, { target: parsed.data, jobId: parsed.data });
    return parsed.data;
  }
  const problem = parsed.error.issues[0]?.message ?? "it is malformed";
  await tell(args, say.renderNoJobId(problem), { detail: `malformed value: ${problem}` });
  return undefined;
}

/** Whether the click was on the message the record names; if not, refused and audited. */
async function onItsMessage(
  args: ActionArgs,
  jobId: string,
  message: StatusMessageRef | undefined,
): Promise<boolean> {
  const clicked = clickedMessage(args.body);
  if (clicked && message && clicked.channel === message.channel && clicked.ts === message.ts) {
    return true;
  }
  const where = clicked ? `${clicked.channel}/${clicked.ts}` : "no message";
  await tell(args, say.NOT_THIS_JOB, {
    jobId,
    detail: `value names job ${jobId}, but was clicked on ${where}, not on its message`,
  });
  return false;
}

async function answer(
  args: ActionArgs,
  deps: SlackDeps,
  jobId: string,
  click: say.ProvisionClick,
  clicked: () => Promise<ClickOutcome>,
): Promise<void> {
  try {
    const outcome = await clicked();
    if (outcome.status === "started") {
      noteAudit(args.context, { jobId, outcome: "accepted" });
      return;
    }
    await tell(args, say.renderProvisionClick(click, outcome), {
      jobId,
      detail: `the job is ${outcome.status}`,
    });
  } catch (err) {
    deps.log.error({ err, jobId, userId: args.body.user.id }, `provisioning ${click} failed`);
    const error = asAppError(err);
    await tell(args, `:warning: ${error.userMessage}`, {
      jobId,
      outcome: "failed",
      detail: error.code,
    });
  }
}

/** Answers only the clicker: nothing was started, and the audit entry says so and why. */
async function tell(
  args: ActionArgs,
  text: string,
  note: { jobId?: string; outcome?: "refused" | "failed" | "succeeded"; detail: string },
): Promise<void> {
  const { jobId, outcome = "refused", detail } = note;
  noteAudit(args.context, { ...(jobId && { jobId }), outcome, detail });
  await args.respond({ response_type: "ephemeral", replace_original: false, text });
}
