/** Step 3: the dead-letter queue: none, a new standard queue, or an existing one (policy checked). */
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { parseInstanceArn } from "../../../enable/arns.js";
import type { Draft, QueueRow } from "../../../enable/drafts.js";
import { dlqPolicyStatement, formatPolicy } from "../../../enable/policies.js";
import {
  chosenInstance,
  currentQueueCheck,
  domainNameOf,
  pickedQueue,
  queueNameOf,
  queuePolicyStatus,
  queueRef,
} from "../../../enable/wizard.js";
import {
  actionId,
  backButton,
  codeBlock,
  context,
  esc,
  modal,
  option,
  plain,
  section,
} from "./common.js";

const MODES = {
  none: option("No dead-letter queue", "none", "Objects that fail ingestion are dropped"),
  new: option("Create a new standard queue", "new", "With the Customer Profiles access policy"),
  existing: option("Use an existing queue", "existing", "Its access policy is checked"),
};

const MERGE = option("Merge it in", "merge", "Every other statement stays as it is");

export const queueOption = (queue: QueueRow): PlainTextOption =>
  option(queue.name, queueRef(queue.name));

export function queueOptions(queues: QueueRow[], query: string): PlainTextOption[] {
  const q = query.trim().toLowerCase();
  return queues
    .filter((x) => !q || x.name.toLowerCase().includes(q))
    .slice(0, 100)
    .map(queueOption);
}

function existingQueueBlocks(draft: Draft): KnownBlock[] {
  const ref = draft.dlq.queue;
  const blocks: KnownBlock[] = [
    {
      type: "input",
      block_id: "dlq_queue",
      dispatch_action: true,
      label: plain("Existing queue"),
      element: {
        type: "external_select",
        action_id: actionId("dlq_queue"),
        placeholder: plain("Search queues", 150),
        min_query_length: 0,
        ...(ref ? { initial_option: option(pickedQueue(draft)?.name ?? ref, ref) } : {}),
      },
    },
  ];
  if (!ref) return blocks;
  const check = currentQueueCheck(draft);
  if (!check) {
    blocks.push(context(":hourglass_flowing_sand: Reading the queue's access policy…"));
    return blocks;
  }
  if (check.error) {
    blocks.push(context(`:warning: ${esc(check.error)}`));
    return blocks;
  }
  if (!check.url || !check.arn) {
    blocks.push(context(":warning: This queue no longer exists: pick another one."));
    return blocks;
  }
  const status = queuePolicyStatus(draft);
  if (status?.ok) {
    blocks.push(
      context(":white_check_mark: Its access policy already lets Customer Profiles send to it."),
    );
    return blocks;
  }
  const instance = chosenInstance(draft);
  const parsed = instance ? parseInstanceArn(instance.arn) : undefined;
  const statement = parsed?.ok
    ? formatPolicy(
        dlqPolicyStatement({
          queueArn: check.arn,
          accountId: parsed.value.accountId,
          region: parsed.value.region,
          domainName: domainNameOf(draft),
        }),
      )
    : undefined;
  blocks.push(
    section(
      `:warning: Its access policy doesn't let Customer Profiles send failed objects to it${status?.missing.length ? ` (${esc(status.missing.join(" "))})` : ""}. The statement it needs:`,
    ),
  );
  if (statement) blocks.push(section(codeBlock(statement)));
  blocks.push({
    type: "input",
    block_id: "dlq_merge",
    optional: true,
    label: plain(
      "Merge the Customer Profiles statement into this queue's policy (keeps every other statement)",
    ),
    element: {
      type: "checkboxes",
      action_id: actionId("dlq_merge"),
      options: [MERGE],
      ...(draft.dlq.merge ? { initial_options: [MERGE] } : {}),
    },
  });
  return blocks;
}

export function dlqView(draft: Draft): ModalView {
  const blocks: KnownBlock[] = [
    section(
      `*Step 3 of 5 · Dead-letter queue*\nCustomer Profiles sends objects it can't ingest into domain *${esc(domainNameOf(draft))}* to this SQS queue; the bot watches it and can re-ingest them.`,
    ),
    {
      type: "input",
      block_id: "dlq_mode",
      dispatch_action: true,
      label: plain("Dead-letter queue"),
      element: {
        type: "radio_buttons",
        action_id: actionId("dlq_mode"),
        options: [MODES.none, MODES.new, MODES.existing],
        initial_option: MODES[draft.dlq.mode],
      },
    },
  ];
  if (draft.dlq.mode === "new") {
    blocks.push({
      type: "input",
      block_id: "dlq_name",
      label: plain("Queue name"),
      hint: plain(
        "1–80 letters, digits, hyphens or underscores; a standard queue (no .fifo). It gets the Customer Profiles access policy.",
      ),
      element: {
        type: "plain_text_input",
        action_id: actionId("dlq_name"),
        initial_value: queueNameOf(draft),
      },
    });
  }
  if (draft.dlq.mode === "existing") blocks.push(...existingQueueBlocks(draft));
  if (draft.dlq.mode === "none") {
    blocks.push(
      context(
        "Without a dead-letter queue, objects that fail ingestion are lost and there is nothing for the bot to digest or re-ingest.",
      ),
    );
  }
  blocks.push(backButton());
  return modal("dlq", draft, blocks, { submit: "Next" });
}
