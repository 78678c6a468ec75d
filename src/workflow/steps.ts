/**
 * The Workflow Builder custom steps (manifest.yml `functions`), as plain functions: what their
 * inputs must be, who may run them, what they do and what they answer. The Slack listener
 * (src/slack/functions/) only hands over the event's inputs and completes the step with what
 * these return.
 *
 * Inputs are hostile: any workflow author fills them, and anyone holding the signing secret can
 * sign an event. So they are read with zod, and the caller is the `interactor` of the step's
 * `interactivity` input, which Slack sets from the person who started the workflow (a workflow
 * author can't type it); a step without one, such as in a scheduled workflow, is refused: deny by
 * default. The roles are the digest buttons': a summary needs viewer, a re-ingest operator.
 * Each run, allowed or refused, is audited once with its real outcome (docs/slack/platform.md).
 *
 * A domain name may exist in several of the places (accounts and regions) the bot serves. The
 * optional “Target” input (`prod`, or `prod/eu-west-2`) picks one; without it the step uses
 * the only place, or the only place with a digest of that name, and otherwise fails saying
 * which places have one and what to enter.
 */
import { z } from "zod";
import { type Access, authorize } from "../access/authorize.js";
import { type Permission, SLACK_USER_ID } from "../access/roles.js";
import type { AuditEntry, AuditLog, AuditOutcome } from "../audit/audit.js";
import { type DomainRef, type Place, refId, type Targets } from "../aws/targets.js";
import { CLASS_INFO, DLQ_CLASSES, type DlqClass, isReingestable } from "../dlq/classify.js";
import type { DigestState, DigestStore } from "../dlq/digests.js";
import { ambiguousDomain, readPlaceSelector } from "../dlq/places.js";
import type { ReingestResult } from "../dlq/reingest.js";
import { validateDomainName } from "../enable/names.js";
import type { Logger } from "../logger.js";

/** The steps' callback ids, as manifest.yml's `functions` names them. */
export const SUMMARY_STEP = "dlq_summary";
export const REINGEST_STEP = "dlq_reingest_class";

/** What starts and follows the re-ingest job the digest's button starts (src/queues). */
export interface ReingestPort {
  start(request: {
    account: string;
    region: string;
    domain: string;
    cls: DlqClass;
    scanId: string;
    requestedBy: string;
    channel?: string;
    threadTs?: string;
    /** The step run the job ends (its function_execution_id). */
    workflowStep: string;
  }): Promise<
    { status: "started"; jobId: string } | { status: "already-running"; jobId: string; by: string }
  >;
}

export interface StepCtx {
  access: Access;
  audit: AuditLog;
  digests: Pick<DigestStore, "get">;
  /** The places the bot serves, to find the domain the inputs name. */
  targets: Pick<Targets, "all" | "places" | "targetOf" | "describe">;
  reingest: ReingestPort;
  log: Logger;
  teamId?: string;
  now?: () => number;
}

/**
 * A step's answer: the outputs to complete it with, the error to fail it with, or `later`
 * when the job it started ends it.
 */
export type StepResult<O> =
  | { ok: true; outputs: O }
  | { ok: false; error: string }
  | { ok: "later"; jobId: string };

export interface SummaryOutputs {
  total: number;
  classes: Partial<Record<DlqClass, number>>;
  /** Seconds the oldest message has waited, now; undefined when the scan saw no timestamp. */
  oldestAgeSeconds?: number;
  /** False when the scan stopped at DLQ_SCAN_MAX_MESSAGES: the counts are lower bounds. */
  complete: boolean;
}

export interface ReingestOutputs {
  accepted: number;
  failed: number;
  cameBack: number;
}

// ---- inputs ------------------------------------------------------------------------------

const domain = z
  .string({ error: "enter the Customer Profiles domain's name as text" })
  .max(200, "is longer than any domain name (at most 64 characters)")
  .transform((text, ctx) => {
    const read = validateDomainName(text);
    if (read.ok) return read.value;
    ctx.addIssue({ code: "custom", message: `is not a domain name. ${read.error}` });
    return z.NEVER;
  });

const cls = z.enum(DLQ_CLASSES, {
  error: `enter one of the digest's classes: ${DLQ_CLASSES.join(", ")}`,
});

/** Slack's `slack#/types/interactivity` value: who started the workflow. */
const interactivity = z.object({ interactor: z.object({ id: z.string().regex(SLACK_USER_ID) }) });
const NO_INTERACTOR =
  "names no person who started the workflow: set it to the workflow's interactivity, which Workflow Builder offers when the workflow starts from a link or a button. A workflow that starts without a person, such as a scheduled one, can't run this step";

/** `prod` or `prod/eu-west-2`, checked against the served places once read; empty is absent. */
const target = z
  .string({ error: "enter the target as text, e.g. prod or prod/eu-west-2" })
  .max(80, "is longer than any target (a name, or name/region)")
  .optional()
  .transform((text) => (text?.trim() ? text.trim() : undefined));

const summaryInputs = z.object({ domain, target, interactivity });
const reingestInputs = z.object({ domain, class: cls, target, interactivity });

/** Each input's title in the step's form (manifest.yml), for the sentence that says what to fix. */
const TITLES: Record<string, string> = {
  domain: "Domain",
  class: "Class",
  target: "Target",
  interactivity: "Who runs it",
};

type Read<T> = { ok: true; value: T } | { ok: false; error: string };

function readInputs<T>(schema: z.ZodType<T>, inputs: unknown): Read<T> {
  const parsed = schema.safeParse(inputs ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? "");
  const title = TITLES[field] ?? field;
  const message =
    field === "interactivity"
      ? NO_INTERACTOR
      : issue?.code === "invalid_type" && issue.input === undefined
        ? "is missing"
        : (issue?.message ?? "is not valid");
  return {
    ok: false,
    error: `Nothing was done: the step's “${title}” input ${message.replace(/\.$/, "")}. Fix it in the workflow's step and run it again.`,
  };
}

// ---- running a step ------------------------------------------------------------------------

const clock = (ctx: StepCtx): number => (ctx.now ?? Date.now)();

/** Who ran a step, and the one audit entry it ends with. */
interface Run {
  userId: string;
  action: string;
  started: number;
  role?: string;
  target?: string;
  place?: string;
  params?: Record<string, string>;
}

async function audited<O>(
  ctx: StepCtx,
  run: Run,
  outcome: AuditOutcome,
  result: StepResult<O>,
  extra: Pick<AuditEntry, "jobId" | "detail"> = {},
): Promise<StepResult<O>> {
  await ctx.audit
    .record({
      at: new Date(run.started).toISOString(),
      userId: run.userId,
      ...(ctx.teamId && { teamId: ctx.teamId }),
      ...(run.role && { role: run.role }),
      action: run.action,
      ...(run.target && { target: run.target }),
      ...(run.place && { place: run.place }),
      ...(run.params && { params: run.params }),
      outcome,
      durationMs: clock(ctx) - run.started,
      ...extra,
      ...(!result.ok && !extra.detail && { detail: result.error }),
    })
    .catch((err) => ctx.log.error({ err }, "could not write an audit entry"));
  return result;
}

/**
 * Reads the inputs and authorises the interactor: the inputs and the run, or the refusal
 * (audited) to fail the step with.
 */
async function admit<
  T extends {
    domain: string;
    target?: string | undefined;
    interactivity: { interactor: { id: string } };
  },
>(
  ctx: StepCtx,
  callbackId: string,
  schema: z.ZodType<T>,
  raw: unknown,
  permission: Permission,
): Promise<{ input: T; run: Run } | { refused: StepResult<never> }> {
  const run: Run = {
    userId: interactorOf(raw) ?? "(none)",
    action: `function:${callbackId}`,
    started: clock(ctx),
  };
  const read = readInputs(schema, raw);
  if (!read.ok) return { refused: await audited(ctx, run, "refused", read) };
  const input = read.value;
  run.target = input.domain;
  const decision = await authorize(ctx.access, run.userId, permission);
  if (decision.role) run.role = decision.role;
  if (!decision.allowed) {
    const refusal = { ok: false as const, error: `Nothing was done: ${decision.message}` };
    return { refused: await audited(ctx, run, "refused", refusal) };
  }
  return { input, run };
}

/** The interactor's id as sent, for the audit line of a refusal; checked later by the schema. */
function interactorOf(raw: unknown): string | undefined {
  const id = (raw as { interactivity?: { interactor?: { id?: unknown } } } | undefined)
    ?.interactivity?.interactor?.id;
  return typeof id === "string" && SLACK_USER_ID.test(id) ? id : undefined;
}

/**
 * The digest of the domain the inputs name, in the place they name or the only one that fits:
 * the place and its digest (none yet: `digest` undefined), or the refusal (audited) to fail
 * the step with. The run's audit target becomes the refId.
 */
async function located(
  ctx: StepCtx,
  run: Run,
  input: { domain: string; target?: string | undefined },
): Promise<{ ref: DomainRef; digest?: DigestState } | { refused: StepResult<never> }> {
  const refuse = async (outcome: AuditOutcome, error: string) => ({
    refused: await audited<never>(ctx, run, outcome, { ok: false, error }),
  });
  let candidates: readonly Place[] = ctx.targets.places();
  if (input.target !== undefined) {
    const read = readPlaceSelector(ctx.targets, input.target);
    if (!read.ok) {
      return refuse(
        "refused",
        `Nothing was done: the step's “Target” input names no place the bot serves. ${read.error} Fix it in the workflow's step and run it again.`,
      );
    }
    candidates = read.places;
  }
  const states = await Promise.all(
    candidates.map((p) => ctx.digests.get({ ...p, domain: input.domain })),
  );
  const scanned = candidates.filter((_, i) => states[i]?.lastSummary);
  // One place, or one place with a digest: that one. None with a digest: the first, whose
  // missing digest the step then reports.
  const pick = candidates.length === 1 ? candidates : scanned.length > 0 ? scanned : candidates;
  if (pick.length > 1) {
    return refuse(
      "refused",
      `Nothing was done: ${ambiguousDomain(ctx.targets, input.domain, pick, (selector) => `set the step's “Target” input to ${selector}`)}`,
    );
  }
  const place = pick[0] as Place;
  const ref = { account: place.account, region: place.region, domain: input.domain };
  run.target = refId(ref);
  run.place = ctx.targets.describe(place);
  const digest = states[candidates.indexOf(place)];
  return { ref, ...(digest && { digest }) };
}

const noDigest = (name: string) =>
  `The bot has no scan of ${name}'s dead-letter queue yet: it scans the domains whose alerts are on, every DLQ_SCAN_INTERVAL. Turn them on with /profiles alerts ${name} #channel, or wait for the next scan, then run the step again.`;

/** "Get dead-letter summary": the counts the domain's digest shows now. */
export async function runSummaryStep(
  ctx: StepCtx,
  inputs: unknown,
): Promise<StepResult<SummaryOutputs>> {
  const admitted = await admit(ctx, SUMMARY_STEP, summaryInputs, inputs, "digest");
  if ("refused" in admitted) return admitted.refused;
  const { input, run } = admitted;
  const found = await located(ctx, run, input);
  if ("refused" in found) return found.refused;
  const state = found.digest;
  const summary = state?.lastSummary;
  if (!state || !summary) {
    return audited(ctx, run, "failed", { ok: false, error: noDigest(input.domain) });
  }
  const classes: Partial<Record<DlqClass, number>> = {};
  for (const c of DLQ_CLASSES) {
    const count = summary.classes[c]?.count ?? 0;
    if (count > 0) classes[c] = count;
  }
  const now = clock(ctx);
  const outputs: SummaryOutputs = {
    total: summary.total,
    classes,
    complete: state.lastComplete !== false,
    ...(summary.oldestSentAt !== undefined && {
      oldestAgeSeconds: Math.max(0, Math.floor((now - summary.oldestSentAt) / 1000)),
    }),
  };
  return audited(ctx, run, "succeeded", { ok: true, outputs });
}

/** Slack's id of a step run (function_execution_id), as the job is given it to end the run. */
const EXECUTION_ID = /^Fx[0-9A-Za-z]{1,40}$/;

/**
 * "Re-ingest a dead-letter class": starts the job the digest's Re-ingest button starts, for the
 * messages of that class the current digest shows (paced by REINGEST_RATE like any re-ingest,
 * and replying in the digest's thread). The job ends the step run (`executionId`) with its
 * numbers when it finishes, or fails it with its reason when it gives up.
 */
export async function runReingestStep(
  ctx: StepCtx,
  inputs: unknown,
  executionId: unknown,
): Promise<StepResult<ReingestOutputs>> {
  const admitted = await admit(ctx, REINGEST_STEP, reingestInputs, inputs, "reingest");
  if ("refused" in admitted) return admitted.refused;
  const { input, run } = admitted;
  const { domain: name, class: which } = input;
  run.params = { class: which };
  const fail = (outcome: AuditOutcome, error: string, extra?: Pick<AuditEntry, "jobId">) =>
    audited<ReingestOutputs>(ctx, run, outcome, { ok: false, error }, extra);
  if (typeof executionId !== "string" || !EXECUTION_ID.test(executionId)) {
    return fail(
      "refused",
      "Nothing was done: this run carries no function_execution_id Slack would accept, so the step's end could not be reported. Run the step from Workflow Builder.",
    );
  }

  const info = CLASS_INFO[which];
  if (!isReingestable(which)) {
    return fail(
      "refused",
      `Nothing was done: ${info.label} messages are not re-ingestable. ${info.fix}`,
    );
  }
  const found = await located(ctx, run, input);
  if ("refused" in found) return found.refused;
  const state = found.digest;
  if (!state?.scanId || !state.lastSummary) return fail("failed", noDigest(name));
  if (!state.lastSummary.classes[which]?.count) {
    return fail(
      "refused",
      `Nothing was done: the current digest of ${name} shows no ${info.label} messages. Run “Get dead-letter summary” to see the classes it shows.`,
    );
  }
  const started = await ctx.reingest.start({
    account: found.ref.account,
    region: found.ref.region,
    domain: name,
    cls: which,
    scanId: state.scanId,
    requestedBy: run.userId,
    workflowStep: executionId,
    ...(state.channel && state.ts && { channel: state.channel, threadTs: state.ts }),
  });
  if (started.status === "already-running") {
    return fail(
      "refused",
      `Nothing new was started: a re-ingest of ${info.label} messages of ${name} is already running (started by ${started.by}). Run the step again once it has finished.`,
      { jobId: started.jobId },
    );
  }
  // The job ends the step itself (src/slack/reporters/reingest.ts), with its numbers or the
  // reason it gave up: nothing here waits for it, and a restart of this process loses nothing.
  return audited<ReingestOutputs>(
    ctx,
    run,
    "accepted",
    { ok: "later", jobId: started.jobId },
    { jobId: started.jobId },
  );
}

/** A finished re-ingest's numbers, as the step answers them. */
export function reingestOutputsOf(result: ReingestResult): ReingestOutputs {
  const cameBack = Object.values(result.cameBack ?? {}).reduce((sum, n) => sum + (n ?? 0), 0);
  return { accepted: result.done, failed: result.failed, cameBack };
}
