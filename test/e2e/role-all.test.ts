/**
 * `npm start` with ROLE=all (the default) as two processes (docs/adr/0006): the listeners
 * answer /healthz and the workers run in a child process at a lower CPU priority; SIGTERM
 * stops both, and a worker process that dies takes the listeners down with exit code 1.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { runMain, useMainSandbox } from "../support/main-process.js";
import { freePort } from "../support/net.js";
import { childrenOf } from "../support/proc.js";

/** The process's niceness: field 19 of /proc/PID/stat, counted after the command's ")". */
const niceness = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
};

const environOf = (pid: number): string[] =>
  readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");

/** Running: it exists and is not a zombie waiting for a parent that will never reap it. */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
};

/** A process this test spawned that has not exited yet. */
const running = (child: ChildProcess): boolean =>
  child.exitCode === null && child.signalCode === null;

/**
 * How long one wait may last. Each wait ends as soon as what it waits for happens, or as soon
 * as the process it waits on has exited, so this bounds only a step that hangs. It is long
 * because the worker process runs at a lower CPU priority, the point of ROLE=all: through tsx,
 * with a load average of ~20 on 2 cores, the listeners took 21 s to answer /healthz, and the
 * worker process 127 s to start (and so to notice its listeners were gone, 141 s).
 */
const WAIT_MS = 300_000;
const METRICS_TOKEN = "role-all-metrics-token-0123";
/** The listeners' start and the worker's overlap; then a stop. */
const TEST_MS = 2 * WAIT_MS;

describe("npm start with ROLE=all", () => {
  const sandbox = useMainSandbox();
  /** Every process a test started, stopped after it whatever happened. */
  const started: { bot: ChildProcess; worker?: number }[] = [];

  afterEach(async () => {
    for (const { bot, worker } of started.splice(0)) {
      if (running(bot)) {
        const exited = once(bot, "exit");
        bot.kill("SIGKILL");
        await exited;
      }
      if (worker !== undefined && alive(worker)) process.kill(worker, "SIGKILL");
    }
  });

  async function start(
    extraEnv: Record<string, string> = {},
  ): Promise<{ bot: ChildProcess; worker: number; port: number; output: () => string }> {
    const port = await freePort();
    const bot = runMain({ ...sandbox.env("xoxb-role-all-test", port), ...extraEnv });
    const entry: (typeof started)[number] = { bot };
    started.push(entry);
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
    expect(status, bot.output()).toBe(200);
    // The listeners spawn the worker process before they start their own runtime.
    const [worker] = childrenOf(bot.pid);
    expect(worker, bot.output()).toBeDefined();
    entry.worker = worker;
    return { bot, worker: worker as number, port, output: bot.output };
  }

  it(
    "runs the workers in a child process with ROLE=worker at a lower priority; SIGTERM stops both",
    async () => {
      const { bot, worker, port, output } = await start({ METRICS_TOKEN: METRICS_TOKEN });
      expect(environOf(worker)).toContain("ROLE=worker");
      expect(niceness(worker)).toBeGreaterThan(niceness(bot.pid as number));
      // The worker process is a runtime of its own: it logs its start like the listeners.
      await eventually(
        async () => output().split("profiles-bot started").length - 1,
        (n) => n >= 2 || !running(bot),
        WAIT_MS,
        100,
      );
      expect(output()).toContain('"role":"worker"');
      // The listeners' /metrics carries the worker process's metrics too, over IPC: only
      // the workers run the bindings' reconcile job, which the scheduler starts at once.
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
      const exited = once(bot, "exit");
      bot.kill("SIGTERM");
      const [code] = await exited;
      expect(code, output()).toBe(0);
      expect(alive(worker)).toBe(false);
      expect(output().split("profiles-bot stopped").length - 1, output()).toBe(2);
    },
    TEST_MS,
  );

  it(
    "stops the listeners with exit code 1 when the worker process dies",
    async () => {
      const { bot, worker, output } = await start();
      const exited = once(bot, "exit");
      process.kill(worker, "SIGKILL");
      const [code] = await exited;
      expect(code, output()).toBe(1);
      expect(output()).toContain("the worker process stopped");
    },
    TEST_MS,
  );

  it(
    "stops the worker process when the listeners are killed -9, leaving nothing orphaned",
    async () => {
      const { bot, worker, output } = await start();
      const exited = once(bot, "exit");
      process.kill(bot.pid as number, "SIGKILL");
      await exited;
      // It notices once its own start is over, and finishes its current step first
      // (runtime.stop), as on SIGTERM.
      await eventually(
        async () => alive(worker),
        (up) => !up,
        WAIT_MS,
        100,
      );
      expect(alive(worker), output().slice(-3000)).toBe(false);
    },
    TEST_MS,
  );
});
