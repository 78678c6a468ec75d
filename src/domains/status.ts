/**
 * What a Customer Profiles domain is set to and holds: the settings the console shows on
 * its domain page, plus the dead-letter queue's depth and the instance(s) linked to it.
 * Used by `/profiles status` and the CLI alike; knows nothing of Slack.
 */
import { parseArn } from "../aws/arn.js";
import type { Gateways } from "../aws/gateways.js";
import { mapLimit } from "../aws/paginate.js";
import { AppError } from "../errors.js";
import { checkKeyPolicyOf, type KeyCheck, type KeyPolicyVerdict } from "./key-check.js";

export type StatusGateways = Pick<Gateways, "profiles" | "sqs" | "kms" | "connect">;

export interface LinkedInstance {
  arn: string;
  id: string;
  alias?: string;
}

export interface DomainStatus {
  name: string;
  expirationDays: number;
  deadLetterQueue?: {
    url: string;
    arn?: string;
    /** ApproximateNumberOfMessages; absent when the queue could not be read. */
    depth?: number;
    inFlight?: number;
    /** Why the queue could not be read (gone, or the bot may not read it). */
    problem?: string;
  };
  key?: {
    arn: string;
    aliases: string[];
    state?: string;
    problem?: string;
    /** Whether its policy lets Customer Profiles use it (key-check.ts); absent when the key is gone. */
    policy?: KeyPolicyVerdict;
  };
  instances: LinkedInstance[];
  profileCount: number;
  objectCount: number;
  tags: Record<string, string>;
}

export interface DomainListEntry {
  name: string;
  instances: LinkedInstance[];
}

/** ListIntegrations is 5 TPS by default: stay well under it. */
const LOOKUP_CONCURRENCY = 2;

const CONNECT_INSTANCE = /^arn:aws[\w-]*:connect:[^:]+:\d{12}:instance\/[^/]+$/;

const instanceIdOf = (arn: string): string => arn.split("/").pop() ?? arn;

/** Aliases of the instances the bot can see, by ARN; empty when it may not list them. */
async function instanceAliases(gateways: StatusGateways): Promise<Map<string, string>> {
  try {
    const instances = await gateways.connect.listInstances();
    return new Map(instances.flatMap((i) => (i.alias ? [[i.arn, i.alias] as const] : [])));
  } catch {
    return new Map();
  }
}

async function linkedInstances(
  gateways: StatusGateways,
  domain: string,
  aliases: Map<string, string>,
): Promise<LinkedInstance[]> {
  const integrations = await gateways.profiles.listIntegrations(domain);
  return integrations
    .filter((i) => CONNECT_INSTANCE.test(i.uri))
    .map((i) => {
      const alias = aliases.get(i.uri);
      return { arn: i.uri, id: instanceIdOf(i.uri), ...(alias ? { alias } : {}) };
    });
}

const problemOf = (err: unknown): string =>
  err instanceof AppError ? err.userMessage : "the bot could not read it";

async function queueStatus(
  gateways: StatusGateways,
  url: string,
): Promise<NonNullable<DomainStatus["deadLetterQueue"]>> {
  try {
    const info = await gateways.sqs.queueInfo(url);
    if (!info) return { url, problem: "The queue no longer exists." };
    return {
      url,
      arn: info.arn,
      depth: info.approximateMessages,
      inFlight: info.approximateNotVisible,
    };
  } catch (err) {
    return { url, problem: problemOf(err) };
  }
}

async function keyStatus(
  gateways: StatusGateways,
  arn: string,
  domain: string,
): Promise<NonNullable<DomainStatus["key"]>> {
  try {
    const [info, pickable, policy] = await Promise.all([
      gateways.kms.describeKey(arn),
      gateways.kms.listCustomerKeys(),
      checkKeyPolicyOf(gateways, arn, domain),
    ]);
    if (!info) return { arn, aliases: [], problem: "The key no longer exists." };
    const aliases = pickable.find((k) => k.arn === info.arn || k.keyId === info.keyId)?.aliases;
    return { arn: info.arn || arn, aliases: aliases ?? [], state: info.state, policy };
  } catch (err) {
    return { arn, aliases: [], problem: problemOf(err) };
  }
}

/** One domain's settings and contents. Throws not_found when there is no such domain. */
export async function domainStatus(gateways: StatusGateways, name: string): Promise<DomainStatus> {
  const domain = await gateways.profiles.getDomain(name);
  if (!domain) {
    throw new AppError(
      "not_found",
      `There is no Customer Profiles domain named ${name} in this region. \`/profiles status\` lists the domains there are.`,
    );
  }
  const [aliases, deadLetterQueue, key] = await Promise.all([
    instanceAliases(gateways),
    domain.deadLetterQueueUrl ? queueStatus(gateways, domain.deadLetterQueueUrl) : undefined,
    domain.encryptionKey
      ? keyStatus(gateways, domain.encryptionKey, domain.name || name)
      : undefined,
  ]);
  const instances = await linkedInstances(gateways, name, aliases);
  return {
    name: domain.name || name,
    expirationDays: domain.expirationDays,
    ...(deadLetterQueue ? { deadLetterQueue } : {}),
    ...(key ? { key } : {}),
    instances,
    profileCount: domain.stats.profileCount,
    objectCount: domain.stats.objectCount,
    tags: domain.tags,
  };
}

/** Every domain in the region with the instance(s) linked to it, by name. */
export async function listDomainStatus(gateways: StatusGateways): Promise<DomainListEntry[]> {
  const [domains, aliases] = await Promise.all([
    gateways.profiles.listDomains(),
    instanceAliases(gateways),
  ]);
  const sorted = [...domains].sort((a, b) => a.name.localeCompare(b.name));
  return mapLimit(sorted, LOOKUP_CONCURRENCY, async (d) => ({
    name: d.name,
    instances: await linkedInstances(gateways, d.name, aliases),
  }));
}

/** The domain's ARN, when a linked instance tells us the account and region. */
export function domainArnOf(status: Pick<DomainStatus, "name" | "instances">): string | undefined {
  const arn = status.instances[0] ? parseArn(status.instances[0].arn) : undefined;
  return arn
    ? `arn:${arn.partition}:profile:${arn.region}:${arn.accountId}:domains/${status.name}`
    : undefined;
}

/** What a status look-up found about the domain's key, as the App Home keeps it. */
export const keyCheckOf = (status: DomainStatus, now = Date.now()): KeyCheck => ({
  domain: status.name,
  checkedAt: now,
  ...(status.key?.policy ? { key: { arn: status.key.arn, policy: status.key.policy } } : {}),
});
