/**
 * Runs a small dependency graph: every step starts as soon as the steps it waits for are
 * done, so independent branches run in parallel. On a failure no new step starts, but the
 * steps already running finish (and checkpoint what they created) before the first error
 * is thrown: abandoning them could leave a resource nobody recorded.
 */
export async function runGraph<S extends string>(
  graph: Readonly<Record<S, readonly S[]>>,
  alreadyDone: Iterable<S>,
  run: (step: S) => Promise<void>,
): Promise<void> {
  const steps = Object.keys(graph) as S[];
  const done = new Set<S>(alreadyDone);
  const started = new Set<S>(done);
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  const ready = () =>
    steps.filter((s) => !started.has(s) && graph[s].every((dep) => done.has(dep)));

  const launch = (step: S) => {
    started.add(step);
    const task = run(step).then(
      () => {
        done.add(step);
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    const tracked = task.finally(() => running.delete(tracked));
    running.add(tracked);
  };

  for (;;) {
    if (!failure) for (const step of ready()) launch(step);
    if (running.size === 0) break;
    await Promise.race(running);
  }
  if (failure) throw failure.error;
  const stuck = steps.filter((s) => !done.has(s));
  if (stuck.length > 0) {
    throw new Error(`The step graph has a cycle or a missing step: ${stuck.join(", ")} never ran.`);
  }
}
