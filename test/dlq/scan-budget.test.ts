/**
 * scanQueue under the dead-letter queue's own RedrivePolicy, against the AWS emulator through
 * the real SDK: it reads each message's ApproximateReceiveCount as it goes and stops receiving
 * before a message could lose the receive kept for its re-ingest; nothing is moved on.
 */
import { CreateQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { findQueueByUrl } from "../../sandbox/aws/state.js";
import type { ReceiveCounts } from "../../src/dlq/receive-budget.js";
import { type ScanInput, scanQueue } from "../../src/dlq/scan.js";
import { createLogger } from "../../src/logger.js";
import { fixture } from "./fixtures.js";
import { useEmptyEmulator } from "./support/empty-emulator.js";

const log = createLogger("silent");
const env = useEmptyEmulator();

/** A DLQ of `count` throttled messages whose RedrivePolicy (maxReceiveCount 3) targets another queue. */
async function redrivenQueue(name: string, count: number) {
  const target = await env.gateways.sqs.createQueue(`${name}-target`, { tags: {} });
  const targetArn = (await env.gateways.sqs.queueInfo(target))?.arn ?? "";
  const { QueueUrl } = await env.aws.sqs.send(
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
    await env.aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
  }
  const messages = () => findQueueByUrl(env.emulator.ctx.state, url)?.messages ?? [];
  const moved = () => findQueueByUrl(env.emulator.ctx.state, target)?.messages ?? [];
  const limit = { targetArn, maxReceiveCount: 3 };
  /** One scan of the queue under its RedrivePolicy, with what the bot knows of its counts. */
  const scan = async (input: Pick<ScanInput, "receivers"> & { known?: ReceiveCounts } = {}) => {
    const result = await scanQueue(
      { sqs: env.gateways.sqs, log },
      {
        queueUrl: url,
        maxMessages: 1000,
        samplesPerClass: 1,
        waitSeconds: 0,
        receivers: input.receivers,
        redrive: { limit, known: input.known },
      },
    );
    // Every message back before the next scan, as the scan lock makes the job wait.
    await result.returned;
    return result;
  };
  return { messages, moved, scan };
}

describe("scanQueue under a RedrivePolicy", () => {
  it("scans every message while each keeps a receive for its re-ingest", async () => {
    const q = await redrivenQueue("budget-ok", 30);
    for (const m of q.messages()) m.receiveCount = 1;
    const scan = await q.scan({ known: { highest: 1, atHighest: 30 } });
    expect(scan).toMatchObject({ total: 30, complete: true, stoppedShort: false });
    expect(scan.receives).toEqual({ 2: { left: 30, deleted: 0 } });
    expect(q.moved()).toHaveLength(0);
  });

  it("stops after the first batch shows counts that leave no receive to spare, and moves nothing", async () => {
    const q = await redrivenQueue("budget-short", 30);
    // Received twice by another reader the bot knows nothing of.
    for (const m of q.messages()) m.receiveCount = 2;
    const scan = await q.scan({ receivers: 1 });
    expect(scan).toMatchObject({ total: 10, complete: false, stoppedShort: true });
    expect(scan.receives).toEqual({ 3: { left: 10, deleted: 0 } });
    expect(q.moved()).toHaveLength(0);
    const counts = q.messages().map((m) => m.receiveCount);
    expect(counts.filter((c) => c === 3)).toHaveLength(10);
    expect(counts.filter((c) => c === 2)).toHaveLength(20);
  });
});
