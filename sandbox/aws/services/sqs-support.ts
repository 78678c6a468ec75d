/** What the SQS handlers share: input readers, queue lookup and queue-attribute rules. */
import { findKey, findQueueByUrl, type SqsQueue } from "../state.js";
import { AwsError, type AwsRequest, type EmulatorContext } from "../types.js";
import { expire } from "./sqs-index.js";
import { invalidParameter } from "./sqs-messages.js";

export type Input = Record<string, unknown>;
export type Output = Record<string, unknown>;
export interface Env {
  req: AwsRequest;
  ctx: EmulatorContext;
}
export type Handler = (input: Input, env: Env) => Output | Promise<Output>;

export function requireString(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== "string" || value === "") {
    throw new AwsError("MissingParameter", `The request must contain the parameter ${name}.`);
  }
  return value;
}

/** An integer parameter: a number in JSON requests, a string in Query ones. */
export function optionalInt(
  input: Input,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalidParameter(
      `Value ${String(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  }
  return n;
}

export const stringList = (input: Input, name: string): string[] => {
  const value = input[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
};

export const stringMap = (value: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value))
      if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
};

export const queueUrl = (env: Env, queue: SqsQueue) =>
  `${env.req.baseUrl}/${env.req.accountId}/${queue.name}`;

export function queueOf(input: Input, env: Env): SqsQueue {
  const url = requireString(input, "QueueUrl");
  const queue = findQueueByUrl(env.ctx.state, url);
  if (!queue) throw new AwsError("QueueDoesNotExist", "The specified queue does not exist.");
  return queue;
}

export const isFifo = (queue: SqsQueue) => queue.attributes.FifoQueue === "true";

const intIn = (min: number, max: number) => (v: string) =>
  /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
const oneOf =
  (...values: string[]) =>
  (v: string) =>
    values.includes(v);
const jsonOrEmpty = (v: string) => {
  if (v === "") return true;
  try {
    const parsed: unknown = JSON.parse(v);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
};
const redrivePolicy = (v: string) => {
  if (v === "") return true;
  if (!jsonOrEmpty(v)) return false;
  const p = JSON.parse(v) as Record<string, unknown>;
  const count = Number(p.maxReceiveCount);
  return (
    typeof p.deadLetterTargetArn === "string" &&
    Number.isInteger(count) &&
    count >= 1 &&
    count <= 1000
  );
};

/** The attributes CreateQueue and SetQueueAttributes accept, with the values SQS allows. */
export const SETTABLE: Record<string, (value: string) => boolean> = {
  DelaySeconds: intIn(0, 900),
  MaximumMessageSize: intIn(1024, 1_048_576),
  MessageRetentionPeriod: intIn(60, 1_209_600),
  ReceiveMessageWaitTimeSeconds: intIn(0, 20),
  VisibilityTimeout: intIn(0, 43_200),
  Policy: jsonOrEmpty,
  RedrivePolicy: redrivePolicy,
  RedriveAllowPolicy: jsonOrEmpty,
  KmsMasterKeyId: () => true,
  KmsDataKeyReusePeriodSeconds: intIn(60, 86_400),
  SqsManagedSseEnabled: oneOf("true", "false"),
  FifoQueue: oneOf("true", "false"),
  ContentBasedDeduplication: oneOf("true", "false"),
  DeduplicationScope: oneOf("messageGroup", "queue"),
  FifoThroughputLimit: oneOf("perQueue", "perMessageGroupId"),
};

const FIFO_ONLY = ["ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"];

export const COMPUTED = [
  "QueueArn",
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
];

export function checkAttributes(attributes: Record<string, string>, fifo: boolean): void {
  for (const [name, value] of Object.entries(attributes)) {
    const valid = SETTABLE[name];
    if (!valid || (!fifo && FIFO_ONLY.includes(name))) {
      throw new AwsError("InvalidAttributeName", `Unknown Attribute ${name}.`);
    }
    if (!valid(value)) {
      throw new AwsError("InvalidAttributeValue", `Invalid value for the parameter ${name}.`);
    }
  }
}

/** A queue's attributes after CreateQueue: SQS's defaults under the ones given. */
export function withDefaults(given: Record<string, string>): Record<string, string> {
  const sse: Record<string, string> = given.KmsMasterKeyId
    ? { SqsManagedSseEnabled: "false", KmsDataKeyReusePeriodSeconds: "300" }
    : { SqsManagedSseEnabled: "true" };
  const fifo: Record<string, string> =
    given.FifoQueue === "true"
      ? {
          ContentBasedDeduplication: "false",
          DeduplicationScope: "queue",
          FifoThroughputLimit: "perQueue",
        }
      : {};
  return {
    VisibilityTimeout: "30",
    MaximumMessageSize: "1048576",
    MessageRetentionPeriod: "345600",
    DelaySeconds: "0",
    ReceiveMessageWaitTimeSeconds: "0",
    ...sse,
    ...fifo,
    ...given,
  };
}

export function messageCounts(queue: SqsQueue, now: number) {
  let visible = 0;
  let inFlight = 0;
  let delayed = 0;
  for (const m of queue.messages) {
    if (m.visibleAt <= now) visible++;
    else if (m.receiveCount > 0) inFlight++;
    else delayed++;
  }
  return { visible, inFlight, delayed };
}

/** Drop messages past the queue's retention period, as SQS does lazily. */
export function expireMessages(queue: SqsQueue, now: number): void {
  expire(queue, now, Number(queue.attributes.MessageRetentionPeriod ?? "345600") * 1000);
}

/*
 * An SSE-KMS queue needs its key to be usable for every send and receive; SQS reports
 * the key's problem with its own Kms* errors. The AWS-managed alias/aws/sqs always works.
 */
export function checkQueueKey(queue: SqsQueue, env: Env): void {
  const keyId = queue.attributes.KmsMasterKeyId;
  if (!keyId || keyId === "alias/aws/sqs") return;
  const key = findKey(env.ctx.state, keyId);
  if (!key) {
    throw new AwsError("KmsNotFound", `Invalid keyId ${keyId} (Service: Kms, Status Code: 400)`);
  }
  if (key.keyState === "Disabled") {
    throw new AwsError("KmsDisabled", `${key.arn} is disabled. (Service: Kms, Status Code: 400)`);
  }
  if (key.keyState === "PendingDeletion") {
    throw new AwsError(
      "KmsInvalidState",
      `${key.arn} is pending deletion. (Service: Kms, Status Code: 400)`,
    );
  }
}
