/**
 * What the person who clicked Retry or Clean up is told when the click started nothing (a
 * value the bot can't read, a click not on the job's own message, a job in the wrong state);
 * when it did start the job, the job's own message says what happens next. And what Check
 * again tells its clicker when the instance is still not linked to the job's domain.
 */
import type { LinkCheckOutcome } from "../../queues/link-check.js";
import type { ClickOutcome } from "../../queues/provision.js";
import { stateWord } from "../../queues/states.js";
import { linkByHandText, type ProvisionReport } from "./provision.js";
import { code, esc } from "./text.js";

export type ProvisionClick = "retry" | "cleanup";

/** A value that is not a provisioning job id: `problem` says what is wrong with it. */
export const renderNoJobId = (problem: string): string =>
  `:warning: This button carries no job id the bot can read (${problem}), so nothing was started.`;

/** The job exists, but the click was not on the message that reports on it. */
export const NOT_THIS_JOB =
  ":no_entry: This button was not clicked on the message that reports on that job, so nothing was started. Use the buttons on the job's own message.";

/** Check again on a job the bot keeps no link check for (expired after 14 days, or never). */
export const NO_LINK_CHECK =
  ":warning: The bot no longer keeps this job's link check (it keeps one 14 days), so nothing was checked. `/profiles doctor` shows which domain each instance is linked to.";

export const ALREADY_LINKED =
  "The instance was already found linked to the job's domain; the report shows it complete.";

export const CHECK_BUSY =
  "Someone just clicked Check again on this report; nothing more was checked.";

/** The instance is linked to no domain, or to another one: the steps again, and what to do. */
export function renderLinkStillMissing(
  outcome: Extract<LinkCheckOutcome, { status: "missing" | "elsewhere" }>,
  report: ProvisionReport,
): string {
  const summary = report.completed;
  const refusal = summary?.instance.byHand;
  const domain = code(report.domainName);
  const head =
    outcome.status === "missing"
      ? `:hourglass: Instance ${esc(report.instanceLabel)} is still not linked to ${domain} (nor to any domain).`
      : `:warning: Instance ${esc(report.instanceLabel)} is linked to another domain, ${code(outcome.domain)}, not to ${domain}. Its contacts' profiles go to ${code(outcome.domain)}. To keep that, nothing more is needed; to use ${domain}, link it by hand as below (the profiles in ${code(outcome.domain)} stay there).`;
  return summary && refusal ? `${head}\n${linkByHandText(summary, refusal)}` : head;
}

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
