/** What the kernel tells of a running process (Linux /proc), for tests and benchmarks. */
import { readdirSync, readFileSync } from "node:fs";

/** The process ids of `pid`'s children (ROLE=all starts none: its workers are a thread). */
export const childrenOf = (pid: number | undefined): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);

/** The ids of `pid`'s threads named `name` (/proc/PID/task/TID/comm), e.g. ROLE=all's worker thread. */
export const threadsNamed = (pid: number | undefined, name: string): number[] =>
  readdirSync(`/proc/${pid}/task`)
    .filter((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() === name;
      } catch {
        return false; // The thread ended meanwhile.
      }
    })
    .map(Number);

/** A thread's niceness: field 19 of /proc/PID/task/TID/stat, counted after the command's ")". */
export const threadNiceness = (pid: number, tid: number): number => {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
};
