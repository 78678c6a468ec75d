/**
 * The AWS emulator with nothing in it, and real SDK clients (one attempt each, so a test sees
 * every error) and gateways over it: started before a test file's tests, stopped after them.
 */
import { afterAll, beforeAll } from "vitest";
import { type EmulatorHandle, startEmulator } from "../../../sandbox/aws/index.js";
import { emptyState } from "../../../sandbox/aws/state.js";
import { type AwsClients, createAwsClients } from "../../../src/aws/clients.js";
import { createGateways, type Gateways } from "../../../src/aws/gateways.js";

export interface EmptyEmulator {
  emulator: EmulatorHandle;
  aws: AwsClients;
  gateways: Gateways;
}

/** Registers the hooks; the fields are set once the tests run. */
export function useEmptyEmulator(): EmptyEmulator {
  const env = {} as EmptyEmulator;
  beforeAll(async () => {
    env.emulator = await startEmulator({ port: 0, quotas: false, state: emptyState() });
    env.aws = createAwsClients({
      region: "us-east-1",
      endpoint: env.emulator.url,
      maxAttempts: 1,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    env.gateways = createGateways(env.aws);
  });
  afterAll(async () => {
    env.aws?.destroy();
    await env.emulator?.close();
  });
  return env;
}
