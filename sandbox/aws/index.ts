/** The AWS emulator's public entry points, for the sandbox launcher, tests and benchmarks. */
import { seed } from "./seed.js";
import { type EmulatorHandle, type StartOptions, startEmulator } from "./server.js";

export type { EmulatorHandle, StartOptions } from "./server.js";
export { startEmulator } from "./server.js";
export { ACCOUNT_ID, loadState, saveState } from "./state.js";

export interface SeededOptions extends StartOptions {
  /** Seed the starting account (skipped when a loaded state is given, unless forced). */
  seed?: boolean;
  region?: string;
}

/** Start the emulator; a fresh state gets the seeded account, a loaded one is left as it is. */
export async function startSeededEmulator(opts: SeededOptions = {}): Promise<EmulatorHandle> {
  const handle = await startEmulator(opts);
  if (opts.seed ?? opts.state === undefined) {
    seed(handle.ctx.state, { region: opts.region ?? "us-east-1", baseUrl: handle.url });
  }
  return handle;
}
