/**
 * Retry and Clean up on a failed provisioning job's message. Each acks, reads the job id (a
 * zod schema), checks the click was on the message that reports on that job (its data records
 * the message: a server-side record, so a forged payload can't point a click at another job),
 * hands the job id to src/queues (which lets one click per job through and checks the job's
 * state), audits what the click came to and, when it started nothing, tells only the clicker
 * why. When it did start, the job's reporter edits the message with what happens next.
 */
import { z } from "zod";
import { asAppError } from "../../errors.js";
import {
  type ClickOutcome,
  cleanUpProvision,
  provisionStatusMessage,
  retryProvision,
} from "../../queues/provision.js";
import type { SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import * as say from "../render/provision-clicks.js";
import { clickedMessage } from "./dlq-buttons.js";

/** `enable-<instance id>`, as src/queues/provision.ts names an enable job. */
const jobIdSchema = z
  .string({ error: "it is missing" })
  .regex(/^enable-[A-Za-z0-9_-]{1,100}$/, "it is not the id of an enable job");

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
 * The button's job id when it is one and the click was on that job's message; otherwise the
 * click is refused (audited with the reason) and undefined. A job that is gone passes: the
 * click then only hears that it is gone.
 */
async function boundJobId(args: ActionArgs, deps: SlackDeps): Promise<string | undefined> {
  const parsed = jobIdSchema.safeParse(buttonValue(args));
  if (!parsed.success) {
    const problem = parsed.error.issues[0]?.message ?? "it is malformed";
    await tell(args, say.renderNoJobId(problem), { detail: `malformed value: ${problem}` });
    return undefined;
  }
  const jobId = parsed.data;
  const found = await provisionStatusMessage(deps.queues, jobId);
  if (found.status === "gone") return jobId;
  const clicked = clickedMessage(args.body);
  const { message } = found;
  if (!clicked || !message || clicked.channel !== message.channel || clicked.ts !== message.ts) {
    const where = clicked ? `${clicked.channel}/${clicked.ts}` : "no message";
    await tell(args, say.NOT_THIS_JOB, {
      jobId,
      detail: `value names job ${jobId}, but was clicked on ${where}, not on its message`,
    });
    return undefined;
  }
  return jobId;
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
      noteAudit(args.context, { target: jobId, jobId, outcome: "accepted" });
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
  note: { jobId?: string; outcome?: "refused" | "failed"; detail: string },
): Promise<void> {
  const { jobId, outcome = "refused", detail } = note;
  noteAudit(args.context, { ...(jobId && { target: jobId, jobId }), outcome, detail });
  await args.respond({ response_type: "ephemeral", replace_original: false, text });
}
