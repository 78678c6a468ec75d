/**
 * `npm start` with ROLE=all (the default) as one process (docs/adr/0014): the listeners answer
 * /healthz on the main thread and the workers run on a worker thread at a lower CPU priority,
 * with no second process; SIGTERM stops both, each after its current step.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { runMain, useMainSandbox } from "../support/main-process.js";
import { freePort } from "../support/net.js";
import { childrenOf, threadNiceness, threadsNamed } from "../support/proc.js";

/** src/worker-thread.ts's WORKER_THREAD_NAME, as ps and top show it. */
const WORKER_THREAD = "profiles-worker";

/** A process this test spawned that has not exited yet. */
const running = (child: ChildProcess): boolean =>
  child.exitCode === null && child.signalCode === null;

/**
 * How long one wait may last. Each wait ends as soon as what it waits for happens, or as soon
 * as the process it waits on has exited, so this bounds only a step that hangs. It is long
 * because the worker thread runs at a lower CPU priority, the point of ROLE=all: through tsx,
 * with a load average of ~20 on 2 cores, the listeners took 21 s to answer /healthz, and the
 * worker (then a process) 127 s to start.
 */
const WAIT_MS = 300_000;
const METRICS_TOKEN = "role-all-metrics-token-0123";
/** The listeners' start and the worker's overlap; then a stop. */
const TEST_MS = 2 * WAIT_MS;

/** The process's limit on open files, which prom-client reports as process_max_fds. */
const maxFds = (pid: number): number =>
  Number(/^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"))?.[1]);

describe("npm start with ROLE=all", () => {
  const sandbox = useMainSandbox();
  /** Every process a test started, stopped after it whatever happened. */
  const started: ChildProcess[] = [];

  afterEach(async () => {
    for (const bot of started.splice(0)) {
      if (running(bot)) {
        const exited = once(bot, "exit");
        bot.kill("SIGKILL");
        await exited;
      }
    }
  });

  it(
    "runs the workers on a thread of the same process with ROLE=worker at a lower priority; SIGTERM stops both",
    async () => {
      const port = await freePort();
      const bot = runMain({
        ...sandbox.env("xoxb-role-all-test", port),
        METRICS_TOKEN: METRICS_TOKEN,
      });
      started.push(bot);
      const { output } = bot;
      const pid = bot.pid as number;
      const status = await eventually(
        () =>
          fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(
            (r) => r.status,
            () => 0,
          ),
        (s) => s === 200 || !running(bot),
        WAIT_MS,
        100,
      );
      expect(status, output()).toBe(200);
      // The worker is a runtime of its own: it logs its start like the listeners, as a worker.
      await eventually(
        async () => output().split("profiles-bot started").length - 1,
        (n) => n >= 2 || !running(bot),
        WAIT_MS,
        100,
      );
      expect(output()).toContain('"role":"worker"');
      expect(childrenOf(pid)).toEqual([]);
      // It names its thread and lowers that thread's priority, not the listeners'.
      const [worker] = threadsNamed(pid, WORKER_THREAD);
      expect(worker, output()).toBeDefined();
      expect(threadNiceness(pid, worker as number)).toBeGreaterThan(threadNiceness(pid, pid));
      // The listeners' /metrics carries the worker thread's metrics too: only the workers run
      // the bindings' reconcile job, which the scheduler starts at once.
      const scrape = () =>
        fetch(`http://127.0.0.1:${port}/metrics`, {
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
          signal: AbortSignal.timeout(10_000),
        }).then(
          (r) => r.text(),
          () => "",
        );
      const reconciled =
        /^profiles_bot_job_duration_seconds_count\{[^}]*name="reconcile"[^}]*\} [1-9]/m;
      const metrics = await eventually(
        scrape,
        (text) => reconciled.test(text) || !running(bot),
        WAIT_MS,
        500,
      );
      expect(metrics, output().slice(-3000)).toMatch(reconciled);
      // The process's own figures once, not once per thread (summed, this would double).
      expect(metrics).toMatch(new RegExp(`^profiles_bot_process_max_fds ${maxFds(pid)}$`, "m"));
      const exited = once(bot, "exit");
      bot.kill("SIGTERM");
      const [code] = await exited;
      expect(code, output()).toBe(0);
      expect(output().split("profiles-bot stopped").length - 1, output()).toBe(2);
    },
    TEST_MS,
  );
});
