/**
 * Contract tests: the bot's gateways are driven through every AWS call they make (and the
 * usual failures: a missing domain, queue, key or instance, a refused link), through the
 * real SDK clients, against the emulator behind a recording door. Then every request the SDK
 * sent and every answer the emulator gave is checked against AWS's published models. The
 * emulator and the gateways agreeing with each other is not enough; both must agree with AWS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID, type EmulatorHandle, startSeededEmulator } from "../../sandbox/aws/index.js";
import { LEGACY_KEY_ALIAS, LEGACY_QUEUE_NAME } from "../../sandbox/aws/seed.js";
import { profileState } from "../../sandbox/aws/services/profiles.js";
import { type AwsClients, createAwsClients } from "../../src/aws/clients.js";
import { createGateways, type Gateways } from "../../src/aws/gateways.js";
import { dlqPolicyStatement, newKeyPolicy } from "../../src/enable/policies.js";
import { checkExchange, loadModel, type Model } from "./model.js";
import { type Recorder, startRecorder } from "./recorder.js";
import { gatewayCalls } from "./served.js";

const REGION = "us-east-1";
const ACTIVE_INSTANCE = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const LEGACY_INSTANCE = "8d3e6b2c-7a41-4f5e-b0c9-2e7f9a1d3c52";
const MISSING_ID = "11111111-2222-4333-8444-555555555555";
const DOMAIN = "amazon-connect-contract";
const QUEUE = "amazon-connect-contract-dlq";
const instanceArn = (id: string) => `arn:aws:connect:${REGION}:${ACCOUNT_ID}:instance/${id}`;

const models: Model[] = (["sqs", "kms", "profile", "connect", "sts", "iam"] as const).map(
  loadModel,
);

let emulator: EmulatorHandle;
let recorder: Recorder;
let clients: AwsClients;
let gw: Gateways;

/** Runs a call that is meant to fail, so its error answer is on the record too. */
async function failing(promise: Promise<unknown>): Promise<void> {
  await promise.then(
    () => undefined,
    () => undefined,
  );
}

async function driveEveryCall(): Promise<void> {
  // Connect
  await gw.connect.listInstances();
  await gw.connect.describeInstance(ACTIVE_INSTANCE);
  await gw.connect.describeInstance(instanceArn(MISSING_ID));

  // KMS: the key a domain is encrypted with, its alias and policy.
  const domainRef = { accountId: ACCOUNT_ID, region: REGION, domainName: DOMAIN };
  const key = await gw.kms.createKey({
    description: "Customer Profiles contract test",
    policy: JSON.stringify(newKeyPolicy(domainRef)),
    tags: { app: "profiles-bot" },
  });
  await gw.kms.createAlias("alias/contract-test", key.keyId);
  await gw.kms.describeKey("alias/contract-test");
  await gw.kms.describeKey(MISSING_ID);
  await gw.kms.findAlias(LEGACY_KEY_ALIAS);
  await gw.kms.listCustomerKeys();
  const policy = await gw.kms.getKeyPolicy(key.keyId);
  await gw.kms.putKeyPolicy(key.keyId, policy);
  await failing(gw.kms.createAlias("alias/contract-test", key.keyId));

  // SQS: the dead-letter queue's life cycle and the receive/delete loop.
  await gw.sqs.findQueueUrl(LEGACY_QUEUE_NAME);
  await gw.sqs.findQueueUrl("contract-missing");
  const queueUrl = await gw.sqs.createQueue(QUEUE, {
    tags: { app: "profiles-bot" },
    retentionSeconds: 1_209_600,
    sqsManagedSse: true,
  });
  await gw.sqs.setPolicy(
    queueUrl,
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        dlqPolicyStatement({
          ...domainRef,
          queueArn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${QUEUE}`,
        }),
      ],
    }),
  );
  await gw.sqs.queueInfo(queueUrl);
  await gw.sqs.receiveSettings(queueUrl);
  await gw.sqs.listQueues("amazon-connect-");
  await gw.sqs.listQueues("nothing-has-this-prefix-");
  await gw.sqs.receive(queueUrl, { max: 10, visibilityTimeout: 30, waitSeconds: 0 });
  await gw.sqs.send(queueUrl, '{"errorMessage":"contract"}', { ErrorMessage: "contract" });
  await gw.sqs.send(queueUrl, "second");
  const received = await gw.sqs.receive(queueUrl, {
    max: 10,
    visibilityTimeout: 30,
    waitSeconds: 0,
  });
  const [first, ...rest] = received.map((m) => m.ReceiptHandle ?? "");
  await gw.sqs.changeVisibilityBatch(queueUrl, [
    { receiptHandle: first ?? "", visibilityTimeout: 0 },
    { receiptHandle: "not-a-receipt-handle", visibilityTimeout: 0 },
  ]);
  await gw.sqs.deleteBatch(queueUrl, [...rest, "not-a-receipt-handle"]);

  // Customer Profiles: the domain, its link, its objects and its tags.
  await gw.profiles.listDomains();
  await gw.profiles.createDomain({
    name: DOMAIN,
    expirationDays: 366,
    encryptionKey: key.arn,
    deadLetterQueueUrl: queueUrl,
    dataStore: true,
    tags: { app: "profiles-bot" },
  });
  await failing(gw.profiles.createDomain({ name: DOMAIN, expirationDays: 366, tags: {} }));
  await gw.profiles.getDomain(DOMAIN);
  await gw.profiles.getDomain("amazon-connect-never-made");
  await gw.profiles.updateDomain(DOMAIN, { expirationDays: 400 });
  await gw.profiles.domainForInstance(instanceArn(LEGACY_INSTANCE));
  await gw.profiles.domainForInstance(instanceArn(ACTIVE_INSTANCE));
  await gw.profiles.listIntegrations(DOMAIN);
  await gw.profiles.linkInstance(DOMAIN, instanceArn(ACTIVE_INSTANCE));
  await gw.profiles.listIntegrations(DOMAIN);
  await gw.profiles.unlinkInstance(DOMAIN, instanceArn(ACTIVE_INSTANCE));
  await gw.profiles.unlinkInstance(DOMAIN, instanceArn(ACTIVE_INSTANCE));
  profileState(emulator.ctx.state).refuseConnectLinks = true;
  await failing(gw.profiles.linkInstance(DOMAIN, instanceArn(ACTIVE_INSTANCE)));
  profileState(emulator.ctx.state).refuseConnectLinks = false;
  await gw.profiles.getProfileObjectType("amazon-connect-legacy", "CRM-Contact");
  await gw.profiles.getProfileObjectType("amazon-connect-legacy", "NoSuchType");
  await gw.profiles.putProfileObject(
    "amazon-connect-legacy",
    "CRM-Contact",
    JSON.stringify({ AccountNumber: "3001", FirstName: "Ana" }),
  );
  await failing(gw.profiles.putProfileObject("amazon-connect-legacy", "CRM-Contact", "not json"));
  await gw.profiles.tagDomain(DOMAIN, { "profiles-bot:alerts": "C0OPS" });
  await gw.profiles.domainTags(DOMAIN);
  await gw.profiles.untagDomain(DOMAIN, ["profiles-bot:alerts", "app"]);
  await gw.profiles.domainTags(DOMAIN);
  await gw.profiles.listDomainTags();

  // STS and IAM: who the bot is and what it may do (profiles-bot doctor).
  const identity = gw.identity;
  if (identity) {
    const me = await identity.callerIdentity();
    await identity.simulate(me.arn, ["sqs:ReceiveMessage", "kms:DescribeKey"], "*", [
      { key: "kms:ViaService", type: "string", values: [`profile.${REGION}.amazonaws.com`] },
    ]);
    await failing(
      identity.simulate("arn:aws:iam::999999999999:role/elsewhere", ["sqs:ReceiveMessage"], "*"),
    );
  }

  // Clean-up's calls.
  await gw.profiles.updateDomain(DOMAIN, { deadLetterQueueUrl: "", encryptionKey: "" });
  await gw.profiles.deleteDomain(DOMAIN);
  await failing(gw.profiles.deleteDomain(DOMAIN));
  await gw.sqs.deleteQueue(queueUrl);
  await gw.kms.deleteAlias("alias/contract-test");
  await gw.kms.scheduleDeletion(key.keyId, 7);
}

beforeAll(async () => {
  emulator = await startSeededEmulator({ port: 0, quotas: false, region: REGION });
  recorder = await startRecorder(emulator.url);
  clients = createAwsClients({
    region: REGION,
    endpoint: recorder.url,
    maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  gw = createGateways(clients);
  await driveEveryCall();
});

afterAll(async () => {
  clients?.destroy();
  await recorder?.close();
  await emulator?.close();
});

describe("the gateways' AWS calls against AWS's published models", () => {
  it("drives every call the gateways make, each answered with success at least once", () => {
    const succeeded = new Set(
      recorder.exchanges
        .filter((ex) => ex.status < 300)
        .map((ex) => checkExchange(models, ex).operation),
    );
    const calls = gatewayCalls();
    expect(calls.length).toBeGreaterThanOrEqual(29);
    expect(calls.filter((c) => !succeeded.has(c))).toEqual([]);
  });

  it("finds every exchange's operation in AWS's models", () => {
    const unknown = recorder.exchanges
      .map((ex) => checkExchange(models, ex))
      .filter((r) => r.operation === undefined);
    expect(unknown).toEqual([]);
  });

  it("sends requests and gets answers that keep the models' rules", () => {
    const problems = recorder.exchanges.flatMap((ex) => checkExchange(models, ex).problems);
    expect([...new Set(problems)]).toEqual([]);
  });

  it("answers failures with the error codes the operations declare", () => {
    const failures = recorder.exchanges.filter((ex) => ex.status >= 300);
    // Not found, already exists, a bad receipt handle's batch entry is 200; a refused link.
    expect(failures.length).toBeGreaterThanOrEqual(8);
    const problems = failures.flatMap((ex) => checkExchange(models, ex).problems);
    expect(problems).toEqual([]);
  });
});
