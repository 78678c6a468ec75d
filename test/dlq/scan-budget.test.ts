/**
 * scanQueue under the dead-letter queue's own RedrivePolicy, against the AWS emulator through
 * the real SDK: it reads each message's ApproximateReceiveCount as it goes and stops receiving
 * before a message could lose the receive kept for its re-ingest; nothing is moved on.
 */
import { CreateQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorHandle, startEmulator } from "../../sandbox/aws/index.js";
import { emptyState, findQueueByUrl } from "../../sandbox/aws/state.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways, type Gateways } from "../../src/aws/gateways.js";
import { scanQueue } from "../../src/dlq/scan.js";
import { createLogger } from "../../src/logger.js";
import { fixture } from "./fixtures.js";

const log = createLogger("silent");
let emulator: EmulatorHandle;
let aws: ReturnType<typeof createAwsClients>;
let gateways: Gateways;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, quotas: false, state: emptyState() });
  aws = createAwsClients({
    region: "us-east-1",
    endpoint: emulator.url,
    maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  gateways = createGateways(aws);
});

afterAll(async () => {
  aws.destroy();
  await emulator.close();
});

/** A DLQ of `count` throttled messages whose RedrivePolicy (maxReceiveCount 3) targets another queue. */
async function redrivenQueue(name: string, count: number) {
  const target = await gateways.sqs.createQueue(`${name}-target`, { tags: {} });
  const targetArn = (await gateways.sqs.queueInfo(target))?.arn ?? "";
  const { QueueUrl } = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: targetArn, maxReceiveCount: 3 }),
      },
    }),
  );
  const url = QueueUrl ?? "";
  const body = fixture("throttled-pascal").Body ?? "";
  for (let i = 0; i < count; i += 10) {
    const entries = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
      Id: String(j),
      MessageBody: body,
    }));
    await aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
  }
  const messages = () => findQueueByUrl(emulator.ctx.state, url)?.messages ?? [];
  const moved = () => findQueueByUrl(emulator.ctx.state, target)?.messages ?? [];
  const limit = { targetArn, maxReceiveCount: 3 };
  return { url, limit, messages, moved };
}

describe("scanQueue under a RedrivePolicy", () => {
  it("scans every message while each keeps a receive for its re-ingest", async () => {
    const q = await redrivenQueue("budget-ok", 30);
    for (const m of q.messages()) m.receiveCount = 1;
    const scan = await scanQueue(
      { sqs: gateways.sqs, log },
      {
        queueUrl: q.url,
        maxMessages: 1000,
        samplesPerClass: 1,
        waitSeconds: 0,
        redrive: { limit: q.limit, known: { highest: 1, atHighest: 30 } },
      },
    );
    expect(scan).toMatchObject({ total: 30, complete: true, stoppedShort: false });
    expect(scan.receives).toEqual({ 2: { left: 30, deleted: 0 } });
    expect(q.moved()).toHaveLength(0);
  });

  it("stops after the first batch shows counts that leave no receive to spare, and moves nothing", async () => {
    const q = await redrivenQueue("budget-short", 30);
    // Received twice by another reader the bot knows nothing of.
    for (const m of q.messages()) m.receiveCount = 2;
    const scan = await scanQueue(
      { sqs: gateways.sqs, log },
      {
        queueUrl: q.url,
        maxMessages: 1000,
        samplesPerClass: 1,
        waitSeconds: 0,
        receivers: 1,
        redrive: { limit: q.limit },
      },
    );
    expect(scan).toMatchObject({ total: 10, complete: false, stoppedShort: true });
    expect(scan.receives).toEqual({ 3: { left: 10, deleted: 0 } });
    expect(q.moved()).toHaveLength(0);
    const counts = q.messages().map((m) => m.receiveCount);
    expect(counts.filter((c) => c === 3)).toHaveLength(10);
    expect(counts.filter((c) => c === 2)).toHaveLength(20);
  });
});
