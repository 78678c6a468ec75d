/**
 * `npm start` (compiled: `node dist/src/main.js`): runs the role named by ROLE (bot, worker or
 * all) from the environment.
 *
 * `all` runs the Slack listeners in this process and the job workers in a child process of
 * their own, at a lower CPU priority: a scan or a re-ingest then never holds up a Slack
 * request's ack, which must come within 3 seconds (docs/adr/0006). The two stop together:
 * a signal stops both, a worker process that dies stops this one, so a supervisor restarts
 * the whole as it did when both ran in one process, and a worker whose listeners were killed
 * -9 stops itself (its IPC channel to them closes), so none is left running orphaned.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { setPriority } from "node:os";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import type { MetricsSnapshot } from "./metrics.js";
import { startRuntime } from "./runtime.js";

/** Niceness of the worker process under ROLE=all: it yields the CPU to the listeners. */
const WORKER_NICENESS = 10;

async function main(): Promise<void> {
  // Read before anything awaits: the channel may close while the runtime starts.
  const startedByListeners = typeof process.send === "function";
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`profiles-bot cannot start: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const worker = config.role === "all" ? startWorkerProcess(log) : undefined;
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  try {
    runtime = await startRuntime(worker ? { ...config, role: "bot" } : config, log, {
      ...(worker && { otherMetrics: () => workerMetrics(worker.child) }),
    });
  } catch (err) {
    log.fatal({ err }, "start-up failed");
    process.stderr.write(`profiles-bot cannot start: ${(err as Error).message}\n`);
    await stopWorkerProcess(worker?.child);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    Promise.all([runtime.stop(), stopWorkerProcess(worker?.child)]).then(
      () => process.exit(code),
      (err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  worker?.exited.then((code) => {
    if (stopping) return;
    log.fatal({ code }, "the worker process stopped; stopping the listeners too");
    shutdown("worker-exit", 1);
  });
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  // A worker process that ROLE=all's listeners started stops when they are gone, even when
  // they were killed -9 and could not stop it: its IPC channel to them closes.
  if (config.role === "worker" && startedByListeners) {
    if (process.connected) process.once("disconnect", () => shutdown("listeners-gone", 1));
    else shutdown("listeners-gone", 1); // They went while this process was starting.
    answerMetricsRequests(runtime);
  }
}

/** The one message on ROLE=all's IPC channel: the listeners ask, the worker sends its metrics. */
const METRICS_ASKED = "profiles-bot:metrics?";
const METRICS_SENT = "profiles-bot:metrics";
/** A scrape waits this long for the worker; then it is served without the worker's metrics. */
const WORKER_METRICS_TIMEOUT_MS = 2_000;

function answerMetricsRequests(runtime: Awaited<ReturnType<typeof startRuntime>>): void {
  process.on("message", (msg: { type?: string; id?: number }) => {
    if (msg?.type !== METRICS_ASKED) return;
    void runtime.metrics.registry.getMetricsAsJSON().then((metrics) => {
      if (process.connected) process.send?.({ type: METRICS_SENT, id: msg.id, metrics });
    });
  });
}

let metricsAsked = 0;

/** The worker process's metrics, or none if it does not answer in time (starting, stopping). */
function workerMetrics(child: ChildProcess): Promise<MetricsSnapshot[]> {
  const id = ++metricsAsked;
  return new Promise((resolve) => {
    const finish = (snapshots: MetricsSnapshot[]) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(snapshots);
    };
    const onMessage = (msg: { type?: string; id?: number; metrics?: MetricsSnapshot }) => {
      if (msg?.type === METRICS_SENT && msg.id === id && msg.metrics) finish([msg.metrics]);
    };
    const timer = setTimeout(() => finish([]), WORKER_METRICS_TIMEOUT_MS);
    child.on("message", onMessage);
    // `send` calls back with an error when the channel closed meanwhile.
    if (child.connected) child.send({ type: METRICS_ASKED, id }, (err) => err && finish([]));
    else finish([]);
  });
}

/**
 * The same program with ROLE=worker, the same Node flags and environment: the compiled
 * dist/src/main.js with npm start's flags (docs/adr/0008), or src/main.ts with tsx's loader
 * where the tests start it so. Its /healthz listens on a free port, since the listeners'
 * server has the configured one.
 */
function startWorkerProcess(log: Logger): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, ROLE: "worker", PORT: "0", HOST: "127.0.0.1" },
    // The IPC channel carries the worker's metrics to the listeners' /metrics; its closing
    // tells the worker its parent is gone.
    stdio: ["inherit", "inherit", "inherit", "ipc"],
  });
  try {
    if (child.pid !== undefined) setPriority(child.pid, WORKER_NICENESS);
  } catch (err) {
    log.warn({ err }, "could not lower the worker process's CPU priority");
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, exited };
}

/** SIGTERM, and the worker finishes its current step (runtime.stop); SIGKILL after 30 s. */
async function stopWorkerProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

void main();
