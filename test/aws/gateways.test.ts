/**
 * The gateways against the AWS emulator through the real SDK clients: what AWS ends up
 * holding, and what the gateways return, not which calls were made.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID, type EmulatorHandle, startSeededEmulator } from "../../sandbox/aws/index.js";
import { LEGACY_KEY_ALIAS, LEGACY_QUEUE_NAME } from "../../sandbox/aws/seed.js";
import type { ConnectInstance as SeededInstance } from "../../sandbox/aws/services/connect.js";
import { profileState } from "../../sandbox/aws/services/profiles.js";
import { type AwsClients, createAwsClients } from "../../src/aws/clients.js";
import { createGateways, type Gateways } from "../../src/aws/gateways.js";
import { AppError } from "../../src/errors.js";

const REGION = "us-east-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const ACTIVE_INSTANCE = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const LEGACY_INSTANCE = "8d3e6b2c-7a41-4f5e-b0c9-2e7f9a1d3c52";
const instanceArn = (id: string) => `arn:aws:connect:${REGION}:${ACCOUNT_ID}:instance/${id}`;

let emulator: EmulatorHandle;
let clients: AwsClients;
let gw: Gateways;

beforeAll(async () => {
  emulator = await startSeededEmulator({ port: 0, quotas: false, region: REGION });
  clients = createAwsClients({
    region: REGION,
    endpoint: emulator.url,
    maxAttempts: 3,
    credentials,
  });
  gw = createGateways(clients);
});

afterAll(async () => {
  clients?.destroy();
  await emulator?.close();
});

/** The access policy docs/aws/sqs.md gives for a Customer Profiles dead-letter queue. */
function dlqPolicy(queue: string, domain: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CustomerProfilesDLQ",
        Effect: "Allow",
        Principal: { Service: "profile.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${queue}`,
        Condition: {
          StringEquals: {
            "aws:SourceAccount": ACCOUNT_ID,
            "aws:SourceArn": `arn:aws:profile:${REGION}:${ACCOUNT_ID}:domains/${domain}`,
          },
        },
      },
    ],
  });
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("ConnectGateway", () => {
  it("lists every instance across pages, with region and account from the ARN", async () => {
    const instances = (emulator.ctx.state.connect as { instances: Record<string, SeededInstance> })
      .instances;
    const template = instances[ACTIVE_INSTANCE] as SeededInstance;
    for (let i = 0; i < 12; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      instances[id] = {
        ...template,
        id,
        arn: instanceArn(id),
        alias: `extra-${i}`,
        createdTime: Date.now() + i,
      };
    }
    const before = emulator.calls.get("connect:ListInstances") ?? 0;

    const listed = await gw.connect.listInstances();

    expect(listed).toHaveLength(15);
    expect(new Set(listed.map((i) => i.id)).size).toBe(15);
    expect((emulator.calls.get("connect:ListInstances") ?? 0) - before).toBe(2);
    const active = listed.find((i) => i.id === ACTIVE_INSTANCE);
    expect(active).toMatchObject({
      arn: instanceArn(ACTIVE_INSTANCE),
      alias: "examplecorp",
      status: "ACTIVE",
      region: REGION,
      accountId: ACCOUNT_ID,
    });
    const creating = listed.find((i) => i.status === "CREATION_IN_PROGRESS");
    expect(creating).toBeDefined();
    expect(creating).not.toHaveProperty("alias");
  });

  it("describes an instance by id or ARN, and answers undefined for one that does not exist", async () => {
    expect(await gw.connect.describeInstance(LEGACY_INSTANCE)).toMatchObject({
      alias: "legacy-support",
    });
    expect(await gw.connect.describeInstance(instanceArn(LEGACY_INSTANCE))).toMatchObject({
      id: LEGACY_INSTANCE,
    });
    expect(
      await gw.connect.describeInstance("11111111-2222-4333-8444-555555555555"),
    ).toBeUndefined();
  });
});

describe("ProfilesGateway", () => {
  it("creates, reads, updates and deletes a domain; a missing one is undefined", async () => {
    const queueUrl = await gw.sqs.createQueue("gw-domain-dlq", { tags: {} });
    await gw.sqs.setPolicy(queueUrl, dlqPolicy("gw-domain-dlq", "amazon-connect-gw-crud"));
    const created = await gw.profiles.createDomain({
      name: "amazon-connect-gw-crud",
      expirationDays: 30,
      deadLetterQueueUrl: queueUrl,
      tags: { owner: "profiles-bot" },
    });
    expect(created).toMatchObject({ name: "amazon-connect-gw-crud", expirationDays: 30 });

    const read = await gw.profiles.getDomain("amazon-connect-gw-crud");
    expect(read).toMatchObject({
      name: "amazon-connect-gw-crud",
      expirationDays: 30,
      deadLetterQueueUrl: queueUrl,
      tags: { owner: "profiles-bot" },
      stats: { profileCount: 0, objectCount: 0 },
    });

    await gw.profiles.updateDomain("amazon-connect-gw-crud", {
      deadLetterQueueUrl: "",
      expirationDays: 60,
    });
    const updated = await gw.profiles.getDomain("amazon-connect-gw-crud");
    expect(updated?.expirationDays).toBe(60);
    expect(updated?.deadLetterQueueUrl).toBeUndefined();

    await gw.profiles.deleteDomain("amazon-connect-gw-crud");
    expect(await gw.profiles.getDomain("amazon-connect-gw-crud")).toBeUndefined();
    expect(await gw.profiles.getDomain("amazon-connect-never-made")).toBeUndefined();
  });

  it("lists every domain across pages", async () => {
    // Written into the emulator's state because 101 domains exceed the per-region quota.
    const domains = profileState(emulator.ctx.state).domains;
    const legacy = domains[`${REGION}/amazon-connect-legacy`];
    const names = Array.from({ length: 101 }, (_, i) => `gw-page-${String(i).padStart(3, "0")}`);
    for (const name of names)
      domains[`${REGION}/${name}`] = { ...structuredClone(legacy), name } as NonNullable<
        typeof legacy
      >;
    const before = emulator.calls.get("profile:ListDomains") ?? 0;
    try {
      const listed = (await gw.profiles.listDomains()).map((d) => d.name);

      expect(listed).toEqual(expect.arrayContaining([...names, "amazon-connect-legacy"]));
      expect(new Set(listed).size).toBe(listed.length);
      expect((emulator.calls.get("profile:ListDomains") ?? 0) - before).toBe(2);
    } finally {
      for (const name of names) delete domains[`${REGION}/${name}`];
    }
  });

  it("links and unlinks an instance, and finds the domain an instance is linked to", async () => {
    const arn = instanceArn(ACTIVE_INSTANCE);
    expect(await gw.profiles.domainForInstance(instanceArn(LEGACY_INSTANCE))).toBe(
      "amazon-connect-legacy",
    );
    expect(await gw.profiles.domainForInstance(arn)).toBeUndefined();

    await gw.profiles.createDomain({
      name: "amazon-connect-gw-link",
      expirationDays: 366,
      tags: {},
    });
    const link = await gw.profiles.linkInstance("amazon-connect-gw-link", arn);
    expect(link).toMatchObject({ domain: "amazon-connect-gw-link", uri: arn });
    expect(await gw.profiles.domainForInstance(arn)).toBe("amazon-connect-gw-link");
    expect(
      (await gw.profiles.listIntegrations("amazon-connect-gw-link")).map((i) => i.uri),
    ).toEqual([arn]);

    await gw.profiles.unlinkInstance("amazon-connect-gw-link", arn);
    expect(await gw.profiles.domainForInstance(arn)).toBeUndefined();
    expect(await gw.profiles.listIntegrations("amazon-connect-gw-link")).toEqual([]);
    await expect(
      gw.profiles.unlinkInstance("amazon-connect-gw-link", arn),
    ).resolves.toBeUndefined();
    await gw.profiles.deleteDomain("amazon-connect-gw-link");
  });

  it("reports a refused instance link as access denied with the console step as the fix", async () => {
    await gw.profiles.createDomain({
      name: "amazon-connect-gw-refused",
      expirationDays: 366,
      tags: {},
    });
    profileState(emulator.ctx.state).refuseConnectLinks = true;
    try {
      const err = await rejection(
        gw.profiles.linkInstance("amazon-connect-gw-refused", instanceArn(ACTIVE_INSTANCE)),
      );
      expect(err.code).toBe("aws_access_denied");
      expect(err.retryable).toBe(false);
      expect(err.userMessage).toMatch(
        /^Customer Profiles PutIntegration failed: AccessDeniedException \(/,
      );
      expect(err.userMessage).toContain("Amazon Connect console");
      expect(err.userMessage).toContain("Customer profiles");
      expect(err.details).toMatchObject({
        awsCode: "AccessDeniedException",
        httpStatus: 403,
        linkInConsole: true,
      });
      expect(await gw.profiles.domainForInstance(instanceArn(ACTIVE_INSTANCE))).toBeUndefined();
    } finally {
      profileState(emulator.ctx.state).refuseConnectLinks = false;
      await gw.profiles.deleteDomain("amazon-connect-gw-refused");
    }
  });

  it("puts a profile object and reads an object type's keys; a missing type is undefined", async () => {
    const type = await gw.profiles.getProfileObjectType("amazon-connect-legacy", "CRM-Contact");
    expect(type?.keys._account).toEqual([
      { standardIdentifiers: ["PROFILE", "UNIQUE"], fieldNames: ["AccountNumber"] },
    ]);
    expect(
      await gw.profiles.getProfileObjectType("amazon-connect-legacy", "NoSuchType"),
    ).toBeUndefined();

    const key = await gw.profiles.putProfileObject(
      "amazon-connect-legacy",
      "CRM-Contact",
      JSON.stringify({ AccountNumber: "2001", FirstName: "Dee", Email: "dee@example.com" }),
    );
    expect(key).toEqual(expect.any(String));
    expect(key.length).toBeGreaterThan(0);
  });

  it("maps a rejected object to aws_validation carrying AWS's reason", async () => {
    const err = await rejection(
      gw.profiles.putProfileObject("amazon-connect-legacy", "CRM-Contact", "not json"),
    );
    expect(err.code).toBe("aws_validation");
    expect(err.userMessage).toContain("BadRequestException");
  });
});

describe("SqsGateway", () => {
  it("creates, finds, describes and deletes a queue; a missing one is undefined", async () => {
    const url = await gw.sqs.createQueue("gw-sqs-life", {
      tags: { app: "profiles-bot" },
      retentionSeconds: 1_209_600,
    });
    expect(await gw.sqs.findQueueUrl("gw-sqs-life")).toBe(url);
    expect(await gw.sqs.findQueueUrl("gw-sqs-missing")).toBeUndefined();

    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [] });
    await gw.sqs.setPolicy(url, policy);
    const info = await gw.sqs.queueInfo(url);
    expect(info).toMatchObject({
      url,
      arn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:gw-sqs-life`,
      name: "gw-sqs-life",
      approximateMessages: 0,
      approximateNotVisible: 0,
    });
    expect(JSON.parse(info?.policy ?? "{}")).toEqual(JSON.parse(policy));

    expect(await gw.sqs.listQueues("gw-sqs-")).toEqual([url]);
    await gw.sqs.deleteQueue(url);
    expect(await gw.sqs.queueInfo(url)).toBeUndefined();
  });

  it("reads the seeded queue's policy and encryption", async () => {
    const url = (await gw.sqs.findQueueUrl(LEGACY_QUEUE_NAME)) ?? "";
    const info = await gw.sqs.queueInfo(url);
    expect(info?.sqsManagedSse).toBe(true);
    expect(info?.policy).toContain("AllowOpsAlarmsTopic");
  });

  it("receives with attributes, and deletes in chunks of 10 checking every entry", async () => {
    const url = await gw.sqs.createQueue("gw-sqs-batch", { tags: {} });
    for (let i = 0; i < 14; i++) await gw.sqs.send(url, `{"n":${i}}`, { errorCode: `E${i}` });

    const first = await gw.sqs.receive(url, { max: 10, visibilityTimeout: 60, waitSeconds: 0 });
    const second = await gw.sqs.receive(url, { max: 10, visibilityTimeout: 60, waitSeconds: 0 });
    const received = [...first, ...second];
    expect(received).toHaveLength(14);
    expect(first[0]?.Attributes?.ApproximateReceiveCount).toBe("1");
    expect(first[0]?.MessageAttributes?.errorCode?.StringValue).toMatch(/^E\d+$/);

    const handles = received.map((m) => m.ReceiptHandle ?? "");
    const result = await gw.sqs.deleteBatch(url, [...handles, "not-a-real-receipt-handle"]);

    expect(result.ok.sort()).toEqual([...handles].sort());
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ id: "not-a-real-receipt-handle", senderFault: true });
    expect(result.failed[0]?.code).toMatch(/ReceiptHandleIsInvalid/);
    const info = await gw.sqs.queueInfo(url);
    expect(info?.approximateMessages).toBe(0);
    expect(info?.approximateNotVisible).toBe(0);
    await gw.sqs.deleteQueue(url);
  });

  it("changes visibility per entry, so released messages come back", async () => {
    const url = await gw.sqs.createQueue("gw-sqs-visibility", { tags: {} });
    for (let i = 0; i < 3; i++) await gw.sqs.send(url, `m${i}`);
    const received = await gw.sqs.receive(url, { max: 10, visibilityTimeout: 300, waitSeconds: 0 });
    expect(received).toHaveLength(3);

    const result = await gw.sqs.changeVisibilityBatch(url, [
      ...received.map((m) => ({ receiptHandle: m.ReceiptHandle ?? "", visibilityTimeout: 0 })),
      { receiptHandle: "bogus", visibilityTimeout: 0 },
    ]);

    expect(result.ok).toHaveLength(3);
    expect(result.failed.map((f) => f.id)).toEqual(["bogus"]);
    const again = await gw.sqs.receive(url, { max: 10, visibilityTimeout: 300, waitSeconds: 0 });
    expect(again.map((m) => m.Body).sort()).toEqual(["m0", "m1", "m2"]);
    await gw.sqs.deleteQueue(url);
  });
});

describe("KmsGateway", () => {
  const policyFor = (marker: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Id: marker,
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });

  it("creates a key with an alias and a policy, finds and describes it", async () => {
    const key = await gw.kms.createKey({
      description: "Customer Profiles gw test",
      policy: policyFor("first"),
      tags: { app: "profiles-bot" },
    });
    expect(key).toMatchObject({
      state: "Enabled",
      spec: "SYMMETRIC_DEFAULT",
      usage: "ENCRYPT_DECRYPT",
      manager: "CUSTOMER",
      description: "Customer Profiles gw test",
    });
    await gw.kms.createAlias("alias/gw-test", key.keyId);

    expect(await gw.kms.findAlias("alias/gw-test")).toBe(key.keyId);
    expect(await gw.kms.findAlias("alias/gw-missing")).toBeUndefined();
    expect((await gw.kms.describeKey("alias/gw-test"))?.arn).toBe(key.arn);
    expect(await gw.kms.describeKey("11111111-2222-4333-8444-555555555555")).toBeUndefined();

    expect(JSON.parse(await gw.kms.getKeyPolicy(key.keyId)).Id).toBe("first");
    await gw.kms.putKeyPolicy(key.keyId, policyFor("second"));
    expect(JSON.parse(await gw.kms.getKeyPolicy(key.keyId)).Id).toBe("second");
  });

  it("offers only enabled customer keys in the picker, with their aliases", async () => {
    const doomed = await gw.kms.createKey({
      description: "to delete",
      policy: policyFor("d"),
      tags: {},
    });
    await gw.kms.createAlias("alias/gw-doomed", doomed.keyId);
    const deletionDate = await gw.kms.scheduleDeletion(doomed.keyId);
    expect(deletionDate?.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    const keys = await gw.kms.listCustomerKeys();

    expect(keys.flatMap((k) => k.aliases)).toEqual(
      expect.arrayContaining([LEGACY_KEY_ALIAS, "alias/gw-test"]),
    );
    expect(keys.map((k) => k.keyId)).not.toContain(doomed.keyId);
    expect((await gw.kms.describeKey(doomed.keyId))?.state).toBe("PendingDeletion");
  });

  it("refuses a deletion window KMS would refuse, without calling it", async () => {
    const err = await rejection(gw.kms.scheduleDeletion("any", 3));
    expect(err.code).toBe("invalid_input");
  });
});

describe("failures on the wire", () => {
  it("maps a connection refused to a retryable aws_unavailable", async () => {
    const closed = await startSeededEmulator({ port: 0, quotas: false });
    const url = closed.url;
    await closed.close();
    const dead = createAwsClients({ region: REGION, endpoint: url, maxAttempts: 1, credentials });
    try {
      const err = await rejection(createGateways(dead).sqs.listQueues());
      expect(err.code).toBe("aws_unavailable");
      expect(err.retryable).toBe(true);
      expect(err.userMessage).toMatch(
        /^SQS ListQueues failed: .*Fix: AWS or the network failed; the job retries\.$/,
      );
    } finally {
      dead.destroy();
    }
  });
});
