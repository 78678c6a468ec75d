/** The AWS emulator's public entry points, for the sandbox launcher, tests and benchmarks. */
import { seed, seedTargetAccount } from "./seed.js";
import { type EmulatorHandle, type StartOptions, startEmulator } from "./server.js";

export { putRole, trustAccount } from "./accounts.js";
export {
  seed,
  seedTargetAccount,
  TARGET_ACCOUNT,
  TARGET_EXTERNAL_ID,
  TARGET_ROLE_ARN,
} from "./seed.js";
export type { EmulatorHandle, StartOptions } from "./server.js";
export { startEmulator } from "./server.js";
export { seedConnect } from "./services/connect.js";
export { ACCOUNT_ID, loadState, placeState, saveState } from "./state.js";

export interface SeededOptions extends StartOptions {
  /** Seed the starting account (skipped when a loaded state is given, unless forced). */
  seed?: boolean;
  region?: string;
  /**
   * Also seed the second account (seed.ts `seedTargetAccount`: its role and, in each of these
   * regions, the Connect instances), when the starting account is seeded.
   */
  targetRegions?: string[];
}

/** Start the emulator; a fresh state gets the seeded account, a loaded one is left as it is. */
export async function startSeededEmulator(opts: SeededOptions = {}): Promise<EmulatorHandle> {
  const handle = await startEmulator(opts);
  if (opts.seed ?? opts.state === undefined) {
    seed(handle.ctx.state, { region: opts.region ?? "us-east-1", baseUrl: handle.url });
    if (opts.targetRegions) {
      seedTargetAccount(handle.ctx.state, { regions: opts.targetRegions, baseUrl: handle.url });
    }
  }
  return handle;
}
