/**
 * The operations the emulator serves, per service (sandbox/aws/README.md lists them), and
 * the AWS model each service is checked against. A new emulator operation goes here, then
 * into the models with extract-models.ts, and its answers are checked from then on.
 */
import { readdirSync, readFileSync } from "node:fs";
import { sdkNamesIn } from "../support/sdk-imports.js";

export const MODEL_FILES = {
  sqs: "sqs-2012-11-05",
  kms: "kms-2014-11-01",
  profile: "customer-profiles-2020-08-15",
  connect: "connect-2017-08-08",
  sts: "sts-2011-06-15",
  iam: "iam-2010-05-08",
} as const;

export type ModelService = keyof typeof MODEL_FILES;

export const SERVED: Record<ModelService, readonly string[]> = {
  sqs: [
    "CreateQueue",
    "GetQueueUrl",
    "ListQueues",
    "DeleteQueue",
    "GetQueueAttributes",
    "SetQueueAttributes",
    "PurgeQueue",
    "TagQueue",
    "UntagQueue",
    "ListQueueTags",
    "ListDeadLetterSourceQueues",
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
  ],
  kms: [
    "CreateKey",
    "DescribeKey",
    "ListKeys",
    "CreateAlias",
    "UpdateAlias",
    "DeleteAlias",
    "ListAliases",
    "GetKeyPolicy",
    "PutKeyPolicy",
    "ListKeyPolicies",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
    "EnableKey",
    "DisableKey",
    "TagResource",
    "UntagResource",
    "ListResourceTags",
  ],
  profile: [
    "ListDomains",
    "CreateDomain",
    "GetDomain",
    "UpdateDomain",
    "DeleteDomain",
    "PutIntegration",
    "GetIntegration",
    "ListIntegrations",
    "DeleteIntegration",
    "ListAccountIntegrations",
    "ListProfileObjectTypes",
    "PutProfileObjectType",
    "GetProfileObjectType",
    "DeleteProfileObjectType",
    "PutProfileObject",
    "ListProfileObjects",
    "SearchProfiles",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
  ],
  connect: ["ListInstances", "DescribeInstance"],
  sts: ["GetCallerIdentity", "AssumeRole"],
  iam: ["SimulatePrincipalPolicy"],
};

/**
 * Every AWS call the gateways make, read from their source, so a call added there is one
 * gateways.test.ts must drive: "service:Operation" from each `new XCommand(`, the service being the
 * one whose SDK client package (`@aws-sdk/client-<name>`) the file imports the command from.
 */
export function gatewayCalls(): string[] {
  const dir = new URL("../../src/aws/", import.meta.url);
  const serviceOf: Record<string, string> = {
    sqs: "sqs",
    kms: "kms",
    "customer-profiles": "profile",
    connect: "connect",
    sts: "sts",
    iam: "iam",
  };
  const calls = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const source = readFileSync(new URL(file, dir), "utf8");
    for (const { names, pkg } of sdkNamesIn(source)) {
      const client = pkg.replace("@aws-sdk/client-", "");
      const service = serviceOf[client] ?? `unknown client-${client}`;
      for (const command of names.matchAll(/\b(\w+)Command\b/g)) {
        if (source.includes(`new ${command[0]}(`)) calls.add(`${service}:${command[1]}`);
      }
    }
  }
  return [...calls].sort();
}
