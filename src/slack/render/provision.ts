/**
 * The provisioning job's one Slack message, as pure block builders: a checklist of steps
 * while it runs, then the console's "completed" page, or the failure (which step, which AWS
 * call, the AWS error code, why, and the fix) with Retry and Clean up buttons, and finally
 * what Clean up removed or kept. When AWS refused the instance link, the summary comes with
 * the console steps to link it by hand and a Check again button. The reporter (../reporters/provision.ts) keeps the state and
 * calls these; tests check them against Slack's Block Kit limits.
 */
import type { KnownBlock } from "@slack/types";
import type { CleanupPreview } from "../../provision/cleanup.js";
import { linkByHandSteps } from "../../provision/link-by-hand.js";
import type { ProvisionRequest } from "../../provision/plan-to-job.js";
import { keyPolicyNotVerified } from "../../provision/run.js";
import { describeWait, type PropagationWait } from "../../provision/settle.js";
import { STEP_LABEL } from "../../provision/step-names.js";
import type {
  CleanupItem,
  CleanupResult,
  LinkRefusal,
  ProvisionFailure,
  ProvisionSummary,
  StepName,
} from "../../provision/types.js";
import type { SlackMessage } from "../notifier/notifier.js";
import { clip, code, esc, inert } from "./text.js";

export const RETRY_ACTION = "provision_retry";
export const CLEANUP_ACTION = "provision_cleanup";
export const CHECK_LINK_ACTION = "provision_check_link";
export const PROVISION_ACTIONS_BLOCK = "provision_actions";

/**
 * "by-hand": finished, leaving a person something to do (the refused instance link);
 * "warning": finished, but something could not be checked (an unreadable key policy).
 */
export type StepStatus =
  | "pending"
  | "running"
  | "done"
  | "by-hand"
  | "warning"
  | "skipped"
  | "failed";

export interface StepLine {
  step: StepName;
  status: StepStatus;
  /** What the step created or used, once it finished. */
  text?: string;
  /** What the running step waits for AWS to spread, if it waits. */
  waiting?: PropagationWait;
}

/** Everything the message shows; the reporter rebuilds it from the job's data after a restart. */
export interface ProvisionReport {
  jobId: string;
  instanceLabel: string;
  domainName: string;
  /**
   * Where the job works, for people (`prod (444455556666) · eu-west-2`): set only when the bot
   * serves several places, so with one the message reads as it always did.
   */
  place?: string;
  requestedBy: string;
  steps: StepLine[];
  completed?: ProvisionSummary;
  /** The provisioning failure that stopped the job. */
  failure?: ProvisionFailure;
  cleanup?: CleanupResult;
  /** Clean-up itself failed (after its retries). */
  cleanupFailure?: ProvisionFailure;
  /** What Clean up would do now, for its confirmation dialog. */
  cleanupPreview?: CleanupPreview;
}

const STATUS_ICON: Record<StepStatus, string> = {
  pending: "▫️",
  running: "⏳",
  done: "✅",
  "by-hand": "✋",
  warning: "⚠️",
  skipped: "⏭",
  failed: "❌",
};

/** Section text limit (docs/slack/platform.md); fields allow 2000. */
const SECTION_TEXT = 3000;
const FIELD_TEXT = 2000;

/**
 * Steps that have nothing to do for these choices: they still run (and say so), but the
 * checklist shows them as skipped from the start rather than as work to wait for.
 */
export function skippedSteps(request: Pick<ProvisionRequest, "dlq" | "key">): Set<StepName> {
  const skipped = new Set<StepName>();
  if (request.dlq.mode === "none" || request.dlq.mode === "keep") {
    skipped.add("queue").add("queue-policy");
  }
  if (request.key.mode === "aws-owned" || request.key.mode === "keep") {
    skipped.add("key").add("alias").add("key-policy");
  }
  // An existing key's policy is read either way, to add the statement or to check it is there.
  if (request.key.mode === "existing") skipped.add("alias");
  return skipped;
}

/** A new key is created with its policy; the step's "no change" would read as a surprise. */
export function stepText(
  step: StepName,
  summary: string,
  request: Pick<ProvisionRequest, "key">,
): string {
  if (step === "key-policy" && request.key.mode === "new") {
    return "The new key was created with the Customer Profiles statement in its policy.";
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------
// The message

export function renderProvisionMessage(report: ProvisionReport): SlackMessage {
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: clip(headline(report), 150) } },
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: clip(
            `Requested by <@${report.requestedBy}> · domain ${code(report.domainName)}${where(report)} · job ${code(report.jobId)}`,
            FIELD_TEXT,
          ),
        },
      ],
    },
  ];
  // After Clean up the checklist no longer describes AWS: what is true now replaces it.
  if (report.cleanup && !report.cleanupFailure) {
    blocks.push(...cleanupBlocks(report.cleanup));
  } else {
    blocks.push({
      type: "section",
      block_id: "provision_steps",
      text: { type: "mrkdwn", text: checklist(report.steps) },
    });
  }
  if (report.completed) blocks.push(...completedBlocks(report.completed));
  if (report.failure) blocks.push(...failureBlocks(report.failure));
  if (report.cleanupFailure) blocks.push(...failureBlocks(report.cleanupFailure));
  const buttons = actionButtons(report);
  if (buttons) blocks.push(buttons);
  return { text: fallbackText(report), blocks };
}

/** ` in *prod (444455556666) · eu-west-2*`, or nothing with one place. */
const where = (report: ProvisionReport): string =>
  report.place === undefined ? "" : ` in *${esc(report.place)}*`;

function headline(report: ProvisionReport): string {
  const who = report.instanceLabel;
  if (report.completed?.instance.byHand) {
    return `Customer Profiles set up for ${who}: link the instance by hand`;
  }
  if (report.completed) return `Customer Profiles enabled for ${who}`;
  if (report.cleanupFailure) return `Clean up after enabling ${who} failed`;
  if (report.cleanup) return `Cleaned up after enabling ${who}`;
  if (report.failure) return `Enabling Customer Profiles for ${who} failed`;
  return `Enabling Customer Profiles for ${who}`;
}

/** The notification text, and what screen readers and search see. */
function fallbackText(report: ProvisionReport): string {
  // With several places the same instance name may be in each: the notification says which.
  const head =
    report.place === undefined ? headline(report) : `${headline(report)} (${report.place})`;
  if (report.completed?.instance.byHand) {
    return `${head}. Domain ${report.completed.domain.name} is ready; the message gives the console steps.`;
  }
  if (report.completed) return `${head}: domain ${report.completed.domain.name}.`;
  if (report.failure && !report.cleanup) {
    return clip(
      `${esc(head)} at step ${report.failure.step}: ${esc(report.failure.message)}`,
      3000,
    );
  }
  if (report.cleanup) return `${head}: ${report.cleanup.items.length} resources listed.`;
  const finished = report.steps.filter((s) => s.status !== "pending" && s.status !== "running");
  return `${head}: ${finished.length} of ${report.steps.length} steps done.`;
}

function checklist(steps: StepLine[]): string {
  const lines = steps.map((s) => {
    const label = `*${STEP_LABEL[s.step]}*`;
    const detail = s.text
      ? ` ${esc(s.text)}`
      : s.status === "running"
        ? s.waiting
          ? ` ${esc(describeWait(s.waiting))}`
          : " working…"
        : s.status === "skipped"
          ? " nothing to do."
          : "";
    return `${STATUS_ICON[s.status]} ${label}${detail}`;
  });
  // Eight steps of one sentence each fit easily; a long ARN list must not break the message.
  return clip(lines.join("\n"), SECTION_TEXT);
}

// ---------------------------------------------------------------------------------------------
// Completed: the console's summary page

function field(title: string, value: string): { type: "mrkdwn"; text: string } {
  return { type: "mrkdwn", text: clip(`*${title}*\n${value}`, FIELD_TEXT) };
}

const madeOrUsed = (created: boolean) => (created ? " (created)" : " (existing)");

export function completedBlocks(summary: ProvisionSummary): KnownBlock[] {
  const { domain, dlq, key, instance } = summary;
  const fields = [
    field("Domain name", `${code(domain.name)}${madeOrUsed(domain.created)}`),
    field("Domain ARN", code(domain.arn || "unknown")),
    field("Dead-letter queue URL", dlq ? `${esc(dlq.url)}${madeOrUsed(dlq.created)}` : "None"),
    field("Dead-letter queue ARN", dlq ? code(dlq.arn) : "None"),
    field("KMS key ARN", key ? `${code(key.arn)}${madeOrUsed(key.created)}` : "AWS owned key"),
    field("KMS key alias", key?.alias ? code(key.alias) : "None"),
    field(
      instance.byHand ? "Instance (not linked yet)" : "Linked instance",
      `${esc(instance.alias ?? instance.id)}${instance.alias ? ` (${code(instance.id)})` : ""}`,
    ),
    field("Instance ARN", code(instance.arn)),
  ];
  const notes = [
    key?.policyNotVerified !== undefined
      ? `⚠️ ${esc(keyPolicyNotVerified(key.policyNotVerified))}`
      : "",
    instance.unlinkedFrom
      ? `The instance was unlinked from ${code(instance.unlinkedFrom)}; its profiles stay there.`
      : "",
    summary.alertChannelId
      ? `Dead-letter digests for this domain go to <#${summary.alertChannelId}>.`
      : dlq
        ? ""
        : "No dead-letter queue: objects Customer Profiles fails to ingest are not kept.",
  ].filter(Boolean);
  return [
    ...(instance.byHand ? linkByHandBlocks(summary, instance.byHand) : []),
    { type: "divider" },
    { type: "section", block_id: "provision_summary", fields },
    ...(notes.length
      ? [
          {
            type: "context" as const,
            elements: [{ type: "mrkdwn" as const, text: clip(notes.join(" "), FIELD_TEXT) }],
          },
        ]
      : []),
  ];
}

// ---------------------------------------------------------------------------------------------
// The instance link, left to be made by hand

/** Why AWS refused the link and the console steps, for the completed report and Check again. */
export function linkByHandText(summary: ProvisionSummary, refusal: LinkRefusal): string {
  const { instance, domain } = summary;
  const steps = linkByHandSteps({ instance, domain: domain.name });
  const said = refusal.awsMessage ? ` AWS said: ${code(refusal.awsMessage, 600)}` : "";
  return [
    `✋ *Link the instance by hand.* ${esc(refusal.call)} was refused with ${code(refusal.awsCode)}: AWS lets some accounts link an instance to a domain only from the Amazon Connect console.${said}`,
    ...steps.map((step, i) => `${i + 1}. ${inert(step)}`),
    "Then press *Check again*: the bot reads the link and completes this report. Everything else is done and in use.",
  ].join("\n");
}

function linkByHandBlocks(summary: ProvisionSummary, refusal: LinkRefusal): KnownBlock[] {
  return [
    { type: "divider" },
    {
      type: "section",
      block_id: "provision_link_by_hand",
      text: { type: "mrkdwn", text: clip(linkByHandText(summary, refusal), SECTION_TEXT) },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Failed: what, why, and the fix

/** The reason alone: the fix gets its own line. */
const reasonOf = (failure: ProvisionFailure): string => failure.reason ?? failure.message;

/**
 * A fix may quote AWS (a validation error's message is its own fix), so it is shown inert; one
 * that ends in a policy statement shows it as a block people can copy.
 */
function formatFix(fix: string): string {
  const at = fix.search(/\n[{[]/);
  if (at === -1) return inert(fix);
  const statement = esc(fix.slice(at + 1).replace(/```/g, "'''"));
  return `${inert(fix.slice(0, at))}\n\`\`\`${statement}\`\`\``;
}

/**
 * Why it failed. Beside the call and the code, only AWS's own words are new (data, so in
 * code); saying "Customer Profiles CreateDomain failed: AccessDeniedException" again under
 * them only repeats it. Older job records have no `awsMessage`: their reason is shown.
 */
function whyLine(failure: ProvisionFailure): string {
  if (failure.call && failure.awsCode && failure.awsMessage !== undefined) {
    return failure.awsMessage ? `*AWS said:* ${code(failure.awsMessage, 1500)}` : "";
  }
  const reason = reasonOf(failure);
  return `*Why:* ${failure.awsCode ? code(reason, 1500) : inert(reason, 1500)}`;
}

export function failureBlocks(failure: ProvisionFailure): KnownBlock[] {
  const what =
    failure.step === "cleanup"
      ? "*Clean up failed.*"
      : failure.step === "authorisation"
        ? "*Not allowed any more.*"
        : `*The ${STEP_LABEL[failure.step].toLowerCase()} step failed.*`;
  const lines = [
    `❌ ${what}`,
    failure.call ? `*AWS call:* ${esc(failure.call)}` : "",
    failure.awsCode ? `*AWS error code:* ${code(failure.awsCode)}` : "",
    whyLine(failure),
  ].filter(Boolean);
  const blocks: KnownBlock[] = [
    { type: "divider" },
    {
      type: "section",
      block_id: failure.step === "cleanup" ? "cleanup_failure" : "provision_failure",
      text: { type: "mrkdwn", text: clip(lines.join("\n"), SECTION_TEXT) },
    },
  ];
  if (failure.fix) {
    blocks.push({
      type: "section",
      block_id: failure.step === "cleanup" ? "cleanup_fix" : "provision_fix",
      text: { type: "mrkdwn", text: clip(`*Fix:* ${formatFix(failure.fix)}`, SECTION_TEXT) },
    });
  }
  if (failure.retryable) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: "AWS kept failing after several attempts; Retry once it has recovered.",
        },
      ],
    });
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Cleaned up

const CLEANUP_ICON: Record<CleanupItem["action"], string> = {
  deleted: "🗑",
  "scheduled-deletion": "⏲",
  restored: "↩️",
  "statement-removed": "✂️",
  kept: "📌",
  gone: "➖",
};

const RESOURCE_LABEL: Record<CleanupItem["resource"], string> = {
  "alert-binding": "Dead-letter digests for",
  domain: "Domain",
  queue: "Queue",
  "queue-policy": "The policy of queue",
  alias: "Alias",
  key: "KMS key",
  "key-policy": "The policy of KMS key",
  link: "The link of instance",
};

/** Where a resource is now, as a person would say it. */
function stateNow(item: CleanupItem): string {
  switch (item.action) {
    case "deleted":
      return "deleted";
    case "scheduled-deletion":
      return item.date ? `scheduled for deletion on ${item.date}` : "scheduled for deletion";
    case "restored":
      return "restored";
    case "statement-removed":
      return `statement ${code(item.sid ?? "")} removed`;
    case "kept":
      return item.sid ? `statement ${code(item.sid)} left in place` : "left in place";
    case "gone":
      return "already gone";
  }
}

/** After Clean up: one line per resource the job made or changed, saying its state now. */
export function cleanupBlocks(result: CleanupResult): KnownBlock[] {
  const lines = result.items.map((item) => {
    const line = `${CLEANUP_ICON[item.action]} ${RESOURCE_LABEL[item.resource]} ${code(item.id)}: ${stateNow(item)}`;
    return item.reason ? `${line}: ${inert(item.reason, 600)}` : `${line}.`;
  });
  const text =
    lines.length > 0
      ? `*After Clean up*\n${lines.join("\n")}`
      : "*After Clean up*\nThis job had created or changed nothing, so nothing was undone.";
  return [
    {
      type: "section",
      block_id: "provision_cleanup",
      text: { type: "mrkdwn", text: clip(text, SECTION_TEXT) },
    },
  ];
}

/** Slack cuts a confirmation dialog's text at 300 characters. */
const CONFIRM_TEXT = 300;

/**
 * The Clean up dialog says precisely what it will do, and what it leaves in place; when the
 * whole list doesn't fit, what it leaves is kept and what it does is cut short.
 */
export function cleanupConfirmText(preview: CleanupPreview | undefined): string {
  if (!preview) return "Removes what this job created and undoes what it changed.";
  const leaves = preview.leaves.length > 0 ? ` It leaves ${esc(preview.leaves.join("; "))}.` : "";
  const will =
    preview.will.length > 0
      ? `Clean up will ${esc(preview.will.join("; "))}.`
      : "This job created or changed nothing Clean up can undo.";
  return `${clip(will, CONFIRM_TEXT - leaves.length)}${leaves}`;
}

// ---------------------------------------------------------------------------------------------
// Retry and Clean up

const hasLeftovers = (result: CleanupResult): boolean =>
  result.items.some((i) => i.action === "kept" && i.resource !== "link");

function actionButtons(report: ProvisionReport): KnownBlock | undefined {
  if (report.completed?.instance.byHand) {
    return {
      type: "actions",
      block_id: PROVISION_ACTIONS_BLOCK,
      elements: [
        {
          type: "button",
          action_id: CHECK_LINK_ACTION,
          text: { type: "plain_text", text: "Check again" },
          value: report.jobId,
          style: "primary",
        },
      ],
    };
  }
  if (report.completed || !report.failure) return undefined;
  const showCleanup = !report.cleanup || report.cleanupFailure || hasLeftovers(report.cleanup);
  const retry = {
    type: "button" as const,
    action_id: RETRY_ACTION,
    text: { type: "plain_text" as const, text: "Retry" },
    value: report.jobId,
    style: "primary" as const,
    confirm: {
      title: { type: "plain_text" as const, text: "Retry enabling?" },
      text: {
        type: "mrkdwn" as const,
        text: report.cleanup
          ? "The job starts again for what Clean up removed, and reuses what it kept."
          : "The job resumes from its last checkpoint: it reuses what it already created and creates nothing twice.",
      },
      confirm: { type: "plain_text" as const, text: "Retry" },
      deny: { type: "plain_text" as const, text: "Cancel" },
    },
  };
  const cleanup = {
    type: "button" as const,
    action_id: CLEANUP_ACTION,
    text: { type: "plain_text" as const, text: "Clean up" },
    value: report.jobId,
    style: "danger" as const,
    confirm: {
      title: { type: "plain_text" as const, text: "Clean up this job?" },
      text: {
        type: "mrkdwn" as const,
        text: cleanupConfirmText(report.cleanupPreview),
      },
      confirm: { type: "plain_text" as const, text: "Clean up" },
      deny: { type: "plain_text" as const, text: "Cancel" },
      style: "danger" as const,
    },
  };
  return {
    type: "actions",
    block_id: PROVISION_ACTIONS_BLOCK,
    elements: showCleanup ? [retry, cleanup] : [retry],
  };
}
