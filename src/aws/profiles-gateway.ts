/**
 * Amazon Connect Customer Profiles: domains, the instance link (an integration whose Uri is
 * the Connect instance ARN), PutProfileObject for re-ingest, and the domain's tags, where the
 * bot keeps what must outlive Redis (docs/aws/customer-profiles.md, "Tags").
 */
import {
  CreateDomainCommand,
  type CustomerProfilesClient,
  DeleteDomainCommand,
  DeleteIntegrationCommand,
  GetDomainCommand,
  GetProfileObjectTypeCommand,
  ListAccountIntegrationsCommand,
  ListDomainsCommand,
  type ListIntegrationItem,
  ListIntegrationsCommand,
  ListTagsForResourceCommand,
  PutIntegrationCommand,
  PutProfileObjectCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDomainCommand,
} from "@aws-sdk/client-customer-profiles";
import { AppError } from "../errors.js";
import { domainArn, partitionForRegion, profileDomainResource } from "./arn.js";
import { type AwsCall, awsCall, callName, undefinedIfNotFound } from "./errors.js";
import { collectPages } from "./paginate.js";

export interface DomainSummary {
  name: string;
  createdAt?: Date;
  tags: Record<string, string>;
}

export interface DomainSettings {
  name: string;
  expirationDays: number;
  encryptionKey?: string;
  deadLetterQueueUrl?: string;
  /** The console's Data store (DataStore.Enabled); absent when AWS did not say. */
  dataStore?: boolean;
  tags: Record<string, string>;
}

export interface Domain extends DomainSettings {
  stats: { profileCount: number; objectCount: number; totalSize: number };
}

export interface CreateDomainInput {
  name: string;
  expirationDays: number;
  encryptionKey?: string;
  deadLetterQueueUrl?: string;
  /** Sends `DataStore: {Enabled: true}`; without it CreateDomain gets no DataStore at all. */
  dataStore?: boolean;
  tags: Record<string, string>;
}

/** `""` clears the key or the queue, as UpdateDomain defines it. */
export interface UpdateDomainInput {
  encryptionKey?: string;
  deadLetterQueueUrl?: string;
  expirationDays?: number;
}

export interface Integration {
  domain: string;
  uri: string;
  objectTypeName?: string;
  createdAt?: Date;
}

export interface ObjectTypeKey {
  standardIdentifiers: string[];
  fieldNames: string[];
}

export interface ProfileObjectType {
  name: string;
  /** Key name → the fields that make it; re-ingest paces per profile key. */
  keys: Record<string, ObjectTypeKey[]>;
  encryptionKey?: string;
  expirationDays?: number;
}

/** Customer Profiles pages go up to 100 items. */
const PAGE_SIZE = 100;

const LINK_IN_CONSOLE =
  "link the instance in the Amazon Connect console instead: open the instance, choose Customer profiles, then Enable, and pick this domain (AWS allows that link only from the console for some accounts).";

function toSettings(out: {
  DomainName?: string | undefined;
  DefaultExpirationDays?: number | undefined;
  DefaultEncryptionKey?: string | undefined;
  DeadLetterQueueUrl?: string | undefined;
  DataStore?: { Enabled?: boolean | undefined } | undefined;
  Tags?: Record<string, string> | undefined;
}): DomainSettings {
  const dataStore = out.DataStore?.Enabled;
  return {
    name: out.DomainName ?? "",
    expirationDays: out.DefaultExpirationDays ?? 0,
    ...(out.DefaultEncryptionKey ? { encryptionKey: out.DefaultEncryptionKey } : {}),
    ...(out.DeadLetterQueueUrl ? { deadLetterQueueUrl: out.DeadLetterQueueUrl } : {}),
    ...(dataStore !== undefined ? { dataStore } : {}),
    tags: out.Tags ?? {},
  };
}

function toIntegration(item: ListIntegrationItem): Integration {
  return {
    domain: item.DomainName ?? "",
    uri: item.Uri ?? "",
    ...(item.ObjectTypeName ? { objectTypeName: item.ObjectTypeName } : {}),
    ...(item.CreatedAt ? { createdAt: item.CreatedAt } : {}),
  };
}

/**
 * PutIntegration with a Connect ARN is refused for some callers (AWS's model says the link
 * is made from the Connect admin website). That refusal is expected, so its fix is the
 * console step rather than an IAM change nobody can make work.
 */
function asLinkRefusal(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  if (err.code !== "aws_access_denied" && err.code !== "aws_validation") return err;
  return new AppError(err.code, err.reason, {
    fix: LINK_IN_CONSOLE,
    call: err.call,
    awsCode: err.awsCode,
    awsMessage: err.awsMessage,
    cause: err.cause,
    retryable: false,
    details: { ...err.details, linkInConsole: true },
  });
}

/** The account in an SQS queue URL's path (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
const accountInQueueUrl = (url: string | undefined): string | undefined => {
  if (!url) return undefined;
  try {
    const account = new URL(url).pathname.split("/").filter(Boolean)[0];
    return account && /^\d{12}$/.test(account) ? account : undefined;
  } catch {
    return undefined;
  }
};

const NO_ACCOUNT_FIX =
  "set AWS_ACCOUNT_ID next to the bot's AWS credentials (the SDK reads it with them), or give the domain a dead-letter queue in its own account, so the bot can name the domain's ARN.";

export interface DomainTags {
  domain: string;
  tags: Record<string, string>;
}

export class ProfilesGateway {
  /** Learnt once: tagging calls name the domain by ARN, and no Profiles answer carries one. */
  private accountId: string | undefined;

  constructor(private readonly client: CustomerProfilesClient) {}

  private call<T>(operation: string, resource: string, fn: () => Promise<T>): Promise<T> {
    const call: AwsCall = {
      service: "profile",
      operation,
      iamAction: `profile:${operation}`,
      resource,
    };
    return awsCall(call, fn);
  }

  listDomains(): Promise<DomainSummary[]> {
    return collectPages(async (token) => {
      const out = await this.call("ListDomains", "*", () =>
        this.client.send(new ListDomainsCommand({ MaxResults: PAGE_SIZE, NextToken: token })),
      );
      const items = (out.Items ?? []).map((d) => ({
        name: d.DomainName ?? "",
        ...(d.CreatedAt ? { createdAt: d.CreatedAt } : {}),
        tags: d.Tags ?? {},
      }));
      return { items, next: out.NextToken };
    });
  }

  /** Undefined when the domain does not exist. */
  getDomain(name: string): Promise<Domain | undefined> {
    return undefinedIfNotFound(
      this.call("GetDomain", profileDomainResource(name), async () => {
        const out = await this.client.send(new GetDomainCommand({ DomainName: name }));
        return {
          ...toSettings(out),
          stats: {
            profileCount: out.Stats?.ProfileCount ?? 0,
            objectCount: out.Stats?.ObjectCount ?? 0,
            totalSize: out.Stats?.TotalSize ?? 0,
          },
        };
      }),
    );
  }

  createDomain(input: CreateDomainInput): Promise<DomainSettings> {
    return this.call("CreateDomain", profileDomainResource(input.name), async () =>
      toSettings(
        await this.client.send(
          new CreateDomainCommand({
            DomainName: input.name,
            DefaultExpirationDays: input.expirationDays,
            DefaultEncryptionKey: input.encryptionKey,
            DeadLetterQueueUrl: input.deadLetterQueueUrl,
            DataStore: input.dataStore ? { Enabled: true } : undefined,
            // AWS's model allows 1 to 50 tags: an empty map is refused, so none is sent.
            Tags: Object.keys(input.tags).length > 0 ? input.tags : undefined,
          }),
        ),
      ),
    );
  }

  updateDomain(name: string, input: UpdateDomainInput): Promise<DomainSettings> {
    return this.call("UpdateDomain", profileDomainResource(name), async () =>
      toSettings(
        await this.client.send(
          new UpdateDomainCommand({
            DomainName: name,
            DefaultExpirationDays: input.expirationDays,
            DefaultEncryptionKey: input.encryptionKey,
            DeadLetterQueueUrl: input.deadLetterQueueUrl,
          }),
        ),
      ),
    );
  }

  async deleteDomain(name: string): Promise<void> {
    await this.call("DeleteDomain", profileDomainResource(name), () =>
      this.client.send(new DeleteDomainCommand({ DomainName: name })),
    );
  }

  /**
   * Every integration of the domain, hidden ones included: the bot asks to learn which
   * instances are linked, and a link AWS made for itself may be hidden (IncludeHidden
   * defaults to false, docs/aws/customer-profiles.md).
   */
  listIntegrations(domain: string): Promise<Integration[]> {
    return collectPages(async (token) => {
      const out = await this.call("ListIntegrations", profileDomainResource(domain), () =>
        this.client.send(
          new ListIntegrationsCommand({
            DomainName: domain,
            IncludeHidden: true,
            MaxResults: PAGE_SIZE,
            NextToken: token,
          }),
        ),
      );
      return { items: (out.Items ?? []).map(toIntegration), next: out.NextToken };
    });
  }

  /**
   * The domain a Connect instance is linked to, or undefined when it is linked to none.
   * Hidden integrations count: without IncludeHidden an instance linked by a hidden one would
   * look free, and the bot would try to link it to a second domain.
   */
  async domainForInstance(instanceArn: string): Promise<string | undefined> {
    const integrations = await undefinedIfNotFound(
      collectPages(async (token) => {
        const out = await this.call("ListAccountIntegrations", "*", () =>
          this.client.send(
            new ListAccountIntegrationsCommand({
              Uri: instanceArn,
              IncludeHidden: true,
              MaxResults: PAGE_SIZE,
              NextToken: token,
            }),
          ),
        );
        return { items: (out.Items ?? []).map(toIntegration), next: out.NextToken };
      }),
    );
    return integrations?.find((i) => i.uri === instanceArn && i.domain)?.domain;
  }

  async linkInstance(domain: string, instanceArn: string): Promise<Integration> {
    try {
      const out = await this.call("PutIntegration", profileDomainResource(domain), () =>
        this.client.send(
          new PutIntegrationCommand({
            DomainName: domain,
            Uri: instanceArn,
            ObjectTypeName: "CTR",
          }),
        ),
      );
      return toIntegration(out);
    } catch (err) {
      throw asLinkRefusal(err);
    }
  }

  /** Idempotent: unlinking an instance that is not linked succeeds, so cleanup can run twice. */
  async unlinkInstance(domain: string, instanceArn: string): Promise<void> {
    await undefinedIfNotFound(
      this.call("DeleteIntegration", profileDomainResource(domain), () =>
        this.client.send(new DeleteIntegrationCommand({ DomainName: domain, Uri: instanceArn })),
      ),
    );
  }

  /** Returns the object's unique key; a response without one is not proof it was accepted. */
  async putProfileObject(
    domain: string,
    objectTypeName: string,
    objectJson: string,
  ): Promise<string> {
    const call: AwsCall = {
      service: "profile",
      operation: "PutProfileObject",
      iamAction: "profile:PutProfileObject",
      resource: `${profileDomainResource(domain)}/object-types/${objectTypeName}`,
    };
    const out = await awsCall(call, () =>
      this.client.send(
        new PutProfileObjectCommand({
          DomainName: domain,
          ObjectTypeName: objectTypeName,
          Object: objectJson,
        }),
      ),
    );
    if (!out.ProfileObjectUniqueKey) {
      throw new AppError(
        "aws_error",
        `${callName(call)} returned no ProfileObjectUniqueKey, so the object is not known to be stored.`,
        {
          fix: "retry; the message stays in the queue.",
          call: callName(call),
          retryable: true,
          details: { service: call.service, operation: call.operation, domain },
        },
      );
    }
    return out.ProfileObjectUniqueKey;
  }

  /** Undefined when the domain has no such object type. */
  getProfileObjectType(domain: string, name: string): Promise<ProfileObjectType | undefined> {
    const resource = `${profileDomainResource(domain)}/object-types/${name}`;
    return undefinedIfNotFound(
      this.call("GetProfileObjectType", resource, async () => {
        const out = await this.client.send(
          new GetProfileObjectTypeCommand({ DomainName: domain, ObjectTypeName: name }),
        );
        const keys: Record<string, ObjectTypeKey[]> = {};
        for (const [key, defs] of Object.entries(out.Keys ?? {})) {
          keys[key] = defs.map((d) => ({
            standardIdentifiers: [...(d.StandardIdentifiers ?? [])],
            fieldNames: [...(d.FieldNames ?? [])],
          }));
        }
        return {
          name: out.ObjectTypeName ?? name,
          keys,
          ...(out.EncryptionKey ? { encryptionKey: out.EncryptionKey } : {}),
          ...(out.ExpirationDays !== undefined ? { expirationDays: out.ExpirationDays } : {}),
        };
      }),
    );
  }

  // ---- tags -----------------------------------------------------------------------------

  /** Every domain with its tags: ListDomains' items carry them, one call per 100 domains. */
  async listDomainTags(): Promise<DomainTags[]> {
    return (await this.listDomains()).map((d) => ({ domain: d.name, tags: d.tags }));
  }

  /** The domain's tags (ListTagsForResource); undefined when the domain does not exist. */
  async domainTags(domain: string): Promise<Record<string, string> | undefined> {
    const arn = await this.domainArnOf(domain, "ListTagsForResource");
    if (!arn) return undefined;
    return undefinedIfNotFound(
      this.call("ListTagsForResource", arn, async () => {
        const out = await this.client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
        return out.tags ?? {};
      }),
    );
  }

  /** Adds or replaces the tags named; others stay. */
  async tagDomain(domain: string, tags: Record<string, string>): Promise<void> {
    const arn = await this.domainArnOf(domain, "TagResource");
    if (!arn) {
      throw new AppError("not_found", `Customer Profiles domain ${domain} does not exist.`, {
        fix: "check the domain's name with /profiles status.",
        call: "Customer Profiles TagResource",
        retryable: false,
      });
    }
    await this.call("TagResource", arn, () =>
      this.client.send(new TagResourceCommand({ resourceArn: arn, tags })),
    );
  }

  /** Removes the keys named; a missing domain or key is nothing to remove. */
  async untagDomain(domain: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const arn = await this.domainArnOf(domain, "UntagResource");
    if (!arn) return;
    await undefinedIfNotFound(
      this.call("UntagResource", arn, () =>
        this.client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: keys })),
      ),
    );
  }

  /**
   * `arn:<partition>:profile:<region>:<account>:domains/<name>`, or undefined when the domain
   * does not exist. The region is the client's. The account comes from the credentials when
   * the SDK knows it (AWS_ACCOUNT_ID, SSO, an assumed role), else from the domain's
   * dead-letter queue URL, which names the account that owns the queue.
   */
  private async domainArnOf(domain: string, operation: string): Promise<string | undefined> {
    const region = await this.client.config.region();
    if (!this.accountId) {
      try {
        this.accountId = (await this.client.config.credentials()).accountId || undefined;
      } catch {
        // The call itself will fail on the credentials, with its own message.
      }
    }
    if (!this.accountId) {
      const found = await this.getDomain(domain);
      if (!found) return undefined;
      this.accountId = accountInQueueUrl(found.deadLetterQueueUrl);
    }
    if (!this.accountId) {
      throw new AppError(
        "aws_error",
        `The bot cannot tell which AWS account domain ${domain} is in, so it cannot name it for Customer Profiles ${operation}.`,
        { fix: NO_ACCOUNT_FIX, call: `Customer Profiles ${operation}`, retryable: false },
      );
    }
    return domainArn(region, this.accountId, domain, partitionForRegion(region));
  }
}
