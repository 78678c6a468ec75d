/** BullMQ job states as people read them, worded once for every message that names one. */

/** States in which a job is queued or being worked on: a second click must not start another. */
const BUSY_STATES: ReadonlySet<string> = new Set([
  "active",
  "waiting",
  "waiting-children",
  "delayed",
  "prioritized",
]);

export const isBusy = (state: string): boolean => BUSY_STATES.has(state);

const WORDS: Record<string, string> = {
  active: "running",
  waiting: "queued",
  prioritized: "queued",
  "waiting-children": "queued",
  // A provisioning job's short hold before its status message exists, or a retry's backoff.
  delayed: "waiting to start",
  completed: "finished",
  failed: "failed",
};

export const stateWord = (state: string): string => WORDS[state] ?? state;
