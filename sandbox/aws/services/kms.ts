/**
 * AWS KMS, JSON 1.1 protocol (`X-Amz-Target: TrentService.<Op>`): keys, aliases, key
 * policies, scheduled deletion and tags. No cryptography: nothing here encrypts.
 */
import { randomUUID } from "node:crypto";
import { type EmulatorState, findKey, type KmsAlias, type KmsKey } from "../state.js";
import { AwsError, type AwsRequest, type EmulatorContext, type ServiceModule } from "../types.js";

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;
interface Env {
  req: AwsRequest;
  ctx: EmulatorContext;
}
type Handler = (input: Input, env: Env) => Output;

const DAY_MS = 86_400_000;

const notFound = (ref: string) => new AwsError("NotFoundException", `Key '${ref}' does not exist`);
const invalidState = (key: KmsKey) =>
  new AwsError(
    "KMSInvalidStateException",
    `${key.arn} is ${key.keyState === "PendingDeletion" ? "pending deletion" : key.keyState.toLowerCase()}.`,
  );

function requireString(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== "string" || value === "") {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** A key whose deletion date has passed is gone, with its aliases, as in KMS. */
function removeDeletedKeys(state: EmulatorState, now: number): void {
  for (const key of Object.values(state.kms.keys)) {
    if (
      key.keyState === "PendingDeletion" &&
      key.deletionDate !== undefined &&
      key.deletionDate <= now
    ) {
      delete state.kms.keys[key.keyId];
      for (const alias of Object.values(state.kms.aliases)) {
        if (alias.targetKeyId === key.keyId) delete state.kms.aliases[alias.aliasName];
      }
    }
  }
}

function keyOf(input: Input, env: Env, name = "KeyId"): KmsKey {
  const ref = requireString(input, name);
  const key = findKey(env.ctx.state, ref);
  if (!key) throw notFound(ref);
  return key;
}

/** Key operations other than Describe/Get refuse keys that are disabled or pending deletion. */
function usableKey(input: Input, env: Env): KmsKey {
  const key = keyOf(input, env);
  if (key.keyState !== "Enabled") throw invalidState(key);
  return key;
}

const rootPolicy = (accountId: string) =>
  JSON.stringify(
    {
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    },
    null,
    2,
  );

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/*
 * KMS refuses a policy that would stop the account administering the key (the "policy
 * lockout safety check") unless the caller bypasses it. Without the caller's identity we
 * accept any Allow statement for a principal of this account that grants kms:PutKeyPolicy.
 */
function allowsAdministration(policy: Record<string, unknown>, accountId: string): boolean {
  return asArray(policy.Statement).some((raw) => {
    const s = (raw ?? {}) as Record<string, unknown>;
    const principal = s.Principal as Record<string, unknown> | string | undefined;
    const principals =
      typeof principal === "string" ? [principal] : asArray(principal?.AWS).map(String);
    const actions = asArray(s.Action).map(String);
    return (
      s.Effect === "Allow" &&
      principals.some(
        (p) => p === "*" || p === accountId || p.startsWith(`arn:aws:iam::${accountId}:`),
      ) &&
      actions.some((a) => a === "*" || a === "kms:*" || a === "kms:PutKeyPolicy")
    );
  });
}

function checkPolicy(input: Input, accountId: string): string | undefined {
  const policy = input.Policy;
  if (policy === undefined) return undefined;
  const malformed = (why: string) => new AwsError("MalformedPolicyDocumentException", why);
  if (typeof policy !== "string" || policy.length > 32_768)
    throw malformed("The policy is not valid.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    throw malformed("The policy is not syntactically correct JSON.");
  }
  if (!parsed || typeof parsed !== "object" || !("Statement" in parsed)) {
    throw malformed("The policy has no Statement.");
  }
  if (
    input.BypassPolicyLockoutSafetyCheck !== true &&
    !allowsAdministration(parsed as Record<string, unknown>, accountId)
  ) {
    throw malformed(
      "The new key policy will not allow you to update the key policy in the future.",
    );
  }
  return policy;
}

type Tag = KmsKey["tags"][number];

function checkTags(raw: unknown): Tag[] {
  const tags = asArray(raw) as Tag[];
  for (const t of tags) {
    if (typeof t?.TagKey !== "string" || t.TagKey.length < 1 || t.TagKey.length > 128) {
      throw new AwsError("TagException", "Tag keys must be 1 to 128 characters.");
    }
    if (typeof t.TagValue !== "string" || t.TagValue.length > 256) {
      throw new AwsError("TagException", "Tag values must be 0 to 256 characters.");
    }
    if (t.TagKey.startsWith("aws:"))
      throw new AwsError("TagException", "Tag keys can't begin with aws:.");
  }
  if (new Set(tags.map((t) => t.TagKey)).size !== tags.length) {
    throw new AwsError("TagException", "Duplicate tag keys");
  }
  return tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue }));
}

const KEY_SPECS: Record<string, string[]> = {
  SYMMETRIC_DEFAULT: ["ENCRYPT_DECRYPT"],
  RSA_2048: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
  RSA_3072: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
  RSA_4096: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
  ECC_NIST_P256: ["SIGN_VERIFY", "KEY_AGREEMENT"],
  ECC_NIST_P384: ["SIGN_VERIFY", "KEY_AGREEMENT"],
  ECC_NIST_P521: ["SIGN_VERIFY", "KEY_AGREEMENT"],
  ECC_SECG_P256K1: ["SIGN_VERIFY"],
  HMAC_224: ["GENERATE_VERIFY_MAC"],
  HMAC_256: ["GENERATE_VERIFY_MAC"],
  HMAC_384: ["GENERATE_VERIFY_MAC"],
  HMAC_512: ["GENERATE_VERIFY_MAC"],
};

function createKey(input: Input, env: Env) {
  const { accountId, region } = env.req;
  const keySpec = String(input.KeySpec ?? input.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT");
  const usages = KEY_SPECS[keySpec];
  if (!usages) throw new AwsError("ValidationException", `KeySpec ${keySpec} is not valid.`);
  const keyUsage = String(input.KeyUsage ?? usages[0]);
  if (!usages.includes(keyUsage)) {
    throw new AwsError(
      "ValidationException",
      `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}.`,
    );
  }
  const description = typeof input.Description === "string" ? input.Description : "";
  if (description.length > 8192)
    throw new AwsError("ValidationException", "Description is too long.");
  const policy = checkPolicy(input, accountId) ?? rootPolicy(accountId);
  const keyId = randomUUID();
  const key: KmsKey = {
    keyId,
    arn: `arn:aws:kms:${region}:${accountId}:key/${keyId}`,
    region,
    description,
    keyState: "Enabled",
    keySpec,
    keyUsage,
    origin: String(input.Origin ?? "AWS_KMS"),
    keyManager: "CUSTOMER",
    policy,
    creationDate: env.ctx.now(),
    tags: checkTags(input.Tags),
  };
  env.ctx.state.kms.keys[keyId] = key;
  env.ctx.propagation.changed("key", key.arn);
  return { KeyMetadata: keyMetadata(key, accountId) };
}

function keyMetadata(key: KmsKey, accountId: string): Output {
  const algorithms =
    key.keyUsage === "ENCRYPT_DECRYPT"
      ? {
          EncryptionAlgorithms:
            key.keySpec === "SYMMETRIC_DEFAULT"
              ? ["SYMMETRIC_DEFAULT"]
              : ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
        }
      : key.keyUsage === "GENERATE_VERIFY_MAC"
        ? { MacAlgorithms: [`HMAC_SHA_${key.keySpec.slice(5)}`] }
        : {};
  return {
    AWSAccountId: accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.creationDate / 1000,
    Enabled: key.keyState === "Enabled",
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.keyState,
    ...(key.deletionDate !== undefined ? { DeletionDate: key.deletionDate / 1000 } : {}),
    Origin: key.origin,
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...algorithms,
    MultiRegion: false,
  };
}

function describeKey(input: Input, env: Env) {
  return { KeyMetadata: keyMetadata(keyOf(input, env), env.req.accountId) };
}

/** Marker-based paging as KMS does it: Limit 1–1000 (default 100), Truncated, NextMarker. */
function page<T>(items: T[], input: Input): { items: T[]; more: Output } {
  const limit = input.Limit === undefined ? 100 : Number(input.Limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new AwsError("ValidationException", "Limit must be between 1 and 1000.");
  }
  const start =
    typeof input.Marker === "string" ? Number(Buffer.from(input.Marker, "base64").toString()) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw new AwsError("InvalidMarkerException", "The marker is invalid.");
  const slice = items.slice(start, start + limit);
  const next = start + slice.length;
  return {
    items: slice,
    more:
      next < items.length
        ? { Truncated: true, NextMarker: Buffer.from(String(next)).toString("base64") }
        : { Truncated: false },
  };
}

function listKeys(input: Input, env: Env) {
  const keys = Object.values(env.ctx.state.kms.keys).sort(
    (a, b) => a.creationDate - b.creationDate,
  );
  const { items, more } = page(keys, input);
  return { Keys: items.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), ...more };
}

const ALIAS_NAME = /^[a-zA-Z0-9:/_-]+$/;

function checkAliasName(name: string): void {
  if (
    !name.startsWith("alias/") ||
    name.length > 256 ||
    !ALIAS_NAME.test(name) ||
    name === "alias/"
  ) {
    throw new AwsError(
      "InvalidAliasNameException",
      `Alias ${name} is not valid. It must begin with alias/, use only a-zA-Z0-9:/_- and be at most 256 characters.`,
    );
  }
  if (name.startsWith("alias/aws/")) {
    throw new AwsError(
      "InvalidAliasNameException",
      `Alias ${name} must not begin with alias/aws/, which is reserved for AWS managed keys.`,
    );
  }
}

/** An alias's target must be a key id or key ARN, not another alias. */
function targetKey(input: Input, env: Env): KmsKey {
  const ref = requireString(input, "TargetKeyId");
  if (ref.startsWith("alias/") || ref.includes(":alias/")) {
    throw new AwsError(
      "ValidationException",
      "TargetKeyId must be a key id or key ARN, not an alias.",
    );
  }
  const key = findKey(env.ctx.state, ref);
  if (!key || env.ctx.propagation.hidden("key", key.arn)) throw notFound(ref);
  if (key.keyState === "PendingDeletion") throw invalidState(key);
  return key;
}

function createAlias(input: Input, env: Env) {
  const name = requireString(input, "AliasName");
  checkAliasName(name);
  const key = targetKey(input, env);
  const aliasArn = `arn:aws:kms:${env.req.region}:${env.req.accountId}:${name}`;
  if (env.ctx.state.kms.aliases[name]) {
    throw new AwsError(
      "AlreadyExistsException",
      `An alias with the name ${aliasArn} already exists`,
    );
  }
  const now = env.ctx.now();
  const alias: KmsAlias = {
    aliasName: name,
    aliasArn,
    targetKeyId: key.keyId,
    region: env.req.region,
    creationDate: now,
    lastUpdatedDate: now,
  };
  env.ctx.state.kms.aliases[name] = alias;
  return {};
}

function aliasOf(input: Input, env: Env): KmsAlias {
  const name = requireString(input, "AliasName");
  const alias = env.ctx.state.kms.aliases[name];
  if (!alias) throw new AwsError("NotFoundException", `Alias ${name} is not found.`);
  return alias;
}

function updateAlias(input: Input, env: Env) {
  const alias = aliasOf(input, env);
  alias.targetKeyId = targetKey(input, env).keyId;
  alias.lastUpdatedDate = env.ctx.now();
  return {};
}

function deleteAlias(input: Input, env: Env) {
  delete env.ctx.state.kms.aliases[aliasOf(input, env).aliasName];
  return {};
}

function listAliases(input: Input, env: Env) {
  const keyId = input.KeyId === undefined ? undefined : keyOf(input, env).keyId;
  const aliases = Object.values(env.ctx.state.kms.aliases)
    .filter((a) => keyId === undefined || a.targetKeyId === keyId)
    .sort((a, b) => a.aliasName.localeCompare(b.aliasName));
  const { items, more } = page(aliases, input);
  return {
    Aliases: items.map((a) => ({
      AliasName: a.aliasName,
      AliasArn: a.aliasArn,
      ...(a.targetKeyId ? { TargetKeyId: a.targetKeyId } : {}),
      ...(a.creationDate !== undefined ? { CreationDate: a.creationDate / 1000 } : {}),
      ...(a.lastUpdatedDate !== undefined ? { LastUpdatedDate: a.lastUpdatedDate / 1000 } : {}),
    })),
    ...more,
  };
}

function checkPolicyName(input: Input): void {
  if (input.PolicyName !== undefined && input.PolicyName !== "default") {
    throw new AwsError(
      "NotFoundException",
      `Policy ${String(input.PolicyName)} does not exist. The only valid policy name is default.`,
    );
  }
}

function getKeyPolicy(input: Input, env: Env) {
  checkPolicyName(input);
  return { Policy: keyOf(input, env).policy, PolicyName: "default" };
}

function putKeyPolicy(input: Input, env: Env) {
  checkPolicyName(input);
  const key = keyOf(input, env);
  // A key made moments ago, under a propagation delay, is not visible here yet.
  if (env.ctx.propagation.hidden("key", key.arn)) throw notFound(String(input.KeyId));
  if (key.keyState === "PendingDeletion") throw invalidState(key);
  if (key.keyManager === "AWS")
    throw new AwsError(
      "AccessDeniedException",
      "You cannot change the policy of an AWS managed key.",
    );
  if (input.Policy === undefined) requireString(input, "Policy");
  key.policy = checkPolicy(input, env.req.accountId) as string;
  env.ctx.propagation.changed("key-policy", key.arn);
  return {};
}

function listKeyPolicies(input: Input, env: Env) {
  keyOf(input, env);
  return { PolicyNames: ["default"], Truncated: false };
}

function scheduleKeyDeletion(input: Input, env: Env) {
  const key = keyOf(input, env);
  if (key.keyManager === "AWS")
    throw new AwsError("AccessDeniedException", "You cannot delete an AWS managed key.");
  if (key.keyState === "PendingDeletion") throw invalidState(key);
  const days = input.PendingWindowInDays === undefined ? 30 : Number(input.PendingWindowInDays);
  if (!Number.isInteger(days) || days < 7 || days > 30) {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${String(input.PendingWindowInDays)}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30`,
    );
  }
  key.keyState = "PendingDeletion";
  key.deletionDate = env.ctx.now() + days * DAY_MS;
  return {
    KeyId: key.arn,
    DeletionDate: key.deletionDate / 1000,
    KeyState: key.keyState,
    PendingWindowInDays: days,
  };
}

/** A cancelled deletion leaves the key Disabled, as KMS does: someone must enable it. */
function cancelKeyDeletion(input: Input, env: Env) {
  const key = keyOf(input, env);
  if (key.keyState !== "PendingDeletion") throw invalidState(key);
  key.keyState = "Disabled";
  key.deletionDate = undefined;
  return { KeyId: key.arn };
}

function setEnabled(enabled: boolean): Handler {
  return (input, env) => {
    const key = keyOf(input, env);
    if (key.keyState === "PendingDeletion") throw invalidState(key);
    key.keyState = enabled ? "Enabled" : "Disabled";
    return {};
  };
}

function tagResource(input: Input, env: Env) {
  const key = usableKey(input, env);
  const tags = checkTags(input.Tags);
  const merged = new Map(key.tags.map((t) => [t.TagKey, t.TagValue]));
  for (const t of tags) merged.set(t.TagKey, t.TagValue);
  if (merged.size > 50)
    throw new AwsError("LimitExceededException", "A key can have at most 50 tags.");
  key.tags = [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
  return {};
}

function untagResource(input: Input, env: Env) {
  const key = usableKey(input, env);
  const remove = new Set(asArray(input.TagKeys).map(String));
  key.tags = key.tags.filter((t) => !remove.has(t.TagKey));
  return {};
}

function listResourceTags(input: Input, env: Env) {
  const { items, more } = page(keyOf(input, env).tags, input);
  return { Tags: items, ...more };
}

const HANDLERS: Record<string, Handler> = {
  CreateKey: createKey,
  DescribeKey: describeKey,
  ListKeys: listKeys,
  CreateAlias: createAlias,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  ListAliases: listAliases,
  GetKeyPolicy: getKeyPolicy,
  PutKeyPolicy: putKeyPolicy,
  ListKeyPolicies: listKeyPolicies,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
  EnableKey: setEnabled(true),
  DisableKey: setEnabled(false),
  TagResource: tagResource,
  UntagResource: untagResource,
  ListResourceTags: listResourceTags,
};

// The emulator core's generic codes, spelled as KMS spells them.
const KMS_CODES: Record<string, string> = {
  InternalServerException: "KMSInternalException",
  UnknownOperationException: "UnsupportedOperationException",
};

export const kms: ServiceModule = {
  name: "kms",

  operationOf(req) {
    const target = req.headers["x-amz-target"];
    if (typeof target !== "string" || !target.startsWith("TrentService.")) return undefined;
    const operation = target.slice("TrentService.".length);
    return Object.hasOwn(HANDLERS, operation) ? operation : undefined;
  },

  handle(operation, req, ctx) {
    removeDeletedKeys(ctx.state, ctx.now());
    let input: Input;
    try {
      const text = req.body.toString("utf8").trim();
      input = text ? (JSON.parse(text) as Input) : {};
    } catch {
      throw new AwsError("SerializationException", "The request body is not valid JSON.");
    }
    const output = (HANDLERS[operation] as Handler)(input, { req, ctx });
    return {
      status: 200,
      headers: { "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify(output),
    };
  },

  errorResponse(err, _req) {
    return {
      status: err.status,
      headers: { "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify({ __type: KMS_CODES[err.code] ?? err.code, message: err.message }),
    };
  },

  throttlingError: () => new AwsError("ThrottlingException", "Rate exceeded", 400),
};
