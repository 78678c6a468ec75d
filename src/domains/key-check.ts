/**
 * Whether a domain's customer-managed KMS key lets Customer Profiles use it, as far as the bot
 * can tell: `verified` (its policy holds the statement), `missing` (readable, but the statement
 * is not there: what to add) or `unverified` (the bot may not read the policy, typically
 * GetKeyPolicy denied on a key someone else administers: why, and the statement the key's
 * administrator must have). The last check of each domain is kept in Redis, so the App Home
 * shows it without calling AWS, until a later check (status, Check again) replaces it.
 */
import { parseArn } from "../aws/arn.js";
import type { Gateways } from "../aws/gateways.js";
import { type DomainRef, refId } from "../aws/targets.js";
import { checkKeyPolicy, formatPolicy, kmsKeyStatement } from "../enable/policies.js";
import { AppError, asAppError } from "../errors.js";
import type { Redis } from "../redis.js";

export type KeyPolicyVerdict =
  | { verdict: "verified" }
  | { verdict: "missing"; problems: string[]; statement: string }
  | { verdict: "unverified"; reason: string; statement: string };

/** Kept per domain and place: the same name in another account or region is another domain. */
export interface KeyCheck extends DomainRef {
  /** Epoch ms. */
  checkedAt: number;
  /** The domain's customer-managed key and its verdict; absent for an AWS owned key. */
  key?: { arn: string; policy: KeyPolicyVerdict };
}

type PolicyRead = { policy: string } | { error: unknown };

/** The rule: what a key policy read (or the failure to read it) says about the domain's key. */
export function keyPolicyVerdict(
  read: PolicyRead,
  keyArn: string,
  domain: string,
): KeyPolicyVerdict {
  const arn = parseArn(keyArn);
  const ref = { accountId: arn?.accountId ?? "", region: arn?.region ?? "", domainName: domain };
  const statement = formatPolicy(kmsKeyStatement(ref));
  if ("error" in read) {
    const e = asAppError(read.error);
    const reason =
      e.code === "aws_access_denied"
        ? `The bot may not read this key's policy (kms:GetKeyPolicy was denied): ${e.reason}`
        : `The bot could not read this key's policy: ${e.reason}`;
    return { verdict: "unverified", reason, statement };
  }
  const check = checkKeyPolicy(read.policy, ref);
  return check.ok
    ? { verdict: "verified" }
    : { verdict: "missing", problems: check.problems, statement };
}

/** Reads the key's policy and judges it; never throws, since an unreadable policy is a finding. */
export async function checkKeyPolicyOf(
  gateways: Pick<Gateways, "kms">,
  keyArn: string,
  domain: string,
): Promise<KeyPolicyVerdict> {
  let read: PolicyRead;
  try {
    read = { policy: await gateways.kms.getKeyPolicy(keyArn) };
  } catch (error) {
    read = { error };
  }
  return keyPolicyVerdict(read, keyArn, domain);
}

/** Checks one domain's key afresh. Throws not_found when there is no such domain. */
export async function checkDomainKey(
  gateways: Pick<Gateways, "profiles" | "kms">,
  ref: DomainRef,
  now = Date.now(),
): Promise<KeyCheck> {
  const { domain } = ref;
  const found = await gateways.profiles.getDomain(domain);
  if (!found) throw noSuchDomain(ref);
  const arn = found.encryptionKey;
  if (!arn) return { ...ref, checkedAt: now };
  return {
    ...ref,
    checkedAt: now,
    key: { arn, policy: await checkKeyPolicyOf(gateways, arn, domain) },
  };
}

/** Said when a domain is not where it was looked for. */
export const noSuchDomain = (ref: DomainRef): AppError =>
  new AppError(
    "not_found",
    `There is no Customer Profiles domain named ${ref.domain} in ${ref.region} of account ${ref.account}. \`/profiles status\` lists the domains there are.`,
  );

/** The last check is worth keeping for a while, not forever: a week, then Home forgets it. */
const TTL_SECONDS = 7 * 24 * 3600;

export interface KeyCheckStore {
  get(ref: DomainRef): Promise<KeyCheck | undefined>;
  set(check: KeyCheck): Promise<void>;
}

export class RedisKeyCheckStore implements KeyCheckStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(ref: DomainRef): string {
    return `${this.prefix}:key-check:${refId(ref)}`;
  }

  async get(ref: DomainRef): Promise<KeyCheck | undefined> {
    const raw = await this.redis.get(this.key(ref));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as KeyCheck;
    } catch {
      return undefined;
    }
  }

  async set(check: KeyCheck): Promise<void> {
    await this.redis.set(this.key(check), JSON.stringify(check), "EX", TTL_SECONDS);
  }
}
