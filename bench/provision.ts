/**
 * Provisioning wall time against the AWS floor. Every emulator call takes 50 ms; the floor
 * is the longest path through the step graph, each step weighted by the AWS calls it makes
 * times 50 ms (the calls are counted on a latency-free emulator, one step at a time). The
 * measured time runs from enqueueProvision to the moment the Slack stand-in shows the
 * completed summary, on the whole stack (bot, worker, real Redis). Target: median within
 * 1.5x of the floor.
 */
import { Redis } from "ioredis";
import { ACCOUNT_ID, startSeededEmulator } from "../sandbox/aws/index.js";
import type { ConnectInstance } from "../sandbox/aws/services/connect.js";
import { renderText } from "../sandbox/slack/blocks.js";
import type { MessageRecord } from "../sandbox/slack/timeline.js";
import {
  deletePrefix,
  SANDBOX_AWS_CREDENTIALS,
  type Stack,
  startStack,
  testPrefix,
} from "../sandbox/stack.js";
import { createAwsClients } from "../src/aws/clients.js";
import { createGateways } from "../src/aws/gateways.js";
import { createLogger } from "../src/logger.js";
import { MemoryBindingStore } from "../src/provision/bindings.js";
import {
  type ProvisionRequest,
  provisionInput,
  provisionJobData,
  STEP_GRAPH,
} from "../src/provision/plan-to-job.js";
import { STEPS } from "../src/provision/steps.js";
import { type Checkpoint, STEP_ORDER, type StepName } from "../src/provision/types.js";
import { createQueues, type JobQueues } from "../src/queues/index.js";
import { enqueueProvision } from "../src/queues/provision.js";
import type { Benchmark } from "./index.js";
import { percentile, round } from "./lib.js";

const LATENCY_MS = 50;
const RUNS = 5;
const TARGET = 1.5;
const REGION = "us-east-1";
const CHANNEL = "C0OPS";
const WHO = { requestedBy: "U0ADMIN", channelId: CHANNEL, teamId: "T0SANDBOX" };
/** Seeded (sandbox/aws/seed/connect-instances.json), ACTIVE and linked to nothing. */
const EXAMPLECORP_ID = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";

const arnOf = (id: string) => `arn:aws:connect:${REGION}:${ACCOUNT_ID}:instance/${id}`;

/** The wizard's commonest choice: a new domain, a new dead-letter queue, a new KMS key. */
function request(instance: { id: string; alias: string }): ProvisionRequest {
  const domain = `amazon-connect-${instance.alias}`;
  return {
    instance: { ...instance, arn: arnOf(instance.id) },
    domain: { mode: "new", name: domain, expirationDays: 366 },
    dlq: { mode: "new", name: `${domain}-dlq` },
    key: { mode: "new", alias: `alias/${domain}`, description: `Profiles for ${instance.alias}` },
    confirmRelink: false,
  };
}

const totalCalls = (calls: Map<string, number>) => [...calls.values()].reduce((a, b) => a + b, 0);

/** AWS calls per step: each step alone, in STEP_ORDER, on a latency-free emulator. */
async function callsPerStep(): Promise<Record<StepName, number>> {
  const emulator = await startSeededEmulator({ port: 0, quotas: false });
  const clients = createAwsClients({
    region: REGION,
    endpoint: emulator.url,
    maxAttempts: 1,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
  try {
    const ctx = {
      gateways: createGateways(clients),
      bindings: new MemoryBindingStore(),
      log: createLogger("silent"),
    };
    const data = provisionJobData(request({ id: EXAMPLECORP_ID, alias: "examplecorp" }), WHO);
    const input = provisionInput(`enable-${EXAMPLECORP_ID}`, data);
    const checkpoint: Checkpoint = {};
    const calls = {} as Record<StepName, number>;
    for (const step of STEP_ORDER) {
      const before = totalCalls(emulator.calls);
      Object.assign(checkpoint, await STEPS[step](ctx, input, checkpoint));
      calls[step] = totalCalls(emulator.calls) - before;
    }
    return calls;
  } finally {
    clients.destroy();
    await emulator.close();
  }
}

/** The heaviest path through STEP_GRAPH, weighting each step by `weight`. */
function criticalPath(weight: Record<StepName, number>): { path: StepName[]; cost: number } {
  const best = new Map<StepName, { path: StepName[]; cost: number }>();
  // STEP_ORDER lists every step after the steps it waits for.
  for (const step of STEP_ORDER) {
    const before = STEP_GRAPH[step]
      .map((dep) => best.get(dep) as { path: StepName[]; cost: number })
      .reduce((a, b) => (b.cost > a.cost ? b : a), { path: [] as StepName[], cost: 0 });
    best.set(step, { path: [...before.path, step], cost: before.cost + weight[step] });
  }
  return [...best.values()].reduce((a, b) => (b.cost > a.cost ? b : a));
}

/** A new ACTIVE Connect instance, linked to nothing, so each run is a fresh submission. */
function addInstance(stack: Stack, n: number): { id: string; alias: string } {
  const id = `b3c40000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  const alias = `bench-run-${n}`;
  const { connect } = stack.emulator.ctx.state as {
    connect: { instances?: Record<string, unknown> };
  };
  connect.instances ??= {};
  const instance: ConnectInstance = {
    id,
    arn: arnOf(id),
    region: REGION,
    alias,
    status: "ACTIVE",
    identityManagementType: "CONNECT_MANAGED",
    createdTime: Date.now(),
    serviceRole: `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_bench`,
    inboundCallsEnabled: true,
    outboundCallsEnabled: true,
  };
  connect.instances[id] = instance;
  return { id, alias };
}

const read = (m: MessageRecord) => renderText(m.blocks, m.text).replace(/[*`]/g, "");

interface RunTiming {
  /** Enqueue to the completed summary in Slack: the figure that is judged. */
  shownMs: number;
  /** Enqueue to BullMQ marking the job completed (its finishedOn, ms resolution). */
  finishedMs: number;
  posts: number;
  updates: number;
}

async function timeOneRun(stack: Stack, queues: JobQueues, n: number): Promise<RunTiming> {
  const instance = addInstance(stack, n);
  const done = `Customer Profiles enabled for ${instance.alias}`;
  const data = provisionJobData(request(instance), WHO);
  const { timeline } = stack.slack;
  const callsBefore = timeline.calls.length;
  const startedAt = Date.now();
  const started = performance.now();
  const shown = timeline.waitFor((t) => t.messages(CHANNEL).some((m) => read(m).includes(done)), {
    timeoutMs: 30_000,
    description: `the status message to say "${done}"`,
  });
  const outcome = await enqueueProvision(queues, data);
  if (outcome.status !== "started") throw new Error(`run ${n} landed on an existing job`);
  await shown;
  const shownMs = performance.now() - started;
  const job = await queues.provision.getJob(outcome.jobId);
  const calls = timeline.calls.slice(callsBefore);
  return {
    shownMs,
    finishedMs: (job?.finishedOn ?? Number.NaN) - startedAt,
    posts: calls.filter((c) => c.method === "chat.postMessage").length,
    updates: calls.filter((c) => c.method === "chat.update").length,
  };
}

const bench: Benchmark = {
  description: `provisioning, submission to completed summary, vs the AWS critical path at ${LATENCY_MS} ms a call (target <= ${TARGET}x)`,
  async run(log) {
    const calls = await callsPerStep();
    const path = criticalPath(calls);
    const floor = path.cost * LATENCY_MS;
    const callsTotal = Object.values(calls).reduce((a, b) => a + b, 0);
    log(`AWS calls per step: ${STEP_ORDER.map((s) => `${s} ${calls[s]}`).join(", ")}`);
    log(
      `critical path: ${path.path.join(" -> ")} = ${path.cost} calls x ${LATENCY_MS} ms = ${floor} ms (floor); ${callsTotal} calls in all`,
    );
    log(
      "emulator quotas off: the default TPS quotas would throttle CreateDomain and the like, measuring AWS's quota rather than the bot",
    );

    const prefix = testPrefix();
    const stack = await startStack({
      emulator: { latencyMs: LATENCY_MS, quotas: false },
      env: { QUEUE_PREFIX: prefix, LOG_LEVEL: "silent", REDIS_URL: process.env.REDIS_URL },
    });
    const redis = new Redis(stack.config.redis.url, { maxRetriesPerRequest: null });
    const queues = createQueues(redis, stack.config.redis.prefix);
    const samples: number[] = [];
    const finished: number[] = [];
    try {
      // One unmeasured run warms the SDK clients, connections and JIT.
      await timeOneRun(stack, queues, 0);
      for (let n = 1; n <= RUNS; n++) {
        const t = await timeOneRun(stack, queues, n);
        samples.push(t.shownMs);
        finished.push(t.finishedMs);
        log(
          `run ${n}: ${round(t.shownMs)} ms to the summary in Slack; job completed at +${t.finishedMs} ms; ${t.posts} chat.postMessage, ${t.updates} chat.update`,
        );
      }
    } finally {
      await queues.close();
      await redis.quit();
      await stack.stop();
      await deletePrefix(stack.config, prefix);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const median = round(percentile(sorted, 50));
    const max = round(sorted[sorted.length - 1] as number);
    const ratio = round(median / floor, 3);
    log(`median ${median} ms, max ${max} ms over ${RUNS} runs (one warm-up run not counted)`);
    const jobMedian = percentile(
      [...finished].sort((a, b) => a - b),
      50,
    );
    log(
      `the job itself (enqueue to BullMQ completed): median ${jobMedian} ms, ${round(jobMedian / floor, 3)}x the floor; the rest is waiting for the final chat.update`,
    );
    log(
      `ratio median/floor ${ratio} (target <= ${TARGET}): ${ratio <= TARGET ? "met" : "NOT met"}`,
    );
    return {
      floor_ms: floor,
      critical_path: path.path.join(">"),
      calls_total: callsTotal,
      runs: RUNS,
      median_ms: median,
      max_ms: max,
      ratio,
      target_met: ratio <= TARGET,
    };
  },
};

export default bench;
