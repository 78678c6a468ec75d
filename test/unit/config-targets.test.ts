import { describe, expect, it } from "vitest";
import { ConfigError, loadAwsConfig, loadConfig, loadDoctorConfig } from "../../src/config.js";

const base = { SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_SIGNING_SECRET: "s3cret" };
const PROD = {
  name: "prod",
  roleArn: "arn:aws:iam::444455556666:role/profiles-bot-target",
  externalId: "profiles-bot-prod",
  regions: ["eu-west-2", "eu-central-1"],
};
const TOOLING = { name: "tooling", regions: ["us-east-1"] };

const targetsOf = (value: unknown) =>
  loadConfig({ ...base, AWS_TARGETS: JSON.stringify(value) }).aws.targets;
const problemOf = (value: unknown) => {
  try {
    loadConfig({ ...base, AWS_TARGETS: typeof value === "string" ? value : JSON.stringify(value) });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("the configuration was accepted");
};

describe("AWS_TARGETS", () => {
  it("is today's one target when unset: the SDK's own credentials in AWS_REGION", () => {
    expect(loadConfig({ ...base, AWS_REGION: "eu-west-2" }).aws.targets).toStrictEqual([
      { name: "default", regions: ["eu-west-2"] },
    ]);
    // No region: the clients find one in the SDK's chain, as before.
    expect(loadConfig(base).aws.targets).toStrictEqual([{ name: "default", regions: [] }]);
    expect(loadConfig({ ...base, AWS_TARGETS: " " }).aws.targets).toHaveLength(1);
  });

  it("reads role targets (the account from the ARN) and one own-credentials target", () => {
    expect(targetsOf([PROD, TOOLING])).toStrictEqual([
      { ...PROD, account: "444455556666" },
      { name: "tooling", regions: ["us-east-1"] },
    ]);
    expect(
      targetsOf([
        {
          name: "gov",
          roleArn: "arn:aws-us-gov:iam::777788889999:role/ops/bot",
          regions: ["us-gov-west-1"],
        },
      ]),
    ).toStrictEqual([
      {
        name: "gov",
        roleArn: "arn:aws-us-gov:iam::777788889999:role/ops/bot",
        account: "777788889999",
        regions: ["us-gov-west-1"],
      },
    ]);
  });

  it("is read by the CLI's configurations too", () => {
    const env = { AWS_TARGETS: JSON.stringify([PROD]) };
    expect(loadAwsConfig(env).aws.targets[0]?.account).toBe("444455556666");
    expect(loadDoctorConfig(env).aws.targets[0]?.name).toBe("prod");
  });

  it.each([
    [
      "not JSON",
      "[{",
      /^AWS_TARGETS is not JSON \(.+\): set it to a JSON array of targets such as \[/,
    ],
    ["an object", { name: "prod" }, /^AWS_TARGETS must be a non-empty JSON array of targets/],
    ["empty", [], /^AWS_TARGETS must be a non-empty JSON array/],
    [
      "an entry that is no object",
      ["prod"],
      /^AWS_TARGETS entry 1 must be an object such as \{"name"/,
    ],
    [
      "a bad name",
      [{ ...TOOLING, name: "Prod_1" }],
      /^AWS_TARGETS entry 1 \("Prod_1"\): name must be 1 to 32 lowercase letters, digits and dashes/,
    ],
    ["no name", [{ regions: ["us-east-1"] }], /^AWS_TARGETS entry 1: name must be/],
    [
      "a bad role ARN",
      [TOOLING, { ...PROD, roleArn: "arn:aws:iam::4444:user/bot" }],
      /^AWS_TARGETS entry 2 \("prod"\): roleArn must be an IAM role ARN such as arn:aws:iam::444455556666:role\/profiles-bot-target\.$/,
    ],
    [
      "an external id without a role",
      [{ ...TOOLING, externalId: "abc123" }],
      /^AWS_TARGETS entry 1 \("tooling"\): externalId is only sent when assuming a role: add the roleArn, or remove the externalId\.$/,
    ],
    [
      "a bad external id",
      [{ ...PROD, externalId: "a" }],
      /^AWS_TARGETS entry 1 \("prod"\): externalId must be 2 to 1224 letters/,
    ],
    [
      "no regions",
      [{ ...PROD, regions: [] }],
      /^AWS_TARGETS entry 1 \("prod"\): regions must be a non-empty list of AWS regions/,
    ],
    [
      "a bad region",
      [{ ...PROD, regions: ["eu-west-2", "London"] }],
      /^AWS_TARGETS entry 1 \("prod"\): regions must be AWS region codes such as eu-west-2: "London" is not one\.$/,
    ],
    [
      "a region twice",
      [{ ...PROD, regions: ["eu-west-2", "eu-west-2"] }],
      /^AWS_TARGETS entry 1 \("prod"\): regions lists a region twice/,
    ],
    [
      "a misspelt setting",
      [{ name: "tooling", region: "us-east-1", regions: ["us-east-1"] }],
      /^AWS_TARGETS entry 1 \("tooling"\): "region" is not a setting of a target: use name, roleArn, externalId and regions\.$/,
    ],
    [
      "a name twice",
      [PROD, { ...TOOLING, name: "prod" }],
      /^AWS_TARGETS entry 2 \("prod"\) has the name of entry 1: give every target its own name\.$/,
    ],
    [
      "an account twice",
      [PROD, { ...PROD, name: "prod-us", regions: ["us-east-1"] }],
      /^AWS_TARGETS entry 2 \("prod-us"\) has the account of entry 1: list each account once, with all its regions in one entry\.$/,
    ],
    [
      "two own-credentials targets",
      [TOOLING, { name: "other", regions: ["eu-west-1"] }],
      /^AWS_TARGETS entries "tooling" and "other" both use the bot's own credentials \(no roleArn\): give all but one of them the roleArn/,
    ],
  ])(
    "refuses %s with a sentence naming AWS_TARGETS, the entry and the fix",
    (_, value, message) => {
      expect(problemOf(value)).toMatch(message);
    },
  );

  it("names every broken entry at once", () => {
    const message = problemOf([
      { ...PROD, regions: [] },
      { ...TOOLING, name: "" },
    ]);
    expect(message).toContain('AWS_TARGETS entry 1 ("prod"): regions');
    expect(message).toContain('AWS_TARGETS entry 2 (""): name');
  });
});
