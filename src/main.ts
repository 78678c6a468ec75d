/**
 * `npm start` (compiled: `node dist/src/main.js`): runs the role named by ROLE (bot, worker or
 * all) from the environment.
 *
 * `all` runs the Slack listeners on this process's main thread and the job workers on a
 * worker thread that runs this module again with ROLE=worker (docs/adr/0014). The thread
 * lowers its own CPU priority, so a scan or a re-ingest never holds up a Slack request's ack,
 * which must come within 3 seconds; and the two share one node (its code, its libuv pool)
 * instead of two processes' worth of memory. They stop together: a signal stops both (the
 * workers finish their current step), and a worker thread that stops on its own stops the
 * listeners with exit code 1, so a supervisor restarts the whole.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { giveBackWhenIdle } from "./idle-memory.js";
import { createLogger, stdoutSync } from "./logger.js";
import type { Runtime } from "./runtime.js";
import {
  answerListeners,
  lowerThisThreadsPriority,
  startWorkerThread,
  stopWorkerThread,
  workerMetrics,
} from "./worker-thread.js";

async function main(): Promise<void> {
  // ROLE=all's worker thread runs this same module; its port leads to the listeners.
  const listeners = isMainThread ? null : parentPort;
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
  // The worker thread writes each line before going on: process.exit ends a thread at once,
  // before pino's asynchronous writes (and its flush on exit) have reached stdout.
  const log = createLogger(config.logLevel, listeners ? stdoutSync() : undefined);
  // Before the runtime's modules load: loading them is most of a start-up's CPU time.
  if (listeners) lowerThisThreadsPriority(log);
  const { startRuntime } = await import("./runtime.js");
  // Its /healthz listens on a free port, since the listeners' server has the configured one.
  const worker =
    config.role === "all"
      ? await startWorkerThread(
          new URL(import.meta.url),
          { ...process.env, ROLE: "worker", PORT: "0", HOST: "127.0.0.1" },
          log,
        )
      : undefined;
  let runtime: Runtime;
  try {
    runtime = await startRuntime(worker ? { ...config, role: "bot" } : config, log, {
      ...(worker && { otherMetrics: () => workerMetrics(worker) }),
    });
  } catch (err) {
    log.fatal({ err }, "start-up failed");
    process.stderr.write(`profiles-bot cannot start: ${(err as Error).message}\n`);
    await stopWorkerThread(worker);
    process.exit(1);
  }
  // Each thread gives back what start-up grew now, and what a burst grew once it is quiet
  // again (docs/adr/0019).
  giveBackWhenIdle(undefined, { atStart: true });
  let stopping = false;
  // On the worker thread, process.exit ends the thread, which the listeners see.
  const shutdown = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    Promise.all([runtime.stop(), stopWorkerThread(worker)]).then(
      () => process.exit(code),
      (err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  worker?.exited.then((code) => {
    if (stopping) return;
    log.fatal({ code }, "the worker thread stopped; stopping the listeners too");
    shutdown("worker-exit", 1);
  });
  if (listeners) {
    answerListeners(
      listeners,
      () => runtime.metrics.registry.getMetricsAsJSON(),
      () => shutdown("listeners-stop"),
    );
  } else {
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  }
}

void main();
