/**
 * Probes until `ok` holds or `ms` have passed, `every` ms apart, and returns the last value
 * probed (whether or not it is ok), for the test to assert on.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 30_000,
  every = 200,
): Promise<T> {
  const until = Date.now() + ms;
  let last = await probe();
  while (!ok(last) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, every));
    last = await probe();
  }
  return last;
}
