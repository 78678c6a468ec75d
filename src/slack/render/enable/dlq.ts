/**
 * Step 3: the dead-letter queue: for an existing domain, the queue it uses now (pre-selected);
 * none, a new standard queue, or an existing one (policy checked).
 */
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { parseInstanceArn } from "../../../enable/arns.js";
import type { Draft, QueueCheck, QueueRow } from "../../../enable/drafts.js";
import { RETENTION_DAYS_MAX, RETENTION_DAYS_MIN } from "../../../enable/names.js";
import {
  NO_DLQ_WARNING,
  queueNameOfArn,
  redriveText,
  retentionText,
  retentionWarning,
} from "../../../enable/plan.js";
import { dlqPolicyStatement, formatPolicy } from "../../../enable/policies.js";
import {
  chosenInstance,
  currentQueueCheck,
  domainNameOf,
  pickedQueue,
  queueNameOf,
  queuePolicyStatus,
  queueRef,
  retentionOf,
} from "../../../enable/wizard.js";
import { esc } from "../text.js";
import {
  context,
  option,
  searchOptions,
  section,
  stepHeading,
  textInput,
  tickBox,
} from "./common.js";
import { keptBlocks, type Lacking, resourceView } from "./resource.js";

const KEEP = option("Keep the domain's current queue", "keep", "Failures go where they go now");

const MODES = {
  none: option("No dead-letter queue", "none", "Objects that fail ingestion are dropped"),
  new: option("Create a new standard queue", "new", "With the Customer Profiles access policy"),
  existing: option("Use an existing queue", "existing", "Its access policy is checked"),
};

const MERGE = option("Merge it in", "merge", "Every other statement stays as it is");

const queueOption = (queue: QueueRow): PlainTextOption => option(queue.name, queueRef(queue.name));

export const queueOptions = (queues: QueueRow[], query: string): PlainTextOption[] =>
  searchOptions(queues, query, { words: (q) => [q.name], toOption: queueOption });

/** The statement the queue's policy needs, and the box that lets the bot merge it in. */
function lackingStatement(draft: Draft, check: QueueCheck): Lacking | undefined {
  const status = queuePolicyStatus(draft);
  if (status?.ok) return undefined;
  const instance = chosenInstance(draft);
  const parsed = instance ? parseInstanceArn(instance.arn) : undefined;
  const missing = status?.missing.length ? ` (${esc(status.missing.join(" "))})` : "";
  const statement =
    parsed?.ok && check.arn
      ? dlqPolicyStatement({
          queueArn: check.arn,
          accountId: parsed.value.accountId,
          region: parsed.value.region,
          domainName: domainNameOf(draft),
        })
      : undefined;
  return {
    text: `Its access policy doesn't let Customer Profiles send failed objects to it${missing}. The statement it needs:`,
    ...(statement ? { statement: formatPolicy(statement) } : {}),
    tick: {
      field: "dlq_merge",
      label:
        "Merge the Customer Profiles statement into this queue's policy (keeps every other statement)",
      option: MERGE,
      ticked: draft.dlq.merge,
    },
  };
}

/** The picked queue's retention, and its own RedrivePolicy with the box that accepts it. */
function queueFindings(draft: Draft, check: QueueCheck): KnownBlock[] {
  const name = pickedQueue(draft)?.name ?? check.name;
  const blocks: KnownBlock[] = [];
  if (check.retentionSeconds !== undefined) {
    const short = retentionWarning(name, check.url ?? "", check.retentionSeconds);
    blocks.push(
      short
        ? section(`:warning: ${esc(short)}`)
        : context(`:calendar: ${esc(retentionText(check.retentionSeconds))}`),
    );
  }
  if (check.redrive) {
    const target = queueNameOfArn(check.redrive.targetArn);
    blocks.push(
      section(`:warning: ${esc(redriveText(name, check.redrive))}`),
      tickBox({
        field: "dlq_redrive",
        label: `Messages received ${check.redrive.maxReceiveCount} times move on to ${target}`,
        option: option(`Use it anyway; messages may move to ${target}`, "redrive"),
        ticked: draft.dlq.redrive,
      }),
    );
  }
  return blocks;
}

export function dlqView(draft: Draft): ModalView {
  const ref = draft.dlq.queue;
  return resourceView(draft, {
    step: "dlq",
    intro: `${stepHeading(draft, "dlq", "Dead-letter queue")}\nCustomer Profiles sends objects it can't ingest into domain *${esc(domainNameOf(draft))}* to this SQS queue; the bot watches it and can re-ingest them.`,
    mode: {
      field: "dlq_mode",
      label: "Dead-letter queue",
      options: draft.domain.mode === "existing" ? { keep: KEEP, ...MODES } : MODES,
      current: draft.dlq.mode,
    },
    keep: keptBlocks(draft, (check) =>
      check.deadLetterQueueUrl
        ? `Domain *${esc(check.name)}* sends failed objects to \`${esc(check.deadLetterQueueUrl)}\` now; that stays as it is.`
        : `Domain *${esc(check.name)}* has no dead-letter queue now (none), so objects that fail ingestion are lost; keeping that adds none.`,
    ),
    create: [
      textInput("dlq_name", "Queue name", queueNameOf(draft), {
        hint: "1–80 letters, digits, hyphens or underscores; a standard queue (no .fifo). It gets the Customer Profiles access policy.",
      }),
      textInput("dlq_retention", "Keep failed objects for (days)", retentionOf(draft), {
        hint: `From ${RETENTION_DAYS_MIN} to ${RETENTION_DAYS_MAX} days: SQS deletes a message unseen after this (its own default, 4 days, loses failures over a long weekend).`,
      }),
      context(
        ":lock: Encrypted at rest with keys SQS manages (SSE-SQS): nothing to set up, and Customer Profiles can still send to it.",
      ),
    ],
    existing: {
      field: "dlq_queue",
      label: "Existing queue",
      placeholder: "Search queues",
      picked: ref ? option(pickedQueue(draft)?.name ?? ref, ref) : undefined,
      check: currentQueueCheck(draft),
      noun: "queue",
      reading: "Reading the queue's access policy…",
      exists: (check) => Boolean(check.url && check.arn),
      lacking: (check) => lackingStatement(draft, check),
      fine: "Its access policy already lets Customer Profiles send to it.",
      more: (check) => queueFindings(draft, check),
    },
    other: [section(`:warning: ${esc(NO_DLQ_WARNING)}`)],
  });
}
