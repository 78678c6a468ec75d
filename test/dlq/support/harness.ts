/**
 * Shared set-up for the re-ingest tests and bench: the seeded AWS emulator on a free port,
 * real SDK clients and gateways over it, a domain with its own DLQ and two object types, and
 * the Redis rate limiter under a fresh prefix (removed afterwards).
 */
import { ConnectClient } from "@aws-sdk/client-connect";
import {
  CreateDomainCommand,
  CustomerProfilesClient,
  PutProfileObjectTypeCommand,
  type PutProfileObjectTypeCommandInput,
} from "@aws-sdk/client-customer-profiles";
import { KMSClient } from "@aws-sdk/client-kms";
import { SQSClient } from "@aws-sdk/client-sqs";
import { Redis } from "ioredis";
import { type EmulatorHandle, startSeededEmulator } from "../../../sandbox/aws/index.js";
import type { StartOptions } from "../../../sandbox/aws/server.js";
import {
  CRM_CONTACT_TYPE,
  findDomain,
  ingestionIdle,
} from "../../../sandbox/aws/services/profiles.js";
import {
  ACCOUNT_ID,
  enqueueMessage,
  findQueueByUrl,
  type SqsMessage,
  type SqsQueue,
} from "../../../sandbox/aws/state.js";
import { testPrefix } from "../../../sandbox/stack.js";
import { type AwsClients, createAwsClients } from "../../../src/aws/clients.js";
import { createGateways, type Gateways } from "../../../src/aws/gateways.js";
import { createLogger, type Logger } from "../../../src/logger.js";
import { RedisRateLimiter } from "../../../src/ratelimit.js";

export const REGION = "us-east-1";
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const THROTTLED = "Too many objects ingested on profile per second";
export const MISSING_KEY = "The UNIQUE key or PROFILE key does not exist in the profile object";

export interface DlqHarness {
  emulator: EmulatorHandle;
  clients: AwsClients;
  gateways: Gateways;
  redis: Redis;
  prefix: string;
  limiter: RedisRateLimiter;
  log: Logger;
  close(): Promise<void>;
}

export interface HarnessOptions extends StartOptions {
  maxAttempts?: number;
  /**
   * "standard" swaps the SDK's adaptive retries (production's) for plain ones: the adaptive
   * client-side limiter slows a client to a crawl under injected throttling, which hides the
   * re-ingest loop's own handling from the test.
   */
  retryMode?: "adaptive" | "standard";
}

export async function startDlqHarness(opts: HarnessOptions = {}): Promise<DlqHarness> {
  const emulator = await startSeededEmulator({ port: 0, quotas: false, ...opts });
  const config = {
    region: REGION,
    endpoint: emulator.url,
    maxAttempts: opts.maxAttempts ?? 3,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  const clients =
    opts.retryMode === "standard" ? standardClients(config) : createAwsClients(config);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = testPrefix();
  return {
    emulator,
    clients,
    gateways: createGateways(clients),
    redis,
    prefix,
    limiter: new RedisRateLimiter(redis, prefix),
    log: createLogger(process.env.LOG_LEVEL ?? "silent"),
    close: async () => {
      await deleteKeys(redis, prefix);
      await redis.quit();
      clients.destroy();
      await emulator.close();
    },
  };
}

function standardClients(config: {
  region: string;
  endpoint: string;
  maxAttempts: number;
  credentials: { accessKeyId: string; secretAccessKey: string };
}): AwsClients {
  const common = { ...config, retryMode: "standard" } as const;
  const all = {
    profiles: new CustomerProfilesClient(common),
    sqs: new SQSClient(common),
    kms: new KMSClient(common),
    connect: new ConnectClient(common),
  };
  return {
    ...all,
    destroy: () => {
      for (const c of Object.values(all)) c.destroy();
    },
  };
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const stream = redis.scanStream({ match: `${prefix}*`, count: 500 });
  for await (const keys of stream as AsyncIterable<string[]>) {
    if (keys.length) await redis.del(...keys);
  }
}

const domainArn = (name: string) => `arn:aws:profile:${REGION}:${ACCOUNT_ID}:domains/${name}`;

/** A domain with its own DLQ (policy set) and the CRM-Contact and Order object types. */
export async function createDomainWithDlq(
  h: Pick<DlqHarness, "gateways" | "clients">,
  name: string,
): Promise<string> {
  const { sqs } = h.gateways;
  const url = await sqs.createQueue(`${name}-dlq`, { tags: {} });
  const info = await sqs.queueInfo(url);
  await sqs.setPolicy(
    url,
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CustomerProfilesDLQ",
          Effect: "Allow",
          Principal: { Service: "profile.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: info?.arn,
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT_ID, "aws:SourceArn": domainArn(name) },
          },
        },
      ],
    }),
  );
  await h.clients.profiles.send(
    new CreateDomainCommand({
      DomainName: name,
      DefaultExpirationDays: 30,
      DeadLetterQueueUrl: url,
    }),
  );
  await h.clients.profiles.send(
    new PutProfileObjectTypeCommand({
      DomainName: name,
      ObjectTypeName: "CRM-Contact",
      ...(CRM_CONTACT_TYPE as Pick<
        PutProfileObjectTypeCommandInput,
        "Description" | "Fields" | "Keys"
      >),
    }),
  );
  await h.clients.profiles.send(
    new PutProfileObjectTypeCommand({
      DomainName: name,
      ObjectTypeName: "Order",
      Description: "Web shop orders",
      AllowProfileCreation: true,
      Fields: {
        OrderId: { Source: "_source.OrderId", Target: "_order.OrderId", ContentType: "STRING" },
        AccountNumber: { Source: "_source.AccountNumber", Target: "_profile.AccountNumber" },
        Note: { Source: "_source.Note", Target: "_order.Note" },
      },
      Keys: {
        _orderId: [{ StandardIdentifiers: ["UNIQUE"], FieldNames: ["OrderId"] }],
        _account: [{ StandardIdentifiers: ["PROFILE"], FieldNames: ["AccountNumber"] }],
      },
    }),
  );
  return url;
}

export function queueOf(h: Pick<DlqHarness, "emulator">, url: string): SqsQueue {
  const queue = findQueueByUrl(h.emulator.ctx.state, url);
  if (!queue) throw new Error(`no queue at ${url}`);
  return queue;
}

/** A dead-letter message written straight into the emulator, as Customer Profiles writes one. */
export function putDeadLetter(
  h: Pick<DlqHarness, "emulator">,
  url: string,
  m: { domain: string; objectTypeName: string; errorMessage: string; object: unknown },
): SqsMessage {
  const body = JSON.stringify({
    domainName: m.domain,
    objectTypeName: m.objectTypeName,
    errorMessage: m.errorMessage,
    object: typeof m.object === "string" ? m.object : JSON.stringify(m.object),
    timestamp: new Date().toISOString(),
  });
  return enqueueMessage(
    queueOf(h, url),
    {
      body,
      messageAttributes: {
        ErrorMessage: { DataType: "String", StringValue: m.errorMessage },
        ObjectTypeName: { DataType: "String", StringValue: m.objectTypeName },
      },
    },
    h.emulator.ctx.now(),
  );
}

/**
 * Fills a domain's DLQ the way real traffic does: `perAccount` orders for each of `accounts`
 * accounts at once, so all but one per account are throttled into the DLQ, then one message
 * Customer Profiles refused for a missing key, which no re-ingest takes. Returns how many
 * messages the DLQ then holds.
 */
export async function seedThrottledDlq(
  h: Pick<DlqHarness, "gateways" | "emulator">,
  url: string,
  domain: string,
  { accounts, perAccount }: { accounts: number; perAccount: number },
): Promise<number> {
  await Promise.all(
    Array.from({ length: accounts * perAccount }, (_, i) =>
      h.gateways.profiles.putProfileObject(
        domain,
        "Order",
        JSON.stringify({ OrderId: `o-${i}`, AccountNumber: `A-${i % accounts}` }),
      ),
    ),
  );
  await ingestionIdle(h.emulator.ctx.state);
  putDeadLetter(h, url, {
    domain,
    objectTypeName: "Order",
    errorMessage: MISSING_KEY,
    object: { Note: "no keys" },
  });
  return queueOf(h, url).messages.length;
}

export function putRawMessage(h: DlqHarness, url: string, body: string): SqsMessage {
  return enqueueMessage(queueOf(h, url), { body }, h.emulator.ctx.now());
}

/** Every stored object of a domain, by its unique key. */
export function storedObjects(h: DlqHarness, domain: string) {
  return Object.values(findDomain(h.emulator.ctx.state, domain, REGION)?.objects ?? {});
}
