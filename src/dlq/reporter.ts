/**
 * How a re-ingest or discard job tells people what it is doing: the port the job reports
 * through. The Slack implementation (src/slack/reporters/reingest.ts) keeps one thread reply
 * per job, edited in place; tests use the in-memory one. A reporter never throws: a job does
 * not fail because Slack did.
 */
import type { DlqClass } from "./classify.js";
import type { DiscardResult, ReingestProgress, ReingestResult } from "./reingest.js";

/** What a reporter learns about the job it reports on. */
export interface ReportedReingest {
  jobId: string;
  kind: "reingest" | "discard";
  domain: string;
  cls?: DlqClass;
  messageId?: string;
  requestedBy: string;
  /** Where to reply: the click's thread, else the digest in the bound channel. */
  channel?: string;
  threadTs?: string;
  /** The reply an earlier attempt posted, so a retry edits it instead of posting another. */
  reply?: { channel: string; ts: string };
  /** The Workflow Builder step run that started the job, ended by the job's own end. */
  workflowStep?: string;
  /** Keeps the reply with the job, for the next attempt. */
  saveReply(reply: { channel: string; ts: string }): Promise<void>;
}

export interface ReingestReporter {
  /** `pace`: objects per second the job is paced at. */
  started(pace: number): Promise<void>;
  progress(progress: ReingestProgress): void;
  reingested(result: ReingestResult): Promise<void>;
  discarded(result: DiscardResult): Promise<void>;
  failed(reason: string, willRetry: boolean): Promise<void>;
}

export type ReingestReporterFactory = (job: ReportedReingest) => ReingestReporter;

export type ReingestEvent =
  | { type: "started"; jobId: string; pace: number }
  | { type: "progress"; jobId: string; progress: ReingestProgress }
  | { type: "reingested"; jobId: string; result: ReingestResult }
  | { type: "discarded"; jobId: string; result: DiscardResult }
  | { type: "failed"; jobId: string; reason: string; willRetry: boolean };

/** Records every event, across jobs, in the order they arrived. */
export class MemoryReingestReporter {
  readonly events: ReingestEvent[] = [];

  readonly factory: ReingestReporterFactory = ({ jobId }) => ({
    started: async (pace) => void this.events.push({ type: "started", jobId, pace }),
    progress: (progress) => void this.events.push({ type: "progress", jobId, progress }),
    reingested: async (result) => void this.events.push({ type: "reingested", jobId, result }),
    discarded: async (result) => void this.events.push({ type: "discarded", jobId, result }),
    failed: async (reason, willRetry) =>
      void this.events.push({ type: "failed", jobId, reason, willRetry }),
  });
}
