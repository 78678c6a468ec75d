/**
 * SQS: the dead-letter queue's life cycle and the receive/delete loop re-ingest and the
 * digests run on. Batch calls answer HTTP 200 even when entries fail, so their results are
 * returned per entry and never assumed.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { AppError } from "../errors.js";
import { queueArnFromUrl } from "./arn.js";
import { type AwsCall, awsCall, undefinedIfNotFound } from "./errors.js";
import { chunk, collectPages } from "./paginate.js";

export type SqsMessage = Message;

export interface QueueInfo {
  url: string;
  arn: string;
  name: string;
  policy?: string;
  approximateMessages: number;
  approximateNotVisible: number;
  kmsKeyId?: string;
  sqsManagedSse?: boolean;
  /** MessageRetentionPeriod: how long SQS keeps a message before deleting it unseen. */
  retentionSeconds?: number;
  /** The queue's own RedrivePolicy: where SQS moves a message received too often. */
  redrive?: RedriveTarget;
}

export interface RedriveTarget {
  targetArn: string;
  maxReceiveCount: number;
}

export interface CreateQueueOptions {
  tags: Record<string, string>;
  /**
   * The access policy, set by CreateQueue itself: no SetQueueAttributes after it. It counts
   * among the attributes CreateQueue compares, so the same name with the same policy answers
   * with the existing queue, and with another policy fails with QueueNameExists.
   */
  policy?: string;
  kmsKeyId?: string;
  retentionSeconds?: number;
  /** SqsManagedSseEnabled: encrypted at rest with keys SQS owns; no KMS key policy involved. */
  sqsManagedSse?: boolean;
}

export interface QueueReceiveSettings {
  retentionSeconds: number;
  /** The queue's own RedrivePolicy, as SQS returns it (JSON). */
  redrivePolicy?: string;
  /** Visible, in flight and delayed: every message the queue holds, approximately. */
  messages: number;
}

/** SQS keeps a message 4 days unless MessageRetentionPeriod says otherwise. */
const DEFAULT_RETENTION_SECONDS = 345_600;

export interface ReceiveOptions {
  /** 1–10; SQS returns at most 10 per call. */
  max: number;
  visibilityTimeout: number;
  waitSeconds: number;
}

export interface VisibilityChange {
  receiptHandle: string;
  visibilityTimeout: number;
}

/** Entries are identified by the receipt handle the caller passed in. */
export interface BatchResult {
  ok: string[];
  failed: { id: string; code: string; message: string; senderFault: boolean }[];
}

/** SQS's own limit for DeleteMessageBatch and ChangeMessageVisibilityBatch. */
const BATCH_SIZE = 10;
const LIST_PAGE_SIZE = 1000;

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, Math.trunc(n)));

/** A RedrivePolicy we can't read is left out rather than guessed at. */
const redriveOf = (json: string | undefined): { redrive: RedriveTarget } | undefined => {
  if (!json) return undefined;
  try {
    const p = JSON.parse(json) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    const count = Number(p.maxReceiveCount);
    if (typeof p.deadLetterTargetArn !== "string" || !Number.isInteger(count)) return undefined;
    return { redrive: { targetArn: p.deadLetterTargetArn, maxReceiveCount: count } };
  } catch {
    return undefined;
  }
};

const queueNameOf = (url: string) => new URL(url).pathname.split("/").filter(Boolean).pop() ?? "";

export class SqsGateway {
  constructor(private readonly client: SQSClient) {}

  private call<T>(
    operation: string,
    resource: string,
    fn: () => Promise<T>,
    iamOperation = operation,
  ): Promise<T> {
    const call: AwsCall = { service: "sqs", operation, iamAction: `sqs:${iamOperation}`, resource };
    return awsCall(call, fn);
  }

  /** Undefined when no queue has that name in this account and region. */
  async findQueueUrl(name: string): Promise<string | undefined> {
    const out = await undefinedIfNotFound(
      this.call("GetQueueUrl", `arn:aws:sqs:*:*:${name}`, () =>
        this.client.send(new GetQueueUrlCommand({ QueueName: name })),
      ),
    );
    return out?.QueueUrl;
  }

  /**
   * Returns the queue URL. CreateQueue is idempotent for identical attributes; a queue of
   * that name with other attributes fails with the AWS code QueueNameExists (a conflict).
   */
  async createQueue(name: string, opts: CreateQueueOptions): Promise<string> {
    const attributes: Record<string, string> = {};
    if (opts.policy) attributes.Policy = opts.policy;
    if (opts.kmsKeyId) attributes.KmsMasterKeyId = opts.kmsKeyId;
    if (opts.retentionSeconds !== undefined)
      attributes.MessageRetentionPeriod = String(opts.retentionSeconds);
    if (opts.sqsManagedSse) attributes.SqsManagedSseEnabled = "true";
    const out = await this.call("CreateQueue", `arn:aws:sqs:*:*:${name}`, () =>
      this.client.send(
        new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags: opts.tags }),
      ),
    );
    if (!out.QueueUrl)
      throw new AppError("aws_error", `SQS CreateQueue returned no QueueUrl for ${name}.`);
    return out.QueueUrl;
  }

  /** Undefined when the queue no longer exists. */
  async queueInfo(url: string): Promise<QueueInfo | undefined> {
    const out = await undefinedIfNotFound(
      this.call("GetQueueAttributes", queueArnFromUrl(url), () =>
        this.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] })),
      ),
    );
    if (!out) return undefined;
    const a = out.Attributes ?? {};
    return {
      url,
      arn: a.QueueArn ?? queueArnFromUrl(url),
      name: queueNameOf(url),
      ...(a.Policy ? { policy: a.Policy } : {}),
      approximateMessages: Number(a.ApproximateNumberOfMessages ?? 0),
      approximateNotVisible: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      ...(a.KmsMasterKeyId ? { kmsKeyId: a.KmsMasterKeyId } : {}),
      ...(a.SqsManagedSseEnabled !== undefined
        ? { sqsManagedSse: a.SqsManagedSseEnabled === "true" }
        : {}),
      ...(a.MessageRetentionPeriod ? { retentionSeconds: Number(a.MessageRetentionPeriod) } : {}),
      ...(redriveOf(a.RedrivePolicy) ?? {}),
    };
  }

  /**
   * What bounds how long and how often the queue's messages may be read: its retention, its
   * own RedrivePolicy (raw JSON, absent when none) and how many messages it holds. Undefined
   * when the queue no longer exists.
   */
  async receiveSettings(url: string): Promise<QueueReceiveSettings | undefined> {
    const out = await undefinedIfNotFound(
      this.call("GetQueueAttributes", queueArnFromUrl(url), () =>
        this.client.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: [
              "MessageRetentionPeriod",
              "RedrivePolicy",
              "ApproximateNumberOfMessages",
              "ApproximateNumberOfMessagesNotVisible",
              "ApproximateNumberOfMessagesDelayed",
            ],
          }),
        ),
      ),
    );
    if (!out) return undefined;
    const a = out.Attributes ?? {};
    const count = (name: QueueAttributeName) => Number(a[name] ?? 0) || 0;
    return {
      // SQS's default when the attribute is missing: 4 days.
      retentionSeconds: Number(a.MessageRetentionPeriod ?? DEFAULT_RETENTION_SECONDS),
      ...(a.RedrivePolicy ? { redrivePolicy: a.RedrivePolicy } : {}),
      messages:
        count("ApproximateNumberOfMessages") +
        count("ApproximateNumberOfMessagesNotVisible") +
        count("ApproximateNumberOfMessagesDelayed"),
    };
  }

  async setPolicy(url: string, policyJson: string): Promise<void> {
    await this.call("SetQueueAttributes", queueArnFromUrl(url), () =>
      this.client.send(
        new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policyJson } }),
      ),
    );
  }

  listQueues(prefix?: string): Promise<string[]> {
    return collectPages(async (token) => {
      const out = await this.call("ListQueues", "*", () =>
        this.client.send(
          new ListQueuesCommand({
            QueueNamePrefix: prefix,
            MaxResults: LIST_PAGE_SIZE,
            NextToken: token,
          }),
        ),
      );
      return { items: out.QueueUrls ?? [], next: out.NextToken };
    });
  }

  async deleteQueue(url: string): Promise<void> {
    await this.call("DeleteQueue", queueArnFromUrl(url), () =>
      this.client.send(new DeleteQueueCommand({ QueueUrl: url })),
    );
  }

  /** Messages with every system attribute and message attribute: the classifier reads them all. */
  async receive(url: string, opts: ReceiveOptions): Promise<SqsMessage[]> {
    const out = await this.call("ReceiveMessage", queueArnFromUrl(url), () =>
      this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: clamp(opts.max, 1, 10),
          VisibilityTimeout: clamp(opts.visibilityTimeout, 0, 43_200),
          WaitTimeSeconds: clamp(opts.waitSeconds, 0, 20),
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      ),
    );
    return out.Messages ?? [];
  }

  deleteBatch(url: string, handles: string[]): Promise<BatchResult> {
    return this.batch(
      handles,
      (handle) => handle,
      async (part) => {
        const entries = part.map((receiptHandle, i) => ({
          Id: String(i),
          ReceiptHandle: receiptHandle,
        }));
        return this.call(
          "DeleteMessageBatch",
          queueArnFromUrl(url),
          () =>
            this.client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries })),
          "DeleteMessage",
        );
      },
    );
  }

  changeVisibilityBatch(url: string, entries: VisibilityChange[]): Promise<BatchResult> {
    return this.batch(
      entries,
      (e) => e.receiptHandle,
      async (part) => {
        const batch = part.map((e, i) => ({
          Id: String(i),
          ReceiptHandle: e.receiptHandle,
          VisibilityTimeout: clamp(e.visibilityTimeout, 0, 43_200),
        }));
        return this.call(
          "ChangeMessageVisibilityBatch",
          queueArnFromUrl(url),
          () =>
            this.client.send(
              new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: batch }),
            ),
          "ChangeMessageVisibility",
        );
      },
    );
  }

  /** Returns the message id. String message attributes only: that is all tests and tools need. */
  async send(url: string, body: string, attributes: Record<string, string> = {}): Promise<string> {
    const messageAttributes = Object.fromEntries(
      Object.entries(attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }]),
    );
    const out = await this.call("SendMessage", queueArnFromUrl(url), () =>
      this.client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          MessageAttributes: messageAttributes,
        }),
      ),
    );
    return out.MessageId ?? "";
  }

  /**
   * Sends items in chunks of 10 (ids are positions within the chunk) and reads every
   * entry's own result. A chunk whose whole call failed marks its entries failed rather
   * than throwing, so the results of the chunks before it are not lost.
   */
  private async batch<T>(
    items: T[],
    handleOf: (item: T) => string,
    send: (
      part: T[],
    ) => Promise<{ Successful?: { Id?: string | undefined }[]; Failed?: BatchFailure[] }>,
  ): Promise<BatchResult> {
    const result: BatchResult = { ok: [], failed: [] };
    for (const part of chunk(items, BATCH_SIZE)) {
      const handles = part.map(handleOf);
      try {
        collectEntryResults(handles, await send(part), result);
      } catch (err) {
        const failure = chunkFailure(err);
        for (const id of handles) result.failed.push({ id, ...failure });
      }
    }
    return result;
  }
}

interface BatchFailure {
  Id?: string | undefined;
  Code?: string | undefined;
  Message?: string | undefined;
  SenderFault?: boolean | undefined;
}

function collectEntryResults(
  handles: string[],
  out: { Successful?: { Id?: string | undefined }[]; Failed?: BatchFailure[] },
  into: BatchResult,
): void {
  const succeeded = new Set((out.Successful ?? []).map((s) => s.Id));
  const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
  handles.forEach((id, i) => {
    const key = String(i);
    const failure = failed.get(key);
    if (failure) {
      into.failed.push({
        id,
        code: failure.Code ?? "Unknown",
        message: failure.Message ?? "",
        senderFault: failure.SenderFault ?? false,
      });
    } else if (succeeded.has(key)) {
      into.ok.push(id);
    } else {
      // Neither list named it: count it as failed so nobody assumes the message is gone.
      into.failed.push({
        id,
        code: "MissingResult",
        message: "SQS returned no result for this entry.",
        senderFault: false,
      });
    }
  });
}

function chunkFailure(err: unknown): { code: string; message: string; senderFault: boolean } {
  if (err instanceof AppError) {
    return {
      code: String(err.details.awsCode ?? err.code),
      message: err.userMessage,
      senderFault: !err.retryable,
    };
  }
  return { code: "Unknown", message: String(err), senderFault: false };
}
