/**
 * Contract tests for the emulator's other operations: the ones the bot does not call but the
 * sandbox, its failure maker and the emulator tests use. Each operation in served.ts is
 * called through the real SDK clients behind the recording door, and every answer is checked
 * against AWS's published models, so a new emulator feature is held to AWS's shapes as soon
 * as its operation is listed there. The emulator also refuses what AWS's models refuse.
 */
import { ConnectClient, ListInstancesCommand } from "@aws-sdk/client-connect";
import {
  BadRequestException,
  CreateDomainCommand,
  CustomerProfilesClient,
  DeleteProfileObjectTypeCommand,
  GetIntegrationCommand,
  ListDomainsCommand,
  ListProfileObjectsCommand,
  ListProfileObjectTypesCommand,
  PutIntegrationCommand,
  PutProfileObjectCommand,
  PutProfileObjectTypeCommand,
  SearchProfilesCommand,
} from "@aws-sdk/client-customer-profiles";
import { IAMClient, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  KMSClient,
  ListKeyPoliciesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
} from "@aws-sdk/client-kms";
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID, type EmulatorHandle, startSeededEmulator } from "../../sandbox/aws/index.js";
import { TARGET_ACCOUNT, TARGET_EXTERNAL_ID, TARGET_ROLE_ARN } from "../../sandbox/aws/seed.js";
import { ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import { checkExchange, errorCodeOf, loadModel, type Model } from "./model.js";
import { type Recorder, startRecorder } from "./recorder.js";
import { gatewayCalls, MODEL_FILES, type ModelService, SERVED } from "./served.js";

const REGION = "us-east-1";
const DOMAIN = "amazon-connect-legacy";
const INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT_ID}:instance/5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01`;

const models: Model[] = (Object.keys(MODEL_FILES) as ModelService[]).map(loadModel);

let emulator: EmulatorHandle;
let recorder: Recorder;
let sqs: SQSClient;
let kms: KMSClient;
let profiles: CustomerProfilesClient;
let sts: STSClient;

async function driveTheRest(): Promise<void> {
  // SQS: a source queue redriving to a dead-letter queue, tags, batches, single messages.
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: "contract-rest-dlq" }));
  const source = await sqs.send(
    new CreateQueueCommand({
      QueueName: "contract-rest-source",
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:contract-rest-dlq`,
          maxReceiveCount: 5,
        }),
      },
    }),
  );
  const url = source.QueueUrl ?? "";
  await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: "ops" } }));
  await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }));
  await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ["team"] }));
  await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.QueueUrl ?? "" }));
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        {
          Id: "a",
          MessageBody: "one",
          MessageAttributes: { k: { DataType: "String", StringValue: "v" } },
        },
        { Id: "b", MessageBody: "two" },
      ],
    }),
  );
  const got = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 2,
      MessageSystemAttributeNames: ["All"],
    }),
  );
  const [first, second] = got.Messages ?? [];
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: url,
      ReceiptHandle: first?.ReceiptHandle ?? "",
      VisibilityTimeout: 60,
    }),
  );
  await sqs.send(
    new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second?.ReceiptHandle ?? "" }),
  );
  await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));

  // KMS: tags, key state changes, alias moves, the list of policy names.
  const a = await kms.send(new CreateKeyCommand({ Description: "contract a" }));
  const b = await kms.send(new CreateKeyCommand({ Description: "contract b" }));
  const keyA = a.KeyMetadata?.KeyId ?? "";
  const keyB = b.KeyMetadata?.KeyId ?? "";
  await kms.send(
    new TagResourceCommand({ KeyId: keyA, Tags: [{ TagKey: "team", TagValue: "ops" }] }),
  );
  await kms.send(new ListResourceTagsCommand({ KeyId: keyA }));
  await kms.send(new UntagResourceCommand({ KeyId: keyA, TagKeys: ["team"] }));
  await kms.send(new ListKeyPoliciesCommand({ KeyId: keyA }));
  await kms.send(new DisableKeyCommand({ KeyId: keyA }));
  await kms.send(new EnableKeyCommand({ KeyId: keyA }));
  await kms.send(new CreateAliasCommand({ AliasName: "alias/contract-rest", TargetKeyId: keyA }));
  await kms.send(new UpdateAliasCommand({ AliasName: "alias/contract-rest", TargetKeyId: keyB }));
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyA, PendingWindowInDays: 7 }));
  await kms.send(new CancelKeyDeletionCommand({ KeyId: keyA }));

  // Customer Profiles: object types, objects, search, integrations read back.
  await profiles.send(
    new PutProfileObjectTypeCommand({
      DomainName: DOMAIN,
      ObjectTypeName: "Order",
      Description: "Web shop orders",
      Fields: {
        OrderId: { Source: "_source.OrderId", Target: "_order.OrderId", ContentType: "STRING" },
        AccountNumber: {
          Source: "_source.AccountNumber",
          Target: "_profile.AccountNumber",
          ContentType: "STRING",
        },
      },
      Keys: {
        _orderId: [{ StandardIdentifiers: ["UNIQUE"], FieldNames: ["OrderId"] }],
        _account: [{ StandardIdentifiers: ["PROFILE"], FieldNames: ["AccountNumber"] }],
      },
    }),
  );
  await profiles.send(new ListProfileObjectTypesCommand({ DomainName: DOMAIN }));
  await profiles.send(
    new PutProfileObjectCommand({
      DomainName: DOMAIN,
      ObjectTypeName: "Order",
      Object: JSON.stringify({ OrderId: "o-1", AccountNumber: "A-1" }),
    }),
  );
  await ingestionIdle(emulator.ctx.state);
  const found = await profiles.send(
    new SearchProfilesCommand({ DomainName: DOMAIN, KeyName: "_account", Values: ["A-1"] }),
  );
  await profiles.send(
    new ListProfileObjectsCommand({
      DomainName: DOMAIN,
      ObjectTypeName: "Order",
      ProfileId: found.Items?.[0]?.ProfileId ?? "",
    }),
  );
  await profiles.send(
    new DeleteProfileObjectTypeCommand({ DomainName: DOMAIN, ObjectTypeName: "Order" }),
  );
  await profiles.send(
    new CreateDomainCommand({
      DomainName: "amazon-connect-contract-rest",
      DefaultExpirationDays: 7,
    }),
  );
  await profiles.send(
    new PutIntegrationCommand({
      DomainName: "amazon-connect-contract-rest",
      Uri: INSTANCE_ARN,
      ObjectTypeName: "CTR",
    }),
  );
  await profiles.send(
    new GetIntegrationCommand({ DomainName: "amazon-connect-contract-rest", Uri: INSTANCE_ARN }),
  );

  // STS: the second account's role, then who its session is (GetCallerIdentity signed with
  // the session's key and token).
  const assumed = await sts.send(
    new AssumeRoleCommand({
      RoleArn: TARGET_ROLE_ARN,
      RoleSessionName: "profiles-bot-contract",
      ExternalId: TARGET_EXTERNAL_ID,
      DurationSeconds: 900,
    }),
  );
  const { AccessKeyId = "", SecretAccessKey = "", SessionToken } = assumed.Credentials ?? {};
  const session = new STSClient({
    ...clientConfig(recorder.url),
    credentials: {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      sessionToken: SessionToken,
    },
  });
  try {
    const who = await session.send(new GetCallerIdentityCommand({}));
    if (who.Account !== TARGET_ACCOUNT) throw new Error(`the session is in ${who.Account}`);
  } finally {
    session.destroy();
  }
}

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: REGION,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});

beforeAll(async () => {
  emulator = await startSeededEmulator({
    port: 0,
    quotas: false,
    region: REGION,
    targetRegions: [REGION],
  });
  recorder = await startRecorder(emulator.url);
  const config = clientConfig(recorder.url);
  sqs = new SQSClient(config);
  kms = new KMSClient(config);
  profiles = new CustomerProfilesClient(config);
  sts = new STSClient(config);
  await driveTheRest();
});

afterAll(async () => {
  for (const client of [sqs, kms, profiles, sts]) client?.destroy();
  await recorder?.close();
  await emulator?.close();
});

describe("every operation the emulator serves, against AWS's published models", () => {
  it("answers with success each operation it serves that the gateways do not call", () => {
    const answered = new Set(
      recorder.exchanges
        .filter((ex) => ex.status < 300)
        .map((ex) => checkExchange(models, ex).operation),
    );
    // gateways.test.ts drives the gateways' own calls; together the two cover served.ts.
    const bots = new Set(gatewayCalls());
    const rest = (Object.keys(SERVED) as ModelService[])
      .flatMap((s) => SERVED[s].map((op) => `${s}:${op}`))
      .filter((op) => !bots.has(op));
    expect(rest.length).toBeGreaterThanOrEqual(20);
    expect(rest.filter((op) => !answered.has(op))).toEqual([]);
  });

  it("gives answers that keep the models' rules", () => {
    const problems = recorder.exchanges.flatMap((ex) => checkExchange(models, ex).problems);
    expect([...new Set(problems)]).toEqual([]);
  });

  it("refuses an empty Tags map on CreateDomain, as AWS's model (1 to 50 tags) does", async () => {
    const refused = await profiles
      .send(
        new CreateDomainCommand({
          DomainName: "amazon-connect-contract-untagged",
          DefaultExpirationDays: 7,
          Tags: {},
        }),
      )
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(BadRequestException);
    expect((refused as Error).message).toContain("Member must have length between 1 and 50");
  });

  it("refuses AssumeRole as STS does, with error answers its model allows", async () => {
    const from = recorder.exchanges.length;
    const assume = (input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]>) =>
      sts
        .send(
          new AssumeRoleCommand({
            RoleArn: TARGET_ROLE_ARN,
            RoleSessionName: "profiles-bot-contract",
            ExternalId: TARGET_EXTERNAL_ID,
            ...input,
          }),
        )
        .then(
          () => "allowed",
          (err: Error) => `${err.name}: ${err.message}`,
        );
    // A wrong external id and a role that does not exist read the same, as in STS.
    const refusals = [
      await assume({ ExternalId: "not-the-external-id" }),
      await assume({ RoleArn: `arn:aws:iam::${TARGET_ACCOUNT}:role/no-such-role` }),
      await assume({ RoleSessionName: "x" }),
      await assume({ DurationSeconds: 7200 }),
    ];
    expect(refusals).toEqual([
      `AccessDenied: User: arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot is not authorized to perform: sts:AssumeRole on resource: ${TARGET_ROLE_ARN}`,
      `AccessDenied: User: arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${TARGET_ACCOUNT}:role/no-such-role`,
      "ValidationError: 1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
      "ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    ]);
    const answers = recorder.exchanges.slice(from);
    expect(answers.map((ex) => [ex.status, errorCodeOf(ex)])).toEqual([
      [403, "AccessDenied"],
      [403, "AccessDenied"],
      [400, "ValidationError"],
      [400, "ValidationError"],
    ]);
    // The answers keep the model's rules; the one request it breaks is the one refused for it.
    expect(answers.flatMap((ex) => checkExchange(models, ex).problems)).toEqual([
      "sts:AssumeRole request RoleSessionName: length 1 is below the model's minimum 2 (roleSessionNameType)",
    ]);
    expect(answers.map((ex) => checkExchange(models, ex).operation)).toEqual(
      Array(4).fill("sts:AssumeRole"),
    );
  });
});

describe("the faults the emulator injects, against AWS's published models", () => {
  /** One call per service, each answered with the fault in force; their error codes. */
  async function failEach(fault: { throttle?: number; internal?: number }) {
    const faulty = await startSeededEmulator({ port: 0, quotas: false, faults: { "*": fault } });
    const door = await startRecorder(faulty.url);
    const config = {
      endpoint: door.url,
      region: REGION,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    };
    const clients = {
      sqs: new SQSClient(config),
      kms: new KMSClient(config),
      profiles: new CustomerProfilesClient(config),
      connect: new ConnectClient(config),
      sts: new STSClient(config),
      iam: new IAMClient(config),
    };
    const calls = [
      () => clients.sqs.send(new ListQueuesCommand({})),
      () => clients.kms.send(new ListKeysCommand({})),
      () => clients.profiles.send(new ListDomainsCommand({})),
      () => clients.connect.send(new ListInstancesCommand({})),
      () => clients.sts.send(new GetCallerIdentityCommand({})),
      () =>
        clients.iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: `arn:aws:iam::${ACCOUNT_ID}:role/profiles-bot`,
            ActionNames: ["sqs:ReceiveMessage"],
          }),
        ),
    ];
    try {
      // One at a time, so the answers are in the order of the calls.
      for (const call of calls) await call().catch(() => undefined);
      return door.exchanges.map((ex) => ({
        status: ex.status,
        code: errorCodeOf(ex),
        problems: checkExchange(models, ex).problems,
      }));
    } finally {
      for (const client of Object.values(clients)) client.destroy();
      await door.close();
      await faulty.close();
    }
  }

  it("throttles each service with an error code its model declares or AWS's common ones", async () => {
    const answers = await failEach({ throttle: 1 });
    expect(answers).toHaveLength(6);
    expect(answers.map((a) => a.code)).toEqual([
      "RequestThrottled",
      "ThrottlingException",
      "ThrottlingException",
      "ThrottlingException",
      "Throttling",
      "Throttling",
    ]);
    expect(answers.flatMap((a) => a.problems)).toEqual([]);
  });

  it("fails each service's calls with a 500 its model names", async () => {
    const answers = await failEach({ internal: 1 });
    expect(answers.map((a) => [a.status, a.code])).toEqual([
      [500, "InternalFailure"],
      [500, "KMSInternalException"],
      [500, "InternalServerException"],
      [500, "InternalServiceException"],
      [500, "InternalFailure"],
      [500, "InternalFailure"],
    ]);
    expect(answers.flatMap((a) => a.problems)).toEqual([]);
  });
});
