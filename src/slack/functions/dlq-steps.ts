/**
 * The Workflow Builder custom steps' listeners (`app.function()`, manifest.yml `functions`):
 * each hands the event's inputs to its step in src/workflow/steps.ts, which reads, authorises,
 * audits and runs it, and completes the step with its outputs or fails it with its sentence.
 * Bolt acknowledges the event first; the step's own token (the event's bot_access_token)
 * completes it, except a re-ingest's, which its job ends with the bot's token when it finishes
 * (a step that waited here would tie up this process and be lost on its restart).
 */
import type { App } from "@slack/bolt";
import { enqueueReingest } from "../../queues/reingest.js";
import {
  REINGEST_STEP,
  runReingestStep,
  runSummaryStep,
  type StepCtx,
  type StepResult,
  SUMMARY_STEP,
} from "../../workflow/steps.js";
import { digestStore, type SlackDeps } from "../deps.js";
import { renderReingestOutputs, renderSummaryOutputs } from "../render/workflow.js";

/** Bolt's complete() and fail() for a function_executed event (the same in Bolt 4 and 5). */
type Finish = {
  complete: (args: { outputs: Record<string, unknown> }) => Promise<unknown>;
  fail: (args: { error: string }) => Promise<unknown>;
};

function stepCtx(deps: SlackDeps, teamId: string | undefined): StepCtx {
  return {
    access: deps.access,
    audit: deps.audit,
    digests: digestStore(deps),
    targets: deps.targets,
    log: deps.log,
    ...(teamId && { teamId }),
    reingest: {
      start: async (request) => {
        const outcome = await enqueueReingest(deps.queues, request);
        if (outcome.status === "already-running") return outcome;
        return { status: "started", jobId: outcome.jobId };
      },
    },
  };
}

async function finish<O>(
  deps: SlackDeps,
  step: string,
  result: StepResult<O>,
  render: (o: O) => Record<string, unknown>,
  { complete, fail }: Finish,
): Promise<void> {
  try {
    if (result.ok === "later") return;
    if (result.ok) await complete({ outputs: render(result.outputs) });
    else await fail({ error: result.error });
  } catch (err) {
    deps.log.error({ err, step }, "could not complete a workflow step");
  }
}

export function register(app: App, deps: SlackDeps): void {
  app.function(SUMMARY_STEP, async (args) => {
    const result = await runSummaryStep(stepCtx(deps, args.body.team_id), args.inputs);
    await finish(deps, SUMMARY_STEP, result, renderSummaryOutputs, args);
  });
  app.function(REINGEST_STEP, async (args) => {
    const result = await runReingestStep(
      stepCtx(deps, args.body.team_id),
      args.inputs,
      args.body.event?.function_execution_id,
    );
    await finish(deps, REINGEST_STEP, result, renderReingestOutputs, args);
  });
}
