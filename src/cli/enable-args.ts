/**
 * The flags `plan` and `enable` share, and how they become the wizard's choices
 * (EnableInput): the instance, queue and key are looked up in AWS by id, name or alias, the
 * domain is "existing" when one by that name exists and "new" otherwise. Without --domain it
 * is the domain the instance is linked to now, else amazon-connect-<alias>. An existing domain
 * keeps its queue and key unless --dlq or --key says otherwise, as the wizard pre-selects.
 */
import type { Gateways } from "../aws/gateways.js";
import { type EarlyReads, withLinkRead } from "../enable/facts.js";
import {
  DEFAULT_RETENTION_DAYS,
  defaultAliasName,
  defaultDomainName,
  defaultQueueName,
  validateRetentionDays,
} from "../enable/names.js";
import type { DlqChoice, EnableInput, KeyChoice } from "../enable/plan.js";
import { AppError } from "../errors.js";

export const ENABLE_FLAGS = `  --instance ID             the Amazon Connect instance (id or ARN); required
  --target NAME             the target (AWS account) of AWS_TARGETS to work in
                            (default: the first target); NAME/REGION also picks the region
  --region REGION           one of the target's regions (default: its first)
  --domain NAME             the domain; used when it exists, created otherwise
                            (default: the domain the instance is linked to now, kept
                            as it is; for an unlinked instance a new
                            amazon-connect-<instance alias>)
  --dlq none|new:NAME|existing:NAME
                            the dead-letter queue (default: an existing domain keeps its
                            own, a new one gets new:<domain>-dlq); an existing queue may be
                            named by URL; its policy gets the Customer Profiles statement
                            merged in unless --no-merge-queue-policy; none removes an
                            existing domain's queue
  --keep-dlq                keep the existing domain's current queue (the default for it)
  --retention-days N        days a new dead-letter queue keeps failed objects, 1-14
                            (default 14; SQS's own 4 can lose a long weekend's failures)
  --confirm-redrive         accept an existing queue's own RedrivePolicy: SQS moves a
                            message on after maxReceiveCount receives, and scans count
  --key new:ALIAS|existing:ID-OR-ALIAS|aws-owned
                            the KMS key (default: an existing domain keeps its own, a new
                            one gets new:alias/<domain>); aws-owned clears an existing
                            domain's customer managed key
  --keep-key                keep the existing domain's current key (the default for it)
  --update-key-policy       let the bot add the Customer Profiles statement to an existing
                            key's policy (otherwise a missing statement blocks the plan)
  --confirm-key-statement   the key's administrator added the CustomerProfilesKey statement
                            the plan shows, to a key whose policy the bot can't read
  --confirm-reencrypt       change the key of an existing domain that holds profiles
                            (they are re-encrypted; keep the old key enabled)
  --no-merge-queue-policy   never change an existing queue's policy
  --expiration-days N       days profile data is kept, 1-1098 (default 366)
  --data-store              turn on a new domain's Data store (the long-term store
                            segmentation and predictive insights use); off by default
  --confirm-relink          the instance may move from the domain it is linked to now
                            (its profiles stay there)
  --json                    print one JSON object
  -h, --help                show this help`;

export interface EnableArgs {
  instance: string;
  target?: string;
  region?: string;
  domain?: string;
  dlq?: string;
  key?: string;
  expirationDays: number;
  retentionDays: number;
  dataStore: boolean;
  confirmRedrive: boolean;
  confirmRelink: boolean;
  confirmReencrypt: boolean;
  confirmKeyStatement: boolean;
  updateKeyPolicy: boolean;
  mergeQueuePolicy: boolean;
  json: boolean;
  yes: boolean;
  checkpoint?: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; help: boolean; error?: string };

const VALUE_FLAGS = new Set([
  "--instance",
  "--domain",
  "--dlq",
  "--key",
  "--target",
  "--region",
  "--expiration-days",
  "--retention-days",
  "--checkpoint",
]);
const BOOLEAN_FLAGS = new Set([
  "--confirm-relink",
  "--confirm-redrive",
  "--data-store",
  "--confirm-reencrypt",
  "--confirm-key-statement",
  "--keep-dlq",
  "--keep-key",
  "--update-key-policy",
  "--no-merge-queue-policy",
  "--json",
  "--yes",
]);

/** `--flag value` and `--flag=value`; `extra` names the flags only one subcommand accepts. */
export function parseEnableArgs(argv: string[], extra: string[] = []): Parsed<EnableArgs> {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const allowed = (flag: string) =>
    (VALUE_FLAGS.has(flag) || BOOLEAN_FLAGS.has(flag)) &&
    (!["--yes", "--checkpoint"].includes(flag) || extra.includes(flag));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") return { ok: false, help: true };
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (!allowed(flag)) return { ok: false, help: false, error: `unknown option ${arg}` };
    if (BOOLEAN_FLAGS.has(flag)) {
      if (eq > 0) return { ok: false, help: false, error: `${flag} takes no value` };
      flags.add(flag);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "") {
      return { ok: false, help: false, error: `${flag} needs a value` };
    }
    values.set(flag, value);
  }
  const instance = values.get("--instance");
  if (!instance) return { ok: false, help: false, error: "--instance is required" };
  const daysText = values.get("--expiration-days") ?? "366";
  if (!/^\d+$/.test(daysText)) {
    return { ok: false, help: false, error: `--expiration-days must be a whole number of days` };
  }
  const retentionText = values.get("--retention-days") ?? String(DEFAULT_RETENTION_DAYS);
  const retention = validateRetentionDays(retentionText);
  if (!retention.ok)
    return { ok: false, help: false, error: `--retention-days: ${retention.error}` };
  const dlqFlag = values.get("--dlq");
  if (dlqFlag && !/^(none|new:.+|existing:.+)$/.test(dlqFlag)) {
    return { ok: false, help: false, error: "--dlq takes none, new:NAME or existing:NAME" };
  }
  const keyFlag = values.get("--key");
  if (keyFlag && !/^(aws-owned|new:.+|existing:.+)$/.test(keyFlag)) {
    return {
      ok: false,
      help: false,
      error: "--key takes new:ALIAS, existing:ID-OR-ALIAS or aws-owned",
    };
  }
  for (const [keep, other] of [
    ["--keep-dlq", "--dlq"],
    ["--keep-key", "--key"],
  ] as const) {
    if (flags.has(keep) && values.has(other)) {
      return { ok: false, help: false, error: `${keep} and ${other} can't be used together` };
    }
  }
  const dlq = flags.has("--keep-dlq") ? "keep" : dlqFlag;
  const key = flags.has("--keep-key") ? "keep" : keyFlag;
  return {
    ok: true,
    value: {
      instance,
      ...(values.has("--target") ? { target: values.get("--target") } : {}),
      ...(values.has("--region") ? { region: values.get("--region") } : {}),
      ...(values.has("--domain") ? { domain: values.get("--domain") } : {}),
      ...(dlq ? { dlq } : {}),
      ...(key ? { key } : {}),
      ...(values.has("--checkpoint") ? { checkpoint: values.get("--checkpoint") } : {}),
      expirationDays: Number(daysText),
      retentionDays: retention.value,
      dataStore: flags.has("--data-store"),
      confirmRedrive: flags.has("--confirm-redrive"),
      confirmRelink: flags.has("--confirm-relink"),
      confirmReencrypt: flags.has("--confirm-reencrypt"),
      confirmKeyStatement: flags.has("--confirm-key-statement"),
      updateKeyPolicy: flags.has("--update-key-policy"),
      mergeQueuePolicy: !flags.has("--no-merge-queue-policy"),
      json: flags.has("--json"),
      yes: flags.has("--yes"),
    },
  };
}

export interface ResolvedInput {
  input: EnableInput;
  /** The instance's status: only ACTIVE instances can be enabled. */
  instanceStatus: string;
}

const notFound = (text: string) => new AppError("not_found", text, { retryable: false });

/**
 * Looks the named resources up (read-only) and returns the choices the wizard would make,
 * with the reads it used (`early` and the instance's link, which gatherFacts then reuses).
 * The domain list in `early` makes the domain's mode cost no read of its own.
 */
export async function resolveEnableInput(
  gateways: Pick<Gateways, "connect" | "profiles" | "sqs" | "kms">,
  args: EnableArgs,
  early: EarlyReads,
): Promise<ResolvedInput & { reads: EarlyReads }> {
  const instance = await gateways.connect.describeInstance(args.instance);
  if (!instance) {
    throw notFound(
      `There is no Amazon Connect instance ${args.instance} in this region: check --instance and AWS_REGION.`,
    );
  }
  const reads = withLinkRead(gateways, early, instance.arn);
  // Without --domain, as the wizard proposes: keep the domain the instance is linked to,
  // since a new one would move the instance away from its profiles.
  const linked = args.domain === undefined ? await reads.linkedTo?.domain : undefined;
  const domainName = (args.domain ?? linked ?? defaultDomainName(instance.alias)).trim();
  const exists = reads.domains.then((names) => names.includes(domainName));
  // An existing domain keeps what it has unless a flag says otherwise.
  const [existing, dlq, key] = await Promise.all([
    exists,
    exists.then((e) => resolveDlq(gateways, args, domainName, e)),
    exists.then((e) => resolveKey(gateways, args, domainName, e)),
  ]);
  return {
    instanceStatus: instance.status,
    reads,
    input: {
      instance: {
        id: instance.id,
        arn: instance.arn,
        ...(instance.alias ? { alias: instance.alias } : {}),
      },
      domain: existing
        ? { mode: "existing", name: domainName }
        : {
            mode: "new",
            name: domainName,
            expirationDays: args.expirationDays,
            dataStore: args.dataStore,
          },
      dlq,
      key,
      confirmRelink: args.confirmRelink,
      confirmReencrypt: args.confirmReencrypt,
    },
  };
}

async function resolveDlq(
  gateways: Pick<Gateways, "sqs">,
  args: EnableArgs,
  domainName: string,
  domainExists: boolean,
): Promise<DlqChoice> {
  const spec = args.dlq ?? (domainExists ? "keep" : `new:${defaultQueueName(domainName)}`);
  if (spec === "keep") return { mode: "keep" };
  if (spec === "none") return { mode: "none" };
  if (spec.startsWith("new:")) {
    return { mode: "new", name: spec.slice("new:".length), retentionDays: args.retentionDays };
  }
  const ref = spec.slice("existing:".length);
  const url = /^https?:\/\//.test(ref) ? ref : await gateways.sqs.findQueueUrl(ref);
  const info = url ? await gateways.sqs.queueInfo(url) : undefined;
  if (!url || !info) throw notFound(`There is no SQS queue ${ref} in this region: check --dlq.`);
  return {
    mode: "existing",
    url,
    arn: info.arn,
    mergePolicy: args.mergeQueuePolicy,
    confirmRedrive: args.confirmRedrive,
  };
}

async function resolveKey(
  gateways: Pick<Gateways, "kms">,
  args: EnableArgs,
  domainName: string,
  domainExists: boolean,
): Promise<KeyChoice> {
  const spec = args.key ?? (domainExists ? "keep" : `new:${defaultAliasName(domainName)}`);
  if (spec === "keep") return { mode: "keep" };
  if (spec === "aws-owned") return { mode: "aws-owned" };
  if (spec.startsWith("new:")) return { mode: "new", alias: spec.slice("new:".length) };
  const ref = spec.slice("existing:".length);
  const info = await gateways.kms.describeKey(ref);
  if (!info) throw notFound(`There is no KMS key ${ref} in this region: check --key.`);
  return {
    mode: "existing",
    keyId: info.keyId,
    arn: info.arn,
    updatePolicy: args.updateKeyPolicy,
    confirmedStatement: args.confirmKeyStatement,
    ...(ref.startsWith("alias/") ? { alias: ref } : {}),
  };
}
