/**
 * Retry and Clean up on a failed provisioning job's message. Each acks, hands the job id to
 * src/queues (which lets one click per job through and checks the job's state), audits what
 * the click came to and, when it started nothing, tells only the clicker why. When it did
 * start, the job's reporter edits the message with what happens next.
 */
import { asAppError } from "../../errors.js";
import { type ClickOutcome, cleanUpProvision, retryProvision } from "../../queues/provision.js";
import type { SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import * as say from "../render/provision-clicks.js";

export async function onRetry(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const jobId = buttonValue(args);
  if (!jobId) return tell(args, say.NO_JOB_ID);
  await answer(args, deps, "retry", retryProvision(deps.queues, jobId));
}

export async function onCleanup(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const jobId = buttonValue(args);
  if (!jobId) return tell(args, say.NO_JOB_ID);
  await answer(args, deps, "cleanup", cleanUpProvision(deps.queues, jobId, args.body.user.id));
}

async function answer(
  args: ActionArgs,
  deps: SlackDeps,
  click: say.ProvisionClick,
  clicked: Promise<ClickOutcome>,
): Promise<void> {
  const jobId = buttonValue(args);
  try {
    const outcome = await clicked;
    if (outcome.status === "started") {
      noteAudit(args.context, { target: jobId, jobId, outcome: "accepted" });
      return;
    }
    await tell(args, say.renderProvisionClick(click, outcome));
  } catch (err) {
    deps.log.error({ err, jobId, userId: args.body.user.id }, `provisioning ${click} failed`);
    await tell(args, `:warning: ${asAppError(err).userMessage}`, "failed");
  }
}

/** Answers only the clicker: nothing was started, and the audit entry says so. */
async function tell(args: ActionArgs, text: string, outcome: "refused" | "failed" = "refused") {
  const jobId = buttonValue(args);
  noteAudit(args.context, { target: jobId, jobId, outcome });
  await args.respond({ response_type: "ephemeral", replace_original: false, text });
}
