/** What the kernel tells of a running process (Linux /proc), for tests and benchmarks. */
import { readFileSync } from "node:fs";

/** The process ids of `pid`'s children, e.g. ROLE=all's worker process. */
export const childrenOf = (pid: number | undefined): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
