/**
 * Several accounts and regions, through the real SDK clients: the same queue, key alias and
 * domain names in two accounts x two regions are four resources, each list shows its own
 * place's only, and Customer Profiles reads keys and queues in the caller's place. STS
 * AssumeRole honours the role's trust policy (external id), and its credentials act in the
 * role's account until they expire.
 */
import { existsSync } from "node:fs";
import {
  ConnectClient,
  ResourceNotFoundException as ConnectNotFound,
  DescribeInstanceCommand,
  ListInstancesCommand,
} from "@aws-sdk/client-connect";
import {
  CreateDomainCommand,
  CustomerProfilesClient,
  ListDomainsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-customer-profiles";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
  ListAliasesCommand,
} from "@aws-sdk/client-kms";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  STSServiceException,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTargetAccount, TARGET_EXTERNAL_ID, TARGET_ROLE_ARN } from "../../sandbox/aws/seed.js";
import { type EmulatorHandle, startEmulator } from "../../sandbox/aws/server.js";
import {
  ACCOUNT_ID,
  emptyState,
  loadState,
  placeState,
  saveState,
} from "../../sandbox/aws/state.js";
import { emulatorControl } from "../support/emulator-control.js";

const OTHER = "444455556666";
const REGIONS = ["us-east-1", "eu-west-2"] as const;
const CALLER = `arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot`;

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

let emulator: EmulatorHandle;
const STATIC: Credentials = { accessKeyId: "test", secretAccessKey: "test" };
const made: { destroy(): void }[] = [];

function clientsFor(region: string, credentials: Credentials = STATIC) {
  const config = { endpoint: emulator.url, region, credentials, maxAttempts: 1 };
  const set = {
    sqs: new SQSClient(config),
    kms: new KMSClient(config),
    profiles: new CustomerProfilesClient(config),
    connect: new ConnectClient(config),
    sts: new STSClient(config),
  };
  made.push(...Object.values(set));
  return set;
}

/** Temporary credentials for the target role, as the SDK reads them from AssumeRole. */
async function assumed(sessionName = "profiles-bot-U012ABCDEF", durationSeconds?: number) {
  const out = await clientsFor("us-east-1").sts.send(
    new AssumeRoleCommand({
      RoleArn: TARGET_ROLE_ARN,
      RoleSessionName: sessionName,
      ExternalId: TARGET_EXTERNAL_ID,
      ...(durationSeconds ? { DurationSeconds: durationSeconds } : {}),
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error("no credentials");
  return {
    out,
    credentials: {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    },
  };
}

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to be refused");
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, quotas: false, state: emptyState() });
  seedTargetAccount(emulator.ctx.state, { regions: [...REGIONS], baseUrl: emulator.url });
});
afterAll(async () => {
  for (const client of made) client.destroy();
  await emulator.close();
});

describe("STS AssumeRole", () => {
  it("returns credentials that act in the role's account, named after the session", async () => {
    const { out, credentials } = await assumed();
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(out.Credentials?.Expiration?.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(out.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${OTHER}:assumed-role/profiles-bot-target/profiles-bot-U012ABCDEF`,
    );
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]+:profiles-bot-U012ABCDEF$/);

    const there = clientsFor("eu-west-2", credentials);
    expect(await there.sts.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: OTHER,
      Arn: out.AssumedRoleUser?.Arn,
      UserId: out.AssumedRoleUser?.AssumedRoleId,
    });
    const { QueueUrl } = await there.sqs.send(new CreateQueueCommand({ QueueName: "whose" }));
    expect(new URL(QueueUrl ?? "").pathname).toBe(`/${OTHER}/whose`);
    const attrs = await there.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    expect(attrs.Attributes?.QueueArn).toBe(`arn:aws:sqs:eu-west-2:${OTHER}:whose`);
    // The default caller is unchanged.
    expect(await clientsFor("us-east-1").sts.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: ACCOUNT_ID,
      Arn: CALLER,
    });
  });

  it("refuses a wrong or missing external id, or a role that does not exist, in AWS's words", async () => {
    const sts = clientsFor("us-east-1").sts;
    const denied = `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${TARGET_ROLE_ARN}`;
    for (const ExternalId of ["not-the-external-id", undefined]) {
      const err = await refusal(
        sts.send(
          new AssumeRoleCommand({
            RoleArn: TARGET_ROLE_ARN,
            RoleSessionName: "profiles-bot-wrong",
            ...(ExternalId ? { ExternalId } : {}),
          }),
        ),
      );
      expect(err).toBeInstanceOf(STSServiceException);
      expect(err).toMatchObject({ name: "AccessDenied", message: denied });
    }
    const missing = `arn:aws:iam::${OTHER}:role/nobody`;
    expect(
      await refusal(
        sts.send(
          new AssumeRoleCommand({
            RoleArn: missing,
            RoleSessionName: "profiles-bot-x",
            ExternalId: TARGET_EXTERNAL_ID,
          }),
        ),
      ),
    ).toMatchObject({
      name: "AccessDenied",
      message: `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${missing}`,
    });
  });

  it("checks the session name and duration as STS does", async () => {
    const sts = clientsFor("us-east-1").sts;
    const ask = (RoleSessionName: string, DurationSeconds?: number) =>
      refusal(
        sts.send(
          new AssumeRoleCommand({
            RoleArn: TARGET_ROLE_ARN,
            RoleSessionName,
            ExternalId: TARGET_EXTERNAL_ID,
            ...(DurationSeconds ? { DurationSeconds } : {}),
          }),
        ),
      );
    expect(await ask("has space")).toMatchObject({
      name: "ValidationError",
      message:
        "1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    });
    expect(await ask("x")).toMatchObject({
      name: "ValidationError",
      message:
        "1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    });
    expect((await ask("a".repeat(65))).message).toContain(
      "Member must have length less than or equal to 64",
    );
    expect(await ask("profiles-bot-ok", 600)).toMatchObject({
      name: "ValidationError",
      message:
        "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    });
    expect(await ask("profiles-bot-ok", 7200)).toMatchObject({
      name: "ValidationError",
      message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    });
  });

  it("refuses the credentials without their session token, and after they expire", async () => {
    const { credentials } = await assumed("profiles-bot-expiring", 900);
    const { sessionToken: _, ...withoutToken } = credentials;
    const tokenless = clientsFor("us-east-1", withoutToken);
    expect(await refusal(tokenless.sts.send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: "InvalidClientTokenId",
      message: "The security token included in the request is invalid.",
    });
    expect(await refusal(tokenless.sqs.send(new ListQueuesCommand({})))).toMatchObject({
      message: "The security token included in the request is invalid.",
    });

    const later = clientsFor("us-east-1", credentials);
    await later.sqs.send(new ListQueuesCommand({}));
    const realNow = emulator.ctx.now;
    emulator.ctx.now = () => realNow() + 901_000;
    try {
      expect(await refusal(later.sts.send(new GetCallerIdentityCommand({})))).toMatchObject({
        name: "ExpiredToken",
        message: "The security token included in the request is expired",
      });
      expect(await refusal(later.kms.send(new CreateKeyCommand({})))).toMatchObject({
        name: "ExpiredTokenException",
      });
      expect(await refusal(later.profiles.send(new ListDomainsCommand({})))).toMatchObject({
        name: "ExpiredTokenException",
      });
    } finally {
      emulator.ctx.now = realNow;
    }
  });

  it("records each call's session name and whether an external id was given", async () => {
    await emulatorControl(emulator.url, "assumed-roles", "DELETE");
    await assumed("profiles-bot-U0RECORDED");
    await refusal(
      clientsFor("us-east-1").sts.send(
        new AssumeRoleCommand({ RoleArn: TARGET_ROLE_ARN, RoleSessionName: "profiles-bot-scan" }),
      ),
    );
    const { status, json } = await emulatorControl(emulator.url, "assumed-roles", "GET");
    expect(status).toBe(200);
    expect(
      json.assumedRoles?.map((r) => [r.roleSessionName, r.externalIdGiven, r.outcome, r.callerArn]),
    ).toEqual([
      ["profiles-bot-U0RECORDED", true, "allowed", CALLER],
      ["profiles-bot-scan", false, "denied", CALLER],
    ]);
  });

  it("lets a test make a role through the control endpoint, trusted by principal ARN", async () => {
    const arn = "arn:aws:iam::777788889999:role/ops";
    const trustPolicy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: CALLER },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNT_ID } },
        },
      ],
    };
    const made = await emulatorControl(emulator.url, "roles", "POST", { arn, trustPolicy });
    expect(made.status).toBe(200);
    expect(made.json.roles?.find((r) => r.arn === arn)?.trustPolicy).toEqual(trustPolicy);
    const out = await clientsFor("us-east-1").sts.send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "ops-check" }),
    );
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::777788889999:assumed-role/ops/ops-check");

    const bad = await emulatorControl(emulator.url, "roles", "POST", {
      arn: "arn:aws:iam::1:role/x",
      trustPolicy,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toContain("arn must be a role's ARN");
  });

  const providers = "@aws-sdk/credential-providers";
  const installed = existsSync(new URL(`../../node_modules/${providers}`, import.meta.url));
  it.skipIf(!installed)("works with the SDK's fromTemporaryCredentials", async () => {
    const { fromTemporaryCredentials } = (await import(providers)) as {
      fromTemporaryCredentials(init: unknown): () => Promise<Credentials>;
    };
    const credentials = fromTemporaryCredentials({
      params: {
        RoleArn: TARGET_ROLE_ARN,
        RoleSessionName: "profiles-bot-provider",
        ExternalId: TARGET_EXTERNAL_ID,
      },
      masterCredentials: STATIC,
      clientConfig: { endpoint: emulator.url, region: "us-east-1" },
    });
    const sts = new STSClient({ endpoint: emulator.url, region: "eu-west-2", credentials });
    made.push(sts);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      `arn:aws:sts::${OTHER}:assumed-role/profiles-bot-target/profiles-bot-provider`,
    );
  });
});

describe("two accounts x two regions", () => {
  const places = async () => {
    const { credentials } = await assumed("profiles-bot-places");
    return [
      ...REGIONS.map((region) => ({ account: ACCOUNT_ID, region, aws: clientsFor(region) })),
      ...REGIONS.map((region) => ({
        account: OTHER,
        region,
        aws: clientsFor(region, credentials),
      })),
    ];
  };

  it("keeps queues of the same name apart, and lists each place's only", async () => {
    const all = await places();
    const urls: string[] = [];
    for (const { aws, account, region } of all) {
      const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: "shared-dlq" }));
      expect(new URL(QueueUrl ?? "").pathname).toBe(`/${account}/shared-dlq`);
      await aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `${account} ${region}` }));
      urls.push(QueueUrl ?? "");
    }
    for (const [i, { aws, account, region }] of all.entries()) {
      const listed = await aws.sqs.send(new ListQueuesCommand({ QueueNamePrefix: "shared" }));
      expect(listed.QueueUrls).toEqual([urls[i]]);
      const got = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: urls[i], MaxNumberOfMessages: 10 }),
      );
      expect(got.Messages?.map((m) => m.Body)).toEqual([`${account} ${region}`]);
    }
    // Another account's queue URL names no queue of the caller's.
    const [home, , away] = all;
    if (!home || away?.account !== OTHER) throw new Error("places");
    expect(
      await refusal(
        home.aws.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: urls[2], AttributeNames: ["All"] }),
        ),
      ),
    ).toBeInstanceOf(QueueDoesNotExist);
  });

  it("keeps key aliases and domains of the same name apart, with ARNs of their place", async () => {
    const all = await places();
    for (const { aws, account, region } of all) {
      const { KeyMetadata } = await aws.kms.send(new CreateKeyCommand({}));
      expect(KeyMetadata?.Arn).toMatch(new RegExp(`^arn:aws:kms:${region}:${account}:key/`));
      expect(KeyMetadata?.AWSAccountId).toBe(account);
      await aws.kms.send(
        new CreateAliasCommand({ AliasName: "alias/shared", TargetKeyId: KeyMetadata?.KeyId }),
      );
      const described = await aws.kms.send(new DescribeKeyCommand({ KeyId: "alias/shared" }));
      expect(described.KeyMetadata?.KeyId).toBe(KeyMetadata?.KeyId);
      await aws.profiles.send(
        new CreateDomainCommand({
          DomainName: "amazon-connect-shared",
          DefaultExpirationDays: 366,
          DefaultEncryptionKey: "alias/shared",
        }),
      );
    }
    for (const { aws, account, region } of all) {
      const aliases = await aws.kms.send(new ListAliasesCommand({}));
      expect(aliases.Aliases?.map((a) => a.AliasArn)).toEqual([
        `arn:aws:kms:${region}:${account}:alias/shared`,
      ]);
      const domains = await aws.profiles.send(new ListDomainsCommand({}));
      expect(domains.Items?.map((d) => d.DomainName)).toEqual(["amazon-connect-shared"]);
      const arn = `arn:aws:profile:${region}:${account}:domains/amazon-connect-shared`;
      await aws.profiles.send(new ListTagsForResourceCommand({ resourceArn: arn }));
      const elsewhere = arn.replace(account, account === OTHER ? ACCOUNT_ID : OTHER);
      expect(
        await refusal(
          aws.profiles.send(new ListTagsForResourceCommand({ resourceArn: elsewhere })),
        ),
      ).toBeInstanceOf(ResourceNotFoundException);
    }
  });

  it("reads the dead-letter queue in the caller's place: another account's is refused", async () => {
    const [home, , away] = await places();
    if (!home || !away) throw new Error("places");
    const { QueueUrl } = await home.aws.sqs.send(new CreateQueueCommand({ QueueName: "home-dlq" }));
    const err = await refusal(
      away.aws.profiles.send(
        new CreateDomainCommand({
          DomainName: "amazon-connect-cross",
          DefaultExpirationDays: 366,
          DeadLetterQueueUrl: QueueUrl,
        }),
      ),
    );
    expect(err).toMatchObject({ name: "BadRequestException" });
    expect(err.message).toContain("does not exist");
  });

  it("seeds the target account's Connect instances in its regions only", async () => {
    const [home, , away, awayEu] = await places();
    if (!home || !away || !awayEu) throw new Error("places");
    expect((await home.aws.connect.send(new ListInstancesCommand({}))).InstanceSummaryList).toEqual(
      [],
    );
    const listed = await away.aws.connect.send(new ListInstancesCommand({}));
    const arns = listed.InstanceSummaryList?.map((i) => i.Arn) ?? [];
    expect(arns.length).toBeGreaterThan(0);
    for (const arn of arns) expect(arn).toMatch(new RegExp(`^arn:aws:connect:us-east-1:${OTHER}:`));
    const euArn = arns[0]?.replace("us-east-1", "eu-west-2");
    const described = await awayEu.aws.connect.send(
      new DescribeInstanceCommand({ InstanceId: euArn }),
    );
    expect(described.Instance?.Arn).toBe(euArn);
    expect(
      await refusal(home.aws.connect.send(new DescribeInstanceCommand({ InstanceId: arns[0] }))),
    ).toBeInstanceOf(ConnectNotFound);
  });

  it("saves and loads every place; an older state's other regions move to their place", async () => {
    const file = `${process.env.TMPDIR ?? "/tmp"}/emulator-accounts-${process.pid}.json`;
    await saveState(emulator.ctx.state, file);
    const loaded = await loadState(file);
    expect(Object.keys(placeState(loaded, OTHER, "eu-west-2").sqs.queues)).toContain("shared-dlq");
    expect(loaded.sqs.queues["shared-dlq"]?.region).toBe("us-east-1");

    // Before places, one state held the default account's queues of every region.
    const old = emptyState();
    const euQueue = placeState(loaded, ACCOUNT_ID, "eu-west-2").sqs.queues["shared-dlq"];
    if (!euQueue) throw new Error("eu queue");
    old.sqs.queues.legacy = { ...euQueue, name: "legacy" };
    await saveState(old, file);
    const migrated = await loadState(file);
    expect(migrated.sqs.queues).toEqual({});
    expect(placeState(migrated, ACCOUNT_ID, "eu-west-2").sqs.queues.legacy?.region).toBe(
      "eu-west-2",
    );
  });
});
