/**
 * What a Customer Profiles domain is set to and holds: the settings the console shows on
 * its domain page, plus the dead-letter queue's depth and the instance(s) linked to it.
 * Used by `/profiles status` and the CLI alike; knows nothing of Slack.
 */
import { parseArn } from "../aws/arn.js";
import type { Gateways } from "../aws/gateways.js";
import { mapLimit } from "../aws/paginate.js";
import type { DomainRef, Place, Targets } from "../aws/targets.js";
import type { Actor } from "../context.js";
import { AppError, asAppError } from "../errors.js";
import {
  checkKeyPolicyOf,
  type KeyCheck,
  type KeyPolicyVerdict,
  noSuchDomain,
} from "./key-check.js";

export type StatusGateways = Pick<Gateways, "profiles" | "sqs" | "kms" | "connect">;

export interface LinkedInstance {
  arn: string;
  id: string;
  alias?: string;
}

export interface DomainStatus extends Place {
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
export async function domainStatus(
  gateways: StatusGateways,
  ref: DomainRef,
): Promise<DomainStatus> {
  const name = ref.domain;
  const domain = await gateways.profiles.getDomain(name);
  if (!domain) throw noSuchDomain(ref);
  const [aliases, deadLetterQueue, key] = await Promise.all([
    instanceAliases(gateways),
    domain.deadLetterQueueUrl ? queueStatus(gateways, domain.deadLetterQueueUrl) : undefined,
    domain.encryptionKey
      ? keyStatus(gateways, domain.encryptionKey, domain.name || name)
      : undefined,
  ]);
  const instances = await linkedInstances(gateways, name, aliases);
  return {
    account: ref.account,
    region: ref.region,
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
  account: status.account,
  region: status.region,
  domain: status.name,
  checkedAt: now,
  ...(status.key?.policy ? { key: { arn: status.key.arn, policy: status.key.policy } } : {}),
});

/** One place's domains for a listing, or the sentence saying why they could not be listed. */
export interface PlaceListing extends Place {
  /** `targets.describe(place)`. */
  label: string;
  domains?: DomainListEntry[];
  error?: string;
}

/**
 * Every place's domains (or those of the places given), each place looked up on its own: a
 * place that fails (its role can't be assumed, say) carries its error sentence and the others
 * are listed all the same.
 */
export async function listEveryPlace(
  targets: Pick<Targets, "places" | "describe" | "gateways">,
  actor: Actor,
  places: readonly Place[] = targets.places(),
): Promise<PlaceListing[]> {
  return Promise.all(
    places.map(async (place): Promise<PlaceListing> => {
      const label = targets.describe(place);
      try {
        const domains = await listDomainStatus(targets.gateways(place, actor));
        return { ...place, label, domains };
      } catch (err) {
        return { ...place, label, error: asAppError(err).userMessage };
      }
    }),
  );
}

/**
 * Where a domain named `name` is, among the places given: each place's GetDomain, a place
 * that fails counting as not holding it. With one place, that place (the look-up then says
 * whether the domain is there).
 */
export async function placesHolding(
  targets: Pick<Targets, "gateways">,
  places: readonly Place[],
  name: string,
  actor: Actor,
): Promise<Place[]> {
  if (places.length <= 1) return [...places];
  const found = await Promise.all(
    places.map(async (place) => {
      try {
        return (await targets.gateways(place, actor).profiles.getDomain(name)) ? place : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((p): p is Place => p !== undefined);
}
