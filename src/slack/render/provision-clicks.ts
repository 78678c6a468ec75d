/**
 * What the person who clicked Retry or Clean up is told when the click started nothing (a
 * value the bot can't read, a click not on the job's own message, a job in the wrong state);
 * when it did start the job, the job's own message says what happens next.
 */
import type { ClickOutcome } from "../../queues/provision.js";
import { stateWord } from "../../queues/states.js";

export type ProvisionClick = "retry" | "cleanup";

/** A value that is not a provisioning job id: `problem` says what is wrong with it. */
export const renderNoJobId = (problem: string): string =>
  `:warning: This button carries no job id the bot can read (${problem}), so nothing was started.`;

/** The job exists, but the click was not on the message that reports on it. */
export const NOT_THIS_JOB =
  ":no_entry: This button was not clicked on the message that reports on that job, so nothing was started. Use Retry or Clean up on the job's own message.";

export function renderProvisionClick(
  click: ProvisionClick,
  outcome: Exclude<ClickOutcome, { status: "started" }>,
): string {
  switch (outcome.status) {
    case "busy":
      return "Someone just clicked Retry or Clean up on this job; nothing more was started.";
    case "cleaning-up":
      return click === "retry"
        ? "Clean up is running for this job; retry once it has finished."
        : "Clean up is already running for this job.";
    case "gone":
      return click === "retry"
        ? "This job is gone (failed jobs are kept 14 days): start again with `/profiles enable`."
        : "This job is gone (failed jobs are kept 14 days), so the bot no longer knows what it created.";
    case "wrong-state":
      return click === "retry"
        ? `This job is ${stateWord(outcome.state)} already, so Retry did nothing.`
        : `This job is ${stateWord(outcome.state)}; only a failed job can be cleaned up.`;
  }
}
