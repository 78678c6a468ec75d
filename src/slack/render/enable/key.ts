/**
 * Step 4: the KMS key: for an existing domain, the key it uses now (pre-selected); a new
 * symmetric key, an existing one whose policy is checked, or the AWS owned key.
 */
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { Draft, KeyCheck, KeyRow } from "../../../enable/drafts.js";
import { formatPolicy } from "../../../enable/policies.js";
import {
  aliasOf,
  currentDomainCheck,
  currentKeyCheck,
  domainNameOf,
  keyDescriptionOf,
  keyPolicyStatus,
  pickedKey,
} from "../../../enable/wizard.js";
import { esc } from "../text.js";
import { context, option, searchOptions, stepHeading, textInput } from "./common.js";
import { keptBlocks, type Lacking, resourceView } from "./resource.js";

const KEEP = option("Keep the domain's current key", "keep", "Its encryption stays as it is");

const MODES = {
  new: option("Create a new key", "new", "Symmetric, with the Customer Profiles key policy"),
  existing: option("Use an existing key", "existing", "Customer managed, enabled, symmetric"),
  "aws-owned": option(
    "Use an AWS owned key",
    "aws-owned",
    "No key to create or keep; you can't see or audit its use",
  ),
};

const UPDATE = option(
  "Update the key policy (the bot is allowed to)",
  "update",
  "Adds the statement; keeps every other one",
);

const keyName = (key: KeyRow): string => key.aliases[0] ?? key.keyId;

function keyOption(key: KeyRow): PlainTextOption {
  const name = keyName(key);
  const text = name === key.keyId ? name : `${name} (${key.keyId.slice(0, 8)}…)`;
  return option(text, key.keyId, key.description || undefined);
}

export const keyOptions = (keys: KeyRow[], query: string): PlainTextOption[] =>
  searchOptions(keys, query, {
    words: (k) => [k.keyId, k.description, ...k.aliases],
    toOption: keyOption,
  });

/** The statement the key's policy needs, and the box that lets the bot add it. */
function lackingStatement(draft: Draft, check: KeyCheck): Lacking | undefined {
  const status = keyPolicyStatus(draft);
  if (status?.ok) return undefined;
  const problems = status?.problems.length ? ` (${esc(status.problems.join(" "))})` : "";
  if (!check.policy) {
    // The bot can't add to a policy it can't read: the review asks for a confirmation instead.
    return {
      text: "The bot can't read its key policy (kms:GetKeyPolicy), so it can't tell whether Customer Profiles may use it. Send this statement to the key's administrator; the review asks you to confirm they added it:",
      ...(status?.statementToAdd ? { statement: formatPolicy(status.statementToAdd) } : {}),
    };
  }
  const why = `Its key policy doesn't let Customer Profiles use it${problems}.`;
  return {
    text: `${why} Send this statement to the key's administrator to add, or let the bot add it:`,
    ...(status?.statementToAdd ? { statement: formatPolicy(status.statementToAdd) } : {}),
    tick: {
      field: "key_update",
      label: "Update the key policy",
      hint: "Tick this only if the bot's role may call kms:PutKeyPolicy on this key. Unticked, the review is blocked until the statement is in the policy.",
      option: UPDATE,
      ticked: draft.key.update,
    },
  };
}

/** For an existing domain that holds profiles: what choosing another key means. */
function reencryptLine(draft: Draft): string {
  const count = currentDomainCheck(draft)?.profileCount ?? 0;
  if (draft.key.mode === "keep" || count === 0) return "";
  const profiles = `${count.toLocaleString("en-US")} profile${count === 1 ? "" : "s"}`;
  return `\n:warning: Domain *${esc(domainNameOf(draft))}* holds ${profiles}: another key means re-encrypting all of them, which the review asks you to confirm.`;
}

export function keyView(draft: Draft): ModalView {
  const { keyId } = draft.key;
  const picked = pickedKey(draft);
  const existingDomain = draft.domain.mode === "existing";
  return resourceView(draft, {
    step: "key",
    intro: `${stepHeading(draft, "key", "KMS key")}\nDomain *${esc(domainNameOf(draft))}* encrypts its profiles with this key; Customer Profiles needs the key policy statement that lets it use the key.${reencryptLine(draft)}`,
    mode: {
      field: "key_mode",
      label: "Encryption key",
      options: existingDomain ? { keep: KEEP, ...MODES } : MODES,
      current: draft.key.mode,
    },
    keep: keptBlocks(draft, (check) =>
      check.encryptionKey
        ? `Domain *${esc(check.name)}* is encrypted with \`${esc(check.encryptionKey)}\` now; nothing about its encryption changes.`
        : `Domain *${esc(check.name)}* is encrypted with a key AWS owns now; nothing about its encryption changes.`,
    ),
    create: [
      textInput("key_alias", "Alias", aliasOf(draft), {
        hint: "Starts with alias/ (added if you leave it out); not alias/aws/.",
      }),
      textInput("key_description", "Description", keyDescriptionOf(draft), { optional: true }),
    ],
    existing: {
      field: "key_existing",
      label: "Existing key",
      placeholder: "Search by alias, id or description",
      picked: keyId ? (picked ? keyOption(picked) : option(keyId, keyId)) : undefined,
      check: currentKeyCheck(draft),
      noun: "key",
      reading: "Reading the key and its policy…",
      exists: (check) => Boolean(check.arn),
      lacking: (check) => lackingStatement(draft, check),
      fine: "Its key policy already lets Customer Profiles use it.",
    },
    other: [
      context(
        "Customer Profiles encrypts the domain with a key AWS owns and manages: nothing to create, no key policy, no KMS charges. You can't see it in KMS, audit its use in CloudTrail, or revoke it; choose a customer managed key when you need to.",
      ),
      ...clearedKey(draft),
    ],
  });
}

/** An existing domain with a customer managed key: AWS owned removes that key from it. */
function clearedKey(draft: Draft): KnownBlock[] {
  const current = currentDomainCheck(draft)?.encryptionKey;
  if (!current) return [];
  return [
    context(
      `Domain *${esc(domainNameOf(draft))}* uses \`${esc(current)}\` now: the job removes that key from the domain (the key itself stays in KMS; keep it enabled).`,
    ),
  ];
}
