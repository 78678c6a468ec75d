/**
 * The provisioning job's Slack report: ONE message per job in the channel the request came
 * from, edited in place as steps start and finish. The notifier coalesces and rate-limits
 * the edits, so a burst of steps costs a few chat.update calls, not one each.
 *
 * The message's channel and ts live in the job's data (`message`): the wizard posts the
 * message when it enqueues; when it did not, the first report posts it and stores it there,
 * so a retry, another worker or the clean-up job edit the same message. Everything shown is
 * rebuilt from the job's data (checkpoint, failure, clean-up) when a reporter starts, so a
 * restarted worker picks up where the message left off.
 */
import type { Place } from "../../aws/targets.js";
import type { Logger } from "../../logger.js";
import { cleanupPreview } from "../../provision/cleanup.js";
import {
  type ProvisionJobData,
  placeOfJob,
  provisionInput,
  type StatusMessageRef,
} from "../../provision/plan-to-job.js";
import type { ProvisionReporter } from "../../provision/reporter.js";
import { describeStep, stepOutcome, summarise } from "../../provision/run.js";
import type { PropagationWait } from "../../provision/settle.js";
import { STEP_ORDER } from "../../provision/step-names.js";
import type {
  CleanupResult,
  ProvisionFailure,
  ProvisionSummary,
  StepName,
  StepOutcome,
} from "../../provision/types.js";
import type { Notifier } from "../notifier/notifier.js";
import {
  type ProvisionReport,
  renderProvisionMessage,
  type StepLine,
  skippedSteps,
  stepText,
} from "../render/provision.js";

/** The part of a BullMQ job the reporter uses (a Job satisfies it). */
export interface ReportableJob {
  id?: string | undefined;
  data: ProvisionJobData;
  /** Must update `data` in place too, as BullMQ's Job.updateData does. */
  updateData(data: ProvisionJobData): Promise<unknown>;
}

export interface ReportDeps {
  notifier: Notifier;
  log: Logger;
  /**
   * The job's place as people read it (`prod (444455556666) · eu-west-2`), or undefined when
   * the bot serves one place and the message reads as it always did.
   */
  describePlace?: (place: Place) => string | undefined;
}

/**
 * What the message shows for a job that has not reported anything yet. `place`: the job's
 * account and region for people, when the bot serves several.
 */
export function reportFromJobData(
  jobId: string,
  data: ProvisionJobData,
  place?: string,
): ProvisionReport {
  const { request, checkpoint } = data;
  const input = provisionInput(jobId, data);
  const skipped = skippedSteps(request);
  const done = new Set(checkpoint.done ?? []);
  const steps: StepLine[] = STEP_ORDER.map((step) => {
    if (done.has(step)) {
      const text = stepText(step, describeStep(step, input, checkpoint), request);
      return { step, status: doneStatus(skipped.has(step), stepOutcome(step, checkpoint)), text };
    }
    return { step, status: skipped.has(step) ? "skipped" : "pending" };
  });
  if (data.failure && data.failure.step !== "cleanup") {
    const failed = steps.find((s) => s.step === data.failure?.step);
    if (failed) failed.status = "failed";
  }
  return {
    jobId,
    instanceLabel: request.instance.alias ?? request.instance.id,
    domainName: input.domain.name,
    ...(place !== undefined && { place }),
    requestedBy: data.requestedBy,
    steps,
    ...(data.failure ? { failure: data.failure } : {}),
    ...(data.cleanup ? { cleanup: data.cleanup } : {}),
    cleanupPreview: cleanupPreview(checkpoint),
  };
}

/**
 * The report of a job that completed, from its data alone: Check again rebuilds it once the
 * link is made, when the job itself may be gone.
 */
export function completedReport(
  jobId: string,
  data: ProvisionJobData,
  place?: string,
): ProvisionReport {
  return {
    ...reportFromJobData(jobId, data, place),
    completed: summarise(provisionInput(jobId, data), data.checkpoint),
  };
}

const OUTCOME_STATUS: Record<StepOutcome, StepLine["status"]> = {
  done: "done",
  "by-hand": "by-hand",
  unverified: "warning",
};

const doneStatus = (skipped: boolean, outcome: StepOutcome | undefined): StepLine["status"] =>
  skipped ? "skipped" : OUTCOME_STATUS[outcome ?? "done"];

/** The message the wizard posts when it enqueues, before any step has run. */
export const initialProvisionMessage = (jobId: string, data: ProvisionJobData, place?: string) =>
  renderProvisionMessage(reportFromJobData(jobId, data, place));

/**
 * Waits are retried every few seconds and each shows how long the job has waited: at most
 * one such edit per step this often, so a long wait costs chat.update a handful of calls.
 */
export const WAIT_EDIT_INTERVAL_MS = 5_000;

export class SlackProvisionReporter implements ProvisionReporter {
  private readonly report: ProvisionReport;
  private readonly skipped: Set<StepName>;
  private ref: StatusMessageRef | undefined;
  private posting: Promise<StatusMessageRef | undefined> | undefined;
  /** Goes up with every change; the first post records which one it showed. */
  private version = 0;
  private postedVersion = -1;
  private readonly waitShownAt = new Map<StepName, number>();

  constructor(
    private readonly deps: ReportDeps,
    private readonly job: ReportableJob,
  ) {
    const jobId = String(job.id ?? "");
    this.report = reportFromJobData(jobId, job.data, deps.describePlace?.(placeOfJob(job.data)));
    this.skipped = skippedSteps(job.data.request);
    this.ref = job.data.message;
  }

  stepStarted(step: StepName): Promise<void> {
    // A retry starts where the last run failed: that failure no longer describes the job.
    delete this.report.failure;
    delete this.report.cleanup;
    delete this.report.cleanupFailure;
    this.setStep(step, this.skipped.has(step) ? "skipped" : "running");
    return this.push();
  }

  stepDone(step: StepName, summary: string, outcome?: StepOutcome): Promise<void> {
    const text = stepText(step, summary, this.job.data.request);
    this.setStep(step, doneStatus(this.skipped.has(step), outcome), text);
    return this.push();
  }

  waiting(step: StepName, wait: PropagationWait): Promise<void> {
    const line = this.report.steps.find((s) => s.step === step);
    if (line?.status !== "running") return Promise.resolve();
    line.waiting = wait;
    const shown = this.waitShownAt.get(step);
    const now = Date.now();
    // Kept for the next edit when too soon: the line is current whenever anything is sent.
    if (shown !== undefined && now - shown < WAIT_EDIT_INTERVAL_MS) return Promise.resolve();
    this.waitShownAt.set(step, now);
    return this.push();
  }

  completed(summary: ProvisionSummary): Promise<void> {
    delete this.report.failure;
    this.report.completed = summary;
    return this.push();
  }

  failed(failure: ProvisionFailure): Promise<void> {
    // The dialog behind Clean up lists what the checkpoint says it would undo now.
    this.report.cleanupPreview = cleanupPreview(this.job.data.checkpoint);
    if (failure.step === "cleanup") {
      this.report.cleanupFailure = failure;
    } else {
      this.report.failure = failure;
      if (failure.step !== "authorisation") this.setStep(failure.step, "failed");
      // Steps that never finished are not running any more.
      for (const line of this.report.steps) {
        if (line.status !== "running") continue;
        line.status = "pending";
        delete line.waiting;
      }
    }
    return this.push();
  }

  cleanedUp(result: CleanupResult): Promise<void> {
    this.report.cleanup = result;
    this.report.cleanupPreview = cleanupPreview(result.checkpoint);
    delete this.report.cleanupFailure;
    // Steps whose work was undone start again on a Retry: their old lines no longer hold.
    const done = new Set(result.checkpoint.done ?? []);
    for (const line of this.report.steps) {
      if (done.has(line.step) || line.status === "failed") continue;
      line.status = this.skipped.has(line.step) ? "skipped" : "pending";
      delete line.text;
    }
    return this.push();
  }

  private setStep(step: StepName, status: StepLine["status"], text?: string): void {
    const line = this.report.steps.find((s) => s.step === step);
    if (!line) return;
    line.status = status;
    delete line.waiting;
    if (text !== undefined) line.text = text;
  }

  /** Sends the current state: posts the message the first time, edits it after that. */
  private async push(): Promise<void> {
    const version = ++this.version;
    const ref = this.ref ?? (await this.postOnce());
    if (!ref || this.postedVersion >= version) return;
    await this.deps.notifier.update(ref.channel, ref.ts, renderProvisionMessage(this.report));
  }

  /** Concurrent first reports share one post, so the job never gets two messages. */
  private postOnce(): Promise<StatusMessageRef | undefined> {
    this.posting ??= this.post().catch((err: unknown) => {
      this.posting = undefined; // the next report tries again
      throw err;
    });
    return this.posting;
  }

  private async post(): Promise<StatusMessageRef | undefined> {
    const channel = this.job.data.channelId;
    if (!channel) return undefined; // a job started without Slack (the CLI) has no channel
    const version = this.version;
    const posted = await this.deps.notifier.post(channel, renderProvisionMessage(this.report));
    this.postedVersion = version;
    this.ref = { channel: posted.channel, ts: posted.ts };
    // Spread at call time: the processor's own checkpoint writes spread the same object.
    await this.job.updateData({ ...this.job.data, message: this.ref });
    this.deps.log.debug({ jobId: this.job.id, message: this.ref }, "posted the status message");
    return this.ref;
  }
}

export const createProvisionReporter = (deps: ReportDeps, job: ReportableJob): ProvisionReporter =>
  new SlackProvisionReporter(deps, job);
