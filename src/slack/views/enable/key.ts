/** Step 4: the KMS key: a new symmetric key, or an existing one whose policy is checked. */
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { Draft, KeyRow } from "../../../enable/drafts.js";
import { formatPolicy } from "../../../enable/policies.js";
import {
  aliasOf,
  currentKeyCheck,
  domainNameOf,
  keyDescriptionOf,
  keyPolicyStatus,
  pickedKey,
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
  new: option("Create a new key", "new", "Symmetric, with the Customer Profiles key policy"),
  existing: option("Use an existing key", "existing", "Customer managed, enabled, symmetric"),
};

const UPDATE = option(
  "Update the key policy (the bot is allowed to)",
  "update",
  "Adds the statement; keeps every other one",
);

const keyName = (key: KeyRow): string => key.aliases[0] ?? key.keyId;

export function keyOption(key: KeyRow): PlainTextOption {
  const name = keyName(key);
  const text = name === key.keyId ? name : `${name} (${key.keyId.slice(0, 8)}…)`;
  return option(text, key.keyId, key.description || undefined);
}

export function keyOptions(keys: KeyRow[], query: string): PlainTextOption[] {
  const q = query.trim().toLowerCase();
  return keys
    .filter(
      (k) => !q || [k.keyId, k.description, ...k.aliases].some((t) => t.toLowerCase().includes(q)),
    )
    .slice(0, 100)
    .map(keyOption);
}

function existingKeyBlocks(draft: Draft): KnownBlock[] {
  const keyId = draft.key.keyId;
  const picked = pickedKey(draft);
  const blocks: KnownBlock[] = [
    {
      type: "input",
      block_id: "key_existing",
      dispatch_action: true,
      label: plain("Existing key"),
      element: {
        type: "external_select",
        action_id: actionId("key_existing"),
        placeholder: plain("Search by alias, id or description", 150),
        min_query_length: 0,
        ...(keyId ? { initial_option: picked ? keyOption(picked) : option(keyId, keyId) } : {}),
      },
    },
  ];
  if (!keyId) return blocks;
  const check = currentKeyCheck(draft);
  if (!check) {
    blocks.push(context(":hourglass_flowing_sand: Reading the key and its policy…"));
    return blocks;
  }
  if (check.error) {
    blocks.push(context(`:warning: ${esc(check.error)}`));
    return blocks;
  }
  if (!check.arn) {
    blocks.push(context(":warning: This key no longer exists: pick another one."));
    return blocks;
  }
  const status = keyPolicyStatus(draft);
  if (status?.ok) {
    blocks.push(
      context(":white_check_mark: Its key policy already lets Customer Profiles use it."),
    );
    return blocks;
  }
  const why = check.policy
    ? `Its key policy doesn't let Customer Profiles use it${status?.problems.length ? ` (${esc(status.problems.join(" "))})` : ""}.`
    : "The bot can't read its key policy (kms:GetKeyPolicy), so it can't tell whether Customer Profiles may use it.";
  blocks.push(
    section(
      `:warning: ${why} Send this statement to the key's administrator to add, or let the bot add it:`,
    ),
  );
  if (status?.statementToAdd) blocks.push(section(codeBlock(formatPolicy(status.statementToAdd))));
  blocks.push({
    type: "input",
    block_id: "key_update",
    optional: true,
    label: plain("Update the key policy"),
    hint: plain(
      "Tick this only if the bot's role may call kms:PutKeyPolicy on this key. Unticked, the review is blocked until the statement is in the policy.",
    ),
    element: {
      type: "checkboxes",
      action_id: actionId("key_update"),
      options: [UPDATE],
      ...(draft.key.update ? { initial_options: [UPDATE] } : {}),
    },
  });
  return blocks;
}

export function keyView(draft: Draft): ModalView {
  const blocks: KnownBlock[] = [
    section(
      `*Step 4 of 5 · KMS key*\nDomain *${esc(domainNameOf(draft))}* encrypts its profiles with this key; Customer Profiles needs the key policy statement that lets it use the key.`,
    ),
    {
      type: "input",
      block_id: "key_mode",
      dispatch_action: true,
      label: plain("Encryption key"),
      element: {
        type: "radio_buttons",
        action_id: actionId("key_mode"),
        options: [MODES.new, MODES.existing],
        initial_option: MODES[draft.key.mode],
      },
    },
  ];
  if (draft.key.mode === "new") {
    blocks.push(
      {
        type: "input",
        block_id: "key_alias",
        label: plain("Alias"),
        hint: plain("Starts with alias/ (added if you leave it out); not alias/aws/."),
        element: {
          type: "plain_text_input",
          action_id: actionId("key_alias"),
          initial_value: aliasOf(draft),
        },
      },
      {
        type: "input",
        block_id: "key_description",
        optional: true,
        label: plain("Description"),
        element: {
          type: "plain_text_input",
          action_id: actionId("key_description"),
          initial_value: keyDescriptionOf(draft),
        },
      },
    );
  } else {
    blocks.push(...existingKeyBlocks(draft));
  }
  blocks.push(backButton());
  return modal("key", draft, blocks, { submit: "Next" });
}
