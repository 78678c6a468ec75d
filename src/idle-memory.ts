/**
 * Gives back the memory a burst of work grew, once the thread is quiet again (docs/adr/0019).
 *
 * Under load V8 grows a thread's heap: its young generation up to its cap, and its old one
 * with what the requests in flight promoted. It gives that back only at a collection made
 * while the thread allocates little, and an idle thread allocates next to nothing, so makes
 * none; V8's memory reducer makes one, but it starts only after a full collection and then
 * waits for its own 30 s watchdog, and after some bursts it did not start at all. So here,
 * once the thread has been quiet for QUIET_CHECKS checks in a row (longer than the 5 s over
 * which V8 measures how fast the thread allocates), one full collection that also compacts
 * the old generation gives the heap back to what is live. It costs that thread tens of
 * milliseconds, once a quiet spell, and only after the heap grew.
 */
import { performance } from "node:perf_hooks";
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** How often the thread's event loop and heap are read. */
export const CHECK_MS = 5_000;
/** Checks in a row under QUIET_UTILIZATION before the collection: 10 s. */
export const QUIET_CHECKS = 2;
/** Share of the time the event loop may be busy and the thread still count as quiet. */
export const QUIET_UTILIZATION = 0.05;
/** How much the heap must have grown since the last collection here to need another. */
export const GROWN_BYTES = 8 * 2 ** 20;

export interface IdleMemory {
  /** Collections made so far. */
  collections(): number;
  stop(): void;
}

/** The heap's committed size (bytes), all its spaces. */
export const heapBytes = () => getHeapStatistics().total_heap_size;

/**
 * V8's `gc` function, made in a context of its own so that no global `gc` appears in the
 * bot's: the flag is on only while that context is made. When node was started with
 * --expose-gc, its global one, and the flag stays on.
 */
function collector(): Gc {
  const exposed = (globalThis as { gc?: Gc }).gc;
  if (typeof exposed === "function") return exposed;
  setFlagsFromString("--expose-gc");
  try {
    return runInNewContext("gc") as Gc;
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
}

type Gc = (options?: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

/**
 * V8 12 and later (Node 22, 24) make a memory-reducing collection when asked for the
 * "last-resort" flavour: it shrinks the young generation whatever the thread allocated
 * lately, and moves the old generation's live objects off partly used pages. V8 11 (Node 20)
 * does not know the flavour and then makes no full collection at all; there a full
 * collection with `--compact-on-every-full-gc` set for it alone does the moving, and the
 * young generation shrinks since the thread has allocated next to nothing for 10 s.
 */
export const ASKS_FOR_FLAVOUR = Number(process.versions.v8.split(".")[0]) >= 12;

/** A full collection that gives the heap back to what is live. */
function collectAndCompact(gc: Gc): void {
  if (ASKS_FOR_FLAVOUR) {
    gc({ type: "major", execution: "sync", flavor: "last-resort" });
    return;
  }
  setFlagsFromString("--compact-on-every-full-gc");
  try {
    gc();
  } finally {
    setFlagsFromString("--no-compact-on-every-full-gc");
  }
}

/**
 * Starts the checks on this thread; its timer does not keep the thread alive. With `atStart`, the
 * thread has just started: start-up's garbage (loading the modules, most of it) is given back
 * at once, rather than at the first quiet spell, which would come some 10 s later, perhaps in
 * the middle of the first requests or jobs.
 */
export function giveBackWhenIdle(checkMs = CHECK_MS, { atStart = false } = {}): IdleMemory {
  const gc = collector();
  let last = performance.eventLoopUtilization();
  let quiet = 0;
  let collections = 0;
  // Start-up grew the heap too: without `atStart`, the first quiet spell gives its garbage back.
  let afterLast = 0;
  if (atStart) {
    collectAndCompact(gc);
    collections++;
    afterLast = heapBytes();
  }
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    quiet =
      performance.eventLoopUtilization(now, last).utilization < QUIET_UTILIZATION ? quiet + 1 : 0;
    last = now;
    // Once a quiet spell (the check that completes it), and only if the heap grew.
    if (quiet !== QUIET_CHECKS || heapBytes() < afterLast + GROWN_BYTES) return;
    collectAndCompact(gc);
    collections++;
    afterLast = heapBytes();
  }, checkMs);
  timer.unref();
  return { collections: () => collections, stop: () => clearInterval(timer) };
}
