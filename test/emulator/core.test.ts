/** The emulator core: fault injection, latency, quotas, state files, seeding and shutdown. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  KMSServiceException,
} from "@aws-sdk/client-kms";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  RequestThrottled,
  SendMessageCommand,
  SQSClient,
  type SQSServiceException,
} from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { startSeededEmulator } from "../../sandbox/aws/index.js";
import { type EmulatorHandle, type StartOptions, startEmulator } from "../../sandbox/aws/server.js";
import { loadState } from "../../sandbox/aws/state.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const open: { close(): Promise<void> | void }[] = [];

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function emulator(opts: StartOptions = {}, seeded = false): Promise<EmulatorHandle> {
  const emu = seeded
    ? await startSeededEmulator({ port: 0, ...opts })
    : await startEmulator({ port: 0, ...opts });
  open.push(emu);
  return emu;
}

function sqsClient(emu: EmulatorHandle, maxAttempts?: number): SQSClient {
  const client = new SQSClient({
    endpoint: emu.url,
    region: "us-east-1",
    credentials,
    ...(maxAttempts ? { maxAttempts } : {}),
  });
  open.push({ close: () => client.destroy() });
  return client;
}

function kmsClient(emu: EmulatorHandle, maxAttempts = 1): KMSClient {
  const client = new KMSClient({
    endpoint: emu.url,
    region: "us-east-1",
    credentials,
    maxAttempts,
  });
  open.push({ close: () => client.destroy() });
  return client;
}

describe("fault injection", () => {
  it("throttles SendMessage: the SDK retries it as throttling, then raises RequestThrottled", async () => {
    const emu = await emulator({ faults: { "sqs:SendMessage": { throttle: 1 } } });
    const sqs = sqsClient(emu);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "faulty" }));
    const err = await sqs
      .send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestThrottled);
    // A 403 is retried only because the SDK classifies RequestThrottled as throttling.
    expect((err as RequestThrottled).$metadata.attempts).toBe(3);
    expect(emu.calls.get("sqs:SendMessage")).toBe(3);
    // Only the faulty operation fails.
    expect(emu.calls.get("sqs:CreateQueue")).toBe(1);
  });

  it("fails at once with maxAttempts 1", async () => {
    const emu = await emulator({ faults: { "sqs:SendMessage": { throttle: 1 } } });
    const sqs = sqsClient(emu, 1);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "faulty" }));
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })),
    ).rejects.toBeInstanceOf(RequestThrottled);
    expect(emu.calls.get("sqs:SendMessage")).toBe(1);
  });

  it("injects internal errors the SDK sees as server faults", async () => {
    const emu = await emulator({ faults: { "sqs:*": { internal: 1 } } });
    const err = await sqsClient(emu, 1)
      .send(new ListQueuesCommand({}))
      .catch((e: SQSServiceException) => e);
    expect(err).toMatchObject({ $fault: "server", $metadata: { httpStatusCode: 500 } });
  });

  it("throttles KMS with ThrottlingException", async () => {
    const emu = await emulator({ faults: { "kms:DescribeKey": { throttle: 1 } } });
    const err = await kmsClient(emu)
      .send(new DescribeKeyCommand({ KeyId: "alias/x" }))
      .catch((e: KMSServiceException) => e);
    expect(err).toBeInstanceOf(KMSServiceException);
    expect(err).toMatchObject({ name: "ThrottlingException" });
  });

  it("applies a fault rate, not all-or-nothing, using the injected random source", async () => {
    const rolls = [0.1, 0.9, 0.1, 0.9];
    const emu = await emulator({
      faults: { "sqs:ListQueues": { throttle: 0.5 } },
      random: () => rolls.shift() ?? 1,
    });
    const sqs = sqsClient(emu, 1);
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(
        await sqs.send(new ListQueuesCommand({})).then(
          () => "ok",
          () => "throttled",
        ),
      );
    }
    expect(outcomes).toEqual(["throttled", "ok", "throttled", "ok"]);
  });
});

describe("latency and quotas", () => {
  it("adds the configured latency to every call", async () => {
    const emu = await emulator({ latencyMs: 150 });
    const sqs = sqsClient(emu, 1);
    await sqs.send(new ListQueuesCommand({}));
    const started = performance.now();
    await sqs.send(new ListQueuesCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it("throttles calls over a TPS quota and refills the bucket over time", async () => {
    const emu = await emulator({ quotaTable: { "sqs:ListQueues": { rate: 5, burst: 2 } } });
    const sqs = sqsClient(emu, 1);
    await sqs.send(new ListQueuesCommand({}));
    await sqs.send(new ListQueuesCommand({}));
    await expect(sqs.send(new ListQueuesCommand({}))).rejects.toBeInstanceOf(RequestThrottled);
    await new Promise((r) => setTimeout(r, 250));
    await expect(sqs.send(new ListQueuesCommand({}))).resolves.toBeDefined();
    // Operations without a quota are never throttled.
    for (let i = 0; i < 5; i++) await sqs.send(new CreateQueueCommand({ QueueName: "unlimited" }));
  });

  it("does not enforce quotas when they are off", async () => {
    const emu = await emulator({
      quotas: false,
      quotaTable: { "sqs:ListQueues": { rate: 1, burst: 1 } },
    });
    const sqs = sqsClient(emu, 1);
    for (let i = 0; i < 5; i++) await sqs.send(new ListQueuesCommand({}));
  });
});

describe("state and seed", () => {
  it("saves and loads state: queues, messages and keys survive a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aws-emulator-"));
    open.push({ close: () => rm(dir, { recursive: true, force: true }) });
    const file = join(dir, "state.json");

    const first = await emulator({}, true);
    const sqs1 = sqsClient(first, 1);
    const { QueueUrl } = await sqs1.send(new CreateQueueCommand({ QueueName: "durable" }));
    await sqs1.send(new SendMessageCommand({ QueueUrl, MessageBody: "still here" }));
    await first.save(file);
    await first.close();

    const second = await emulator({ state: await loadState(file) }, true);
    const sqs2 = sqsClient(second, 1);
    const url = await sqs2.send(new GetQueueUrlCommand({ QueueName: "durable" }));
    expect(url.QueueUrl).toBe(`${second.url}/111122223333/durable`);
    const got = await sqs2.send(new ReceiveMessageCommand({ QueueUrl: url.QueueUrl }));
    expect(got.Messages?.[0]?.Body).toBe("still here");
    const key = await kmsClient(second).send(
      new DescribeKeyCommand({ KeyId: "alias/legacy-profiles" }),
    );
    expect(key.KeyMetadata?.KeyState).toBe("Enabled");
    // A loaded state is not seeded again.
    expect(Object.keys(second.ctx.state.kms.keys)).toHaveLength(1);
  });

  it("seeds a legacy DLQ and key that both lack the Customer Profiles statement", async () => {
    const emu = await emulator({}, true);
    const { QueueUrl } = await sqsClient(emu, 1).send(
      new GetQueueUrlCommand({ QueueName: "legacy-profiles-dlq" }),
    );
    const attrs = await sqsClient(emu, 1).send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["Policy", "QueueArn"] }),
    );
    const queuePolicy = JSON.parse(attrs.Attributes?.Policy ?? "{}");
    expect(queuePolicy.Statement.length).toBeGreaterThan(0);
    expect(JSON.stringify(queuePolicy)).not.toContain("profile.amazonaws.com");

    const { Policy } = await kmsClient(emu).send(
      new GetKeyPolicyCommand({ KeyId: "alias/legacy-profiles" }),
    );
    const keyPolicy = JSON.parse(Policy ?? "{}");
    expect(keyPolicy.Statement).toEqual([
      expect.objectContaining({
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: "kms:*",
      }),
    ]);
  });
});

describe("protocol edges and shutdown", () => {
  it("answers an unknown operation with an error the SDK can read", async () => {
    const emu = await emulator();
    const res = await fetch(emu.url, {
      method: "POST",
      headers: {
        "x-amz-target": "AmazonSQS.DoSomethingElse",
        "content-type": "application/x-amz-json-1.0",
      },
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-query-error")).toBe("InvalidAction;Sender");
  });

  it("refuses a request for no known service", async () => {
    const emu = await emulator();
    const res = await fetch(`${emu.url}/whatever`);
    expect(res.status).toBe(400);
  });

  it("ends a long poll whose client left, so it takes no message nobody will read", async () => {
    const emu = await emulator();
    const sqs = sqsClient(emu, 1);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "left" }));
    const leaving = new AbortController();
    const poll = sqs
      .send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }), {
        abortSignal: leaving.signal,
      })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    leaving.abort();
    await poll;
    await new Promise((r) => setTimeout(r, 100));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "for the next receive" }));
    // Had the abandoned poll still waited, it would have taken the message and hidden it.
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    expect(Messages?.map((m) => m.Body)).toEqual(["for the next receive"]);
  });

  it("ends pending long polls when it closes", async () => {
    const emu = await startEmulator({ port: 0 });
    const sqs = sqsClient(emu, 1);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "waiting" }));
    const poll = sqs
      .send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }))
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await emu.close();
    await poll;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
