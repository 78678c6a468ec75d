/**
 * The sandbox's starting AWS account: resources a real account would already have, so
 * the bot's "use an existing queue or key" paths have something to find. The legacy
 * queue and key deliberately lack the Customer Profiles statements the bot must add.
 */
import { randomUUID } from "node:crypto";
import { putRole, trustAccount } from "./accounts.js";
import { seedConnect } from "./services/connect.js";
import { seedProfiles } from "./services/profiles-seed.js";
import {
  ACCOUNT_ID,
  accountOf,
  type EmulatorState,
  type KmsKey,
  placeState,
  type SqsQueue,
} from "./state.js";

export const LEGACY_QUEUE_NAME = "legacy-profiles-dlq";
export const LEGACY_KEY_ALIAS = "alias/legacy-profiles";

function seedQueue(state: EmulatorState, region: string, baseUrl: string): void {
  const account = accountOf(state);
  const arn = `arn:aws:sqs:${region}:${account}:${LEGACY_QUEUE_NAME}`;
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
          ArnEquals: { "aws:SourceArn": `arn:aws:sns:${region}:${account}:ops-alarms` },
        },
      },
    ],
  };
  const created = Date.now() - 90 * 86_400_000;
  const queue: SqsQueue = {
    name: LEGACY_QUEUE_NAME,
    url: `${baseUrl}/${account}/${LEGACY_QUEUE_NAME}`,
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
  const account = accountOf(state);
  const keyId = randomUUID();
  const created = Date.now() - 90 * 86_400_000;
  const key: KmsKey = {
    keyId,
    arn: `arn:aws:kms:${region}:${account}:key/${keyId}`,
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
            Principal: { AWS: `arn:aws:iam::${account}:root` },
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
    aliasArn: `arn:aws:kms:${region}:${account}:${LEGACY_KEY_ALIAS}`,
    targetKeyId: keyId,
    region,
    creationDate: created,
    lastUpdatedDate: created,
  };
}

/**
 * Seeds `account` (default 111122223333) in `region` of the whole state `root`: the legacy
 * queue and key, the legacy Customer Profiles domain and the Connect instances.
 */
export function seed(
  root: EmulatorState,
  opts: { region: string; baseUrl: string; account?: string },
): void {
  const state = placeState(root, opts.account ?? ACCOUNT_ID, opts.region);
  seedQueue(state, opts.region, opts.baseUrl);
  seedKey(state, opts.region);
  seedProfiles(state, opts);
  seedConnect(state, { region: opts.region });
}

/** The sandbox's second account and the role the bot assumes there. */
export const TARGET_ACCOUNT = "444455556666";
export const TARGET_ROLE_ARN = `arn:aws:iam::${TARGET_ACCOUNT}:role/profiles-bot-target`;
export const TARGET_EXTERNAL_ID = "profiles-bot-sandbox-external-id";

/**
 * A second account for several-account setups (opt-in: `seed` leaves it out): the role
 * `profiles-bot-target`, trusting the default account's principals when they give the
 * external id, and in each region the Connect instances, so the wizard has something to link.
 * With `everything`, each region also gets the legacy queue, key and domain, as `seed` makes.
 */
export function seedTargetAccount(
  root: EmulatorState,
  opts: {
    regions: string[];
    baseUrl: string;
    account?: string;
    roleArn?: string;
    trustedAccount?: string;
    externalId?: string;
    everything?: boolean;
  },
): void {
  const account = opts.account ?? TARGET_ACCOUNT;
  putRole(root, {
    arn: opts.roleArn ?? `arn:aws:iam::${account}:role/profiles-bot-target`,
    trustPolicy: trustAccount(
      opts.trustedAccount ?? ACCOUNT_ID,
      opts.externalId ?? TARGET_EXTERNAL_ID,
    ),
  });
  for (const region of opts.regions) {
    if (opts.everything) seed(root, { region, baseUrl: opts.baseUrl, account });
    else seedConnect(placeState(root, account, region), { region });
  }
}
