/**
 * An e2e test's domain with a dead-letter queue whose digests go to a channel: AWS clients
 * on the stack's emulator, the domain and its DLQ, and the binding in Redis, as an enable
 * would leave them.
 */
import { Redis } from "ioredis";
import { SANDBOX_AWS_CREDENTIALS, type Stack } from "../../sandbox/stack.js";
import { type AwsClients, createAwsClients } from "../../src/aws/clients.js";
import { createGateways, type Gateways } from "../../src/aws/gateways.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import { createDomainWithDlq } from "../dlq/support/harness.js";
import { at } from "../dlq/support/place.js";

export interface BoundDlq {
  clients: AwsClients;
  gateways: Gateways;
  /** The domain's dead-letter queue. */
  queueUrl: string;
  /** On the stack's Redis; the caller quits it. */
  redis: Redis;
}

export async function boundDlqDomain(
  stack: Stack,
  { domain, channelId, boundBy }: { domain: string; channelId: string; boundBy: string },
): Promise<BoundDlq> {
  const clients = createAwsClients({
    region: "us-east-1",
    endpoint: stack.emulator.url,
    maxAttempts: 3,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
  const gateways = createGateways(clients);
  const queueUrl = await createDomainWithDlq({ gateways, clients }, domain);
  const redis = new Redis(stack.config.redis.url, { maxRetriesPerRequest: null });
  await new RedisBindingStore(redis, stack.config.redis.prefix).set({
    ...at(domain),
    channelId,
    teamId: "T0SANDBOX",
    queueUrl,
    boundBy,
    boundAt: new Date().toISOString(),
  });
  return { clients, gateways, queueUrl, redis };
}
