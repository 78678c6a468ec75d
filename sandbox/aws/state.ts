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

/**
 * The state of one account in one region (a place), and at the top the whole emulator's.
 * The top level holds account 111122223333 in us-east-1 (all any state file held before
 * several accounts), `places` every other account and region, keyed `<account>.<region>`.
 * A request sees only its own place's resources (`placeState`), so names never collide
 * across places and no list shows another place's.
 */
export interface EmulatorState {
  /** The place's account, set on every place under `places` (the top level's is ACCOUNT_ID). */
  account?: string;
  /** Queues by name; `deletedAt` remembers deletions for QueueDeletedRecently. */
  sqs: { queues: Record<string, SqsQueue>; deletedAt?: Record<string, number> };
  kms: { keys: Record<string, KmsKey>; aliases: Record<string, KmsAlias> };
  /** Owned by services/profiles-state.ts. */
  profile: Record<string, unknown>;
  /** Owned by services/connect.ts. */
  connect: Record<string, unknown>;
  /** Top level only: every place but the first, keyed `<account>.<region>`. */
  places?: Record<string, EmulatorState>;
}

/** The region the top level of the state holds (with the default account). */
export const HOME_REGION = "us-east-1";

/** The account a place belongs to. */
export const accountOf = (place: EmulatorState): string => place.account ?? ACCOUNT_ID;

/** The state of `account` in `region` within the whole state `root`, made empty on first use. */
export function placeState(root: EmulatorState, account: string, region: string): EmulatorState {
  if (account === ACCOUNT_ID && region === HOME_REGION) return root;
  root.places ??= {};
  const id = `${account}.${region}`;
  root.places[id] ??= { ...emptyState(), account };
  return root.places[id];
}

/** Every place of the whole state, the top level first. */
export const allPlaces = (root: EmulatorState): EmulatorState[] => [
  root,
  ...Object.values(root.places ?? {}),
];

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
  return separateRegions({ ...emptyState(), ...JSON.parse(await readFile(file, "utf8")) });
}

type Regioned = Record<string, { region?: string }>;

/** Each part of a place whose entries carry their region, made empty on first use. */
const REGIONED_PARTS: ((place: EmulatorState) => Regioned)[] = [
  (place) => place.sqs.queues,
  (place) => place.kms.keys,
  (place) => place.kms.aliases,
  (place) => {
    const profile = place.profile as { domains?: Regioned };
    profile.domains ??= {};
    return profile.domains;
  },
  (place) => {
    const connect = place.connect as { instances?: Regioned };
    connect.instances ??= {};
    return connect.instances;
  },
];

/**
 * A state saved before places held every region of the default account at the top level:
 * each resource outside us-east-1 moves to its region's place (the default account's).
 */
export function separateRegions(root: EmulatorState): EmulatorState {
  for (const part of REGIONED_PARTS) {
    const entries = part(root);
    for (const [id, entry] of Object.entries(entries)) {
      if (entry.region === undefined || entry.region === HOME_REGION) continue;
      part(placeState(root, ACCOUNT_ID, entry.region))[id] = entry;
      delete entries[id];
    }
  }
  return root;
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
