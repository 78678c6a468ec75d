/**
 * Wizard drafts for the enable tests: one account, an ACTIVE instance and one still being
 * created, a queue and a key that exist, and facts as the review's look-up would store them.
 */
import { type Draft, type InstanceRow, newDraft } from "../../src/enable/drafts.js";
import type { EnableFacts } from "../../src/enable/plan.js";
import { enableInputOf, factsKey } from "../../src/enable/wizard.js";
import { provisionJobData } from "../../src/provision/plan-to-job.js";

export const ACCOUNT = "111122223333";
export const REGION = "us-east-1";
export const ID = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
export const ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${ID}`;
export const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/legacy-dlq`;
export const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:legacy-dlq`;
export const KEY_ID = "0b6e2c1d-9f3a-4e5b-8c7d-6a5b4c3d2e1f";
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;

const CREATING_ID = "c7a9e0f4-1b2d-4e6a-8c3f-9b5d7e2a4f13";
export const instances: InstanceRow[] = [
  { id: ID, arn: ARN, alias: "examplecorp", status: "ACTIVE" },
  {
    id: CREATING_ID,
    arn: `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${CREATING_ID}`,
    status: "CREATION_IN_PROGRESS",
  },
];

/** A draft of U1's with the ACTIVE instance picked and every other choice at its default. */
export const base = (over: Partial<Draft> = {}, at = new Date().toISOString()): Draft => ({
  ...newDraft({ userId: "U1", teamId: "T1", channelId: "C1" }),
  instances: { at, value: instances },
  instanceId: ID,
  ...over,
});

/** `base` with the legacy queue picked on step 3: it exists, and its policy lacks the statement. */
export const withLegacyQueue = (at = new Date().toISOString()): Draft =>
  base(
    {
      dlq: { mode: "existing", queue: "legacy-dlq" },
      queues: { at, value: [{ name: "legacy-dlq", url: QUEUE_URL }] },
      queueCheck: { name: "legacy-dlq", at, url: QUEUE_URL, arn: QUEUE_ARN },
    },
    at,
  );

/** `base` with an existing key picked on step 4: usable, but its policy lacks the statement. */
export const withLegacyKey = (at = new Date().toISOString()): Draft =>
  base(
    {
      key: { mode: "existing", keyId: KEY_ID },
      keyCheck: {
        keyId: KEY_ID,
        at,
        arn: KEY_ARN,
        state: "Enabled",
        manager: "CUSTOMER",
        spec: "SYMMETRIC_DEFAULT",
        usage: "ENCRYPT_DECRYPT",
        policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
      },
    },
    at,
  );

/** What KMS tells of a customer managed key Customer Profiles can use; its policy aside. */
export const USABLE_KEY = {
  keyState: "Enabled",
  keyManager: "CUSTOMER",
  keySpec: "SYMMETRIC_DEFAULT",
  keyUsage: "ENCRYPT_DECRYPT",
} as const satisfies Partial<EnableFacts>;

export const facts = (over: Partial<EnableFacts> = {}): EnableFacts => ({
  accountId: ACCOUNT,
  region: REGION,
  existingDomains: ["amazon-connect-legacy"],
  existingAliases: [],
  ...over,
});

/** The draft on its review, with facts gathered at `at` for what it describes now. */
export const withFacts = (
  draft: Draft,
  f: EnableFacts = facts(),
  at = new Date().toISOString(),
): Draft => {
  const input = enableInputOf(draft);
  if (!input.ok) throw new Error(input.error);
  return { ...draft, step: "review", facts: { for: factsKey(input.value), at, facts: f } };
};

/** The job U2 queued from channel C9 for the ACTIVE instance, under the given alias. */
export const jobFor = (alias: string) =>
  provisionJobData(
    {
      instance: { id: ID, arn: ARN, alias },
      domain: { mode: "new", name: "amazon-connect-corp", expirationDays: 366 },
      dlq: { mode: "none" },
      key: { mode: "new", alias: "alias/amazon-connect-corp", description: "" },
      confirmRelink: false,
    },
    { requestedBy: "U2", channelId: "C9", teamId: "T1" },
  );
