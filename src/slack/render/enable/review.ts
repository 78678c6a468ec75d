/**
 * Step 5: the plan as buildPlan made it: every resource and what happens to it, the exact
 * policy statements, every warning and blocker. What a person must confirm has a box instead
 * of a blocker: an instance linked to another domain (its label says the profiles do not
 * move), a key whose policy the bot can't read (the statement's Sid and the key), a new key
 * for a domain that holds profiles (their count, and what re-encryption means).
 */
import type { KnownBlock, ModalView } from "@slack/types";
import type { Draft } from "../../../enable/drafts.js";
import {
  blockedOnlyByConfirmations,
  type ConfirmationKind,
  type Plan,
  type PlanConfirmation,
  type PlanStep,
} from "../../../enable/plan.js";
import { formatPolicy } from "../../../enable/policies.js";
import { MAX_FIELD_ERROR } from "../../../enable/validation.js";
import {
  CONFIRMATION_FIELD,
  chosenInstance,
  domainNameOf,
  instanceLabel,
  type ReviewState,
  reviewState,
} from "../../../enable/wizard.js";
import type { ProvisionJobData } from "../../../provision/plan-to-job.js";
import { STEP_LABEL } from "../../../provision/step-names.js";
import { stateWord } from "../../../queues/states.js";
import { clip, esc, inert } from "../text.js";
import {
  backButton,
  codeBlock,
  context,
  infoView,
  LIMIT,
  modal,
  option,
  section,
  stepHeading,
  tickBox,
} from "./common.js";

const ACTION: Record<PlanStep["action"], string> = {
  create: ":new: create",
  update: ":pencil2: change",
  use: ":white_check_mark: use as is",
  none: ":heavy_minus_sign: nothing to do",
};

/** Several lines per section, each section within Slack's text limit. */
function packLines(lines: string[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let current = "";
  for (const line of lines.map((l) => clip(l, LIMIT.text - 10))) {
    if (current && current.length + line.length + 1 > LIMIT.text - 10) {
      blocks.push(section(current));
      current = "";
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) blocks.push(section(current));
  return blocks;
}

/** Blockers and warnings may end with a policy statement on its own lines: show it as code. */
function noteBlocks(icon: string, text: string): KnownBlock[] {
  const [first = "", ...rest] = text.split("\n");
  const blocks = [section(`${icon} ${esc(first)}`)];
  if (rest.length) blocks.push(section(codeBlock(rest.join("\n"))));
  return blocks;
}

/** A step's target in code; the digests' channel as a mention, which Slack shows by name. */
function targetText(step: Plan["steps"][number]): string {
  if (step.kind === "alert-binding" && /^[CG][A-Z0-9]{1,20}$/.test(step.target)) {
    return `<#${step.target}>`;
  }
  return `\`${esc(clip(step.target, 200))}\``;
}

/** The review's box for a confirmation, ticked as the draft has it. */
function confirmationBox(draft: Draft, plan: Plan, c: PlanConfirmation): KnownBlock[] {
  const field = CONFIRMATION_FIELD[c.kind];
  if (c.kind === "relink") {
    const unlink = plan.steps.find((s) => s.kind === "unlink");
    const instance = chosenInstance(draft);
    return [
      tickBox({
        field,
        label: `Instance ${instance ? instanceLabel(instance) : ""} is linked to domain ${unlink?.target ?? ""}. Linking it to ${domainNameOf(draft)} unlinks it from ${unlink?.target ?? ""}; its profiles stay there and will not move to the new domain.`,
        option: option("Link it anyway: its profiles will not move to the new domain", "relink"),
        ticked: c.confirmed,
      }),
    ];
  }
  const box =
    c.kind === "key-statement"
      ? option("Yes, the statement is in the key policy", "added")
      : option("Change the key and re-encrypt the profiles", "reencrypt");
  const ticked = c.kind === "key-statement" ? draft.key.confirmed : draft.confirmReencrypt;
  return [
    tickBox({
      field,
      label: c.text,
      ...(c.kind === "key-statement"
        ? { hint: "The statement is under Policy statements above; the bot can't check it." }
        : {}),
      option: box,
      ticked,
    }),
  ];
}

function planBlocks(draft: Draft, plan: Plan, onlyBoxes: boolean): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  blocks.push(section("*Resources*"));
  blocks.push(
    ...packLines(
      plan.steps.map(
        (s) => `• *${STEP_LABEL[s.kind]}* ${targetText(s)}: ${ACTION[s.action]}. ${esc(s.details)}`,
      ),
    ),
  );
  if (plan.statements.length) {
    blocks.push(
      section(
        "*Policy statements*\nEach one allows `profile.amazonaws.com` only for this domain (`aws:SourceAccount`, `aws:SourceArn`).",
      ),
    );
    for (const { resource, statement } of plan.statements) {
      blocks.push(
        section(`_${esc(clip(resource, 300))}_\n${codeBlock(formatPolicy(statement), 2500)}`),
      );
    }
  }
  if (plan.warnings.length) {
    blocks.push(section("*Warnings*"));
    for (const w of plan.warnings) blocks.push(...noteBlocks(":warning:", w));
  }
  // A box's own sentence is shown above it; only when nothing but boxes blocks is that all.
  const blockers = onlyBoxes ? [] : plan.blockers;
  if (blockers.length) {
    blocks.push(
      section("*Blocked: fix these first* (Back changes your choices; Check again re-reads AWS)"),
    );
    for (const b of blockers) blocks.push(...noteBlocks(":no_entry:", b));
  }
  if (plan.confirmations.length) {
    blocks.push(section("*Confirm before Enable*"));
    for (const c of plan.confirmations) {
      if (onlyBoxes && !c.confirmed) blocks.push(...noteBlocks(":warning:", c.blocker));
      blocks.push(...confirmationBox(draft, plan, c));
    }
  }
  return blocks;
}

/** What the review shows for a state; `state` defaults to the one the draft holds now. */
export function reviewView(draft: Draft, state: ReviewState = reviewState(draft)): ModalView {
  const intro = section(
    `${stepHeading(draft, "review", "Review")}\nNothing has been created yet. Enable starts a job that creates and changes exactly what is listed here, and reports in this channel.`,
  );
  if (state.kind === "loading") {
    return modal(
      "review",
      draft,
      [
        intro,
        context(":hourglass_flowing_sand: Checking AWS for what the plan depends on…"),
        backButton(),
      ],
      {},
    );
  }
  if (state.kind === "failed") {
    return modal(
      "review",
      draft,
      [intro, section(`:warning: ${inert(state.error, 1500)}`), backButton()],
      {
        submit: "Check again",
      },
    );
  }
  const onlyBoxes = blockedOnlyByConfirmations(state.plan);
  const ready = state.plan.blockers.length === 0 || onlyBoxes;
  const blocks = [intro, ...planBlocks(draft, state.plan, onlyBoxes)];
  blocks.push(
    context(
      `Checked against AWS at <!date^${Math.floor(Date.parse(state.factsAt) / 1000)}^{time}|${state.factsAt}>.`,
    ),
  );
  // Kept last so it survives clipping to Slack's block limit.
  const back = backButton();
  return modal("review", draft, [...blocks.slice(0, LIMIT.blocks - 1), back], {
    submit: ready ? "Enable" : "Check again",
  });
}

/** Enable was pressed with boxes unticked: the error next to each. */
export function confirmationErrors(
  draft: Draft,
  missing: ConfirmationKind[],
): Record<string, string> {
  const instance = chosenInstance(draft);
  const text: Record<ConfirmationKind, string> = {
    relink: `Tick the box to link ${instance ? instanceLabel(instance) : "the instance"} to the new domain: its profiles will not move with it.`,
    "key-statement":
      "Tick the box once the key's administrator has added the CustomerProfilesKey statement, or go Back and pick another key.",
    reencrypt: `Tick the box to change the key of ${domainNameOf(draft)} and re-encrypt its profiles, or go Back and keep its current key.`,
  };
  return Object.fromEntries(
    missing.map((kind) => [CONFIRMATION_FIELD[kind], clip(text[kind], MAX_FIELD_ERROR)]),
  );
}

/** The job could not be queued: the review again, with the reason and Check again. */
export const queueFailedView = (draft: Draft, reason: string): ModalView =>
  reviewView(draft, {
    kind: "failed",
    error: `The bot couldn't queue the job (${reason}). Nothing was created; press Check again to try again.`,
  });

/**
 * What the second person (or the second press) is told about the job that exists. `target`
 * (`prod/eu-west-2`) is given when the bot serves several places, so the status command it
 * suggests finds the domain in the job's place.
 */
export function alreadyRunningText(data: ProvisionJobData, state: string, target?: string): string {
  const instance = esc(data.request.instance.alias ?? data.request.instance.id);
  const who = `<@${data.requestedBy}>`;
  const where = data.channelId ? ` Its progress is reported in <#${data.channelId}>.` : "";
  if (state === "completed") {
    return `:white_check_mark: ${who} enabled Customer Profiles for instance *${instance}* (domain *${esc(data.request.domain.name)}*) less than an hour ago, so nothing new was started. \`/profiles status ${esc(data.request.domain.name)}${target ? ` --target ${esc(target)}` : ""}\` shows it.`;
  }
  if (state === "failed") {
    return `:warning: An earlier job by ${who} for instance *${instance}* failed, so nothing new was started: use Retry or Clean up on its message.${where}`;
  }
  return `:hourglass_flowing_sand: Customer Profiles is already being enabled for instance *${instance}*: ${who} started it and it is ${stateWord(state)}. Nothing new was started.${where}`;
}

export const alreadyRunningView = (
  data: ProvisionJobData,
  state: string,
  target?: string,
): ModalView => infoView("Enable Profiles", alreadyRunningText(data, state, target));
