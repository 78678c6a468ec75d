/**
 * What the bot needs from the account it runs against, as `doctor` checks it: the IAM
 * permissions of iam-policy.json and the bot scopes of manifest.yml. Kept here as data, since
 * neither file ships in the image (the Dockerfile copies src/ only);
 * test/doctor/requirements.test.ts fails when this and those files disagree.
 */
import type { SimulationContext } from "../aws/identity-gateway.js";

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

export const IAM_STATEMENTS: readonly PermissionStatement[] = [
  {
    sid: "CustomerProfilesDomains",
    actions: [
      "profile:GetDomain",
      "profile:CreateDomain",
      "profile:UpdateDomain",
      "profile:DeleteDomain",
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
    sid: "CustomerProfilesAccountWideLists",
    actions: ["profile:ListDomains", "profile:ListAccountIntegrations"],
    resourcePattern: "*",
    sampleResource: () => "*",
  },
  {
    sid: "DeadLetterQueues",
    actions: [
      "sqs:GetQueueUrl",
      "sqs:CreateQueue",
      "sqs:TagQueue",
      "sqs:GetQueueAttributes",
      "sqs:SetQueueAttributes",
      "sqs:DeleteQueue",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:SendMessage",
    ],
    resourcePattern: "arn:aws:sqs:*:*:*",
    sampleResource: queueArn,
  },
  {
    sid: "SqsListQueues",
    actions: ["sqs:ListQueues"],
    resourcePattern: "*",
    sampleResource: () => "*",
  },
  {
    sid: "KmsAccountWide",
    actions: ["kms:CreateKey", "kms:ListKeys", "kms:ListAliases"],
    resourcePattern: "*",
    sampleResource: () => "*",
  },
  {
    sid: "KmsKeys",
    actions: [
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:PutKeyPolicy",
      "kms:TagResource",
      "kms:CreateAlias",
      "kms:DeleteAlias",
      "kms:ScheduleKeyDeletion",
    ],
    resourcePattern: "arn:aws:kms:*:*:key/*",
    sampleResource: keyArn,
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
