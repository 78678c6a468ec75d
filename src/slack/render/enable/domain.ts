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
  daysOf,
  defaultDomainFor,
  instanceLabel,
  proposedDomain,
} from "../../../enable/wizard.js";
import { esc, inert } from "../text.js";
import {
  context,
  middleStep,
  modeRadios,
  option,
  picker,
  searchOptions,
  section,
  stepHeading,
  textInput,
  tickBox,
} from "./common.js";

const DATA_STORE = option("Turn on the Data store", "datastore");

const MODES = {
  new: option("Create a new domain", "new"),
  existing: option("Use an existing domain", "existing"),
};

export const domainOptions = (names: string[], query: string): PlainTextOption[] =>
  searchOptions(names, query, { words: (n) => [n], toOption: (n) => option(n, n) });

function chosenDomainBlocks(draft: Draft): KnownBlock[] {
  if (draft.domain.mode === "existing") {
    const existing = draft.domain.existing;
    return [
      picker(
        "domain_existing",
        "Existing domain",
        "Search domains",
        existing ? option(existing, existing) : undefined,
      ),
    ];
  }
  return [
    textInput("domain_name", "Domain name", draft.domain.name ?? defaultDomainFor(draft), {
      hint: `1–64 letters, digits, hyphens or underscores. Amazon Connect's managed IAM policy only covers names starting with ${CONNECT_DOMAIN_PREFIX}; another name needs your own IAM policy.`,
    }),
    textInput("domain_days", "Keep profile data for (days)", daysOf(draft), {
      hint: `From ${EXPIRATION_DAYS_MIN} to ${EXPIRATION_DAYS_MAX} days; objects older than this are deleted.`,
    }),
    tickBox({
      field: "domain_datastore",
      label: "Data store",
      hint: "A long-term store of the domain's data that segmentation and predictive insights read from; turn it on only if you use them.",
      option: DATA_STORE,
      ticked: draft.domain.dataStore,
    }),
  ];
}

function domainsLine(draft: Draft): KnownBlock[] {
  if (draft.domains?.error) {
    return [context(`:warning: Couldn't list the domains: ${inert(draft.domains.error, 1000)}`)];
  }
  if (!draft.domains?.value || draft.domain.mode !== "new") return [];
  const count = draft.domains.value.length;
  return [
    context(
      `The name is checked against the ${count} domain${count === 1 ? "" : "s"} in this account and region.`,
    ),
  ];
}

/**
 * Why the step starts at the instance's current domain (wizard.ts `proposedDomain`), or,
 * once another was chosen, what that does to the instance and how to keep the current one.
 */
function linkLine(draft: Draft): KnownBlock[] {
  const linked = proposedDomain(draft);
  if (!linked) return [];
  const name = `*${esc(linked)}*`;
  const kept = draft.domain.mode === "existing" && draft.domain.existing === linked;
  return [
    context(
      kept
        ? `:link: ${name} is pre-selected because the instance is linked to it: its profiles are there. A new domain would move the instance to it without its profiles, which stay in ${name}.`
        : `:link: The instance is linked to ${name} now, which holds its profiles. This choice moves the instance without them; to keep ${name}, pick it under "Use an existing domain".`,
    ),
  ];
}

export function domainView(draft: Draft): ModalView {
  const instance = chosenInstance(draft);
  return middleStep("domain", draft, [
    section(
      `${stepHeading(draft, "domain", "Customer Profiles domain")}\nThe domain holds the profiles of instance *${esc(instance ? instanceLabel(instance) : "?")}*. Its name can't be changed later: a new name means a new domain.`,
    ),
    ...linkLine(draft),
    modeRadios("domain_mode", "Domain", MODES, draft.domain.mode),
    ...chosenDomainBlocks(draft),
    ...domainsLine(draft),
  ]);
}
