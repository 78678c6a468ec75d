/** SQS contract tests: the real SDK client against the emulator, plus the Query protocol. */
import {
  BatchEntryIdsNotDistinct,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidAttributeValue,
  KmsInvalidState,
  KmsNotFound,
  ListQueuesCommand,
  ListQueueTagsCommand,
  MessageNotInflight,
  QueueDeletedRecently,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  SQSServiceException,
  TagQueueCommand,
  TooManyEntriesInBatchRequest,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorHandle, startEmulator } from "../../sandbox/aws/server.js";
import { enqueueMessage, findQueueByUrl } from "../../sandbox/aws/state.js";

let emu: EmulatorHandle;
let sqs: SQSClient;

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  sqs = new SQSClient({
    endpoint: emu.url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sqs.destroy();
  await emu.close();
});

let counter = 0;
async function newQueue(attributes: Record<string, string> = {}, suffix = ""): Promise<string> {
  counter += 1;
  const out = await sqs.send(
    new CreateQueueCommand({
      QueueName: `q-${counter}-${Date.now()}${suffix}`,
      Attributes: attributes,
    }),
  );
  return out.QueueUrl as string;
}

/** A queue whose RedrivePolicy moves a message to a new dead-letter queue after `maxReceiveCount`. */
async function redrivenQueue(maxReceiveCount: number) {
  const dlqUrl = await newQueue();
  const dlq = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
  );
  const RedrivePolicy = JSON.stringify({
    deadLetterTargetArn: dlq.Attributes?.QueueArn,
    maxReceiveCount,
  });
  return { QueueUrl: await newQueue({ RedrivePolicy }), dlqUrl };
}

async function receiveOne(
  QueueUrl: string,
  extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {},
) {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ["All"], ...extra }),
  );
  return out.Messages ?? [];
}

describe("queues", () => {
  it("creates, finds, lists with a prefix and pages, and deletes", async () => {
    const names = ["list-a-1", "list-a-2", "list-a-3", "list-b-1"];
    for (const QueueName of names) await sqs.send(new CreateQueueCommand({ QueueName }));
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "list-a-2" }));
    expect(QueueUrl).toBe(`${emu.url}/111122223333/list-a-2`);

    const first = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: "list-a", MaxResults: 2 }),
    );
    expect(first.QueueUrls?.map((u) => u.split("/").pop())).toEqual(["list-a-1", "list-a-2"]);
    expect(first.NextToken).toBeDefined();
    const second = await sqs.send(
      new ListQueuesCommand({
        QueueNamePrefix: "list-a",
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(second.QueueUrls?.map((u) => u.split("/").pop())).toEqual(["list-a-3"]);
    expect(second.NextToken).toBeUndefined();

    await sqs.send(new DeleteQueueCommand({ QueueUrl: `${emu.url}/111122223333/list-b-1` }));
    await expect(
      sqs.send(new GetQueueUrlCommand({ QueueName: "list-b-1" })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(
      sqs.send(new CreateQueueCommand({ QueueName: "list-b-1" })),
    ).rejects.toBeInstanceOf(QueueDeletedRecently);
  });

  it("returns the existing URL for the same attributes and QueueNameExists for different ones", async () => {
    const a = await sqs.send(
      new CreateQueueCommand({ QueueName: "same", Attributes: { VisibilityTimeout: "60" } }),
    );
    const b = await sqs.send(
      new CreateQueueCommand({ QueueName: "same", Attributes: { VisibilityTimeout: "60" } }),
    );
    expect(b.QueueUrl).toBe(a.QueueUrl);
    await expect(
      sqs.send(
        new CreateQueueCommand({ QueueName: "same", Attributes: { VisibilityTimeout: "61" } }),
      ),
    ).rejects.toBeInstanceOf(QueueNameExists);
  });

  it("validates names: 80 characters of letters, digits, - and _, .fifo only for FIFO", async () => {
    const bad = ["has space", "x".repeat(81), "dot.name", "plain.fifo"];
    for (const QueueName of bad) {
      const err = await sqs.send(new CreateQueueCommand({ QueueName })).catch((e: unknown) => e);
      expect(err, QueueName).toBeInstanceOf(SQSServiceException);
      expect((err as SQSServiceException).name).toBe("InvalidParameterValue");
    }
    await expect(
      sqs.send(new CreateQueueCommand({ QueueName: "x".repeat(80) })),
    ).resolves.toBeDefined();
  });

  it("reports every attribute the bot reads, and validates Policy on SetQueueAttributes", async () => {
    const QueueUrl = await newQueue();
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }),
    );
    expect(Attributes).toMatchObject({
      QueueArn: expect.stringMatching(/^arn:aws:sqs:us-east-1:111122223333:q-/),
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
      ApproximateNumberOfMessagesDelayed: "0",
      VisibilityTimeout: "30",
      MessageRetentionPeriod: "345600",
      SqsManagedSseEnabled: "true",
      CreatedTimestamp: expect.stringMatching(/^\d{10}$/),
      LastModifiedTimestamp: expect.stringMatching(/^\d{10}$/),
    });
    expect(Attributes.Policy).toBeUndefined();

    await expect(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: "{not json" } })),
    ).rejects.toBeInstanceOf(InvalidAttributeValue);
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "a", Effect: "Allow" }],
    });
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: { Policy: policy, KmsMasterKeyId: "alias/aws/sqs" },
      }),
    );
    const after = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ["Policy", "KmsMasterKeyId", "SqsManagedSseEnabled"],
      }),
    );
    expect(after.Attributes).toEqual({
      Policy: policy,
      KmsMasterKeyId: "alias/aws/sqs",
      SqsManagedSseEnabled: "false",
    });
    await expect(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["Nope" as "All"] })),
    ).rejects.toBeInstanceOf(InvalidAttributeName);
  });

  it("tags queues", async () => {
    const QueueUrl = await newQueue();
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { team: "cc", env: "dev" } }));
    const { Tags } = await sqs.send(new ListQueueTagsCommand({ QueueUrl }));
    expect(Tags).toEqual({ team: "cc", env: "dev" });
  });

  it("answers QueueDoesNotExist for a URL that names no queue", async () => {
    const QueueUrl = `${emu.url}/111122223333/never-created`;
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
  });
});

describe("messages", () => {
  // From a real SQS message (a Lambda event sample): the digest AWS itself computed.
  const AWS_VECTOR = {
    name: "sample-attribute",
    value: "sample-value",
    md5: "7c815262be77a62f56671125069ca888",
  };

  it("sends and receives with correct MD5s and system attributes", async () => {
    const QueueUrl = await newQueue();
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: '{"FirstName":"Zoë","Phone":"+15555550100"}',
        MessageAttributes: {
          [AWS_VECTOR.name]: { DataType: "String", StringValue: AWS_VECTOR.value },
        },
      }),
    );
    expect(sent.MD5OfMessageAttributes).toBe(AWS_VECTOR.md5);
    const [m] = await receiveOne(QueueUrl, { MessageAttributeNames: ["All"] });
    expect(m?.MessageId).toBe(sent.MessageId);
    expect(m?.Body).toBe('{"FirstName":"Zoë","Phone":"+15555550100"}');
    expect(m?.MD5OfMessageAttributes).toBe(AWS_VECTOR.md5);
    expect(m?.MessageAttributes?.[AWS_VECTOR.name]?.StringValue).toBe(AWS_VECTOR.value);
    expect(m?.Attributes).toMatchObject({
      ApproximateReceiveCount: "1",
      SentTimestamp: expect.stringMatching(/^\d{13}$/),
      ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
    });
  });

  it("returns only the message attributes asked for, with a digest over those", async () => {
    const QueueUrl = await newQueue();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: "x",
        MessageAttributes: {
          [AWS_VECTOR.name]: { DataType: "String", StringValue: AWS_VECTOR.value },
          "meta.bytes": { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) },
          "meta.count": { DataType: "Number", StringValue: "3" },
        },
      }),
    );
    const [m] = await receiveOne(QueueUrl, { MessageAttributeNames: [AWS_VECTOR.name] });
    expect(Object.keys(m?.MessageAttributes ?? {})).toEqual([AWS_VECTOR.name]);
    expect(m?.MD5OfMessageAttributes).toBe(AWS_VECTOR.md5);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: m?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const [byPrefix] = await receiveOne(QueueUrl, { MessageAttributeNames: ["meta.*"] });
    expect(Object.keys(byPrefix?.MessageAttributes ?? {}).sort()).toEqual([
      "meta.bytes",
      "meta.count",
    ]);
    expect(byPrefix?.MessageAttributes?.["meta.bytes"]?.BinaryValue).toEqual(
      new Uint8Array([1, 2, 3]),
    );
  });

  it("hides a received message for its visibility timeout, then redelivers it with a new handle", async () => {
    const QueueUrl = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "redeliver me" }));
    const [first] = await receiveOne(QueueUrl, { VisibilityTimeout: 1 });
    expect(await receiveOne(QueueUrl)).toEqual([]);
    const counts = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }),
    );
    expect(counts.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe("1");

    await new Promise((r) => setTimeout(r, 1100));
    const [second] = await receiveOne(QueueUrl, { VisibilityTimeout: 30 });
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    expect(second?.Attributes?.ApproximateReceiveCount).toBe("2");
    expect(second?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
      first?.Attributes?.ApproximateFirstReceiveTimestamp,
    );

    // SQS: a stale handle's delete "succeeds, but the message will not be deleted".
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle }));
    const stillThere = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }),
    );
    expect(stillThere.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe("1");
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second?.ReceiptHandle }));
    const gone = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }),
    );
    expect(gone.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe("0");
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: "garbage" })),
    ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  it("changes visibility: 0 makes a message receivable again; a visible message is not in flight", async () => {
    const QueueUrl = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }));
    const [m] = await receiveOne(QueueUrl);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: m?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: m?.ReceiptHandle,
          VisibilityTimeout: 10,
        }),
      ),
    ).rejects.toBeInstanceOf(MessageNotInflight);
    const [again] = await receiveOne(QueueUrl);
    expect(again?.Attributes?.ApproximateReceiveCount).toBe("2");
  });

  it("long polls: returns as soon as a message arrives, or empty at the deadline", async () => {
    const QueueUrl = await newQueue();
    const started = Date.now();
    const pending = receiveOne(QueueUrl, { WaitTimeSeconds: 10 });
    setTimeout(
      () => void sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "wake up" })),
      200,
    );
    const [m] = await pending;
    expect(m?.Body).toBe("wake up");
    expect(Date.now() - started).toBeLessThan(2000);

    const emptyStart = Date.now();
    expect(await receiveOne(QueueUrl, { WaitTimeSeconds: 1 })).toEqual([]);
    expect(Date.now() - emptyStart).toBeGreaterThanOrEqual(950);
  });

  it("long polls wake for messages written by another service (the DLQ writer)", async () => {
    const QueueUrl = await newQueue();
    const pending = receiveOne(QueueUrl, { WaitTimeSeconds: 10 });
    setTimeout(() => {
      const queue = findQueueByUrl(emu.ctx.state, QueueUrl);
      if (queue) enqueueMessage(queue, { body: "from profiles" }, Date.now());
    }, 100);
    expect((await pending)[0]?.Body).toBe("from profiles");
  });

  it("validates ReceiveMessage limits and message size", async () => {
    const QueueUrl = await newQueue();
    const tooMany = await sqs
      .send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 }))
      .catch((e: SQSServiceException) => e);
    expect(tooMany).toMatchObject({ name: "InvalidParameterValue" });
    const tooLong = await sqs
      .send(new SendMessageCommand({ QueueUrl, MessageBody: "x".repeat(1_048_577) }))
      .catch((e: SQSServiceException) => e);
    expect(tooLong).toMatchObject({ name: "InvalidParameterValue" });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x".repeat(1_048_576) })),
    ).resolves.toBeDefined();
  });

  it("moves a message to the dead-letter queue after maxReceiveCount receives", async () => {
    const { QueueUrl, dlqUrl } = await redrivenQueue(1);
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "poison" }));
    const [m] = await receiveOne(QueueUrl);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: m?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect(await receiveOne(QueueUrl)).toEqual([]);
    const [dead] = await receiveOne(dlqUrl);
    expect(dead?.Body).toBe("poison");
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toMatch(/^arn:aws:sqs:/);
  });

  it("delivers a message maxReceiveCount times, counting each receive, then moves it on with its SentTimestamp", async () => {
    const { QueueUrl, dlqUrl } = await redrivenQueue(3);
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "poison" }));
    const counts: string[] = [];
    let sentAt: string | undefined;
    for (let i = 0; i < 3; i++) {
      const [m] = await receiveOne(QueueUrl, { VisibilityTimeout: 0 });
      counts.push(m?.Attributes?.ApproximateReceiveCount ?? "none");
      sentAt ??= m?.Attributes?.SentTimestamp;
    }
    expect(counts).toEqual(["1", "2", "3"]);
    // The fourth receive moves it instead of delivering it.
    expect(await receiveOne(QueueUrl)).toEqual([]);
    const [moved] = await receiveOne(dlqUrl);
    expect(moved?.Body).toBe("poison");
    expect(moved?.Attributes?.SentTimestamp).toBe(sentAt);
    expect(moved?.Attributes?.ApproximateReceiveCount).toBe("1");
  });

  it("keeps FIFO order and deduplicates", async () => {
    const QueueUrl = await newQueue({ FifoQueue: "true" }, ".fifo");
    const send = (body: string, id: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: "g",
          MessageDeduplicationId: id,
        }),
      );
    const a = await send("1", "a");
    await send("2", "b");
    const dup = await send("1 again", "a");
    expect(dup.MessageId).toBe(a.MessageId);
    const got = await receiveOne(QueueUrl, { MaxNumberOfMessages: 10 });
    expect(got.map((m) => m.Body)).toEqual(["1", "2"]);
    expect(got[0]?.Attributes?.SequenceNumber).toBeDefined();
  });

  it("fails sends to an SSE-KMS queue whose key is missing or pending deletion", async () => {
    const QueueUrl = await newQueue({ KmsMasterKeyId: "alias/does-not-exist" });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })),
    ).rejects.toBeInstanceOf(KmsNotFound);
    emu.ctx.state.kms.keys.k1 = {
      keyId: "k1",
      arn: "arn:aws:kms:us-east-1:111122223333:key/k1",
      region: "us-east-1",
      description: "",
      keyState: "PendingDeletion",
      keySpec: "SYMMETRIC_DEFAULT",
      keyUsage: "ENCRYPT_DECRYPT",
      origin: "AWS_KMS",
      keyManager: "CUSTOMER",
      policy: "{}",
      creationDate: Date.now(),
      tags: [],
    };
    const pendingUrl = await newQueue({ KmsMasterKeyId: "k1" });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: pendingUrl, MessageBody: "x" })),
    ).rejects.toBeInstanceOf(KmsInvalidState);
  });
});

describe("batches", () => {
  it("reports per-entry results for SendMessageBatch and DeleteMessageBatch", async () => {
    const QueueUrl = await newQueue();
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: "ok1", MessageBody: "one" },
          { Id: "bad", MessageBody: "nul \u0000 char" },
          { Id: "ok2", MessageBody: "two", DelaySeconds: 0 },
        ],
      }),
    );
    expect(sent.Successful?.map((e) => e.Id)).toEqual(["ok1", "ok2"]);
    expect(sent.Successful?.[0]?.MD5OfMessageBody).toBe("f97c5d29941bfb1b2fdab0874906ab82");
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: "bad", Code: "InvalidMessageContents", SenderFault: true }),
    ]);

    const got = await receiveOne(QueueUrl, { MaxNumberOfMessages: 10 });
    expect(got).toHaveLength(2);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: "a", ReceiptHandle: got[0]?.ReceiptHandle },
          { Id: "b", ReceiptHandle: "not-a-handle" },
        ],
      }),
    );
    expect(deleted.Successful?.map((e) => e.Id)).toEqual(["a"]);
    expect(deleted.Failed?.[0]).toMatchObject({
      Id: "b",
      Code: "ReceiptHandleIsInvalid",
      SenderFault: true,
    });
  });

  it("reports per-entry results for ChangeMessageVisibilityBatch and enforces the batch rules", async () => {
    const QueueUrl = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }));
    const [m] = await receiveOne(QueueUrl);
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: [
          { Id: "live", ReceiptHandle: m?.ReceiptHandle, VisibilityTimeout: 60 },
          { Id: "junk", ReceiptHandle: "junk", VisibilityTimeout: 60 },
        ],
      }),
    );
    expect(changed.Successful?.map((e) => e.Id)).toEqual(["live"]);
    expect(changed.Failed?.map((e) => e.Id)).toEqual(["junk"]);

    const eleven = Array.from({ length: 11 }, (_, i) => ({
      Id: `e${i}`,
      ReceiptHandle: "h",
      VisibilityTimeout: 1,
    }));
    await expect(
      sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries: eleven })),
    ).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
    await expect(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: "same", MessageBody: "1" },
            { Id: "same", MessageBody: "2" },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
  });
});

/*
 * The emulator indexes each queue beside its state (sandbox/aws/services/sqs-index.ts) so that
 * receives and batch calls cost O(batch) on large queues. These check that the index never
 * changes what SQS does: every message once per lease, deletes and give-backs exact, direct
 * writes and purges seen, retention kept, FIFO order kept across deletes.
 */
describe("a large queue", () => {
  const receiveAll = async (QueueUrl: string, lanes = 10) => {
    const got: { MessageId?: string; ReceiptHandle?: string; count?: string }[] = [];
    let drained = false;
    const lane = async () => {
      while (!drained) {
        const batch = await receiveOne(QueueUrl, {
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 600,
        });
        if (batch.length === 0) drained = true;
        for (const m of batch) {
          got.push({ ...m, count: m.Attributes?.ApproximateReceiveCount });
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return got;
  };
  const batchesOf = <T>(items: T[]) =>
    Array.from({ length: Math.ceil(items.length / 10) }, (_, i) =>
      items.slice(i * 10, i * 10 + 10),
    );

  it("leases each of 1,200 messages once, then deletes and gives back exactly the ones named", async () => {
    const QueueUrl = await newQueue();
    const queue = findQueueByUrl(emu.ctx.state, QueueUrl);
    if (!queue) throw new Error("queue missing");
    // Written straight into the state, as Customer Profiles writes its dead-letter queue.
    for (let i = 0; i < 1_200; i++) enqueueMessage(queue, { body: `m${i}` }, Date.now());

    const first = await receiveAll(QueueUrl);
    expect(first).toHaveLength(1_200);
    expect(new Set(first.map((m) => m.MessageId)).size).toBe(1_200);

    const deleted = first.filter((_, i) => i % 3 === 0);
    const kept = first.filter((_, i) => i % 3 !== 0);
    for (const part of batchesOf(deleted)) {
      const out = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: part.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      expect(out.Failed ?? []).toEqual([]);
    }
    for (const part of batchesOf(kept)) {
      const out = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl,
          Entries: part.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      expect(out.Failed ?? []).toEqual([]);
    }
    expect(queue.messages.map((m) => m.messageId).sort()).toEqual(
      kept.map((m) => m.MessageId).sort(),
    );
    const counts = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }),
    );
    expect(counts.Attributes?.ApproximateNumberOfMessages).toBe("800");
    expect(counts.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe("0");

    // Given back: each comes once more, received twice now; the deleted ones never.
    const second = await receiveAll(QueueUrl);
    expect(second.map((m) => m.MessageId).sort()).toEqual(kept.map((m) => m.MessageId).sort());
    expect(new Set(second.map((m) => m.count))).toEqual(new Set(["2"]));
  });

  it("sees a purge and the messages written after it", async () => {
    const QueueUrl = await newQueue();
    const queue = findQueueByUrl(emu.ctx.state, QueueUrl);
    if (!queue) throw new Error("queue missing");
    for (let i = 0; i < 50; i++) enqueueMessage(queue, { body: `old${i}` }, Date.now());
    expect(await receiveOne(QueueUrl, { MaxNumberOfMessages: 10 })).toHaveLength(10);
    queue.messages = [];
    expect(await receiveOne(QueueUrl)).toEqual([]);
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "new" }));
    expect((await receiveOne(QueueUrl)).map((m) => m.Body)).toEqual(["new"]);
  });

  it("drops messages past the retention period, and only those", async () => {
    const QueueUrl = await newQueue({ MessageRetentionPeriod: "60" });
    const queue = findQueueByUrl(emu.ctx.state, QueueUrl);
    if (!queue) throw new Error("queue missing");
    enqueueMessage(queue, { body: "expired" }, Date.now() - 61_000);
    enqueueMessage(queue, { body: "kept" }, Date.now());
    const got = await receiveOne(QueueUrl, { MaxNumberOfMessages: 10 });
    expect(got.map((m) => m.Body)).toEqual(["kept"]);
    expect(queue.messages.map((m) => m.body)).toEqual(["kept"]);
  });

  it("keeps FIFO order after a delete in the middle of the queue", async () => {
    const QueueUrl = await newQueue(
      { FifoQueue: "true", ContentBasedDeduplication: "true" },
      ".fifo",
    );
    for (const body of ["1", "2", "3", "4"]) {
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: body }));
    }
    const got = await receiveOne(QueueUrl, { MaxNumberOfMessages: 10, VisibilityTimeout: 600 });
    expect(got.map((m) => m.Body)).toEqual(["1", "2", "3", "4"]);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got[1]?.ReceiptHandle as string }),
    );
    for (const m of [got[3], got[0], got[2]]) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: m?.ReceiptHandle as string,
          VisibilityTimeout: 0,
        }),
      );
    }
    const again = await receiveOne(QueueUrl, { MaxNumberOfMessages: 10 });
    expect(again.map((m) => m.Body)).toEqual(["1", "3", "4"]);
  });
});

describe("the Query protocol", () => {
  // The emulator does not verify signatures, only reads the scope to route the call.
  const auth =
    "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0";
  const query = async (params: Record<string, string>) => {
    const res = await fetch(emu.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: auth },
      body: new URLSearchParams({ ...params, Version: "2012-11-05" }),
    });
    return { status: res.status, xml: await res.text() };
  };
  const tag = (xml: string, name: string) =>
    new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

  it("creates, sends and receives with XML replies and the same MD5s", async () => {
    const created = await query({
      Action: "CreateQueue",
      QueueName: "query-queue",
      "Attribute.1.Name": "VisibilityTimeout",
      "Attribute.1.Value": "45",
    });
    expect(created.status).toBe(200);
    const QueueUrl = tag(created.xml, "QueueUrl") as string;
    expect(QueueUrl).toBe(`${emu.url}/111122223333/query-queue`);

    const sent = await query({
      Action: "SendMessage",
      QueueUrl,
      MessageBody: "a & b <c>",
      "MessageAttribute.1.Name": "sample-attribute",
      "MessageAttribute.1.Value.DataType": "String",
      "MessageAttribute.1.Value.StringValue": "sample-value",
    });
    expect(tag(sent.xml, "MD5OfMessageAttributes")).toBe("7c815262be77a62f56671125069ca888");

    const received = await query({
      Action: "ReceiveMessage",
      QueueUrl,
      "AttributeName.1": "All",
      "MessageAttributeName.1": "All",
    });
    expect(received.xml).toContain("<Body>a &amp; b &lt;c&gt;</Body>");
    expect(received.xml).toContain(
      "<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>",
    );
    expect(received.xml).toContain(
      "<MessageAttribute><Name>sample-attribute</Name><Value><DataType>String</DataType><StringValue>sample-value</StringValue></Value></MessageAttribute>",
    );

    const attrs = await query({
      Action: "GetQueueAttributes",
      QueueUrl,
      "AttributeName.1": "VisibilityTimeout",
    });
    expect(attrs.xml).toContain(
      "<Attribute><Name>VisibilityTimeout</Name><Value>45</Value></Attribute>",
    );
  });

  it("answers errors as <ErrorResponse> with the Query error code", async () => {
    const res = await query({ Action: "GetQueueUrl", QueueName: "no-such-queue" });
    expect(res.status).toBe(400);
    expect(tag(res.xml, "Code")).toBe("AWS.SimpleQueueService.NonExistentQueue");
    expect(tag(res.xml, "Type")).toBe("Sender");
  });

  it("routes an unsigned Query request by its API version", async () => {
    const res = await fetch(emu.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=ListQueues&Version=2012-11-05&QueueNamePrefix=query-",
    });
    expect(await res.text()).toContain(`<QueueUrl>${emu.url}/111122223333/query-queue</QueueUrl>`);
  });
});
