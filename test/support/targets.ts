/**
 * Targets over the AWS emulator for tests. `emulatorTarget`: the emulator's default account in
 * one region, over gateways a test already built. Two accounts × two regions (`FOUR_PLACES`):
 * the default account (the SDK's own credentials) and the sandbox's second account (its role,
 * assumed with the external id), each in us-east-1 and eu-west-2, every place holding the same
 * seeded Connect instances, so the same instance and domain names exist in all four;
 * `startFourPlaceStack` runs the bot over them and `fourPlaceTargets` reads each place back
 * through the SDK, as the bot's registry does.
 */
import {
  ACCOUNT_ID,
  type EmulatorHandle,
  placeState,
  seedConnect,
  TARGET_ACCOUNT,
  TARGET_EXTERNAL_ID,
  TARGET_ROLE_ARN,
} from "../../sandbox/aws/index.js";
import type { Stack, StackOptions } from "../../sandbox/stack.js";
import type { Gateways } from "../../src/aws/gateways.js";
import { createTargets, type TargetRegistry } from "../../src/aws/target-registry.js";
import { type Place, singleTarget, type Targets } from "../../src/aws/targets.js";
import type { TargetConfig } from "../../src/config.js";
import { startTestStack } from "./e2e.js";

/** The emulator's default account, as the SDK's own credentials (`test`/`AKIA…`) reach it. */
export const DEFAULT_ACCOUNT = ACCOUNT_ID;
export const SECOND_ACCOUNT = TARGET_ACCOUNT;

/** One target, `default`, in the emulator's default account and `region`, over `gateways`. */
export const emulatorTarget = (gateways: Gateways, region = "us-east-1"): Targets =>
  singleTarget({ name: "default", account: DEFAULT_ACCOUNT, regions: [region] }, gateways);

export const TWO_REGIONS = ["us-east-1", "eu-west-2"] as const;

/** AWS_TARGETS for two accounts × two regions; `externalId` overrides the second's (to refuse it). */
export const fourPlaceTargets = (opts: { externalId?: string } = {}): TargetConfig[] => [
  { name: "home", regions: [...TWO_REGIONS] },
  {
    name: "second",
    roleArn: TARGET_ROLE_ARN,
    externalId: opts.externalId ?? TARGET_EXTERNAL_ID,
    regions: [...TWO_REGIONS],
  },
];

/** Every place of `fourPlaceTargets`, the default first, as the registry lists them. */
export const FOUR_PLACES: readonly Place[] = [DEFAULT_ACCOUNT, SECOND_ACCOUNT].flatMap((account) =>
  TWO_REGIONS.map((region) => ({ account, region })),
);

/**
 * Seeds what four places need beyond the emulator's start (which seeds the default account in
 * us-east-1, and with `targetRegions` the second account's role and instances): the default
 * account's Connect instances in the other region.
 */
export function seedFourPlaces(emulator: EmulatorHandle): void {
  const [, other] = TWO_REGIONS;
  seedConnect(placeState(emulator.ctx.state, DEFAULT_ACCOUNT, other), { region: other });
}

/** The stack (emulator, Slack stand-in, bot) serving the four places. */
export async function startFourPlaceStack(
  opts: StackOptions & { externalId?: string } = {},
): Promise<Stack> {
  const { externalId, ...rest } = opts;
  const stack = await startTestStack({
    ...rest,
    emulator: { targetRegions: [...TWO_REGIONS], ...rest.emulator },
    env: { AWS_TARGETS: JSON.stringify(fourPlaceTargets({ externalId })), ...rest.env },
  });
  seedFourPlaces(stack.emulator);
  return stack;
}

/**
 * A registry of the four places over the emulator, as the bot builds it: each place's
 * gateways through the real SDK clients, the second account's through its assumed role.
 * Stop it after the test.
 */
export const fourPlaceRegistry = (emulator: EmulatorHandle): Promise<TargetRegistry> =>
  createTargets({
    // As config reads AWS_TARGETS: a role target's account is the one its ARN names.
    targets: fourPlaceTargets().map((t) =>
      t.roleArn ? { ...t, account: t.roleArn.split(":")[4] as string } : t,
    ),
    aws: {
      region: TWO_REGIONS[0],
      endpoint: emulator.url,
      maxAttempts: 2,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    },
  });
