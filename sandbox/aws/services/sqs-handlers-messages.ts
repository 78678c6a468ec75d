/** SQS message operations: send, receive (with long polling), delete, change visibility, batches. */
import { createHash } from "node:crypto";
import {
  enqueueMessage,
  findQueueByArn,
  notifyEnqueued,
  onEnqueued,
  type SqsMessage,
  type SqsQueue,
} from "../state.js";
import { AwsError } from "../types.js";
import {
  findMessage,
  hiddenAtMost,
  nextVisible,
  nextVisibleAt,
  removeMessage,
  setVisibleAt,
} from "./sqs-index.js";
import {
  checkContents,
  checkAttributes as checkMessageAttributes,
  invalidParameter,
  md5OfAttributes,
  newReceiptHandle,
  parseReceiptHandle,
  selectAttributes,
} from "./sqs-messages.js";
import {
  checkQueueKey,
  type Env,
  expireMessages,
  type Handler,
  type Input,
  isFifo,
  type Output,
  optionalInt,
  queueOf,
  requireString,
  stringList,
} from "./sqs-support.js";

const MAX_IN_FLIGHT = 120_000;
const FIFO_DEDUP_WINDOW_MS = 5 * 60_000;

/** FIFO rules: a group id always, a deduplication id unless content-based. */
function fifoFields(queue: SqsQueue, input: Input, body: string, now: number) {
  const groupId = input.MessageGroupId;
  if (typeof groupId !== "string" || groupId === "") {
    throw new AwsError(
      "MissingParameter",
      "The request must contain the parameter MessageGroupId.",
    );
  }
  let dedupId =
    typeof input.MessageDeduplicationId === "string" ? input.MessageDeduplicationId : "";
  if (!dedupId) {
    if (queue.attributes.ContentBasedDeduplication !== "true") {
      throw invalidParameter(
        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
      );
    }
    dedupId = createHash("sha256").update(body).digest("hex");
  }
  const fifo = queue.fifo ?? { sequence: 0, dedup: {} };
  for (const [id, seen] of Object.entries(fifo.dedup)) {
    if (now - seen.at >= FIFO_DEDUP_WINDOW_MS) delete fifo.dedup[id];
  }
  queue.fifo = fifo;
  return { groupId, dedupId, duplicate: fifo.dedup[dedupId] };
}

/** One SendMessage, shared by SendMessage and each SendMessageBatch entry. */
function sendOne(queue: SqsQueue, input: Input, env: Env): Output {
  const body = typeof input.MessageBody === "string" ? input.MessageBody : "";
  if (body === "")
    throw new AwsError("MissingParameter", "The request must contain the parameter MessageBody.");
  checkContents(body, "message body");
  const { attributes, bytes } = checkMessageAttributes(input.MessageAttributes);
  const limit = Number(queue.attributes.MaximumMessageSize ?? "1048576");
  if (Buffer.byteLength(body) + bytes > limit) {
    throw invalidParameter(
      `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
    );
  }
  const delaySeconds = optionalInt(input, "DelaySeconds", 0, 900);
  const traceHeader = (
    input.MessageSystemAttributes as Record<string, { StringValue?: string }> | undefined
  )?.AWSTraceHeader?.StringValue;
  checkQueueKey(queue, env);
  const now = env.ctx.now();
  const common = {
    MD5OfMessageBody: createHash("md5").update(body, "utf8").digest("hex"),
    ...(md5OfAttributes(attributes) ? { MD5OfMessageAttributes: md5OfAttributes(attributes) } : {}),
    ...(traceHeader
      ? {
          MD5OfMessageSystemAttributes: md5OfAttributes({
            AWSTraceHeader: { DataType: "String", StringValue: traceHeader },
          }),
        }
      : {}),
  };
  if (!isFifo(queue)) {
    const m = enqueueMessage(
      queue,
      { body, messageAttributes: attributes, delaySeconds, extra: { awsTraceHeader: traceHeader } },
      now,
    );
    return { ...common, MessageId: m.messageId };
  }
  if (delaySeconds)
    throw invalidParameter(
      "Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.",
    );
  const { groupId, dedupId, duplicate } = fifoFields(queue, input, body, now);
  if (duplicate)
    return { ...common, MessageId: duplicate.messageId, SequenceNumber: duplicate.sequenceNumber };
  const fifo = queue.fifo as NonNullable<SqsQueue["fifo"]>;
  fifo.sequence += 1;
  const sequenceNumber = String(fifo.sequence).padStart(20, "0");
  const m = enqueueMessage(
    queue,
    {
      body,
      messageAttributes: attributes,
      extra: {
        messageGroupId: groupId,
        deduplicationId: dedupId,
        sequenceNumber,
        awsTraceHeader: traceHeader,
      },
    },
    now,
  );
  fifo.dedup[dedupId] = { messageId: m.messageId, sequenceNumber, at: now };
  return { ...common, MessageId: m.messageId, SequenceNumber: sequenceNumber };
}

function sendMessage(input: Input, env: Env) {
  return sendOne(queueOf(input, env), input, env);
}

/** A redrive policy moves a message that was received maxReceiveCount times to its DLQ. */
function deadLetterTarget(queue: SqsQueue, env: Env) {
  const policy = queue.attributes.RedrivePolicy;
  if (!policy) return undefined;
  const { deadLetterTargetArn, maxReceiveCount } = JSON.parse(policy) as {
    deadLetterTargetArn: string;
    maxReceiveCount: number | string;
  };
  const target = findQueueByArn(env.ctx.state, deadLetterTargetArn);
  return target ? { target, maxReceiveCount: Number(maxReceiveCount) } : undefined;
}

function moveToDeadLetterQueue(message: SqsMessage, from: SqsQueue, to: SqsQueue, now: number) {
  to.messages.push({
    ...message,
    receiveCount: 0,
    visibleAt: now,
    receiptHandle: undefined,
    firstReceiveTimestamp: undefined,
    deadLetterQueueSourceArn: from.arn,
  });
  notifyEnqueued(to.arn);
}

type Redrive = ReturnType<typeof deadLetterTarget>;

/** Marks a message received: a new receipt handle, one more receive. */
function receiveOne(queue: SqsQueue, m: SqsMessage, now: number): void {
  m.receiveCount += 1;
  m.firstReceiveTimestamp ??= now;
  m.receiptHandle = newReceiptHandle(queue.name, m.messageId);
}

const redriven = (m: SqsMessage, redrive: Redrive) =>
  redrive !== undefined && m.receiveCount >= redrive.maxReceiveCount;

/** Take up to `max` visible messages, marking them in flight; FIFO groups in flight are held back. */
function takeMessages(queue: SqsQueue, max: number, visibilityMs: number, env: Env): SqsMessage[] {
  const now = env.ctx.now();
  expireMessages(queue, now);
  const redrive = deadLetterTarget(queue, env);
  const taken = isFifo(queue)
    ? takeInOrder(queue, max, redrive, now)
    : takeAny(queue, max, redrive, now);
  for (const m of taken) setVisibleAt(queue, m, now + visibilityMs, now);
  return taken;
}

/** Standard queues: any visible messages, from the index, in O(max). */
function takeAny(queue: SqsQueue, max: number, redrive: Redrive, now: number): SqsMessage[] {
  const taken: SqsMessage[] = [];
  for (let m = nextVisible(queue, now); m; m = nextVisible(queue, now)) {
    // Listed twice as ready (its lease ended as it was given back): taken once.
    if (taken.includes(m)) continue;
    if (redrive && redriven(m, redrive)) {
      removeMessage(queue, m, now);
      moveToDeadLetterQueue(m, queue, redrive.target, now);
      continue;
    }
    receiveOne(queue, m, now);
    taken.push(m);
    if (taken.length >= max) break;
  }
  return taken;
}

/** FIFO queues: in order, skipping groups that have a message in flight. */
function takeInOrder(queue: SqsQueue, max: number, redrive: Redrive, now: number): SqsMessage[] {
  const blockedGroups = new Set(
    queue.messages
      .filter((m) => m.visibleAt > now && m.receiveCount > 0)
      .map((m) => m.messageGroupId),
  );
  const taken: SqsMessage[] = [];
  const moved: SqsMessage[] = [];
  for (const m of queue.messages) {
    if (taken.length >= max) break;
    if (m.visibleAt > now || blockedGroups.has(m.messageGroupId)) continue;
    if (redrive && redriven(m, redrive)) {
      moved.push(m);
      continue;
    }
    receiveOne(queue, m, now);
    taken.push(m);
  }
  for (const m of moved) {
    removeMessage(queue, m, now);
    moveToDeadLetterQueue(m, queue, (redrive as NonNullable<Redrive>).target, now);
  }
  return taken;
}

/** Resolve when a message may have become available, the deadline passes, or the client left. */
function waitForChange(queue: SqsQueue, untilMs: number, env: Env): Promise<void> {
  const now = env.ctx.now();
  const nextVisible = isFifo(queue)
    ? Math.min(untilMs, ...queue.messages.filter((m) => m.visibleAt > now).map((m) => m.visibleAt))
    : Math.min(untilMs, nextVisibleAt(queue, now));
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop();
      env.req.signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, nextVisible - now));
    const stop = onEnqueued(queue.arn, done);
    env.req.signal?.addEventListener("abort", done);
  });
}

const SYSTEM_ATTRIBUTES = [
  "SenderId",
  "SentTimestamp",
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "MessageGroupId",
  "MessageDeduplicationId",
  "SequenceNumber",
  "AWSTraceHeader",
  "DeadLetterQueueSourceArn",
];

function systemAttributes(m: SqsMessage, wanted: string[]): Record<string, string> {
  const all: Record<string, string | undefined> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentTimestamp),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceiveTimestamp ?? m.sentTimestamp),
    MessageGroupId: m.messageGroupId,
    MessageDeduplicationId: m.deduplicationId,
    SequenceNumber: m.sequenceNumber,
    AWSTraceHeader: m.awsTraceHeader,
    DeadLetterQueueSourceArn: m.deadLetterQueueSourceArn,
  };
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(all)) {
    if (value !== undefined && (wanted.includes("All") || wanted.includes(name))) out[name] = value;
  }
  return out;
}

function messageOutput(m: SqsMessage, systemWanted: string[], attributesWanted: string[]): Output {
  const attributes = selectAttributes(m.messageAttributes, attributesWanted);
  const system = systemAttributes(m, systemWanted);
  const md5OfMessageAttributes = md5OfAttributes(attributes);
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(system).length > 0 ? { Attributes: system } : {}),
    ...(md5OfMessageAttributes
      ? { MD5OfMessageAttributes: md5OfMessageAttributes, MessageAttributes: attributes }
      : {}),
  };
}

async function receiveMessage(input: Input, env: Env) {
  const queue = queueOf(input, env);
  const max = optionalInt(input, "MaxNumberOfMessages", 1, 10) ?? 1;
  const visibility =
    optionalInt(input, "VisibilityTimeout", 0, 43_200) ??
    Number(queue.attributes.VisibilityTimeout ?? "30");
  const wait =
    optionalInt(input, "WaitTimeSeconds", 0, 20) ??
    Number(queue.attributes.ReceiveMessageWaitTimeSeconds ?? "0");
  const systemWanted = [
    ...stringList(input, "AttributeNames"),
    ...stringList(input, "MessageSystemAttributeNames"),
  ];
  for (const name of systemWanted) {
    if (name !== "All" && !SYSTEM_ATTRIBUTES.includes(name)) {
      throw new AwsError("InvalidAttributeName", `Unknown Attribute ${name}.`);
    }
  }
  checkQueueKey(queue, env);
  // Counting is O(n); a queue with fewer hidden messages than the limit cannot exceed it.
  const inFlight =
    queue.messages.length < MAX_IN_FLIGHT || hiddenAtMost(queue, env.ctx.now()) < MAX_IN_FLIGHT
      ? 0
      : queue.messages.filter((m) => m.receiveCount > 0 && m.visibleAt > env.ctx.now()).length;
  if (inFlight >= MAX_IN_FLIGHT) {
    throw new AwsError("OverLimit", "Too many messages in flight for this queue.", 403);
  }
  const deadline = env.ctx.now() + wait * 1000;
  let taken = takeMessages(queue, max, visibility * 1000, env);
  while (taken.length === 0 && env.ctx.now() < deadline && !env.req.signal?.aborted) {
    await waitForChange(queue, deadline, env);
    if (env.ctx.state.sqs.queues[queue.name] !== queue) break;
    taken = takeMessages(queue, max, visibility * 1000, env);
  }
  const messageAttributesWanted = stringList(input, "MessageAttributeNames");
  return taken.length > 0
    ? { Messages: taken.map((m) => messageOutput(m, systemWanted, messageAttributesWanted)) }
    : {};
}

/** The message a receipt handle names, if it is still the message's latest handle. */
function messageFor(queue: SqsQueue, handle: string, now: number) {
  const { queueName, messageId } = parseReceiptHandle(handle);
  if (queueName !== queue.name) {
    throw new AwsError(
      "ReceiptHandleIsInvalid",
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    );
  }
  const message = findMessage(queue, messageId, now);
  return { message, current: message?.receiptHandle === handle };
}

/*
 * The SQS guide: a stale receipt handle (the message was received again since) "succeeds,
 * but the message will not be deleted"; deleting an already-deleted message also succeeds.
 */
function deleteOne(queue: SqsQueue, handle: string, env: Env): void {
  const now = env.ctx.now();
  const { message, current } = messageFor(queue, handle, now);
  if (message && current) removeMessage(queue, message, now);
}

function changeVisibilityOne(queue: SqsQueue, handle: string, seconds: number, env: Env): void {
  const now = env.ctx.now();
  const { message, current } = messageFor(queue, handle, now);
  if (!message || !current) {
    throw invalidParameter(
      `Value ${handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
    );
  }
  if (message.visibleAt <= now) {
    throw new AwsError("MessageNotInflight", "The message referred to isn't in flight.");
  }
  setVisibleAt(queue, message, now + seconds * 1000, now);
  // Making a message visible again must wake a long poll waiting on the queue.
  if (seconds === 0) notifyEnqueued(queue.arn);
}

function deleteMessage(input: Input, env: Env) {
  deleteOne(queueOf(input, env), requireString(input, "ReceiptHandle"), env);
  return {};
}

function changeMessageVisibility(input: Input, env: Env) {
  const queue = queueOf(input, env);
  const seconds = optionalInt(input, "VisibilityTimeout", 0, 43_200);
  if (seconds === undefined) {
    throw new AwsError(
      "MissingParameter",
      "The request must contain the parameter VisibilityTimeout.",
    );
  }
  changeVisibilityOne(queue, requireString(input, "ReceiptHandle"), seconds, env);
  return {};
}

export const messageHandlers: Record<string, Handler> = {
  SendMessage: sendMessage,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  ChangeMessageVisibility: changeMessageVisibility,
};

const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_BATCH_BYTES = 1_048_576;

/** The whole-request batch rules, then each entry on its own: results as Successful/Failed. */
function runBatch(input: Input, each: (entry: Input) => Output): Output {
  const entries = Array.isArray(input.Entries) ? (input.Entries as Input[]) : [];
  if (entries.length === 0) {
    throw new AwsError(
      "EmptyBatchRequest",
      "There should be at least one SendMessageBatchRequestEntry in the request.",
    );
  }
  if (entries.length > 10) {
    throw new AwsError(
      "TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
    );
  }
  const ids = entries.map((e) => String(e.Id ?? ""));
  const badId = ids.find((id) => !ENTRY_ID.test(id));
  if (badId !== undefined) {
    throw new AwsError(
      "InvalidBatchEntryId",
      `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long. (${badId})`,
    );
  }
  if (new Set(ids).size !== ids.length) {
    throw new AwsError(
      "BatchEntryIdsNotDistinct",
      "Two or more batch entries in the request have the same Id.",
    );
  }
  const successful: Output[] = [];
  const failed: Output[] = [];
  for (const entry of entries) {
    try {
      successful.push({ Id: entry.Id, ...each(entry) });
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      failed.push({
        Id: entry.Id,
        SenderFault: err.fault === "Sender",
        Code: err.code,
        Message: err.message,
      });
    }
  }
  return { Successful: successful, Failed: failed };
}

function sendMessageBatch(input: Input, env: Env) {
  const queue = queueOf(input, env);
  const entries = Array.isArray(input.Entries) ? (input.Entries as Input[]) : [];
  const total = entries.reduce((sum, e) => sum + Buffer.byteLength(String(e.MessageBody ?? "")), 0);
  if (total > MAX_BATCH_BYTES) {
    throw new AwsError(
      "BatchRequestTooLong",
      `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes.`,
    );
  }
  return runBatch(input, (entry) => sendOne(queue, entry, env));
}

function deleteMessageBatch(input: Input, env: Env) {
  const queue = queueOf(input, env);
  return runBatch(input, (entry) => {
    deleteOne(queue, requireString(entry, "ReceiptHandle"), env);
    return {};
  });
}

function changeMessageVisibilityBatch(input: Input, env: Env) {
  const queue = queueOf(input, env);
  return runBatch(input, (entry) => {
    const seconds = optionalInt(entry, "VisibilityTimeout", 0, 43_200) ?? 0;
    changeVisibilityOne(queue, requireString(entry, "ReceiptHandle"), seconds, env);
    return {};
  });
}

export const batchHandlers: Record<string, Handler> = {
  SendMessageBatch: sendMessageBatch,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
};
