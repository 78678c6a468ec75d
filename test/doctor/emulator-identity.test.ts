/**
 * The emulator's STS and IAM, through the real SDK clients and the bot's identity gateway:
 * GetCallerIdentity names the account and caller; SimulatePrincipalPolicy evaluates
 * iam-policy.json with the context entries given, takes the denied actions away, follows its
 * pages, refuses itself when denied, and checks its input as IAM does.
 */
import {
  IAMClient,
  InvalidInputException,
  SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EmulatorHandle, startEmulator } from "../../sandbox/aws/server.js";
import { identityState } from "../../sandbox/aws/services/sts.js";
import { ACCOUNT_ID } from "../../sandbox/aws/state.js";
import { IdentityGateway } from "../../src/aws/identity-gateway.js";
import { asAppError } from "../../src/errors.js";

let emulator: EmulatorHandle;
let sts: STSClient;
let iam: IAMClient;
let gateway: IdentityGateway;
const USER = `arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot`;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, quotas: false });
  const config = {
    endpoint: emulator.url,
    region: "eu-west-2",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  };
  sts = new STSClient(config);
  iam = new IAMClient(config);
  gateway = new IdentityGateway(sts, () => iam);
});
afterAll(async () => {
  sts.destroy();
  iam.destroy();
  await emulator.close();
});
beforeEach(() => {
  const identity = identityState(emulator.ctx.state);
  identity.deniedActions = [];
  identity.callerArn = USER;
});

describe("STS GetCallerIdentity", () => {
  it("names the emulator's account and the caller, also as an assumed role", async () => {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({ Account: ACCOUNT_ID, Arn: USER });
    identityState(emulator.ctx.state).callerArn =
      `arn:aws:sts::${ACCOUNT_ID}:assumed-role/profiles-bot/worker-1`;
    expect(await gateway.callerIdentity()).toEqual({
      account: ACCOUNT_ID,
      arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/profiles-bot/worker-1`,
      userId: "AROAEXAMPLEPROFILES:worker-1",
    });
    expect(await gateway.region()).toBe("eu-west-2");
  });
});

describe("IAM SimulatePrincipalPolicy", () => {
  it("evaluates iam-policy.json: a tag passed as a context entry decides a delete", async () => {
    const domain = "arn:aws:profile:eu-west-2:111122223333:domains/amazon-connect-legacy";
    const tagged = [
      {
        key: "aws:ResourceTag/profiles-bot:created-by",
        type: "string" as const,
        values: ["profiles-bot"],
      },
    ];
    const [untaggedDelete] = await gateway.simulate(USER, ["profile:DeleteDomain"], domain);
    expect(untaggedDelete?.decision).toBe("implicitDeny");
    const [taggedDelete] = await gateway.simulate(USER, ["profile:DeleteDomain"], domain, tagged);
    expect(taggedDelete?.decision).toBe("allowed");
  });

  it("allows every action but the denied ones, on the resource asked", async () => {
    identityState(emulator.ctx.state).deniedActions = ["profile:PutIntegration", "kms:*"];
    const decisions = await gateway.simulate(
      USER,
      ["profile:GetDomain", "PROFILE:putintegration", "kms:CreateKey", "sqs:ListQueues"],
      "arn:aws:profile:eu-west-2:111122223333:domains/d",
    );
    expect(decisions.map((d) => [d.action, d.decision, d.allowed])).toEqual([
      ["profile:GetDomain", "allowed", true],
      ["PROFILE:putintegration", "implicitDeny", false],
      ["kms:CreateKey", "implicitDeny", false],
      ["sqs:ListQueues", "allowed", true],
    ]);
    expect(decisions[0]?.resource).toBe("arn:aws:profile:eu-west-2:111122223333:domains/d");
  });

  it("pages with MaxItems and Marker, and the gateway follows every page", async () => {
    const actions = Array.from({ length: 5 }, (_, i) => `sqs:Action${i}`);
    const first = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: USER,
        ActionNames: actions,
        MaxItems: 2,
      }),
    );
    expect(first.IsTruncated).toBe(true);
    expect(first.EvaluationResults?.map((r) => r.EvalActionName)).toEqual(actions.slice(0, 2));
    expect(first.Marker).toBeTruthy();
    expect((await gateway.simulate(USER, actions, "*")).map((d) => d.action)).toEqual(actions);
  });

  it("is refused with AccessDenied when the caller may not simulate", async () => {
    identityState(emulator.ctx.state).deniedActions = ["iam:SimulatePrincipalPolicy"];
    const err = await gateway
      .simulate(USER, ["sqs:ListQueues"], "*")
      .then(() => undefined, asAppError);
    expect(err).toMatchObject({ code: "aws_access_denied", awsCode: "AccessDenied" });
    expect(err?.userMessage).toContain("iam:SimulatePrincipalPolicy");
  });

  it("takes no session ARN, and needs an action", async () => {
    await expect(
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/r/s`,
          ActionNames: ["sqs:ListQueues"],
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidInputException);
    await expect(
      iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: USER, ActionNames: [] })),
    ).rejects.toBeInstanceOf(InvalidInputException);
  });
});
