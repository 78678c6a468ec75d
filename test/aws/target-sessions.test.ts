/**
 * Role targets through the emulator's STS: the registry assumes the target's role with the
 * SDK's provider, one session per actor named after it, shared by every client of the session
 * in every region, renewed before it expires; a wrong external id is refused with a sentence
 * naming the call, the role, AWS's code and the fix.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ACCOUNT_ID, type EmulatorHandle, startSeededEmulator } from "../../sandbox/aws/index.js";
import { TARGET_ACCOUNT, TARGET_EXTERNAL_ID, TARGET_ROLE_ARN } from "../../sandbox/aws/seed.js";
import type { AwsCall } from "../../src/aws/clients.js";
import { createTargets, type TargetRegistry } from "../../src/aws/target-registry.js";
import type { TargetConfig } from "../../src/config.js";
import type { Actor } from "../../src/context.js";
import { AppError } from "../../src/errors.js";
import { emulatorControl } from "../support/emulator-control.js";

const ALICE: Actor = { type: "slack", userId: "U0ALICE", teamId: "T1" };
const SCAN: Actor = { type: "system", reason: "scan" };
const LONDON = { account: TARGET_ACCOUNT, region: "eu-west-2" };
const FRANKFURT = { account: TARGET_ACCOUNT, region: "eu-central-1" };

let emulator: EmulatorHandle;
beforeAll(async () => {
  emulator = await startSeededEmulator({ port: 0, quotas: false, targetRegions: ["eu-west-2"] });
});
afterAll(async () => {
  await emulator?.close();
});

interface Assumed {
  roleArn: string;
  roleSessionName: string;
  externalIdGiven: boolean;
  outcome: string;
}
async function assumed(): Promise<Assumed[]> {
  const answer = await emulatorControl(emulator.url, "assumed-roles", "GET");
  return (answer.json as { assumedRoles: Assumed[] }).assumedRoles;
}
beforeEach(async () => {
  await emulatorControl(emulator.url, "assumed-roles", "DELETE");
});

const partner = (externalId = TARGET_EXTERNAL_ID): TargetConfig => ({
  name: "partner",
  roleArn: TARGET_ROLE_ARN,
  account: TARGET_ACCOUNT,
  externalId,
  regions: ["eu-west-2", "eu-central-1"],
});

let targets: TargetRegistry | undefined;
const calls: AwsCall[] = [];
async function registry(config: TargetConfig): Promise<TargetRegistry> {
  targets = await createTargets({
    targets: [config],
    aws: {
      endpoint: emulator.url,
      maxAttempts: 2,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    },
    observe: (call) => calls.push(call),
  });
  return targets;
}
afterEach(() => {
  targets?.stop();
  targets = undefined;
  calls.length = 0;
  vi.useRealTimers();
  emulator.ctx.now = Date.now;
});

describe("a role target", () => {
  it("acts in the role's account as a session named after the Slack user", async () => {
    const t = await registry(partner());
    const caller = await t.gateways(LONDON, ALICE).identity?.callerIdentity();
    expect(caller).toMatchObject({
      account: TARGET_ACCOUNT,
      arn: `arn:aws:sts::${TARGET_ACCOUNT}:assumed-role/profiles-bot-target/profiles-bot-U0ALICE`,
    });
    const instances = await t.gateways(LONDON, ALICE).connect.listInstances();
    expect(instances.map((i) => i.arn)).toContainEqual(
      expect.stringMatching(`^arn:aws:connect:eu-west-2:${TARGET_ACCOUNT}:instance/`),
    );
    // Another place of the same target: the same session's credentials, that region's clients.
    expect(await t.gateways(FRANKFURT, ALICE).connect.listInstances()).toEqual([]);
    expect(await t.gateways(FRANKFURT, ALICE).identity?.region()).toBe("eu-central-1");
    // One AssumeRole served six calls through four clients in two regions, with the external id.
    expect(await assumed()).toEqual([
      expect.objectContaining({
        roleArn: TARGET_ROLE_ARN,
        roleSessionName: "profiles-bot-U0ALICE",
        externalIdGiven: true,
        outcome: "allowed",
      }),
    ]);
    // The metrics see AssumeRole too.
    expect(calls.filter((c) => c.operation === "AssumeRole")).toEqual([
      expect.objectContaining({ service: "STSClient", error: undefined }),
    ]);
  });

  it("gives each actor a session of its own", async () => {
    const t = await registry(partner());
    await Promise.all([
      t.gateways(LONDON, ALICE).profiles.listDomains(),
      t.gateways(LONDON, ALICE).sqs.listQueues(),
      t.gateways(LONDON, SCAN).profiles.listDomains(),
    ]);
    const sessions = (await assumed()).map((a) => a.roleSessionName).sort();
    expect(sessions).toEqual(["profiles-bot-U0ALICE", "profiles-bot-scan"]);
  });

  it("assumes the role again before the credentials expire, and keeps working past the first expiry", async () => {
    const t = await registry(partner());
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    // The emulator judges expiry by the same clock the bot reads.
    emulator.ctx.now = () => Date.now();
    const gateways = t.gateways(LONDON, ALICE);
    await gateways.profiles.listDomains();
    vi.advanceTimersByTime(30 * 60_000);
    await gateways.profiles.listDomains();
    expect(await assumed()).toHaveLength(1);
    // 61 minutes on: the first session's credentials are expired in the emulator's eyes.
    vi.advanceTimersByTime(31 * 60_000);
    await gateways.profiles.listDomains();
    await gateways.connect.listInstances();
    const records = await assumed();
    expect(records).toHaveLength(2);
    expect(records.every((r) => r.outcome === "allowed")).toBe(true);
  });

  it("refuses a wrong external id naming the call, the role, AWS's code and the fix", async () => {
    const t = await registry(partner("not-the-agreed-id"));
    const refused = await t
      .gateways(LONDON, ALICE)
      .connect.listInstances()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(AppError);
    const e = refused as AppError;
    expect(e.code).toBe("aws_access_denied");
    expect(e.call).toBe("STS AssumeRole");
    expect(e.userMessage).toBe(
      `STS call failed: AccessDenied (User: arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot is not authorized to perform: sts:AssumeRole on resource: ${TARGET_ROLE_ARN}). ` +
        "Fix: the role's trust policy must let the bot's principal call `sts:AssumeRole` with the external id AWS_TARGETS gives for this target (see iam-target-trust-policy.json), " +
        `and the bot's own policy must allow \`sts:AssumeRole\` on \`${TARGET_ROLE_ARN}\` (see iam-assume-policy.json).`,
    );
    expect(await assumed()).toEqual([
      expect.objectContaining({ roleSessionName: "profiles-bot-U0ALICE", outcome: "denied" }),
    ]);
    // A refusal is not kept: once the trust policy takes this id, the same session works.
    await trustExternalId("not-the-agreed-id");
    try {
      expect(await t.gateways(LONDON, ALICE).connect.listInstances()).not.toHaveLength(0);
    } finally {
      await trustExternalId(TARGET_EXTERNAL_ID);
    }
  });
});

/** The target role's trust policy, letting the bot's account in with `externalId` only. */
function trustExternalId(externalId: string) {
  return emulatorControl(emulator.url, "roles", "POST", {
    arn: TARGET_ROLE_ARN,
    trustPolicy: {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": externalId } },
        },
      ],
    },
  });
}
