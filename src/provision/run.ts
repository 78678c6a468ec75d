/**
 * Runs the provisioning steps over the step graph, checkpointing after each one; the link
 * step's read starts with the first creates (readInstanceLink). It knows nothing of BullMQ
 * or Slack: the job (jobs/provision.ts) and the CLI pass in how to save
 * the checkpoint and whom to report to.
 */
import { asAppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { runGraph } from "./graph.js";
import { STEP_GRAPH } from "./plan-to-job.js";
import type { ProvisionReporter } from "./reporter.js";
import { describeWait, type PropagationWait } from "./settle.js";
import { STEPS, type StepContext } from "./steps.js";
import type {
  AddedStatement,
  Checkpoint,
  ProvisionFailure,
  ProvisionInput,
  ProvisionSummary,
  StepName,
  StepOutcome,
} from "./types.js";

export interface RunOptions {
  ctx: Omit<StepContext, "intend">;
  input: ProvisionInput;
  /** Where an earlier run got to; `{}` for a fresh job. */
  checkpoint: Checkpoint;
  /** Persists the checkpoint; a step's successors start only after it resolved. */
  save: (checkpoint: Checkpoint) => Promise<void>;
  reporter: ProvisionReporter;
}

/** A step's failure, naming the step; `cause` is the AppError (or whatever was thrown). */
export class StepError extends Error {
  override name = "StepError";
  constructor(
    readonly step: StepName,
    override readonly cause: unknown,
  ) {
    super(`step ${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

export async function runProvision(
  opts: RunOptions,
): Promise<{ summary: ProvisionSummary; checkpoint: Checkpoint }> {
  const { input, reporter } = opts;
  const log = opts.ctx.log;
  // One object all steps write into; JS runs one callback at a time, so merges don't race.
  const checkpoint: Checkpoint = retryLinkByHand(structuredClone(opts.checkpoint));
  const save = serialised(() => opts.save(structuredClone(checkpoint)));
  const ctx: StepContext = {
    ...opts.ctx,
    ...(checkpoint.done?.includes("link") ? {} : { instanceLink: readInstanceLink(opts, input) }),
    intend: async (step, record) => {
      const known = checkpoint.creating?.includes(step) ?? false;
      if (known && !record) return;
      if (record) Object.assign(checkpoint, record);
      if (!known) checkpoint.creating = [...(checkpoint.creating ?? []), step];
      await save();
    },
  };

  await runGraph(STEP_GRAPH, checkpoint.done ?? [], async (step) => {
    report(log, () => reporter.stepStarted(step));
    const started = Date.now();
    let part: Partial<Checkpoint>;
    try {
      part = await STEPS[step](reportingWaits(ctx, step, reporter), input, checkpoint);
    } catch (err) {
      throw new StepError(step, err);
    }
    Object.assign(checkpoint, part);
    checkpoint.done = [...(checkpoint.done ?? []), step];
    checkpoint.creating = (checkpoint.creating ?? []).filter((s) => s !== step);
    await save();
    log.debug({ step, ms: Date.now() - started }, "provisioning step done");
    const summary = describeStep(step, input, checkpoint);
    report(log, () => reporter.stepDone(step, summary, stepOutcome(step, checkpoint)));
  });

  const summary = summarise(input, checkpoint);
  report(log, () => reporter.completed(summary));
  return { summary, checkpoint };
}

/** The step's context, whose waits for AWS to spread a change are reported as the step's. */
function reportingWaits(
  ctx: StepContext,
  step: StepName,
  reporter: ProvisionReporter,
): StepContext {
  if (!ctx.settling) return ctx;
  const waiting = (wait: PropagationWait) => {
    ctx.log.info({ step, waitingFor: wait.what, waitedMs: wait.waitedMs }, describeWait(wait));
    report(ctx.log, () => reporter.waiting?.(step, wait));
  };
  return { ...ctx, settling: { ...ctx.settling, waiting } };
}

/**
 * A link left to be made by hand is tried again when the job runs again (Retry after a later
 * step failed, or the CLI resuming from its checkpoint): it may have been made since, and if
 * not, the step ends the same way.
 */
function retryLinkByHand(checkpoint: Checkpoint): Checkpoint {
  if (!checkpoint.link || checkpoint.link.linked) return checkpoint;
  return { ...checkpoint, done: (checkpoint.done ?? []).filter((step) => step !== "link") };
}

/**
 * The link's one read, started with the first creates: it depends on nothing they make, and
 * waiting for it after the domain would add a round trip to every enable. A failure is left
 * for the link step to throw (and is marked handled here, since that step may never run).
 */
function readInstanceLink(opts: RunOptions, input: ProvisionInput): Promise<string | undefined> {
  const read = opts.ctx.gateways.profiles.domainForInstance(input.instance.arn);
  read.catch(() => {});
  return read;
}

/** Each call waits for the writes before it, so the last write always holds the latest state. */
function serialised(write: () => Promise<void>): () => Promise<void> {
  let chain: Promise<void> = Promise.resolve();
  return () => {
    chain = chain.catch(() => {}).then(write);
    return chain;
  };
}

/** Reporting is best effort: a slow or broken Slack must not slow or break provisioning. */
export function report(log: Logger, send: () => void | Promise<void>): void {
  try {
    Promise.resolve(send()).catch((err: unknown) =>
      log.warn({ err: (err as Error).message }, "provisioning reporter failed"),
    );
  } catch (err) {
    log.warn({ err: (err as Error).message }, "provisioning reporter failed");
  }
}

/** The alias the job made, or the one an existing key already had. */
function aliasOfKey(input: ProvisionInput, alias: Checkpoint["alias"]): { alias?: string } {
  if (alias) return { alias: alias.name };
  return input.key.mode === "existing" && input.key.alias ? { alias: input.key.alias } : {};
}

export function summarise(input: ProvisionInput, checkpoint: Checkpoint): ProvisionSummary {
  const { domain, queue, key, alias, link, alertBinding } = checkpoint;
  return {
    domain: {
      name: input.domain.name,
      arn: domain?.arn ?? "",
      created: domain?.created ?? false,
    },
    ...(queue ? { dlq: { url: queue.url, arn: queue.arn, created: queue.created } } : {}),
    ...(key
      ? {
          key: {
            arn: key.arn,
            ...aliasOfKey(input, alias),
            created: key.created,
            ...(checkpoint.keyPolicy?.verified === false
              ? { policyNotVerified: checkpoint.keyPolicy.why ?? "" }
              : {}),
          },
        }
      : {}),
    instance: {
      id: input.instance.id,
      arn: input.instance.arn,
      ...(input.instance.alias ? { alias: input.instance.alias } : {}),
      ...(link?.unlinkedFrom ? { unlinkedFrom: link.unlinkedFrom } : {}),
      ...(link?.refused && !link.linked ? { byHand: link.refused } : {}),
    },
    ...(alertBinding ? { alertChannelId: alertBinding.channelId } : {}),
  };
}

/**
 * How a finished step ended: the link may be left to be made by hand, and an existing key's
 * policy may be unverified (the bot may not read it).
 */
export function stepOutcome(step: StepName, c: Checkpoint): StepOutcome {
  if (step === "link" && c.link && !c.link.linked) return "by-hand";
  if (step === "key-policy" && c.keyPolicy?.verified === false) return "unverified";
  return "done";
}

/** The Sid a recorded statement went in under, for people to find it in the policy. */
export const sidOf = (added: AddedStatement): string =>
  typeof added.statement.Sid === "string" && added.statement.Sid !== ""
    ? added.statement.Sid
    : "(without a Sid)";

/** The one wording of an unchecked key policy, for the step, the summary and the CLI. */
export const keyPolicyNotVerified = (why: string | undefined): string =>
  `Key policy not verified: ${why ?? "the bot could not read it."}`;

/** One sentence per finished step, for the message that is edited as the job goes. */
export function describeStep(step: StepName, input: ProvisionInput, c: Checkpoint): string {
  const made = (created: boolean | undefined) => (created ? "Created" : "Using");
  switch (step) {
    case "queue":
      return c.queue ? `${made(c.queue.created)} queue ${c.queue.name}.` : "No dead-letter queue.";
    case "queue-policy":
      if (!c.queue) return "No queue policy to set.";
      if (c.queuePolicy?.added) {
        return `Added statement ${sidOf(c.queuePolicy.added)} to queue ${c.queue.name}'s policy, keeping its other statements, so Customer Profiles can send failed objects to it.`;
      }
      return c.queuePolicy?.changed
        ? `Queue ${c.queue.name} lets Customer Profiles send failed objects to it.`
        : `Queue ${c.queue.name}'s policy already allowed Customer Profiles.`;
    case "key":
      return c.key
        ? `${made(c.key.created)} KMS key ${c.key.arn}.`
        : "Encrypting with a key AWS owns.";
    case "alias":
      return c.alias ? `The key is named ${c.alias.name}.` : "No alias to create.";
    case "key-policy":
      if (c.keyPolicy?.verified === false) return keyPolicyNotVerified(c.keyPolicy.why);
      if (c.keyPolicy?.added) {
        return `Added statement ${sidOf(c.keyPolicy.added)} to the key policy, keeping its other statements.`;
      }
      if (c.keyPolicy?.changed) return "Added the Customer Profiles statement to the key policy.";
      return c.keyPolicy?.verified
        ? "The key policy already has the Customer Profiles statement."
        : "The key policy needed no change.";
    case "domain":
      return `${c.domain?.created ? "Created" : "Updated"} domain ${input.domain.name}.`;
    case "link":
      return linkSentence(input, c.link);
    case "alert-binding":
      // Step texts are plain and escaped when shown, so no Slack mention: the report is
      // posted in the bound channel, and its summary links it.
      return c.alertBinding
        ? `Dead-letter digests for ${input.domain.name} go to this channel.`
        : "No dead-letter queue, so no digests.";
  }
}

function linkSentence(input: ProvisionInput, link: Checkpoint["link"]): string {
  const instance = input.instance.alias ?? input.instance.id;
  const domain = input.domain.name;
  if (link?.refused && !link.linked) {
    const { call, awsCode } = link.refused;
    return `${call} was refused (${awsCode}): link instance ${instance} to ${domain} by hand in the Amazon Connect console, then press Check again.`;
  }
  const how = link?.refused ? " by hand" : "";
  const unlinked = link?.unlinkedFrom ? ` (unlinked from ${link.unlinkedFrom})` : "";
  return `Linked instance ${instance} to ${domain}${how}${unlinked}.`;
}

/** The structured failure kept in the job's data and shown with Retry and Clean up. */
export function toFailure(step: StepName | "cleanup", err: unknown): ProvisionFailure {
  const cause = err instanceof StepError ? err.cause : err;
  const appError = asAppError(cause);
  return {
    step,
    ...(appError.call ? { call: appError.call } : {}),
    ...(appError.awsCode ? { awsCode: appError.awsCode } : {}),
    ...(appError.awsMessage !== undefined ? { awsMessage: appError.awsMessage } : {}),
    reason: appError.reason,
    message: appError.userMessage,
    ...(appError.fix ? { fix: appError.fix } : {}),
    retryable: appError.retryable,
  };
}
