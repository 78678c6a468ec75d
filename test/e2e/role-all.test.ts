/**
 * `npm start` with ROLE=all (the default) as two processes (docs/adr/0006): the listeners
 * answer /healthz and the workers run in a child process at a lower CPU priority; SIGTERM
 * stops both, and a worker process that dies takes the listeners down with exit code 1.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
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

describe("npm start with ROLE=all", () => {
  const sandbox = useMainSandbox();

  async function start(): Promise<{ bot: ChildProcess; worker: number; output: () => string }> {
    const port = await freePort();
    const bot = runMain(sandbox.env("xoxb-role-all-test", port));
    let status = 0;
    for (let i = 0; i < 150 && status !== 200; i++) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status, bot.output()).toBe(200);
    const [worker] = childrenOf(bot.pid);
    expect(worker, bot.output()).toBeDefined();
    return { bot, worker: worker as number, output: bot.output };
  }

  it("runs the workers in a child process with ROLE=worker at a lower priority; SIGTERM stops both", async () => {
    const { bot, worker, output } = await start();
    expect(environOf(worker)).toContain("ROLE=worker");
    expect(niceness(worker)).toBeGreaterThan(niceness(bot.pid as number));
    // The worker process is a runtime of its own: it logs its start like the listeners. Through
    // tsx it can take over 10 s to start on a busy 2-core machine (bench/memory).
    for (let i = 0; i < 400 && output().split("profiles-bot started").length < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output()).toContain('"role":"worker"');
    const exited = once(bot, "exit");
    bot.kill("SIGTERM");
    const [code] = await exited;
    expect(code, output()).toBe(0);
    expect(alive(worker)).toBe(false);
    expect(output().split("profiles-bot stopped").length - 1, output()).toBe(2);
  }, 90_000);

  it("stops the listeners with exit code 1 when the worker process dies", async () => {
    const { bot, worker, output } = await start();
    const exited = once(bot, "exit");
    process.kill(worker, "SIGKILL");
    const [code] = await exited;
    expect(code, output()).toBe(1);
    expect(output()).toContain("the worker process stopped");
  });

  it("stops the worker process when the listeners are killed -9, leaving nothing orphaned", async () => {
    const { bot, worker, output } = await start();
    const exited = once(bot, "exit");
    process.kill(bot.pid as number, "SIGKILL");
    await exited;
    // It finishes its current step first (runtime.stop), as on SIGTERM.
    for (let i = 0; i < 250 && alive(worker); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(worker), output().slice(-3000)).toBe(false);
  }, 40_000);
});
