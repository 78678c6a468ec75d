/**
 * Looks up what AWS holds that a plan depends on (EnableFacts): the domains in the region,
 * the domain the instance is linked to, an existing queue's and key's policy and state, and
 * whether a new alias is taken. Read-only: it changes nothing. The CLI's `plan` and `enable`
 * and the Slack wizard's review step call it, then hand the facts to buildPlan. Every read
 * goes out in one parallel round; a caller that still has choices to resolve (the CLI looks
 * the instance up first) starts the reads that need no choice early (startEarlyReads), so
 * they overlap its own.
 */
import type { Gateways } from "../aws/gateways.js";
import { AppError } from "../errors.js";
import { parseInstanceArn } from "./arns.js";
import { defaultAliasName, validateAliasName } from "./names.js";
import type { EnableFacts, EnableInput } from "./plan.js";

export type FactGateways = Pick<Gateways, "profiles" | "sqs" | "kms">;

/**
 * The reads a plan needs whatever the choices are: every domain, every alias, and the
 * instance's current domain when its ARN is already known. Each promise is marked handled,
 * so one a caller never awaits (it failed earlier) cannot crash the process.
 */
export interface EarlyReads {
  domains: Promise<string[]>;
  aliases: Promise<string[]>;
  /** For this instance ARN only. */
  linkedTo?: { instanceArn: string; domain: Promise<string | undefined> };
}

const handled = <T>(read: Promise<T>): Promise<T> => {
  read.catch(() => {});
  return read;
};

export function startEarlyReads(
  gateways: FactGateways,
  opts: { instanceArn?: string } = {},
): EarlyReads {
  const early: EarlyReads = {
    domains: handled(gateways.profiles.listDomains().then((ds) => ds.map((d) => d.name))),
    aliases: handled(gateways.kms.listAliasNames()),
  };
  return opts.instanceArn ? withLinkRead(gateways, early, opts.instanceArn) : early;
}

/**
 * `early` with the instance's current domain asked for, unless it already is (or the ARN
 * can't be read): a caller that learns the ARN later (the CLI looks the instance up by id)
 * starts it then, and gatherFacts uses it instead of asking again.
 */
export function withLinkRead(
  gateways: FactGateways,
  early: EarlyReads,
  instanceArn: string,
): EarlyReads {
  if (early.linkedTo?.instanceArn === instanceArn || !parseInstanceArn(instanceArn).ok) {
    return early;
  }
  const domain = handled(gateways.profiles.domainForInstance(instanceArn));
  return { ...early, linkedTo: { instanceArn, domain } };
}

export interface FactOptions {
  /**
   * The account and region the bot acts in. Without them they come from the instance's
   * ARN, which the bot found through its own credentials and region.
   */
  accountId?: string;
  region?: string;
  /** Reads already under way (startEarlyReads): used instead of sending them again. */
  early?: EarlyReads;
}

/** A read the plan can do without: access denied means "unknown", which the plan warns about. */
async function unlessDenied<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof AppError && err.code === "aws_access_denied") return undefined;
    throw err;
  }
}

export async function gatherFacts(
  gateways: FactGateways,
  input: EnableInput,
  opts: FactOptions = {},
): Promise<EnableFacts> {
  const { profiles, sqs, kms } = gateways;
  const parsed = parseInstanceArn(input.instance.arn);
  const accountId = opts.accountId ?? (parsed.ok ? parsed.value.accountId : "");
  const region = opts.region ?? (parsed.ok ? parsed.value.region : "");
  const domainName = input.domain.name.trim();
  const { dlq, key } = input;
  const newAlias =
    key.mode === "new"
      ? (() => {
          const alias = validateAliasName(key.alias.trim() || defaultAliasName(domainName));
          return alias.ok ? alias.value : undefined;
        })()
      : undefined;

  const { early } = opts;
  const earlyLink =
    early?.linkedTo?.instanceArn === input.instance.arn ? early.linkedTo.domain : undefined;
  const [domains, linkedTo, queue, keyInfo, keyPolicy, aliasTaken, existing] = await Promise.all([
    early?.domains ?? profiles.listDomains().then((ds) => ds.map((d) => d.name)),
    earlyLink ?? (parsed.ok ? profiles.domainForInstance(input.instance.arn) : undefined),
    dlq.mode === "existing" ? unlessDenied(sqs.queueInfo(dlq.url)) : undefined,
    key.mode === "existing" ? unlessDenied(kms.describeKey(key.arn || key.keyId)) : undefined,
    key.mode === "existing" ? unlessDenied(kms.getKeyPolicy(key.keyId || key.arn)) : undefined,
    newAlias ? aliasExists(gateways, newAlias, early) : undefined,
    input.domain.mode === "existing" ? profiles.getDomain(domainName) : undefined,
  ]);

  // Linked elsewhere (not the fresh path): how many profiles stay behind, for the warning.
  const linkedDomainProfiles =
    linkedTo && linkedTo !== domainName
      ? await unlessDenied(profiles.getDomain(linkedTo)).then(
          (d) => d?.stats.profileCount,
          () => undefined,
        )
      : undefined;

  return {
    accountId,
    region,
    existingDomains: domains,
    ...(linkedTo ? { instanceLinkedTo: linkedTo } : {}),
    ...(linkedDomainProfiles !== undefined ? { linkedDomainProfiles } : {}),
    ...(queue?.policy ? { queuePolicy: queue.policy } : {}),
    ...(queue?.retentionSeconds !== undefined
      ? { queueRetentionSeconds: queue.retentionSeconds }
      : {}),
    ...(queue?.redrive ? { queueRedrive: queue.redrive } : {}),
    ...(keyPolicy !== undefined && keyPolicy !== "" ? { keyPolicy } : {}),
    ...(keyInfo
      ? {
          keyState: keyInfo.state,
          keyManager: keyInfo.manager,
          keySpec: keyInfo.spec,
          keyUsage: keyInfo.usage,
        }
      : {}),
    ...(newAlias ? { existingAliases: aliasTaken ? [newAlias] : [] } : {}),
    ...(existing
      ? {
          existingDomain: {
            ...(existing.deadLetterQueueUrl
              ? { deadLetterQueueUrl: existing.deadLetterQueueUrl }
              : {}),
            ...(existing.encryptionKey ? { defaultEncryptionKey: existing.encryptionKey } : {}),
            // The same Stats read the relink warning's count comes from (linkedDomainProfiles).
            profileCount: existing.stats.profileCount,
          },
        }
      : {}),
  };
}

async function aliasExists(
  gateways: FactGateways,
  alias: string,
  early: EarlyReads | undefined,
): Promise<boolean> {
  if (early) return (await early.aliases).includes(alias);
  return (await gateways.kms.findAlias(alias)) !== undefined;
}
