/** Step 1: the Connect instance, and the domain it is linked to now. */
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { Draft, InstanceRow } from "../../../enable/drafts.js";
import {
  chosenInstance,
  chosenPlace,
  currentLink,
  hasTargetStep,
  instanceLabel,
} from "../../../enable/wizard.js";
import { esc, inert } from "../text.js";
import {
  context,
  LIMIT,
  middleStep,
  modal,
  option,
  picker,
  searchOptions,
  section,
  stepHeading,
} from "./common.js";

const shortId = (id: string) => (id.length > 13 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id);

/** "examplecorp · 5f1c2a9e-3b7d-… · ACTIVE", within Slack's 75 characters. */
export function instanceOption(instance: InstanceRow): PlainTextOption {
  const alias = instance.alias ?? "(no alias)";
  const status = instance.status === "ACTIVE" ? "ACTIVE" : `${instance.status}, can't be chosen`;
  const full = `${alias} · ${instance.id} · ${status}`;
  const text =
    full.length <= LIMIT.option
      ? full
      : `${alias.slice(0, 30)} · ${shortId(instance.id)} · ${status}`;
  return option(text, instance.id);
}

/** Active instances first, then by name; what was typed narrows the list. */
export const instanceOptions = (instances: InstanceRow[], query: string): PlainTextOption[] =>
  searchOptions(instances, query, {
    words: (i) => [`${i.alias ?? ""} ${i.id}`],
    toOption: instanceOption,
    sort: (a, b) =>
      Number(b.status === "ACTIVE") - Number(a.status === "ACTIVE") ||
      instanceLabel(a).localeCompare(instanceLabel(b)),
  });

function linkLine(draft: Draft): string | undefined {
  const instance = chosenInstance(draft);
  if (!draft.instanceId) return undefined;
  if (!instance) return ":hourglass_flowing_sand: Looking the instance up…";
  if (instance.status !== "ACTIVE") {
    return `:no_entry: ${esc(instanceLabel(instance))} is ${instance.status}: only an ACTIVE instance can be chosen.`;
  }
  const link = currentLink(draft);
  if (!link)
    return ":hourglass_flowing_sand: Checking which Customer Profiles domain it is linked to…";
  if (link.error) return `:warning: Couldn't check its current domain: ${inert(link.error, 1000)}`;
  if (!link.domain) return ":white_circle: Not linked to a Customer Profiles domain yet.";
  return `:link: Linked to domain *${esc(link.domain)}* now, which the next step keeps. Linking it to another domain asks you to confirm: its profiles stay in *${esc(link.domain)}*.`;
}

export function instanceView(draft: Draft): ModalView {
  const instance = chosenInstance(draft);
  const place = hasTargetStep(draft) ? chosenPlace(draft) : undefined;
  const where = place ? ` in *${esc(place.label)}*` : "";
  const blocks: KnownBlock[] = [
    section(
      `${stepHeading(draft, "instance", "Connect instance")}\nPick the Amazon Connect instance${where} to enable Customer Profiles for. Only ACTIVE instances can be chosen.`,
    ),
    picker(
      "instance",
      "Amazon Connect instance",
      "Search by alias or id",
      instance ? instanceOption(instance) : undefined,
    ),
  ];
  const line = linkLine(draft);
  if (line) blocks.push(context(line));
  // With a target step before it, the instance step has a Back to it like the later steps.
  return hasTargetStep(draft)
    ? middleStep("instance", draft, blocks)
    : modal("instance", draft, blocks, { submit: "Next" });
}
