/**
 * Waiting on something for a bounded time: Slack gives 3 s, a health check 1 s, a stop 25 s.
 * The one race every such wait uses: its timer is cleared as soon as the work settles, so it
 * keeps a process alive only while the work is still awaited, and never past the deadline.
 */

/** What `beforeDeadline` resolves with when the time ran out first. */
export const TIMED_OUT: unique symbol = Symbol("timed out");

/**
 * `work`'s value, or TIMED_OUT once `ms` have passed without it; `work`'s error if it fails
 * first. Work that fails after the deadline is not reported (its rejection is handled).
 */
export function beforeDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(ms, 0));
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
