/**
 * Provisioning time against its floor. With 50 ms added to every emulator call, the time
 * from enqueueing the job to its completed summary, against the sum of the latencies on
 * the critical path of AWS calls: each step's call count (measured by running the steps
 * one at a time on a fresh emulator) times 50 ms, along the longest path of the step graph.
 * Quotas are off: the default TPS quotas would measure AWS's limits, not the bot.
 * Target: within 1.5x of the floor.
 */
import { enqueueProvision } from "../jobs/provision.js";
import { provisionInput, STEP_GRAPH, STEP_ORDER } from "../src/provision/plan-to-job.js";
import { STEPS } from "../src/provision/steps.js";
import type { Checkpoint, StepName } from "../src/provision/types.js";
import { jobData, startHarness, waitForState } from "../test/provision/helpers.js";
import type { Benchmark } from "./index.js";
import { round } from "./lib.js";

const LATENCY_MS = 50;
const RUNS = 5;

const totalCalls = (calls: Map<string, number>) => [...calls.values()].reduce((a, b) => a + b, 0);

async function callsPerStep(): Promise<Record<StepName, number>> {
  const h = await startHarness();
  try {
    const input = provisionInput("bench-floor", jobData());
    const checkpoint: Checkpoint = {} as Checkpoint;
    const ctx = { gateways: h.gateways, log: h.log, bindings: h.bindings };
    const out = {} as Record<StepName, number>;
    for (const step of STEP_ORDER) {
      const before = totalCalls(h.emulator.calls);
      Object.assign(checkpoint, await STEPS[step](ctx, input, checkpoint));
      out[step] = totalCalls(h.emulator.calls) - before;
    }
    return out;
  } finally {
    await h.close();
  }
}

/** Longest path through the step graph, weighted by each step's calls. */
function criticalPath(calls: Record<StepName, number>): { ms: number; path: StepName[] } {
  const best = new Map<StepName, { ms: number; path: StepName[] }>();
  for (const step of STEP_ORDER) {
    const before = STEP_GRAPH[step]
      .map((d) => best.get(d) ?? { ms: 0, path: [] })
      .reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, path: [] as StepName[] });
    best.set(step, { ms: before.ms + calls[step] * LATENCY_MS, path: [...before.path, step] });
  }
  return [...best.values()].reduce((a, b) => (b.ms > a.ms ? b : a));
}

const bench: Benchmark = {
  description: "provisioning with 50 ms per AWS call vs the critical-path floor (target <= 1.5x)",
  async run(log) {
    const perStep = await callsPerStep();
    const floor = criticalPath(perStep);
    log(`calls per step: ${STEP_ORDER.map((s) => `${s} ${perStep[s]}`).join(", ")}`);
    log(`critical path: ${floor.path.join(" → ")} = ${floor.ms} ms`);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const h = await startHarness({ latencyMs: LATENCY_MS });
      try {
        h.startWorker();
        const started = performance.now();
        const { jobId } = await enqueueProvision(h.queue, jobData());
        const job = await waitForState(h.queue, jobId, ["completed", "failed"], 60_000);
        const ms = performance.now() - started;
        if ((await job.getState()) !== "completed")
          throw new Error(`run ${i} failed: ${job.failedReason}`);
        times.push(ms);
        log(`run ${i + 1}: ${round(ms)} ms`);
      } finally {
        await h.close();
      }
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;
    const ratio = round(median / floor.ms, 3);
    log(`median ${round(median)} ms, floor ${floor.ms} ms: ratio ${ratio} (target <= 1.5)`);
    return {
      floor_ms: floor.ms,
      critical_path: floor.path.join(">"),
      calls_total: Object.values(perStep).reduce((a, b) => a + b, 0),
      runs: RUNS,
      median_ms: round(median),
      max_ms: round(times[times.length - 1] as number),
      ratio,
      target_met: ratio <= 1.5,
    };
  },
};

export default bench;
