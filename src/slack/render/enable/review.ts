/**
 * Step 5: the plan as buildPlan made it: every resource and what happens to it, the exact
 * policy statements, every warning and blocker. An instance linked to another domain needs
 * the confirmation box ticked; its label says the profiles do not move.
 */
import type { KnownBlock, ModalView } from "@slack/types";
import type { Draft } from "../../../enable/drafts.js";
import type { Plan, PlanStep } from "../../../enable/plan.js";
import { formatPolicy } from "../../../enable/policies.js";
import { MAX_FIELD_ERROR } from "../../../enable/validation.js";
import {
  blockedOnlyByRelink,
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

function planBlocks(draft: Draft, plan: Plan, blockedOnRelink: boolean): KnownBlock[] {
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
  const blockers = blockedOnRelink ? [] : plan.blockers;
  if (blockers.length) {
    blocks.push(
      section("*Blocked: fix these first* (Back changes your choices; Check again re-reads AWS)"),
    );
    for (const b of blockers) blocks.push(...noteBlocks(":no_entry:", b));
  }
  const unlink = plan.steps.find((s) => s.kind === "unlink");
  if (unlink) {
    const instance = chosenInstance(draft);
    blocks.push(
      tickBox({
        field: "review_confirm",
        label: `Instance ${instance ? instanceLabel(instance) : ""} is linked to domain ${unlink.target}. Linking it to ${domainNameOf(draft)} unlinks it from ${unlink.target}; its profiles stay there and will not move to the new domain.`,
        option: option("Link it anyway: its profiles will not move to the new domain", "relink"),
        ticked: draft.confirmRelink,
      }),
    );
  }
  return blocks;
}

/** What the review shows for a state; `state` defaults to the one the draft holds now. */
export function reviewView(draft: Draft, state: ReviewState = reviewState(draft)): ModalView {
  const intro = section(
    "*Step 5 of 5 · Review*\nNothing has been created yet. Enable starts a job that creates and changes exactly what is listed here, and reports in this channel.",
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
  const onlyRelink = blockedOnlyByRelink(state.plan, state.input);
  const ready = state.plan.blockers.length === 0 || onlyRelink;
  const blocks = [intro, ...planBlocks(draft, state.plan, onlyRelink)];
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

/** Enable was pressed without ticking the relink box: the error next to it. */
export function relinkErrors(draft: Draft): Record<string, string> {
  const instance = chosenInstance(draft);
  return {
    review_confirm: clip(
      `Tick the box to link ${instance ? instanceLabel(instance) : "the instance"} to the new domain: its profiles will not move with it.`,
      MAX_FIELD_ERROR,
    ),
  };
}

/** The job could not be queued: the review again, with the reason and Check again. */
export const queueFailedView = (draft: Draft, reason: string): ModalView =>
  reviewView(draft, {
    kind: "failed",
    error: `The bot couldn't queue the job (${reason}). Nothing was created; press Check again to try again.`,
  });

/** What the second person (or the second press) is told about the job that exists. */
export function alreadyRunningText(data: ProvisionJobData, state: string): string {
  const instance = esc(data.request.instance.alias ?? data.request.instance.id);
  const who = `<@${data.requestedBy}>`;
  const where = data.channelId ? ` Its progress is reported in <#${data.channelId}>.` : "";
  if (state === "completed") {
    return `:white_check_mark: ${who} enabled Customer Profiles for instance *${instance}* (domain *${esc(data.request.domain.name)}*) less than an hour ago, so nothing new was started. \`/profiles status ${esc(data.request.domain.name)}\` shows it.`;
  }
  if (state === "failed") {
    return `:warning: An earlier job by ${who} for instance *${instance}* failed, so nothing new was started: use Retry or Clean up on its message.${where}`;
  }
  return `:hourglass_flowing_sand: Customer Profiles is already being enabled for instance *${instance}*: ${who} started it and it is ${stateWord(state)}. Nothing new was started.${where}`;
}

export const alreadyRunningView = (data: ProvisionJobData, state: string): ModalView =>
  infoView("Enable Profiles", alreadyRunningText(data, state));
