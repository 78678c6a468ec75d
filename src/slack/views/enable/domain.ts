/** Step 2: a new domain (name, expiration) or an existing one. */
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { Draft } from "../../../enable/drafts.js";
import {
  CONNECT_DOMAIN_PREFIX,
  EXPIRATION_DAYS_MAX,
  EXPIRATION_DAYS_MIN,
} from "../../../enable/names.js";
import {
  chosenInstance,
  currentLink,
  daysOf,
  defaultDomainFor,
  instanceLabel,
} from "../../../enable/wizard.js";
import { actionId, backButton, context, esc, modal, option, plain, section } from "./common.js";

const MODES = {
  new: option("Create a new domain", "new"),
  existing: option("Use an existing domain", "existing"),
};

export function domainOptions(names: string[], query: string): PlainTextOption[] {
  const q = query.trim().toLowerCase();
  return names
    .filter((n) => !q || n.toLowerCase().includes(q))
    .slice(0, 100)
    .map((n) => option(n, n));
}

export function domainView(draft: Draft): ModalView {
  const instance = chosenInstance(draft);
  const link = currentLink(draft);
  const blocks: KnownBlock[] = [
    section(
      `*Step 2 of 5 · Customer Profiles domain*\nThe domain holds the profiles of instance *${esc(instance ? instanceLabel(instance) : "?")}*. Its name can't be changed later: a new name means a new domain.`,
    ),
  ];
  if (link?.domain) {
    blocks.push(
      context(
        `:link: The instance is linked to *${esc(link.domain)}* now. Pick it under "Use an existing domain" to keep it; a new domain does not get its profiles.`,
      ),
    );
  }
  blocks.push({
    type: "input",
    block_id: "domain_mode",
    dispatch_action: true,
    label: plain("Domain"),
    element: {
      type: "radio_buttons",
      action_id: actionId("domain_mode"),
      options: [MODES.new, MODES.existing],
      initial_option: MODES[draft.domain.mode],
    },
  });
  if (draft.domain.mode === "new") {
    blocks.push(
      {
        type: "input",
        block_id: "domain_name",
        label: plain("Domain name"),
        hint: plain(
          `1–64 letters, digits, hyphens or underscores. Amazon Connect's managed IAM policy only covers names starting with ${CONNECT_DOMAIN_PREFIX}; another name needs your own IAM policy.`,
        ),
        element: {
          type: "plain_text_input",
          action_id: actionId("domain_name"),
          initial_value: draft.domain.name ?? defaultDomainFor(draft),
        },
      },
      {
        type: "input",
        block_id: "domain_days",
        label: plain("Keep profile data for (days)"),
        hint: plain(
          `From ${EXPIRATION_DAYS_MIN} to ${EXPIRATION_DAYS_MAX} days; objects older than this are deleted.`,
        ),
        element: {
          type: "plain_text_input",
          action_id: actionId("domain_days"),
          initial_value: daysOf(draft),
        },
      },
    );
  } else {
    const existing = draft.domain.existing;
    blocks.push({
      type: "input",
      block_id: "domain_existing",
      label: plain("Existing domain"),
      element: {
        type: "external_select",
        action_id: actionId("domain_existing"),
        placeholder: plain("Search domains", 150),
        min_query_length: 0,
        ...(existing ? { initial_option: option(existing, existing) } : {}),
      },
    });
  }
  if (draft.domains?.error) {
    blocks.push(context(`:warning: Couldn't list the domains: ${esc(draft.domains.error)}`));
  } else if (draft.domains?.value && draft.domain.mode === "new") {
    const count = draft.domains.value.length;
    blocks.push(
      context(
        `The name is checked against the ${count} domain${count === 1 ? "" : "s"} in this account and region.`,
      ),
    );
  }
  blocks.push(backButton());
  return modal("domain", draft, blocks, { submit: "Next" });
}
