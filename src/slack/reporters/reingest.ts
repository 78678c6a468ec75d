/**
 * The re-ingest and discard jobs' Slack report: one reply per job in the digest's thread (or
 * the click's), posted once and kept with the job, so a retry or another worker edits the
 * same reply. The notifier coalesces the edits, so progress never outruns chat.update's limit.
 * Slack trouble is logged, never thrown: the job's work does not depend on it.
 */
import { CLASS_INFO } from "../../dlq/classify.js";
import type { ReingestReporter, ReportedReingest } from "../../dlq/reporter.js";
import type { Logger } from "../../logger.js";
import { reingestOutputsOf } from "../../workflow/steps.js";
import type { Notifier, SlackMessage } from "../notifier/notifier.js";
import {
  type ReingestTarget,
  renderDiscardDone,
  renderDiscardFailed,
  renderDiscardStarted,
  renderReingestDone,
  renderReingestFailed,
  renderReingestProgress,
  renderReingestStarted,
} from "../render/reingest.js";
import { renderReingestOutputs } from "../render/workflow.js";

export interface ReingestReportDeps {
  notifier: Notifier;
  log: Logger;
}

type Ref = { channel: string; ts: string };

export function createReingestReporter(
  deps: ReingestReportDeps,
  job: ReportedReingest,
): ReingestReporter {
  const log = deps.log.child({ jobId: job.jobId, domain: job.domain });
  const target: ReingestTarget = {
    domain: job.domain,
    requestedBy: job.requestedBy,
    ...(job.cls && { cls: job.cls }),
    ...(job.messageId && { messageId: job.messageId }),
  };
  let reply: Ref | undefined = job.reply;

  const edit = async (message: SlackMessage) => {
    if (!reply) return;
    await deps.notifier
      .update(reply.channel, reply.ts, message)
      .catch((err: unknown) => log.warn({ err }, "could not edit the re-ingest reply"));
  };

  /** Posts the reply once; an earlier attempt's reply is edited instead. */
  const start = async (message: SlackMessage) => {
    if (reply) return edit(message);
    if (!job.channel) return;
    try {
      reply = await deps.notifier.post(job.channel, {
        ...message,
        ...(job.threadTs && { threadTs: job.threadTs }),
      });
      await job.saveReply(reply);
    } catch (err) {
      log.warn({ err }, "could not post the re-ingest reply; the job runs anyway");
    }
  };

  const cls = job.cls ?? "throttled";

  /**
   * A Workflow Builder step that started the job ends with it: its numbers, or the reason it
   * gave up. A step Slack has ended meanwhile (cancelled, timed out) answers an error, logged.
   */
  const endStep = async (end: { outputs: Record<string, unknown> } | { error: string }) => {
    if (!job.workflowStep) return;
    await deps.notifier
      .endStep(job.workflowStep, end)
      .catch((err: unknown) => log.warn({ err }, "could not end the workflow step"));
  };

  return {
    started: (pace) =>
      start(
        job.kind === "discard"
          ? renderDiscardStarted(job.domain, cls, job.requestedBy)
          : renderReingestStarted(target, pace),
      ),
    progress: (p) => void edit(renderReingestProgress(target, p)),
    reingested: async (result) => {
      await edit(renderReingestDone(target, result));
      await endStep({ outputs: renderReingestOutputs(reingestOutputsOf(result)) });
    },
    discarded: (result) => edit(renderDiscardDone(job.domain, cls, job.requestedBy, result)),
    // A job refused before it started has no reply yet: the refusal is posted, not lost.
    failed: async (reason, willRetry) => {
      await start(
        job.kind === "discard"
          ? renderDiscardFailed(job.domain, cls, reason, willRetry)
          : renderReingestFailed(target, reason, willRetry),
      );
      if (!willRetry) {
        await endStep({
          error: `The re-ingest of ${CLASS_INFO[cls].label} messages of ${job.domain} did not finish: ${reason}`,
        });
      }
    },
  };
}
