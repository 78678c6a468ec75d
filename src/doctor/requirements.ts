/**
 * What the bot needs from the account it runs against, as `doctor` checks it: the IAM
 * permissions of iam-policy.json and the bot scopes of manifest.yml. Kept here as data, since
 * neither file ships in the image (the Dockerfile copies src/ only);
 * test/doctor/requirements.test.ts fails when this and those files disagree.
 */
import type { SimulationContext } from "../aws/identity-gateway.js";
import { CREATED_BY, TAG_CREATED_BY } from "../provision/steps.js";

export interface ResourceParts {
  partition: string;
  region: string;
  account: string;
}

/** One statement of iam-policy.json, with a resource of the kind it grants on to simulate. */
export interface PermissionStatement {
  sid: string;
  actions: string[];
  /** The statement's Resource, as written in iam-policy.json. */
  resourcePattern: string;
  /** A resource the pattern matches, in the bot's own account and region. */
  sampleResource(parts: ResourceParts): string;
  /** The condition keys the statement requires, set as the bot's calls would set them. */
  context?(parts: ResourceParts): SimulationContext[];
}

const SAMPLE_DOMAIN = "amazon-connect-doctor";
const SAMPLE_KEY = "00000000-0000-0000-0000-000000000000";

const domainArn = (p: ResourceParts) =>
  `arn:${p.partition}:profile:${p.region}:${p.account}:domains/${SAMPLE_DOMAIN}`;
const queueArn = (p: ResourceParts) =>
  `arn:${p.partition}:sqs:${p.region}:${p.account}:${SAMPLE_DOMAIN}-dlq`;
const keyArn = (p: ResourceParts) =>
  `arn:${p.partition}:kms:${p.region}:${p.account}:key/${SAMPLE_KEY}`;
const viaService = (services: string[]) => (p: ResourceParts) => [
  {
    key: "kms:ViaService",
    type: "string" as const,
    values: services.map((s) => `${s}.${p.region}.amazonaws.com`),
  },
];

/** The created-by tag as a condition key: on the request (create) or on the resource (delete). */
const createdBy = (scope: "RequestTag" | "ResourceTag") => (): SimulationContext[] => [
  { key: `aws:${scope}/${TAG_CREATED_BY}`, type: "string", values: [CREATED_BY] },
];

/** iam-policy.json's Allow statements (its Deny ones take nothing away the bot needs). */
export const IAM_STATEMENTS: readonly PermissionStatement[] = [
  {
    sid: "CustomerProfilesDomains",
    actions: [
      "profile:GetDomain",
      "profile:UpdateDomain",
      "profile:TagResource",
      "profile:UntagResource",
      "profile:ListTagsForResource",
      "profile:ListIntegrations",
      "profile:PutIntegration",
      "profile:DeleteIntegration",
      "profile:GetProfileObjectType",
      "profile:PutProfileObject",
    ],
    resourcePattern: "arn:aws:profile:*:*:domains/*",
    sampleResource: domainArn,
  },
  {
    sid: "CustomerProfilesCreateDomainsTaggedAsTheBots",
    actions: ["profile:CreateDomain"],
    resourcePattern: "arn:aws:profile:*:*:domains/*",
    sampleResource: domainArn,
    context: createdBy("RequestTag"),
  },
  {
    sid: "CustomerProfilesDeleteOnlyDomainsTheBotCreated",
    actions: ["profile:DeleteDomain"],
    resourcePattern: "arn:aws:profile:*:*:domains/*",
    sampleResource: domainArn,
    context: createdBy("ResourceTag"),
  },
  {
    sid: "CustomerProfilesAccountWideLists",
    actions: ["profile:ListDomains", "profile:ListAccountIntegrations"],
    resourcePattern: "*",
    sampleResource: () => "*",
  },
  {
    sid: "DeadLetterQueues",
    actions: [
      "sqs:GetQueueUrl",
      "sqs:GetQueueAttributes",
      "sqs:SetQueueAttributes",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:SendMessage",
    ],
    resourcePattern: "arn:aws:sqs:*:*:*",
    sampleResource: queueArn,
  },
  {
    sid: "SqsCreateQueuesTaggedAsTheBots",
    actions: ["sqs:CreateQueue", "sqs:TagQueue"],
    resourcePattern: "arn:aws:sqs:*:*:*",
    sampleResource: queueArn,
    context: createdBy("RequestTag"),
  },
  {
    sid: "SqsDeleteOnlyQueuesTheBotCreated",
    actions: ["sqs:DeleteQueue"],
    resourcePattern: "arn:aws:sqs:*:*:*",
    sampleResource: queueArn,
    context: createdBy("ResourceTag"),
  },
  {
    sid: "SqsListQueues",
    actions: ["sqs:ListQueues"],
    resourcePattern: "*",
    sampleResource: () => "*",
  },
  {
    sid: "KmsAccountWide",
    actions: ["kms:ListKeys", "kms:ListAliases"],
    resourcePattern: "*",
    sampleResource: () => "*",
  },
  {
    sid: "KmsCreateKeysTaggedAsTheBots",
    actions: ["kms:CreateKey"],
    resourcePattern: "*",
    sampleResource: () => "*",
    context: createdBy("RequestTag"),
  },
  {
    sid: "KmsTagKeysOnlyAsCreateKeyDoes",
    actions: ["kms:TagResource"],
    resourcePattern: "arn:aws:kms:*:*:key/*",
    sampleResource: keyArn,
    context: createdBy("RequestTag"),
  },
  {
    sid: "KmsKeys",
    actions: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:CreateAlias"],
    resourcePattern: "arn:aws:kms:*:*:key/*",
    sampleResource: keyArn,
  },
  {
    sid: "KmsDeleteOnlyKeysTheBotCreated",
    actions: ["kms:DeleteAlias", "kms:ScheduleKeyDeletion"],
    resourcePattern: "arn:aws:kms:*:*:key/*",
    sampleResource: keyArn,
    context: createdBy("ResourceTag"),
  },
  {
    sid: "KmsAliases",
    actions: ["kms:CreateAlias", "kms:DeleteAlias"],
    resourcePattern: "arn:aws:kms:*:*:alias/*",
    sampleResource: (p) => `arn:${p.partition}:kms:${p.region}:${p.account}:alias/${SAMPLE_DOMAIN}`,
  },
  {
    sid: "KmsUseKeysThroughCustomerProfilesAndSqs",
    actions: ["kms:Decrypt", "kms:GenerateDataKey"],
    resourcePattern: "arn:aws:kms:*:*:key/*",
    sampleResource: keyArn,
    context: viaService(["sqs"]),
  },
  {
    sid: "KmsCreateGrantForDomainKeyUnverifiedWhetherCreateDomainNeedsIt",
    actions: ["kms:CreateGrant"],
    resourcePattern: "arn:aws:kms:*:*:key/*",
    sampleResource: keyArn,
    context: (p) => [
      ...viaService(["profile"])(p),
      { key: "kms:GrantIsForAWSResource", type: "boolean", values: ["true"] },
    ],
  },
  {
    sid: "ConnectListInstances",
    actions: ["connect:ListInstances"],
    resourcePattern: "*",
    sampleResource: () => "*",
  },
  {
    sid: "ConnectDescribeInstanceAlsoForPutIntegrationLinkDependencyUnverified",
    actions: ["connect:DescribeInstance"],
    resourcePattern: "arn:aws:connect:*:*:instance/*",
    sampleResource: (p) =>
      `arn:${p.partition}:connect:${p.region}:${p.account}:instance/${SAMPLE_KEY}`,
  },
];

/** manifest.yml's `oauth_config.scopes.bot`, each with what the bot uses it for. */
export const BOT_SCOPES: Readonly<Record<string, string>> = {
  commands: "/profiles",
  "chat:write": "job reports, digests and their threads",
  "users:read": "who clicked, for audit lines",
  "usergroups:read": "roles granted to user groups",
  "channels:read": "channel names in /profiles alerts",
  "groups:read": "the same for private channels",
};
