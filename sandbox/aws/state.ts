/**
 * The emulator's whole state: plain JSON-serialisable data, so it can be saved to and
 * loaded from a file. Service modules own their part; the few functions here are the
 * ones a service needs from another (Customer Profiles reads KMS keys and writes to SQS).
 */
import { createHash, randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

export const ACCOUNT_ID = "111122223333";

export interface SqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  /** MessageAttributes as the JSON protocol spells them. */
  messageAttributes: Record<
    string,
    { DataType: string; StringValue?: string; BinaryValue?: string }
  >;
  sentTimestamp: number;
  firstReceiveTimestamp?: number;
  receiveCount: number;
  /** Epoch ms before which ReceiveMessage does not return it. */
  visibleAt: number;
  /** The receipt handle of the latest receive; older ones no longer change visibility. */
  receiptHandle?: string;
  senderId: string;
  /** FIFO queues only. */
  messageGroupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
  /** Set when a redrive policy moved the message here from another queue. */
  deadLetterQueueSourceArn?: string;
  awsTraceHeader?: string;
}

export interface SqsQueue {
  name: string;
  url: string;
  arn: string;
  region: string;
  createdTimestamp: number;
  lastModifiedTimestamp: number;
  /** As SetQueueAttributes takes them: VisibilityTimeout, Policy, KmsMasterKeyId, ... */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  messages: SqsMessage[];
  /** FIFO queues: the last sequence number and the 5-minute deduplication window. */
  fifo?: {
    sequence: number;
    dedup: Record<string, { messageId: string; sequenceNumber: string; at: number }>;
  };
}

export interface KmsKey {
  keyId: string;
  arn: string;
  region: string;
  description: string;
  keyState: "Enabled" | "Disabled" | "PendingDeletion";
  keySpec: string;
  keyUsage: string;
  origin: string;
  keyManager: "CUSTOMER" | "AWS";
  /** The key policy as given (a JSON string). */
  policy: string;
  creationDate: number;
  deletionDate?: number;
  tags: { TagKey: string; TagValue: string }[];
}

export interface KmsAlias {
  aliasName: string;
  aliasArn: string;
  targetKeyId?: string;
  region: string;
  creationDate?: number;
  lastUpdatedDate?: number;
}

export interface EmulatorState {
  /** Queues by name; `deletedAt` remembers deletions for QueueDeletedRecently. */
  sqs: { queues: Record<string, SqsQueue>; deletedAt?: Record<string, number> };
  kms: { keys: Record<string, KmsKey>; aliases: Record<string, KmsAlias> };
  /** Owned by services/profiles-state.ts. */
  profile: Record<string, unknown>;
  /** Owned by services/connect.ts. */
  connect: Record<string, unknown>;
}

export const emptyState = (): EmulatorState => ({
  sqs: { queues: {} },
  kms: { keys: {}, aliases: {} },
  profile: {},
  connect: {},
});

export async function saveState(state: EmulatorState, file: string): Promise<void> {
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
}

export async function loadState(file: string): Promise<EmulatorState> {
  return { ...emptyState(), ...JSON.parse(await readFile(file, "utf8")) };
}

export const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");

/** The queue a QueueUrl names, matched on its path so host and port may differ. */
export function findQueueByUrl(state: EmulatorState, url: string): SqsQueue | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  return Object.values(state.sqs.queues).find((q) => new URL(q.url).pathname === path);
}

export function findQueueByArn(state: EmulatorState, arn: string): SqsQueue | undefined {
  return Object.values(state.sqs.queues).find((q) => q.arn === arn);
}

/** Put a message on a queue as SendMessage would (used by Customer Profiles for its DLQ). */
export function enqueueMessage(
  queue: SqsQueue,
  input: {
    body: string;
    messageAttributes?: SqsMessage["messageAttributes"];
    senderId?: string;
    /** Overrides the queue's DelaySeconds, as SendMessage's own DelaySeconds does. */
    delaySeconds?: number;
    /** FIFO and system-attribute fields SendMessage sets. */
    extra?: Partial<
      Pick<SqsMessage, "messageGroupId" | "deduplicationId" | "sequenceNumber" | "awsTraceHeader">
    >;
  },
  now: number,
): SqsMessage {
  const delay = (input.delaySeconds ?? Number(queue.attributes.DelaySeconds ?? "0")) * 1000;
  const message: SqsMessage = {
    messageId: randomUUID(),
    body: input.body,
    md5OfBody: md5(input.body),
    messageAttributes: input.messageAttributes ?? {},
    sentTimestamp: now,
    receiveCount: 0,
    visibleAt: now + delay,
    senderId: input.senderId ?? "AROAEXAMPLE",
    ...input.extra,
  };
  queue.messages.push(message);
  notifyEnqueued(queue.arn);
  return message;
}

/*
 * Long polls wait on these instead of re-reading the queue in a loop, so a ReceiveMessage
 * returns as soon as any writer (SendMessage or Customer Profiles' DLQ writes) adds a message.
 * They live outside the state because the state must stay plain JSON.
 */
const enqueueListeners = new Map<string, Set<() => void>>();

export function onEnqueued(queueArn: string, listener: () => void): () => void {
  const set = enqueueListeners.get(queueArn) ?? new Set();
  set.add(listener);
  enqueueListeners.set(queueArn, set);
  return () => {
    set.delete(listener);
    if (set.size === 0) enqueueListeners.delete(queueArn);
  };
}

export function notifyEnqueued(queueArn: string): void {
  for (const listener of [...(enqueueListeners.get(queueArn) ?? [])]) listener();
}

/** A key by id, ARN, alias name or alias ARN, in any state. */
export function findKey(state: EmulatorState, ref: string): KmsKey | undefined {
  const { keys, aliases } = state.kms;
  if (keys[ref]) return keys[ref];
  const byArn = Object.values(keys).find((k) => k.arn === ref);
  if (byArn) return byArn;
  const aliasName = ref.startsWith("arn:") ? ref.slice(ref.indexOf(":alias/") + 1) : ref;
  const alias = aliases[aliasName];
  return alias?.targetKeyId ? keys[alias.targetKeyId] : undefined;
}
