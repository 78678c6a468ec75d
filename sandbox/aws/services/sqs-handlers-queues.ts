/** SQS queue operations: create, find, list, delete, attributes and tags. */
import type { SqsQueue } from "../state.js";
import { AwsError } from "../types.js";
import { invalidParameter } from "./sqs-messages.js";
import {
  COMPUTED,
  checkAttributes,
  type Env,
  expireMessages,
  type Handler,
  type Input,
  isFifo,
  messageCounts,
  optionalInt,
  queueOf,
  queueUrl,
  requireString,
  SETTABLE,
  stringList,
  stringMap,
  withDefaults,
} from "./sqs-support.js";

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const DELETE_COOLDOWN_MS = 60_000;

function checkName(name: string, fifo: boolean): void {
  const base = name.endsWith(".fifo") ? name.slice(0, -5) : name;
  if (!QUEUE_NAME.test(base) || name.length > 80) {
    throw invalidParameter(
      "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
    );
  }
  if (fifo !== name.endsWith(".fifo")) {
    throw invalidParameter(
      "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.",
    );
  }
}

function checkTags(tags: Record<string, string>): void {
  if (Object.keys(tags).length > 50) throw invalidParameter("Too many tags added for queue.");
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > 128 || value.length > 256) {
      throw invalidParameter(`Tag ${key} is invalid.`);
    }
  }
}

/** Same name and same given attributes returns the queue; any difference is a conflict. */
function existingQueue(queue: SqsQueue, given: Record<string, string>): void {
  for (const [name, value] of Object.entries(given)) {
    if ((queue.attributes[name] ?? "") !== value) {
      throw new AwsError(
        "QueueNameExists",
        `A queue already exists with the same name and a different value for attribute ${name}`,
      );
    }
  }
}

function createQueue(input: Input, env: Env) {
  const name = requireString(input, "QueueName");
  const given = stringMap(input.Attributes);
  const fifo = given.FifoQueue === "true";
  checkName(name, fifo);
  checkAttributes(given, fifo);
  const { state } = env.ctx;
  const now = env.ctx.now();
  const existing = state.sqs.queues[name];
  if (existing) {
    existingQueue(existing, given);
    return { QueueUrl: queueUrl(env, existing) };
  }
  const deletedAt = state.sqs.deletedAt?.[name];
  if (deletedAt !== undefined && now - deletedAt < DELETE_COOLDOWN_MS) {
    throw new AwsError(
      "QueueDeletedRecently",
      "You must wait 60 seconds after deleting a queue before you can create another queue with the same name.",
    );
  }
  const tags = stringMap(input.tags);
  checkTags(tags);
  const queue: SqsQueue = {
    name,
    url: `${env.req.baseUrl}/${env.req.accountId}/${name}`,
    arn: `arn:aws:sqs:${env.req.region}:${env.req.accountId}:${name}`,
    region: env.req.region,
    createdTimestamp: now,
    lastModifiedTimestamp: now,
    attributes: withDefaults(given),
    tags,
    messages: [],
  };
  state.sqs.queues[name] = queue;
  env.ctx.propagation.changed("queue", queue.arn);
  if (given.Policy) env.ctx.propagation.changed("queue-policy", queue.arn);
  return { QueueUrl: queueUrl(env, queue) };
}

function getQueueUrl(input: Input, env: Env) {
  const queue = env.ctx.state.sqs.queues[requireString(input, "QueueName")];
  if (!queue) throw new AwsError("QueueDoesNotExist", "The specified queue does not exist.");
  return { QueueUrl: queueUrl(env, queue) };
}

const pageToken = (name: string) => Buffer.from(name).toString("base64");
const afterToken = (token: string) => Buffer.from(token, "base64").toString("utf8");

function listQueues(input: Input, env: Env) {
  const prefix = typeof input.QueueNamePrefix === "string" ? input.QueueNamePrefix : "";
  const max = optionalInt(input, "MaxResults", 1, 1000);
  const token = typeof input.NextToken === "string" ? afterToken(input.NextToken) : "";
  const names = Object.keys(env.ctx.state.sqs.queues)
    .filter((n) => n.startsWith(prefix) && n > token)
    .sort();
  const page = names.slice(0, max ?? 1000);
  const queues = page.map((n) => env.ctx.state.sqs.queues[n] as SqsQueue);
  const more = max !== undefined && names.length > page.length;
  return {
    ...(queues.length > 0 ? { QueueUrls: queues.map((q) => queueUrl(env, q)) } : {}),
    ...(more ? { NextToken: pageToken(page[page.length - 1] as string) } : {}),
  };
}

function deleteQueue(input: Input, env: Env) {
  const queue = queueOf(input, env);
  const { sqs } = env.ctx.state;
  delete sqs.queues[queue.name];
  sqs.deletedAt = { ...sqs.deletedAt, [queue.name]: env.ctx.now() };
  return {};
}

function allAttributes(queue: SqsQueue, now: number): Record<string, string> {
  expireMessages(queue, now);
  const counts = messageCounts(queue, now);
  return {
    ...queue.attributes,
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdTimestamp / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.lastModifiedTimestamp / 1000)),
  };
}

function getQueueAttributes(input: Input, env: Env) {
  const queue = queueOf(input, env);
  const wanted = stringList(input, "AttributeNames");
  for (const name of wanted) {
    if (name !== "All" && !SETTABLE[name] && !COMPUTED.includes(name)) {
      throw new AwsError("InvalidAttributeName", `Unknown Attribute ${name}.`);
    }
  }
  const all = allAttributes(queue, env.ctx.now());
  const picked = Object.fromEntries(
    Object.entries(all).filter(([name]) => wanted.includes("All") || wanted.includes(name)),
  );
  return Object.keys(picked).length > 0 ? { Attributes: picked } : {};
}

function setQueueAttributes(input: Input, env: Env) {
  const queue = queueOf(input, env);
  // A queue made moments ago, under a propagation delay, is not visible here yet.
  if (env.ctx.propagation.hidden("queue", queue.arn)) {
    throw new AwsError("QueueDoesNotExist", "The specified queue does not exist.");
  }
  const given = stringMap(input.Attributes);
  if ("FifoQueue" in given)
    throw new AwsError("InvalidAttributeName", "Unknown Attribute FifoQueue.");
  checkAttributes(given, isFifo(queue));
  for (const [name, value] of Object.entries(given)) {
    if (
      value === "" &&
      ["Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId"].includes(name)
    ) {
      delete queue.attributes[name];
    } else {
      queue.attributes[name] = value;
    }
  }
  if (given.KmsMasterKeyId) queue.attributes.SqsManagedSseEnabled = "false";
  if ("Policy" in given) env.ctx.propagation.changed("queue-policy", queue.arn);
  queue.lastModifiedTimestamp = env.ctx.now();
  return {};
}

function purgeQueue(input: Input, env: Env) {
  queueOf(input, env).messages = [];
  return {};
}

function tagQueue(input: Input, env: Env) {
  const queue = queueOf(input, env);
  const tags = { ...queue.tags, ...stringMap(input.Tags) };
  checkTags(tags);
  queue.tags = tags;
  return {};
}

function untagQueue(input: Input, env: Env) {
  const queue = queueOf(input, env);
  for (const key of stringList(input, "TagKeys")) delete queue.tags[key];
  return {};
}

function listQueueTags(input: Input, env: Env) {
  const queue = queueOf(input, env);
  return Object.keys(queue.tags).length > 0 ? { Tags: { ...queue.tags } } : {};
}

function listDeadLetterSourceQueues(input: Input, env: Env) {
  const target = queueOf(input, env);
  const sources = Object.values(env.ctx.state.sqs.queues).filter((q) => {
    const policy = q.attributes.RedrivePolicy;
    return policy !== undefined && JSON.parse(policy).deadLetterTargetArn === target.arn;
  });
  return { queueUrls: sources.map((q) => queueUrl(env, q)) };
}

export const queueHandlers: Record<string, Handler> = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  DeleteQueue: deleteQueue,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  PurgeQueue: purgeQueue,
  TagQueue: tagQueue,
  UntagQueue: untagQueue,
  ListQueueTags: listQueueTags,
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
};
