/**
 * Processes the benchmarks start and measure: the compiled bot (`npm run build`), a
 * process's memory from the kernel, and stopping one the way a supervisor does.
 */
import { type ChildProcess, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { childrenOf } from "../../test/support/proc.js";
import { round } from "../lib.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** `npm start`'s command line after `node` (package.json): the compiled main and its flags. */
export const startArgs = (
  JSON.parse(readFileSync(`${repoRoot}package.json`, "utf8")) as { scripts: { start: string } }
).scripts.start
  .split(" ")
  .slice(1);

/** `npm run build` (tsc -p tsconfig.build.json into dist/); returns how long it took (s). */
export function buildDist(): number {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const started = performance.now();
  const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  if (result.status !== 0)
    throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
  return round((performance.now() - started) / 1000, 1);
}

/** Memory of one process from the kernel (MB): resident, and its proportional share (PSS). */
export interface ProcessMemory {
  rss: number;
  pss: number;
}

/**
 * RSS counts pages shared with other processes (the node binary's code, libraries) once per
 * process, so two processes' RSS added up overstates what they take; PSS divides each shared
 * page among the processes that map it, so PSS adds up.
 */
export function processMemory(pid: number | undefined): ProcessMemory {
  const kb = (text: string, field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? Number.NaN);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  return { rss: round(kb(status, "VmRSS") / 1024, 1), pss: round(kb(rollup, "Pss") / 1024, 1) };
}

/**
 * ROLE=all's memory: its process (the listeners' and the worker thread's, docs/adr/0014), and
 * any child processes it has, summed, so that the figure is the whole bot's whichever way it
 * runs its workers.
 */
export function roleAllMemory(pid: number | undefined): ProcessMemory & { processes: number } {
  const all = [pid, ...childrenOf(pid)].map(processMemory);
  return {
    rss: round(
      all.reduce((sum, m) => sum + m.rss, 0),
      1,
    ),
    pss: round(
      all.reduce((sum, m) => sum + m.pss, 0),
      1,
    ),
    processes: all.length,
  };
}

/**
 * CPU time a process has used so far (ms, user and system, from the kernel's per-thread
 * counters): all its threads, and its main thread alone (the one whose id is the pid).
 */
export function processCpuMs(pid: number | undefined): {
  all: number;
  main: number;
  /** By thread name (`comm`), the main thread as "main". */
  threads: Record<string, number>;
} {
  let all = 0;
  let main = 0;
  const threads: Record<string, number> = {};
  const tick = 1000 / 100; // USER_HZ: the counters are in hundredths of a second.
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ms = (Number(fields[11]) + Number(fields[12])) * tick;
    all += ms;
    if (tid === String(pid)) main = ms;
    const name =
      tid === String(pid) ? "main" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    threads[name] = (threads[name] ?? 0) + ms;
  }
  return { all, main, threads };
}

/**
 * Sets the niceness of every thread of a process. setpriority(2) given a pid on Linux sets
 * that one thread's only (the main one), and a process started with node already has V8's
 * and libuv's threads, which keep the niceness they were made with; threads made afterwards
 * take their maker's.
 */
export function reniceProcess(pid: number | undefined, niceness: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) setPriority(Number(tid), niceness);
}

/** SIGTERM, as a supervisor stops it; SIGKILL if it has not stopped after 45 s. */
export async function stopChild(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, "exit");
  proc.kill("SIGTERM");
  // The bot's listeners wait for its worker process, which finishes its current step.
  const timer = setTimeout(() => proc.kill("SIGKILL"), 45_000);
  await exited;
  clearTimeout(timer);
}

/** Polls `probe` every 200 ms until it returns a value; throws after `ms`. */
export async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`bench: ${what} did not happen within ${ms / 1000} s`);
}
