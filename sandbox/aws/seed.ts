/**
 * The sandbox's starting AWS account: resources a real account would already have, so
 * the bot's "use an existing queue or key" paths have something to find. The legacy
 * queue and key deliberately lack the Customer Profiles statements the bot must add.
 */
import { randomUUID } from "node:crypto";
import { seedConnect } from "./services/connect.js";
import { seedProfiles } from "./services/profiles-seed.js";
import { ACCOUNT_ID, type EmulatorState, type KmsKey, type SqsQueue } from "./state.js";

export const LEGACY_QUEUE_NAME = "legacy-profiles-dlq";
export const LEGACY_KEY_ALIAS = "alias/legacy-profiles";

function seedQueue(state: EmulatorState, region: string, baseUrl: string): void {
  const arn = `arn:aws:sqs:${region}:${ACCOUNT_ID}:${LEGACY_QUEUE_NAME}`;
  const policy = {
    Version: "2012-10-17",
    Id: `${arn}/SQSDefaultPolicy`,
    Statement: [
      {
        Sid: "AllowOpsAlarmsTopic",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: arn,
        Condition: {
          ArnEquals: { "aws:SourceArn": `arn:aws:sns:${region}:${ACCOUNT_ID}:ops-alarms` },
        },
      },
    ],
  };
  const created = Date.now() - 90 * 86_400_000;
  const queue: SqsQueue = {
    name: LEGACY_QUEUE_NAME,
    url: `${baseUrl}/${ACCOUNT_ID}/${LEGACY_QUEUE_NAME}`,
    arn,
    region,
    createdTimestamp: created,
    lastModifiedTimestamp: created,
    attributes: {
      VisibilityTimeout: "30",
      MaximumMessageSize: "1048576",
      MessageRetentionPeriod: "1209600",
      DelaySeconds: "0",
      ReceiveMessageWaitTimeSeconds: "0",
      SqsManagedSseEnabled: "true",
      Policy: JSON.stringify(policy),
    },
    tags: { team: "contact-center" },
    messages: [],
  };
  state.sqs.queues[queue.name] = queue;
}

function seedKey(state: EmulatorState, region: string): void {
  const keyId = randomUUID();
  const created = Date.now() - 90 * 86_400_000;
  const key: KmsKey = {
    keyId,
    arn: `arn:aws:kms:${region}:${ACCOUNT_ID}:key/${keyId}`,
    region,
    description: "Customer Profiles data (legacy)",
    keyState: "Enabled",
    keySpec: "SYMMETRIC_DEFAULT",
    keyUsage: "ENCRYPT_DECRYPT",
    origin: "AWS_KMS",
    keyManager: "CUSTOMER",
    policy: JSON.stringify(
      {
        Version: "2012-10-17",
        Id: "key-default-1",
        Statement: [
          {
            Sid: "Enable IAM User Permissions",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
            Action: "kms:*",
            Resource: "*",
          },
        ],
      },
      null,
      2,
    ),
    creationDate: created,
    tags: [{ TagKey: "team", TagValue: "contact-center" }],
  };
  state.kms.keys[keyId] = key;
  state.kms.aliases[LEGACY_KEY_ALIAS] = {
    aliasName: LEGACY_KEY_ALIAS,
    aliasArn: `arn:aws:kms:${region}:${ACCOUNT_ID}:${LEGACY_KEY_ALIAS}`,
    targetKeyId: keyId,
    region,
    creationDate: created,
    lastUpdatedDate: created,
  };
}

export function seed(state: EmulatorState, opts: { region: string; baseUrl: string }): void {
  seedQueue(state, opts.region, opts.baseUrl);
  seedKey(state, opts.region);
  seedProfiles(state, opts);
  seedConnect(state, { region: opts.region });
}
