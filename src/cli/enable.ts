/**
 * `profiles-bot enable --yes`: the plan, then the provisioning steps the job runs (the same
 * step functions, in-process, no Slack and no Redis), printing each step and the summary.
 * Without --yes it prints the plan and refuses. With --checkpoint FILE, what each step
 * created is saved there, so a run that failed resumes instead of tripping over its own
 * queue or key.
 */
import { readFile, writeFile } from "node:fs/promises";
import { renderPlanText } from "../enable/plan.js";
import { AppError } from "../errors.js";
import { bindingsAt, MemoryBindingStore } from "../provision/bindings.js";
import { linkByHandSteps } from "../provision/link-by-hand.js";
import {
  type ProvisionRequest,
  provisionInput,
  provisionJobData,
} from "../provision/plan-to-job.js";
import type { ProvisionReporter } from "../provision/reporter.js";
import { keyPolicyNotVerified, runProvision, StepError, toFailure } from "../provision/run.js";
import { describeWait } from "../provision/settle.js";
import type {
  Checkpoint,
  LinkRefusal,
  ProvisionFailure,
  ProvisionSummary,
  StepName,
  StepOutcome,
} from "../provision/types.js";
import { provisionJobIdOf } from "../queues/provision.js";
import type { CliEnv } from "./aws.js";
import { ENABLE_FLAGS } from "./enable-args.js";
import type { CliCommand, CliIo } from "./io.js";
import { describeInput, EXIT, planFromArgs, planJson, withPlanArgs } from "./plan.js";

const USAGE = `Usage: profiles-bot enable --instance ID [--domain NAME] [options] --yes

Enables Customer Profiles for a Connect instance: prints the plan, then creates the queue,
key, alias and domain and links the instance, as the bot's provisioning job does. Without
--yes it prints the plan and changes nothing.

${ENABLE_FLAGS}
  --yes                     make the changes
  --checkpoint FILE         keep what was created in FILE, so a failed run can resume

Exit codes: 0 enabled, 1 blocked, refused (no --yes) or a step failed, 2 bad usage or
configuration, 3 an AWS call failed before any step ran, 4 everything is done but the
instance link, which AWS refused: link it by hand with the console steps printed.`;

/** Who the CLI says asked, in the tags on what it creates. */
const CLI_REQUESTER = "cli";

/** What --checkpoint FILE holds: the choices of the run and how far it got. */
interface SavedRun {
  request: ProvisionRequest;
  checkpoint: Checkpoint;
}

async function loadRun(file: string | undefined): Promise<SavedRun | undefined> {
  if (!file) return undefined;
  try {
    return JSON.parse(await readFile(file, "utf8")) as SavedRun;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new AppError(
      "invalid_input",
      `${file} is not a checkpoint this command wrote (${(err as Error).message}): remove it to start over.`,
    );
  }
}

/** Where the job's sentence would mislead someone at a terminal. */
const CLI_STEP_TEXT: Partial<Record<StepName, string>> = {
  "alert-binding": "No Slack channel from the CLI: bind the domain's digests from Slack.",
};

/** A finished step's mark: a tick only for what is done and checked. */
const CLI_MARK: Record<StepOutcome, string> = { done: "✓", "by-hand": "✋", unverified: "!" };

function printer(io: CliIo, json: boolean): ProvisionReporter {
  // With --json, standard output carries only the final JSON object.
  const say = json ? io.err : io.out;
  return {
    stepStarted: (step) => say(`… ${step}`),
    stepDone: (step, summary, outcome) =>
      say(`${CLI_MARK[outcome ?? "done"]} ${step}: ${CLI_STEP_TEXT[step] ?? summary}`),
    waiting: (step, wait) => say(`… ${step}: ${describeWait(wait)}`),
    completed: () => {},
    failed: () => {},
  };
}

/** `checkpointFile`: where this run was recorded, so a re-run can check the link. */
export function summaryLines(summary: ProvisionSummary, checkpointFile?: string): string[] {
  const { domain, dlq, key, instance } = summary;
  return [
    instance.byHand
      ? "Customer Profiles is set up, but the instance is not linked to the domain yet."
      : "Customer Profiles is enabled.",
    `  Domain:           ${domain.name} (${domain.created ? "created" : "existing"})`,
    `  Domain ARN:       ${domain.arn}`,
    `  DLQ URL:          ${dlq?.url ?? "none"}`,
    `  DLQ ARN:          ${dlq?.arn ?? "none"}`,
    `  KMS key ARN:      ${key?.arn ?? "AWS owned key"}`,
    `  KMS key alias:    ${key?.alias ?? "none"}`,
    ...(key?.policyNotVerified !== undefined
      ? [`  ${keyPolicyNotVerified(key.policyNotVerified)}`]
      : []),
    `  ${instance.byHand ? "Not linked yet: " : "Linked instance: "} ${instance.alias ? `${instance.alias} ` : ""}(${instance.arn})`,
    ...(instance.unlinkedFrom ? [`  Unlinked from:    ${instance.unlinkedFrom}`] : []),
    ...(instance.byHand ? ["", ...linkByHandLines(summary, instance.byHand, checkpointFile)] : []),
  ];
}

/** Why AWS refused the link, and the console steps that make it. */
function linkByHandLines(
  summary: ProvisionSummary,
  refusal: LinkRefusal,
  checkpointFile: string | undefined,
): string[] {
  const steps = linkByHandSteps({ instance: summary.instance, domain: summary.domain.name });
  return [
    `Link the instance by hand: ${refusal.call} was refused (${refusal.awsCode}${refusal.awsMessage ? `: ${refusal.awsMessage}` : ""}).`,
    "AWS lets some accounts link an instance to a domain only from the Amazon Connect console:",
    ...steps.map((step, i) => `  ${i + 1}. ${step}`),
    checkpointFile
      ? `Then run this command again with --checkpoint ${checkpointFile}: it reads the link and finishes.`
      : "Then `profiles-bot doctor` shows which domain each instance is linked to.",
  ];
}

export function failureLines(failure: ProvisionFailure): string[] {
  const why = failure.reason ?? failure.message;
  return [
    `✗ ${failure.step} failed.`,
    ...(failure.call ? [`  AWS call:  ${failure.call}`] : []),
    ...(failure.awsCode ? [`  AWS code:  ${failure.awsCode}`] : []),
    `  Why:       ${why}`,
    ...(failure.fix ? [`  Fix:       ${failure.fix}`] : []),
  ];
}

export const createEnableCommand =
  (cli: CliEnv): CliCommand =>
  (argv, io) =>
    withPlanArgs(
      argv,
      io,
      cli,
      { usage: USAGE, extra: ["--yes", "--checkpoint"] },
      async (aws, args, reads) => {
        const say = args.json ? io.err : io.out;
        const saved = await loadRun(args.checkpoint);
        let request: ProvisionRequest;
        if (saved) {
          // A resumed run keeps its choices: re-planning would see its own queue, key and
          // domain as taken, the way Retry in Slack resumes without a new plan.
          const { instance } = saved.request;
          if (args.instance !== instance.id && args.instance !== instance.arn) {
            io.err(
              `${args.checkpoint} records a run for instance ${instance.id}, not ${args.instance}: remove it or pass another --checkpoint.`,
            );
            return EXIT.usage;
          }
          request = saved.request;
          say(`Resuming the run recorded in ${args.checkpoint}:`);
          say(describeInput(request).join("\n"));
          if (!args.yes) {
            io.err("\nNothing was changed: run again with --yes to resume.");
            return EXIT.blocked;
          }
        } else {
          const planned = await planFromArgs(reads.gateways, reads.region, args);
          const { input, plan } = planned;
          say([...describeInput(input), "", renderPlanText(plan)].join("\n"));
          if (plan.blockers.length > 0) {
            if (args.json) io.out(planJson(planned));
            io.err("\nThe plan is blocked; nothing was changed.");
            return EXIT.blocked;
          }
          if (!args.yes) {
            io.err("\nNothing was changed: run again with --yes to make these changes.");
            return EXIT.blocked;
          }
          const { instance, domain, dlq, key, confirmRelink, confirmReencrypt } = input;
          request = { instance, domain, dlq, key, confirmRelink, confirmReencrypt };
        }

        // The account, from STS when the plan read beside it (withPlanArgs).
        const at = await reads.place();
        const data = provisionJobData(
          request,
          { requestedBy: CLI_REQUESTER, channelId: "", teamId: "" },
          new Date(),
          at.place,
        );
        const jobId = provisionJobIdOf(data);
        const checkpointFile = args.checkpoint;
        say("");
        try {
          const { summary } = await runProvision({
            ctx: {
              gateways: at.gateways,
              // The CLI binds no digest (it has no channel): a store in memory, never written.
              bindings: bindingsAt(new MemoryBindingStore(), at.place),
              log: aws.log,
              settling: { boundMs: aws.config.provision.propagationWaitMs },
            },
            input: provisionInput(jobId, data),
            checkpoint: saved?.checkpoint ?? {},
            save: async (checkpoint) => {
              if (!checkpointFile) return;
              const run: SavedRun = { request, checkpoint };
              await writeFile(checkpointFile, JSON.stringify(run, null, 2));
            },
            reporter: printer(io, args.json),
          });
          const byHand = summary.instance.byHand;
          if (args.json) {
            const linkSteps = byHand
              ? {
                  linkSteps: linkByHandSteps({
                    instance: summary.instance,
                    domain: summary.domain.name,
                  }),
                }
              : {};
            io.out(JSON.stringify({ ok: true, summary, ...linkSteps }, null, 2));
          } else io.out(["", ...summaryLines(summary, checkpointFile)].join("\n"));
          return byHand ? EXIT.linkByHand : EXIT.ok;
        } catch (err) {
          if (!(err instanceof StepError)) throw err;
          const failure = toFailure(err.step, err);
          if (args.json) io.out(JSON.stringify({ ok: false, failure }, null, 2));
          io.err(["", ...failureLines(failure)].join("\n"));
          if (checkpointFile) {
            io.err(`What was created is recorded in ${checkpointFile}; run again to resume.`);
          }
          return EXIT.blocked;
        }
      },
    );
