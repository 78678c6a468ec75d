/**
 * The re-ingest and discard jobs' Slack report: one reply per job in the digest's thread (or
 * the click's), posted once and kept with the job, so a retry or another worker edits the
 * same reply. The notifier coalesces the edits, so progress never outruns chat.update's limit.
 * Slack trouble is logged, never thrown: the job's work does not depend on it.
 */
import type { ReingestReporter, ReportedReingest } from "../../dlq/reporter.js";
import type { Logger } from "../../logger.js";
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
  return {
    started: (pace) =>
      start(
        job.kind === "discard"
          ? renderDiscardStarted(job.domain, cls, job.requestedBy)
          : renderReingestStarted(target, pace),
      ),
    progress: (p) => void edit(renderReingestProgress(target, p)),
    reingested: (result) => edit(renderReingestDone(target, result)),
    discarded: (result) => edit(renderDiscardDone(job.domain, cls, job.requestedBy, result)),
    // A job refused before it started has no reply yet: the refusal is posted, not lost.
    failed: (reason, willRetry) =>
      start(
        job.kind === "discard"
          ? renderDiscardFailed(job.domain, cls, reason, willRetry)
          : renderReingestFailed(target, reason, willRetry),
      ),
  };
}
