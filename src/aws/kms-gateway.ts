/**
 * KMS: the domain's (and the DLQ's) customer managed key, its alias and its key policy.
 */
import {
  type AliasListEntry,
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  type KeyMetadata,
  type KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { AppError } from "../errors.js";
import { kmsResource } from "./arn.js";
import { type AwsCall, awsCall, undefinedIfNotFound } from "./errors.js";
import { collectPages, mapLimit } from "./paginate.js";

export interface KeyInfo {
  keyId: string;
  arn: string;
  state: string;
  spec: string;
  usage: string;
  manager: string;
  description: string;
}

export interface PickableKey {
  keyId: string;
  arn: string;
  description: string;
  aliases: string[];
}

export interface CreateKeyInput {
  description: string;
  policy: string;
  tags: Record<string, string>;
}

/** GetKeyPolicy and PutKeyPolicy accept only this name. */
const POLICY_NAME = "default";
const PAGE_SIZE = 100;
/** KMS's DescribeKey quota is shared with every other caller in the account: stay gentle. */
const DESCRIBE_CONCURRENCY = 4;

function toKeyInfo(m: KeyMetadata | undefined): KeyInfo {
  return {
    keyId: m?.KeyId ?? "",
    arn: m?.Arn ?? "",
    state: m?.KeyState ?? "",
    spec: m?.KeySpec ?? "",
    usage: m?.KeyUsage ?? "",
    manager: m?.KeyManager ?? "",
    description: m?.Description ?? "",
  };
}

const isPickable = (k: KeyInfo) =>
  k.state === "Enabled" &&
  k.manager === "CUSTOMER" &&
  k.spec === "SYMMETRIC_DEFAULT" &&
  k.usage === "ENCRYPT_DECRYPT";

export class KmsGateway {
  constructor(private readonly client: KMSClient) {}

  private call<T>(operation: string, resource: string, fn: () => Promise<T>): Promise<T> {
    const call: AwsCall = { service: "kms", operation, iamAction: `kms:${operation}`, resource };
    return awsCall(call, fn);
  }

  /** By key id, key ARN, alias name or alias ARN; undefined when there is no such key. */
  describeKey(ref: string): Promise<KeyInfo | undefined> {
    return undefinedIfNotFound(
      this.call("DescribeKey", kmsResource(ref), async () =>
        toKeyInfo((await this.client.send(new DescribeKeyCommand({ KeyId: ref }))).KeyMetadata),
      ),
    );
  }

  /** The key id an alias (`alias/…`) points to, or undefined when the alias does not exist. */
  async findAlias(aliasName: string): Promise<string | undefined> {
    const aliases = await this.listAliases();
    return aliases.find((a) => a.AliasName === aliasName)?.TargetKeyId;
  }

  /** Every alias name in the region (`alias/…`), AWS managed ones included. */
  async listAliasNames(): Promise<string[]> {
    return (await this.listAliases()).flatMap((a) => (a.AliasName ? [a.AliasName] : []));
  }

  /**
   * Enabled, customer managed, symmetric encryption keys with their aliases: the ones
   * Customer Profiles can use. Keys the bot may not describe are left out, not fatal,
   * because a key policy elsewhere in the account is no reason to break the picker.
   */
  async listCustomerKeys(): Promise<PickableKey[]> {
    const [keys, aliases] = await Promise.all([this.listKeyIds(), this.listAliases()]);
    const aliasesByKey = new Map<string, string[]>();
    for (const a of aliases) {
      if (!a.TargetKeyId || !a.AliasName) continue;
      aliasesByKey.set(a.TargetKeyId, [...(aliasesByKey.get(a.TargetKeyId) ?? []), a.AliasName]);
    }
    // AWS managed keys carry an alias/aws/… name: skipping them saves a DescribeKey each.
    const candidates = keys.filter(
      (id) => !(aliasesByKey.get(id) ?? []).some((n) => n.startsWith("alias/aws/")),
    );
    const described = await mapLimit(candidates, DESCRIBE_CONCURRENCY, (id) =>
      this.describeIfAllowed(id),
    );
    return described
      .filter((k): k is KeyInfo => k !== undefined && isPickable(k))
      .map((k) => ({
        keyId: k.keyId,
        arn: k.arn,
        description: k.description,
        aliases: (aliasesByKey.get(k.keyId) ?? []).sort(),
      }));
  }

  async createKey(input: CreateKeyInput): Promise<KeyInfo> {
    const tags = Object.entries(input.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
    const out = await this.call("CreateKey", "*", () =>
      this.client.send(
        new CreateKeyCommand({
          Description: input.description,
          Policy: input.policy,
          Tags: tags,
          KeySpec: "SYMMETRIC_DEFAULT",
          KeyUsage: "ENCRYPT_DECRYPT",
        }),
      ),
    );
    return toKeyInfo(out.KeyMetadata);
  }

  async createAlias(alias: string, keyId: string): Promise<void> {
    await this.call("CreateAlias", kmsResource(alias), () =>
      this.client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId })),
    );
  }

  /** Clean-up removes the alias it created, so the name can be used again at once. */
  async deleteAlias(alias: string): Promise<void> {
    await this.call("DeleteAlias", kmsResource(alias), () =>
      this.client.send(new DeleteAliasCommand({ AliasName: alias })),
    );
  }

  async getKeyPolicy(keyId: string): Promise<string> {
    const out = await this.call("GetKeyPolicy", kmsResource(keyId), () =>
      this.client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: POLICY_NAME })),
    );
    return out.Policy ?? "";
  }

  async putKeyPolicy(keyId: string, policy: string): Promise<void> {
    await this.call("PutKeyPolicy", kmsResource(keyId), () =>
      this.client.send(
        new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: POLICY_NAME, Policy: policy }),
      ),
    );
  }

  /** KMS never deletes a key at once: 7–30 days. Returns when it will be deleted. */
  async scheduleDeletion(keyId: string, days = 7): Promise<Date | undefined> {
    if (!Number.isInteger(days) || days < 7 || days > 30) {
      throw new AppError(
        "invalid_input",
        `A KMS key's deletion window is 7 to 30 days, not ${days}.`,
      );
    }
    const out = await this.call("ScheduleKeyDeletion", kmsResource(keyId), () =>
      this.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: days })),
    );
    return out.DeletionDate;
  }

  private listKeyIds(): Promise<string[]> {
    return collectPages(async (marker) => {
      const out = await this.call("ListKeys", "*", () =>
        this.client.send(new ListKeysCommand({ Limit: PAGE_SIZE, Marker: marker })),
      );
      const items = (out.Keys ?? []).flatMap((k) => (k.KeyId ? [k.KeyId] : []));
      return { items, next: out.Truncated ? out.NextMarker : undefined };
    });
  }

  private listAliases(): Promise<AliasListEntry[]> {
    return collectPages(async (marker) => {
      const out = await this.call("ListAliases", "*", () =>
        this.client.send(new ListAliasesCommand({ Limit: PAGE_SIZE, Marker: marker })),
      );
      return { items: out.Aliases ?? [], next: out.Truncated ? out.NextMarker : undefined };
    });
  }

  private async describeIfAllowed(keyId: string): Promise<KeyInfo | undefined> {
    try {
      return await this.describeKey(keyId);
    } catch (err) {
      if (err instanceof AppError && err.code === "aws_access_denied") return undefined;
      throw err;
    }
  }
}
