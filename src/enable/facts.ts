/**
 * Looks up what AWS holds that a plan depends on (EnableFacts): the domains in the region,
 * the domain the instance is linked to, an existing queue's and key's policy and state, and
 * whether a new alias is taken. Read-only: it changes nothing. The CLI's `plan` and `enable`
 * and the Slack wizard's review step call it, then hand the facts to buildPlan.
 */
import type { Gateways } from "../aws/gateways.js";
import { AppError } from "../errors.js";
import { parseInstanceArn } from "./arns.js";
import { defaultAliasName, validateAliasName } from "./names.js";
import type { EnableFacts, EnableInput } from "./plan.js";

export type FactGateways = Pick<Gateways, "profiles" | "sqs" | "kms">;

export interface FactOptions {
  /**
   * The account and region the bot acts in. Without them they come from the instance's
   * ARN, which the bot found through its own credentials and region.
   */
  accountId?: string;
  region?: string;
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

  const [domains, linkedTo, queue, keyInfo, keyPolicy, aliasTarget, existing] = await Promise.all([
    profiles.listDomains(),
    parsed.ok ? profiles.domainForInstance(input.instance.arn) : undefined,
    dlq.mode === "existing" ? unlessDenied(sqs.queueInfo(dlq.url)) : undefined,
    key.mode === "existing" ? unlessDenied(kms.describeKey(key.arn || key.keyId)) : undefined,
    key.mode === "existing" ? unlessDenied(kms.getKeyPolicy(key.keyId || key.arn)) : undefined,
    newAlias ? kms.findAlias(newAlias) : undefined,
    input.domain.mode === "existing" ? profiles.getDomain(domainName) : undefined,
  ]);

  return {
    accountId,
    region,
    existingDomains: domains.map((d) => d.name),
    ...(linkedTo ? { instanceLinkedTo: linkedTo } : {}),
    ...(queue?.policy ? { queuePolicy: queue.policy } : {}),
    ...(keyPolicy !== undefined && keyPolicy !== "" ? { keyPolicy } : {}),
    ...(keyInfo
      ? {
          keyState: keyInfo.state,
          keyManager: keyInfo.manager,
          keySpec: keyInfo.spec,
          keyUsage: keyInfo.usage,
        }
      : {}),
    ...(newAlias ? { existingAliases: aliasTarget ? [newAlias] : [] } : {}),
    ...(existing
      ? {
          existingDomain: {
            ...(existing.deadLetterQueueUrl
              ? { deadLetterQueueUrl: existing.deadLetterQueueUrl }
              : {}),
            ...(existing.encryptionKey ? { defaultEncryptionKey: existing.encryptionKey } : {}),
          },
        }
      : {}),
  };
}
