/**
 * Targets over the AWS emulator for tests: the emulator's default account in one region,
 * served by gateways a test already built (`emulatorTarget`).
 */
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import type { Gateways } from "../../src/aws/gateways.js";
import { singleTarget, type Targets } from "../../src/aws/targets.js";

/** The emulator's default account, as the SDK's own credentials (`test`/`AKIA…`) reach it. */
export const DEFAULT_ACCOUNT = ACCOUNT_ID;

/** One target, `default`, in the emulator's default account and `region`, over `gateways`. */
export const emulatorTarget = (gateways: Gateways, region = "us-east-1"): Targets =>
  singleTarget({ name: "default", account: DEFAULT_ACCOUNT, regions: [region] }, gateways);
