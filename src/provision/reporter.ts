/**
 * How a provisioning job tells people what it is doing. The Slack notifier implements this
 * (one message, edited in place); tests use the in-memory one. The processor never waits on
 * a reporter and never fails because one did.
 */
import type { PropagationWait } from "./settle.js";
import type {
  CleanupResult,
  ProvisionFailure,
  ProvisionSummary,
  StepName,
  StepOutcome,
} from "./types.js";

export interface ProvisionReporter {
  stepStarted(step: StepName): void | Promise<void>;
  /**
   * `summary`: one sentence, e.g. "Created queue amazon-connect-acme-dlq." `outcome` is
   * "by-hand" when the step finished but left work for a person (the refused link).
   */
  stepDone(step: StepName, summary: string, outcome?: StepOutcome): void | Promise<void>;
  /**
   * The running step waits for AWS to spread a change this job made (settle.ts); called
   * before each wait, with how long it has waited. A reporter without it says nothing then.
   */
  waiting?(step: StepName, wait: PropagationWait): void | Promise<void>;
  completed(summary: ProvisionSummary): void | Promise<void>;
  /** Only for a failure that is final: permanent, or the last attempt. */
  failed(failure: ProvisionFailure): void | Promise<void>;
  cleanedUp?(result: CleanupResult): void | Promise<void>;
}

/** What a reporter learns about the job it reports on. */
export interface ReportedJob {
  id: string;
  channelId: string;
  teamId: string;
  requestedBy: string;
  instanceId: string;
  domainName: string;
}

/** One reporter per job, so the Slack one can find (or post) that job's message. */
export type ReporterFactory = (job: ReportedJob) => ProvisionReporter;

export const noopReporter: ProvisionReporter = {
  stepStarted: () => {},
  stepDone: () => {},
  waiting: () => {},
  completed: () => {},
  failed: () => {},
  cleanedUp: () => {},
};

export type ReportEvent =
  | { type: "stepStarted"; jobId: string; step: StepName }
  | { type: "stepDone"; jobId: string; step: StepName; summary: string; outcome?: StepOutcome }
  | { type: "waiting"; jobId: string; step: StepName; wait: PropagationWait }
  | { type: "completed"; jobId: string; summary: ProvisionSummary }
  | { type: "failed"; jobId: string; failure: ProvisionFailure }
  | { type: "cleanedUp"; jobId: string; result: CleanupResult };

/** Records every event, across jobs, in the order they arrived. */
export class MemoryReporter {
  readonly events: ReportEvent[] = [];

  readonly factory: ReporterFactory = (job) => ({
    stepStarted: (step) => {
      this.events.push({ type: "stepStarted", jobId: job.id, step });
    },
    stepDone: (step, summary, outcome) => {
      this.events.push({
        type: "stepDone",
        jobId: job.id,
        step,
        summary,
        ...(outcome === "by-hand" ? { outcome } : {}),
      });
    },
    waiting: (step, wait) => {
      this.events.push({ type: "waiting", jobId: job.id, step, wait });
    },
    completed: (summary) => {
      this.events.push({ type: "completed", jobId: job.id, summary });
    },
    failed: (failure) => {
      this.events.push({ type: "failed", jobId: job.id, failure });
    },
    cleanedUp: (result) => {
      this.events.push({ type: "cleanedUp", jobId: job.id, result });
    },
  });

  of<T extends ReportEvent["type"]>(type: T): Extract<ReportEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<ReportEvent, { type: T }> => e.type === type);
  }
}
