/** Small statistics for benchmarks. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** Run `total` tasks with at most `concurrency` in flight; returns each task's duration (ms). */
export async function timedPool(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  async function lane() {
    while (next < total) {
      const i = next++;
      const start = performance.now();
      await task(i);
      durations.push(performance.now() - start);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  return durations.sort((a, b) => a - b);
}
