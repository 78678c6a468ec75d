/**
 * ROLE=all's worker thread (docs/adr/0014): the listeners' side starts it, asks it for its
 * metrics and stops it; the thread's side lowers its own CPU priority and answers. The
 * messages between the two are the three below, over the thread's message port.
 */
import { readlinkSync, writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { setPriority } from "node:os";
import { type MessagePort, Worker } from "node:worker_threads";
import type { Logger } from "./logger.js";
import type { MetricsSnapshot } from "./metrics.js";

/** Niceness of the worker thread: it yields the CPU to the listeners. */
export const WORKER_NICENESS = 10;
/** The worker thread's name in /proc (at most 15 characters), for ps, top and the tests. */
export const WORKER_THREAD_NAME = "profiles-worker";
const METRICS_ASKED = "profiles-bot:metrics?";
const METRICS_SENT = "profiles-bot:metrics";
const STOP = "profiles-bot:stop";
/** A scrape waits this long for the worker; then it is served without the worker's metrics. */
const WORKER_METRICS_TIMEOUT_MS = 2_000;
/** After asking the thread to stop, this long for its current step; then it is ended. */
const STOP_TIMEOUT_MS = 30_000;

type Message = { type?: string; id?: number; metrics?: MetricsSnapshot };

export interface WorkerThread {
  thread: Worker;
  /** Resolves with the thread's exit code once it has stopped, whatever stopped it. */
  exited: Promise<number>;
  running(): boolean;
}

/**
 * Runs `module` on a worker thread with `env` as its environment and this thread's Node
 * flags. A module run from the sources through tsx gets tsx's loader first: on Node 20 a
 * worker thread does not inherit the loader that --import registered.
 */
export async function startWorkerThread(
  module: URL,
  env: Record<string, string | undefined>,
  log: Logger,
): Promise<WorkerThread> {
  // libuv starts its thread pool on first use, and a new thread takes the niceness of the
  // thread that starts it: start the pool here, so that the listeners' file system and DNS
  // work never runs at the worker thread's lower priority.
  await stat(process.cwd());
  const thread = module.pathname.endsWith(".ts")
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})` +
          `.then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); });`,
        { eval: true, env },
      )
    : new Worker(module, { env });
  // An uncaught error ends the thread; its exit, code 1, follows.
  thread.on("error", (err) => log.fatal({ err }, "the worker thread failed"));
  let running = true;
  const exited = new Promise<number>((resolve) =>
    thread.once("exit", (code) => {
      running = false;
      resolve(code);
    }),
  );
  return { thread, exited, running: () => running };
}

/** Asks the thread to stop (it finishes its current step); ends it after 30 s. */
export async function stopWorkerThread(worker: WorkerThread | undefined): Promise<void> {
  if (!worker?.running()) return;
  worker.thread.postMessage({ type: STOP });
  const timer = setTimeout(() => void worker.thread.terminate(), STOP_TIMEOUT_MS);
  await worker.exited;
  clearTimeout(timer);
}

let metricsAsked = 0;

/** The worker thread's metrics, or none if it does not answer in time (starting, stopping). */
export function workerMetrics(worker: WorkerThread): Promise<MetricsSnapshot[]> {
  const { thread } = worker;
  const id = ++metricsAsked;
  return new Promise((resolve) => {
    const finish = (snapshots: MetricsSnapshot[]) => {
      clearTimeout(timer);
      thread.off("message", onMessage);
      resolve(snapshots);
    };
    const onMessage = (msg: Message) => {
      if (msg?.type === METRICS_SENT && msg.id === id && msg.metrics) finish([msg.metrics]);
    };
    const timer = setTimeout(() => finish([]), WORKER_METRICS_TIMEOUT_MS);
    if (!worker.running()) return finish([]);
    thread.on("message", onMessage);
    thread.postMessage({ type: METRICS_ASKED, id });
  });
}

/**
 * The thread's side: its metrics when the listeners ask, `stop` when they stop (signals reach
 * the main thread only). The process_* metrics (CPU, resident memory, file descriptors) are
 * the whole process's, which the listeners report already; summed with theirs they would
 * count twice.
 */
export function answerListeners(
  port: MessagePort,
  metrics: () => Promise<MetricsSnapshot>,
  stop: () => void,
): void {
  port.on("message", (msg: Message) => {
    if (msg?.type === STOP) return stop();
    if (msg?.type !== METRICS_ASKED) return;
    void metrics().then((all) => {
      const own = all.filter((m) => !m.name.startsWith("profiles_bot_process_"));
      port.postMessage({ type: METRICS_SENT, id: msg.id, metrics: own });
    });
  });
}

/**
 * Linux keeps a nice value per thread, and setpriority(2) given a thread's id sets that
 * thread's alone; the kernel then runs the listeners' thread first when the CPU is short, as
 * it did the worker process's. Elsewhere (no /proc) the thread keeps the listeners' priority,
 * and says so.
 */
export function lowerThisThreadsPriority(log: Logger): void {
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    setPriority(tid, WORKER_NICENESS);
    writeFileSync("/proc/thread-self/comm", WORKER_THREAD_NAME);
  } catch (err) {
    log.warn({ err }, "could not lower the worker thread's CPU priority");
  }
}
