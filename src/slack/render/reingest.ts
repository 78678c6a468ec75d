/**
 * The re-ingest and discard thread replies as pure block builders: started, progress (done,
 * failed, remaining, rate, ETA and a text bar), the end (accepted, came back to the DLQ per
 * class, failed, not found; what is left in the DLQ and why, per class), a failure, and what
 * Discard did. The re-ingest job edits one reply through them. A run that could not account
 * for every message the digest showed says "not finished", never "finished". AWS-provided
 * text (failure reasons, message ids) goes through the text module: escaped, or in a code span.
 */
import type { KnownBlock } from "@slack/types";
import { CLASS_INFO, type DlqClass } from "../../dlq/classify.js";
import type { RedriveLimit } from "../../dlq/receive-budget.js";
import {
  leftByClass,
  MAX_CAMEBACK_RETRIES,
  type ReingestProgress,
  type ReingestResult,
  type StopReason,
} from "../../dlq/reingest.js";
import type { SlackMessage } from "../notifier/notifier.js";
import { clip, code, esc } from "./text.js";

export interface ReingestTarget {
  domain: string;
  /** A class, or one message by id. */
  cls?: DlqClass;
  messageId?: string;
  requestedBy: string;
}

const n = (value: number) => Math.round(value).toLocaleString("en-US");
const plural = (count: number, one: string, many = `${one}s`) =>
  `${n(count)} ${count === 1 ? one : many}`;
const section = (text: string): KnownBlock => ({
  type: "section",
  text: { type: "mrkdwn", text: clip(text, 3000) },
});
const context = (text: string): KnownBlock => ({
  type: "context",
  elements: [{ type: "mrkdwn", text: clip(text, 3000) }],
});

function what(target: ReingestTarget): string {
  if (target.messageId) return `message ${code(target.messageId, 200)}`;
  const label = target.cls ? CLASS_INFO[target.cls].label.toLowerCase() : "selected";
  return `${label} messages`;
}

/** `[██████░░░░░░░░░░░░░░] 30%`: 20 cells, so the line stays short on a phone. */
export function progressBar(fraction: number, cells = 20): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * cells);
  return `\`${"█".repeat(full)}${"░".repeat(cells - full)}\` ${Math.floor(f * 100)}%`;
}

function eta(seconds: number | undefined): string | undefined {
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(seconds / 3600).toFixed(1)} h`;
}

export function renderReingestStarted(target: ReingestTarget, pace: number): SlackMessage {
  const text = `:arrows_counterclockwise: <@${target.requestedBy}> started re-ingesting ${what(target)} into \`${target.domain}\`, paced at ${n(pace)} objects per second and one per profile per second.`;
  return { text, blocks: [section(text)] };
}

export function renderReingestProgress(target: ReingestTarget, p: ReingestProgress): SlackMessage {
  const total = p.remaining !== undefined ? p.done + p.failed + p.remaining : undefined;
  const lines = [
    `:arrows_counterclockwise: Re-ingesting ${what(target)} into \`${target.domain}\` (started by <@${target.requestedBy}>)`,
  ];
  if (total !== undefined && total > 0) lines.push(progressBar((p.done + p.failed) / total));
  const parts = [`*${n(p.done)}* done`, `*${n(p.failed)}* failed`];
  if (p.remaining !== undefined) parts.push(`about *${n(p.remaining)}* to go`);
  lines.push(parts.join(" · "));
  const pace = [`${p.rate.toFixed(1)} objects/s`];
  if (p.pace !== undefined) pace.push(`pace ${p.pace.toFixed(1)}/s`);
  const left = eta(p.etaSeconds);
  if (left) pace.push(`ETA ${left}`);
  if (p.queueDepth >= 0) pace.push(`${plural(p.queueDepth, "message")} in the DLQ`);
  const text = lines.join("\n");
  return { text, blocks: [section(text), context(pace.join(" · "))] };
}

const STOP_WORDS: Record<StopReason, string> = {
  // The numbers come from the result (redriveNote).
  "receive-limit": "",
  drained: "No more matching messages in the DLQ.",
  done: "",
  "in-flight": "",
  "max-messages": "Stopped at the limit for one run; click Re-ingest again for the rest.",
  deadline: "Stopped at the time limit for one run; click Re-ingest again for the rest.",
  stopping: "Paused while the bot restarts; it carries on from here when it is back.",
  found: "",
  "not-found":
    "The message was not in the DLQ: it was re-ingested or deleted already, or a scan is reading it (try again in a minute).",
};

/**
 * Why a pass stopped receiving: the DLQ's own RedrivePolicy would have moved a message on at
 * its next receive, and the bot never makes that receive.
 */
function redriveNote(r: { stoppedBy: StopReason; redrive?: RedriveLimit }): string | undefined {
  if (r.stoppedBy !== "receive-limit") return undefined;
  const policy = r.redrive
    ? `moves a message to ${code(r.redrive.targetArn.split(":").pop() ?? "", 100)} after ${plural(r.redrive.maxReceiveCount, "receive")}`
    : "moves a message to another queue after too many receives";
  return `Stopped before receiving again: the dead-letter queue's RedrivePolicy ${policy}, every receive counts, and one more could have been the one that moves a message away. The messages not reached stay in the DLQ; remove the RedrivePolicy from the dead-letter queue (or raise its \`maxReceiveCount\`), then click again on the next digest.`;
}

export function renderReingestDone(target: ReingestTarget, r: ReingestResult): SlackMessage {
  const came = leftByClass(r.cameBack);
  const inFlight = r.stoppedBy === "in-flight";
  const limited = r.stoppedBy === "receive-limit";
  const icon =
    r.failed > 0 ||
    r.stoppedBy === "not-found" ||
    came.length > 0 ||
    inFlight ||
    limited ||
    r.notFound > 0
      ? ":warning:"
      : ":white_check_mark:";
  const cameText = came
    .map(([cls, count]) => `*${n(count)}* came back as ${CLASS_INFO[cls].label.toLowerCase()}, `)
    .join("");
  const state = inFlight || limited ? "is not finished" : "finished";
  const head = `${icon} Re-ingest of ${what(target)} into \`${target.domain}\` ${state} (started by <@${target.requestedBy}>): *${n(r.done)}* accepted, ${cameText}*${n(r.failed)}* failed, in ${Math.max(1, Math.round(r.elapsedMs / 1000))} s (${r.rate.toFixed(1)} objects/s).`;
  const blocks: KnownBlock[] = [section(head)];
  const stop = STOP_WORDS[r.stoppedBy];
  const notes = [stop, redriveNote(r) ?? ""];
  if (came.length > 0)
    notes.push(
      `Accepted objects that came back to the DLQ after ingestion are there again now; throttled ones were put again, more slowly, up to ${MAX_CAMEBACK_RETRIES} times.`,
    );
  else if (r.retriedCameBacks > 0)
    notes.push(
      `${plural(r.retriedCameBacks, "object")} came back throttled and went in on a slower retry.`,
    );
  if (inFlight)
    notes.push(
      `${plural(r.notFound, "message")} the digest showed ${r.notFound === 1 ? "is" : "are"} held by another reader of the DLQ; ${r.notFound === 1 ? "it stays" : "they stay"} there. Click Re-ingest on the next digest for ${r.notFound === 1 ? "it" : "them"}.`,
    );
  else if (r.notFound > 0 && !limited)
    notes.push(
      `${plural(r.notFound, "message")} the digest showed ${r.notFound === 1 ? "was" : "were"} no longer in the DLQ (re-ingested or deleted meanwhile).`,
    );
  if (r.resumed)
    notes.push(
      `Resumed after a worker stopped: ${plural(r.resumed.acceptedBefore, "object")} accepted before, ${plural(r.resumed.returned, "message")} it held made visible again.`,
    );
  if (r.throttledRetries > 0)
    notes.push(
      `AWS throttled ${plural(r.throttledRetries, "call")}; the bot slowed down and retried them.`,
    );
  if (r.deleteFailures > 0)
    notes.push(
      `${plural(r.deleteFailures, "accepted object")} could not have its message deleted; they stay in the DLQ and would be replayed again (harmless: the object is replaced).`,
    );
  const noteText = notes.filter(Boolean).join(" ");
  if (noteText) blocks.push(context(noteText));
  if (r.failures.length > 0) {
    const lines = r.failures
      .slice(0, 10)
      .map((f) => `• ${plural(f.count, "object")}: ${code(f.reason, 400)}`);
    blocks.push(
      section(`*Why some failed* (their messages stay in the DLQ):\n${lines.join("\n")}`),
    );
  }
  const left = leftByClass(r.left);
  if (left.length > 0) {
    const lines = left.map(
      ([cls, count]) => `• *${CLASS_INFO[cls].label}*: ${n(count)}. ${CLASS_INFO[cls].fix}`,
    );
    blocks.push(section(`*Left in the DLQ* (as this run saw it):\n${lines.join("\n")}`));
  } else if (r.stoppedBy === "drained") {
    blocks.push(context("Nothing else was in the DLQ."));
  }
  return { text: head, blocks };
}

export function renderReingestFailed(
  target: ReingestTarget,
  reason: string,
  willRetry: boolean,
): SlackMessage {
  const text = willRetry
    ? `:hourglass: Re-ingest of ${what(target)} into \`${target.domain}\` paused: ${esc(clip(reason, 600))} The job retries; messages not yet accepted stay in the DLQ.`
    : `:x: Re-ingest of ${what(target)} into \`${target.domain}\` stopped: ${esc(clip(reason, 600))} Messages not yet accepted stay in the DLQ.`;
  return { text, blocks: [section(text)] };
}

export function renderDiscardDone(
  domain: string,
  cls: DlqClass,
  requestedBy: string,
  r: {
    deleted: number;
    deleteFailures: number;
    stoppedBy: StopReason;
    notFound?: number;
    redrive?: RedriveLimit;
  },
): SlackMessage {
  const label = CLASS_INFO[cls].label.toLowerCase();
  const text = `:wastebasket: <@${requestedBy}> discarded ${plural(r.deleted, `${label} message`)} from \`${domain}\`'s dead-letter queue; their objects were not re-ingested.`;
  const notes: string[] = [];
  if (r.deleteFailures > 0)
    notes.push(`${plural(r.deleteFailures, "message")} could not be deleted and stay in the DLQ.`);
  if (r.stoppedBy === "max-messages")
    notes.push("Stopped at the limit for one run; more may remain.");
  const redrive = redriveNote(r);
  if (redrive) notes.push(redrive);
  if (r.notFound)
    notes.push(
      `${plural(r.notFound, "message")} the digest showed ${r.notFound === 1 ? "was" : "were"} no longer in the DLQ.`,
    );
  notes.push("Messages that arrived after the digest's scan were left alone.");
  return { text, blocks: [section(text), ...(notes.length ? [context(notes.join(" "))] : [])] };
}

export function renderDiscardStarted(
  domain: string,
  cls: DlqClass,
  requestedBy: string,
): SlackMessage {
  const text = `:wastebasket: <@${requestedBy}> is discarding ${CLASS_INFO[cls].label.toLowerCase()} messages from \`${domain}\`'s dead-letter queue…`;
  return { text, blocks: [section(text)] };
}

export function renderDiscardFailed(
  domain: string,
  cls: DlqClass,
  reason: string,
  willRetry: boolean,
): SlackMessage {
  const label = CLASS_INFO[cls].label.toLowerCase();
  const text = willRetry
    ? `:hourglass: Discard of ${label} messages from \`${domain}\` paused: ${esc(clip(reason, 600))} The job retries.`
    : `:x: Discard of ${label} messages from \`${domain}\` stopped: ${esc(clip(reason, 600))}`;
  return { text, blocks: [section(text)] };
}
