/**
 * Start-up time and idle memory of `ROLE=all` (the listeners, and the workers on a worker
 * thread of the same process, docs/adr/0014), run two ways (docs/adr/0008): from the
 * TypeScript sources through tsx (`node --import tsx src/main.ts`, as `npm start` ran before
 * the build), and as `npm start` and the Docker image run the compiled main (`npm run build`,
 * then node with npm start's flags, read from package.json; none since docs/adr/0019).
 *
 * Each way is started RUNS times, in turn, against an AWS emulator and a Slack stand-in in
 * this process. Start-up is from spawn to the listeners' /healthz answering 200 and to the
 * worker thread logging its start; memory is read from the kernel IDLE_MS after the workers
 * started, with nothing to do, summed over the bot's process and any children it has (none
 * since 0014; two processes before, whose RSS counted the pages they share, node's own code,
 * twice). PSS shares pages out among the processes that map them. Figures are medians.
 *
 * Each thread gives back the heap start-up grew once it has been quiet for 10 s
 * (docs/adr/0019), so the IDLE_MS reading falls before or after that from run to run; npm
 * start's way is read again SETTLED_MS after the workers started, idle for good:
 * `start_rss_settled_mb`. Target: that reading <= 150 MB.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { startSeededEmulator } from "../sandbox/aws/index.js";
import { startSlackStandIn } from "../sandbox/slack/index.js";
import { deletePrefix, testPrefix } from "../sandbox/stack.js";
import { loadConfig } from "../src/config.js";
import { freePort } from "../test/support/net.js";
import type { Benchmark, Figures } from "./index.js";
import { percentile, round } from "./lib.js";
import {
  buildDist,
  repoRoot,
  roleAllMemory,
  startArgs,
  stopChild,
  waitFor,
} from "./support/processes.js";

const RUNS = 3;
const IDLE_MS = 10_000;
/** The settled reading of npm start's way, after the workers' start. */
const SETTLED_MS = 60_000;
/**
 * Node flags to weigh against npm start's own (docs/adr/0008), as
 * MEMORY_BENCH_FLAGS="--a --b;--c": each set, added to npm start's command line, is one more
 * way, named flags1, flags2, ... in the figures.
 */
const candidates = (process.env.MEMORY_BENCH_FLAGS ?? "")
  .split(";")
  .map((flags) => flags.trim())
  .filter(Boolean);
const WAYS: Record<string, string[]> = {
  tsx: ["--import", "tsx", "src/main.ts"],
  start: startArgs,
  ...Object.fromEntries(
    candidates.map((flags, i) => [`flags${i + 1}`, [...flags.split(/\s+/), ...startArgs]]),
  ),
};
type Way = string;

interface Sample {
  readyMs: number;
  workersReadyMs: number;
  memory: ReturnType<typeof roleAllMemory>;
  settled?: ReturnType<typeof roleAllMemory>;
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** One start of ROLE=all: until the listeners and the workers are up, then IDLE_MS idle; then stopped. */
async function measure(way: Way, env: Record<string, string>): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const bot: ChildProcess = spawn(process.execPath, [...WAYS[way]], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", ...env, PORT: String(port), ROLE: "all" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let workersReadyMs: number | undefined;
  let out = "";
  bot.stdout?.on("data", (d: Buffer) => {
    out += d;
    // pino's line for the worker thread's start (src/runtime.ts).
    if (workersReadyMs === undefined && /"role":"worker".*"msg":"profiles-bot started"/.test(out))
      workersReadyMs = performance.now() - started;
  });
  try {
    const readyMs = await waitFor(`${way}: the listeners' /healthz`, 60_000, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return res.status === 200 ? performance.now() - started : undefined;
    });
    await waitFor(`${way}: the workers' start`, 60_000, async () => workersReadyMs);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const memory = roleAllMemory(bot.pid);
    if (way !== "start") return { readyMs, workersReadyMs: workersReadyMs as number, memory };
    await new Promise((r) => setTimeout(r, SETTLED_MS - IDLE_MS));
    const settled = roleAllMemory(bot.pid);
    return { readyMs, workersReadyMs: workersReadyMs as number, memory, settled };
  } finally {
    await stopChild(bot);
  }
}

const bench: Benchmark = {
  description:
    "ROLE=all start-up time and idle memory: through tsx, and as npm start runs it (compiled)",
  async run(log) {
    const buildSeconds = buildDist();
    log(`npm run build: ${buildSeconds} s`);
    const emulator = await startSeededEmulator({ port: 0, quotas: false });
    const slack = await startSlackStandIn({ port: 0, signingSecret: "bench-secret" });
    const prefix = testPrefix();
    const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    const env = {
      SLACK_BOT_TOKEN: "xoxb-bench-token",
      SLACK_SIGNING_SECRET: "bench-secret",
      SLACK_API_URL: slack.apiUrl,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      HOST: "127.0.0.1",
      QUEUE_PREFIX: prefix,
      REDIS_URL: redisUrl,
      LOG_LEVEL: "info",
    };
    const ways = Object.keys(WAYS) as Way[];
    const samples = Object.fromEntries(ways.map((w) => [w, [] as Sample[]])) as Record<
      Way,
      Sample[]
    >;
    try {
      // In turn, every other run in the opposite order, so that no way always goes first.
      for (let run = 0; run < RUNS; run++) {
        for (const way of run % 2 === 0 ? ways : [...ways].reverse()) {
          samples[way].push(await measure(way, env));
        }
      }
    } finally {
      await slack.close();
      await emulator.close();
      await deletePrefix(
        loadConfig({ SLACK_BOT_TOKEN: "xoxb-x", ROLE: "worker", REDIS_URL: redisUrl }),
        prefix,
      );
    }

    const figures: Figures = {
      runs: RUNS,
      idle_seconds: IDLE_MS / 1000,
      settled_seconds: SETTLED_MS / 1000,
      build_seconds: buildSeconds,
    };
    for (const way of ways) {
      const s = samples[way];
      const m = (pick: (x: Sample) => number) => round(median(s.map(pick)), 1);
      const f = {
        ready_ms: round(median(s.map((x) => x.readyMs)), 0),
        workers_ready_ms: round(median(s.map((x) => x.workersReadyMs)), 0),
        processes: m((x) => x.memory.processes),
        rss_idle_mb: m((x) => x.memory.rss),
        pss_idle_mb: m((x) => x.memory.pss),
        ...(way === "start" && {
          rss_settled_mb: m((x) => x.settled?.rss ?? Number.NaN),
          pss_settled_mb: m((x) => x.settled?.pss ?? Number.NaN),
        }),
      };
      const flags = way.startsWith("flags") ? ` (${WAYS[way].join(" ")})` : "";
      const settled =
        way === "start"
          ? `; after ${SETTLED_MS / 1000} s RSS ${f.rss_settled_mb} MB, PSS ${f.pss_settled_mb} MB`
          : "";
      log(
        `${way.padEnd(8)}${flags} ready ${f.ready_ms} ms (workers ${f.workers_ready_ms} ms); ` +
          `idle RSS ${f.rss_idle_mb} MB, PSS ${f.pss_idle_mb} MB (${f.processes} process)${settled}`,
      );
      for (const [k, v] of Object.entries(f)) figures[`${way}_${k}`] = v;
    }
    const rss = figures.start_rss_settled_mb as number;
    log(
      `npm start's ROLE=all idle RSS ${rss} MB ${SETTLED_MS / 1000} s after the workers started; target <= 150: ${rss <= 150 ? "met" : "NOT met"}`,
    );
    return { ...figures, target_met: rss <= 150 };
  },
};

export default bench;
