/**
 * Steps 3 and 4 have the same shape: a mode radio (keep what an existing domain uses, create
 * the resource, pick an existing one, or none), the fields for a new one, or a picker
 * followed by what the look-up of the picked one found: checking, gone, fine, or a policy
 * that lacks the Customer Profiles statement, shown with the box that lets the bot add it.
 */
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { DomainCheck, Draft } from "../../../enable/drafts.js";
import { currentDomainCheck, domainNameOf, type WizardField } from "../../../enable/wizard.js";
import { esc, inert } from "../text.js";
import {
  codeBlock,
  context,
  middleStep,
  modeRadios,
  picker,
  section,
  type TickBox,
  tickBox,
} from "./common.js";

/** A picked resource whose policy lacks the Customer Profiles statement. */
export interface Lacking {
  text: string;
  statement?: string;
  /** Absent when the bot can't add it (the review then asks for a confirmation). */
  tick?: TickBox;
}

/** The existing resource: its picker, and what the look-up of the picked one found. */
export interface Existing<C extends { error?: string }> {
  field: WizardField;
  label: string;
  placeholder: string;
  /** Undefined: nothing picked yet, the picker alone is shown. */
  picked: PlainTextOption | undefined;
  /** Undefined while the look-up runs. */
  check: C | undefined;
  noun: string;
  reading: string;
  exists: (check: C) => boolean;
  /** Undefined when its policy already lets Customer Profiles in. */
  lacking: (check: C) => Lacking | undefined;
  fine: string;
  /** What else the look-up found that the person should see (and perhaps confirm). */
  more?: (check: C) => KnownBlock[];
}

export interface ResourceStep<M extends string, C extends { error?: string }> {
  step: "dlq" | "key";
  intro: string;
  /** Only the modes offered; "keep" is offered for an existing domain only. */
  mode: {
    field: WizardField;
    label: string;
    options: Partial<Record<M, PlainTextOption>>;
    current: M;
  };
  /** What "keep" shows: what the existing domain uses now. */
  keep?: KnownBlock[];
  /** What "new" shows: the fields of the resource the job creates. */
  create: KnownBlock[];
  existing: Existing<C>;
  /** What any other mode shows. */
  other?: KnownBlock[];
}

function existingBlocks<C extends { error?: string }>(e: Existing<C>): KnownBlock[] {
  const pickerBlock = picker(e.field, e.label, e.placeholder, e.picked);
  const line = (text: string) => [pickerBlock, context(text)];
  if (!e.picked) return [pickerBlock];
  if (!e.check) return line(`:hourglass_flowing_sand: ${e.reading}`);
  if (e.check.error) return line(`:warning: ${inert(e.check.error, 1000)}`);
  if (!e.exists(e.check))
    return line(`:warning: This ${e.noun} no longer exists: pick another one.`);
  const lacking = e.lacking(e.check);
  const more = e.more?.(e.check) ?? [];
  if (!lacking) return [...line(`:white_check_mark: ${e.fine}`), ...more];
  return [
    pickerBlock,
    section(`:warning: ${lacking.text}`),
    ...(lacking.statement ? [section(codeBlock(lacking.statement))] : []),
    ...(lacking.tick ? [tickBox(lacking.tick)] : []),
    ...more,
  ];
}

/** What "keep" shows: what the existing domain uses now, once GetDomain answered. */
export function keptBlocks(draft: Draft, describe: (check: DomainCheck) => string): KnownBlock[] {
  const check = currentDomainCheck(draft);
  const name = esc(domainNameOf(draft));
  if (!check) return [context(`:hourglass_flowing_sand: Reading what domain *${name}* uses now…`)];
  if (check.error) {
    return [
      context(
        `:warning: The bot couldn't read domain *${name}*: ${inert(check.error, 1000)} The review reads it again.`,
      ),
    ];
  }
  if (check.found === false) {
    return [context(`:warning: Domain *${name}* no longer exists: go Back and pick another.`)];
  }
  return [context(describe(check))];
}

export function resourceView<M extends string, C extends { error?: string }>(
  draft: Draft,
  spec: ResourceStep<M, C>,
): ModalView {
  const { mode } = spec;
  const chosen =
    mode.current === "new"
      ? spec.create
      : mode.current === "existing"
        ? existingBlocks(spec.existing)
        : mode.current === "keep"
          ? (spec.keep ?? [])
          : (spec.other ?? []);
  return middleStep(spec.step, draft, [
    section(spec.intro),
    modeRadios(mode.field, mode.label, mode.options, mode.current),
    ...chosen,
  ]);
}
