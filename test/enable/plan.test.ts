import { describe, expect, it } from "vitest";
import {
  blockedOnlyByConfirmations,
  buildPlan,
  type EnableFacts,
  type EnableInput,
  type KeyChoice,
  NO_DLQ_WARNING,
  type Plan,
  planIsReady,
  planToJson,
  renderPlanText,
} from "../../src/enable/plan.js";
import {
  dlqPolicyStatement,
  formatPolicy,
  kmsKeyStatement,
  newKeyPolicy,
} from "../../src/enable/policies.js";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab`;
const DOMAIN = "amazon-connect-acme";
const QUEUE = "amazon-connect-acme-dlq";
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${QUEUE}`;
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${QUEUE}`;
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const domainRef = { accountId: ACCOUNT, region: REGION, domainName: DOMAIN };
const ROOT_ONLY_KEY_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [newKeyPolicy(domainRef).Statement[0]],
});

const newEverything: EnableInput = {
  instance: { id: "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab", arn: INSTANCE_ARN, alias: "acme" },
  domain: { mode: "new", name: DOMAIN, expirationDays: 366 },
  dlq: { mode: "new", name: QUEUE },
  key: { mode: "new", alias: "alias/amazon-connect-acme", description: "Customer Profiles: acme" },
  confirmRelink: false,
  confirmReencrypt: false,
  channelId: "C0123456789",
  requestedBy: "U0123456789",
};

const noFacts: EnableFacts = {
  accountId: ACCOUNT,
  region: REGION,
  existingDomains: ["amazon-connect-other"],
};

const existingKey = (updatePolicy: boolean): EnableInput => ({
  ...newEverything,
  key: { mode: "existing", keyId: KEY_ID, arn: KEY_ARN, updatePolicy, confirmedStatement: false },
});

const healthyKeyFacts: EnableFacts = {
  ...noFacts,
  keyState: "Enabled",
  keyManager: "CUSTOMER",
  keySpec: "SYMMETRIC_DEFAULT",
  keyUsage: "ENCRYPT_DECRYPT",
  keyPolicy: ROOT_ONLY_KEY_POLICY,
};

const existingQueue = (mergePolicy: boolean): EnableInput => ({
  ...newEverything,
  dlq: { mode: "existing", url: QUEUE_URL, arn: QUEUE_ARN, mergePolicy },
});

/** The plan for the domain DOMAIN, which exists and holds `domain` (its queue, key, profiles). */
const planForExisting = (
  choice: Pick<EnableInput, "dlq" | "key">,
  domain: EnableFacts["existingDomain"],
): Plan =>
  buildPlan(
    { ...newEverything, domain: { mode: "existing", name: DOMAIN }, ...choice },
    { ...noFacts, existingDomains: [DOMAIN], existingDomain: domain },
  );

const stepsOf = (plan: Plan) => plan.steps.map(({ kind, action }) => `${action} ${kind}`);

describe("buildPlan: new domain, new queue, new key", () => {
  const plan = buildPlan(newEverything, noFacts);

  it("creates every resource in dependency order", () => {
    expect(stepsOf(plan)).toEqual([
      "create queue",
      "create queue-policy",
      "create key",
      "create key-policy",
      "create alias",
      "create domain",
      "create link",
      "create alert-binding",
    ]);
    expect(plan.steps.find((step) => step.kind === "queue")?.target).toBe(QUEUE);
    expect(plan.steps.find((step) => step.kind === "alias")?.target).toBe(
      "alias/amazon-connect-acme",
    );
    expect(plan.steps.find((step) => step.kind === "link")?.target).toBe(INSTANCE_ARN);
    expect(plan.steps.find((step) => step.kind === "domain")?.details).toContain("366 days");
  });

  it("lists the queue statement and the whole new key policy", () => {
    const keyPolicy = newKeyPolicy(domainRef);
    expect(plan.statements).toEqual([
      { resource: QUEUE_ARN, statement: dlqPolicyStatement({ ...domainRef, queueArn: QUEUE_ARN }) },
      ...keyPolicy.Statement.map((statement) => ({
        resource: "alias/amazon-connect-acme (new key)",
        statement,
      })),
    ]);
  });

  it("has nothing to warn about or block", () => {
    expect(plan.warnings).toEqual([]);
    expect(plan.blockers).toEqual([]);
    expect(planIsReady(plan)).toBe(true);
  });
});

describe("buildPlan: blockers", () => {
  it("blocks an existing key that lacks the statement, quoting the exact statement", () => {
    const plan = buildPlan(existingKey(false), healthyKeyFacts);
    expect(plan.blockers).toHaveLength(1);
    expect(plan.blockers[0]).toContain("Ask the key's administrator to add this statement");
    expect(plan.blockers[0]).toContain(formatPolicy(kmsKeyStatement(domainRef)));
    expect(plan.statements).toContainEqual({
      resource: KEY_ARN,
      statement: kmsKeyStatement(domainRef),
    });
  });

  it("blocks a new domain whose name already exists", () => {
    const plan = buildPlan(newEverything, { ...noFacts, existingDomains: [DOMAIN] });
    expect(plan.blockers).toEqual([
      expect.stringContaining(`A domain named '${DOMAIN}' already exists`),
    ]);
  });

  it("blocks an existing domain that is gone", () => {
    const plan = buildPlan(
      { ...newEverything, domain: { mode: "existing", name: DOMAIN } },
      noFacts,
    );
    expect(plan.blockers).toEqual([expect.stringContaining("doesn't exist")]);
  });

  it("blocks a new domain once the region's quota is used up", () => {
    const existingDomains = Array.from({ length: 100 }, (_, index) => `d${index}`);
    expect(buildPlan(newEverything, { ...noFacts, existingDomains }).blockers).toEqual([
      expect.stringContaining("quota"),
    ]);
  });

  it("asks for confirmation before relinking, saying profiles won't move", () => {
    const plan = buildPlan(newEverything, { ...noFacts, instanceLinkedTo: "amazon-connect-other" });
    expect(plan.blockers).toHaveLength(1);
    expect(plan.blockers[0]).toContain("confirm");
    expect(plan.blockers[0]).toContain("will not move to amazon-connect-acme");
  });

  it("says how many profiles stay behind when the other domain's count could be read", () => {
    const facts = { ...noFacts, instanceLinkedTo: "amazon-connect-other" };
    const counted = buildPlan(newEverything, { ...facts, linkedDomainProfiles: 12_345 });
    expect(counted.blockers[0]).toContain("its 12,345 profiles stay in amazon-connect-other");
    const one = buildPlan(newEverything, { ...facts, linkedDomainProfiles: 1 });
    expect(one.blockers[0]).toContain("its 1 profile stay");
    expect(buildPlan(newEverything, facts).blockers[0]).toContain(
      "its profiles stay in amazon-connect-other",
    );
  });

  it.each([
    ["disabled", { keyState: "Disabled" }, "is Disabled"],
    ["pending deletion", { keyState: "PendingDeletion" }, "cancel its deletion"],
    ["asymmetric", { keySpec: "RSA_2048" }, "symmetric"],
    ["for signing", { keyUsage: "SIGN_VERIFY" }, "ENCRYPT_DECRYPT"],
    ["AWS-managed", { keyManager: "AWS" }, "managed by AWS"],
  ])("blocks a key that is %s", (_label, facts, text) => {
    const plan = buildPlan(existingKey(true), { ...healthyKeyFacts, ...facts });
    expect(plan.blockers).toEqual([expect.stringContaining(text)]);
  });

  it("blocks a key in another region", () => {
    const input: EnableInput = {
      ...newEverything,
      key: {
        mode: "existing",
        keyId: KEY_ID,
        arn: KEY_ARN.replace(REGION, "eu-west-1"),
        updatePolicy: true,
        confirmedStatement: false,
      },
    };
    expect(buildPlan(input, healthyKeyFacts).blockers).toEqual([
      expect.stringContaining("domain's region"),
    ]);
  });

  it("blocks updating a key policy the bot can't read, and blocks keeping it until the statement is confirmed", () => {
    const unreadable = { ...healthyKeyFacts, keyPolicy: undefined };
    expect(buildPlan(existingKey(true), unreadable).blockers).toEqual([
      expect.stringContaining("kms:GetKeyPolicy"),
    ]);
    const statement = formatPolicy(kmsKeyStatement(domainRef));
    const unconfirmed = buildPlan(existingKey(false), unreadable);
    expect(unconfirmed.blockers).toEqual([expect.stringContaining(statement)]);
    expect(unconfirmed.blockers[0]).toMatch(/can't read key .* confirm once they added it/);
    expect(unconfirmed.confirmations).toEqual([
      expect.objectContaining({ kind: "key-statement", confirmed: false }),
    ]);
    // The box names the statement's Sid and the key.
    expect(unconfirmed.confirmations[0]?.text).toContain("CustomerProfilesKey");
    expect(unconfirmed.confirmations[0]?.text).toContain(KEY_ARN);
    expect(unconfirmed.statements.map((s) => s.resource)).toEqual([QUEUE_ARN, KEY_ARN]);
    expect(blockedOnlyByConfirmations(unconfirmed)).toBe(true);

    const input = existingKey(false);
    const confirmed = buildPlan(
      { ...input, key: { ...input.key, confirmedStatement: true } as KeyChoice },
      unreadable,
    );
    expect(confirmed.blockers).toEqual([]);
    expect(confirmed.confirmations).toEqual([
      expect.objectContaining({ kind: "key-statement", confirmed: true }),
    ]);
    expect(confirmed.warnings).toEqual([expect.stringMatching(/statement is not verified/)]);
    expect(confirmed.steps.find((s) => s.kind === "key-policy")?.details).toMatch(
      /You confirmed its administrator added the CustomerProfilesKey statement/,
    );
  });

  it("blocks an existing queue without the statement when merging is off, quoting it", () => {
    const plan = buildPlan(existingQueue(false), noFacts);
    expect(plan.blockers).toHaveLength(1);
    expect(plan.blockers[0]).toContain(
      formatPolicy(dlqPolicyStatement({ ...domainRef, queueArn: QUEUE_ARN })),
    );
  });

  it("blocks merging into a queue policy that isn't JSON", () => {
    const plan = buildPlan(existingQueue(true), { ...noFacts, queuePolicy: "{oops" });
    expect(plan.blockers).toEqual([expect.stringContaining("isn't a valid JSON policy")]);
  });

  it("blocks a FIFO queue", () => {
    const input: EnableInput = {
      ...newEverything,
      dlq: {
        mode: "existing",
        url: `${QUEUE_URL}.fifo`,
        arn: `${QUEUE_ARN}.fifo`,
        mergePolicy: true,
      },
    };
    expect(buildPlan(input, noFacts).blockers).toEqual([expect.stringContaining("FIFO")]);
  });

  it("blocks invalid names with the validators' sentences", () => {
    const input: EnableInput = {
      ...newEverything,
      domain: { mode: "new", name: "amazon-connect-my domain", expirationDays: 2000 },
      dlq: { mode: "new", name: "dlq.fifo" },
      key: { mode: "new", alias: "alias/aws/mine" },
    };
    const blockers = buildPlan(input, noFacts).blockers;
    expect(blockers).toHaveLength(4);
    expect(blockers.join("\n")).toContain("contains a space");
    expect(blockers.join("\n")).toContain("out of range");
    expect(blockers.join("\n")).toContain(".fifo");
    expect(blockers.join("\n")).toContain("alias/aws/");
  });

  it("blocks a taken alias", () => {
    const plan = buildPlan(newEverything, {
      ...noFacts,
      existingAliases: ["alias/amazon-connect-acme"],
    });
    expect(plan.blockers).toEqual([expect.stringContaining("already taken")]);
  });

  it("blocks credentials for another account or region, and a malformed instance ARN", () => {
    expect(buildPlan(newEverything, { ...noFacts, accountId: "999999999999" }).blockers).toEqual([
      expect.stringContaining("credentials are for 999999999999"),
    ]);
    expect(buildPlan(newEverything, { ...noFacts, region: "eu-west-1" }).blockers).toEqual([
      expect.stringContaining("configure the bot for us-east-1"),
    ]);
    const broken = { ...newEverything, instance: { id: "x", arn: "arn:aws:connect:::nope" } };
    expect(buildPlan(broken, noFacts).blockers).toEqual([
      expect.stringContaining("Connect instance ARN"),
    ]);
  });
});

describe("buildPlan: warnings", () => {
  it("warns when the domain lacks the amazon-connect- prefix", () => {
    const input: EnableInput = {
      ...newEverything,
      domain: { mode: "new", name: "acme", expirationDays: 30 },
    };
    expect(buildPlan(input, noFacts).warnings).toEqual([
      expect.stringContaining("AmazonConnect_FullAccess"),
    ]);
  });

  it("warns that without a DLQ ingestion failures are invisible", () => {
    const plan = buildPlan({ ...newEverything, dlq: { mode: "none" } }, noFacts);
    expect(plan.warnings).toEqual([
      expect.stringContaining(
        "ingestion failures are invisible: Customer Profiles drops every object it can't ingest, nothing tells you",
      ),
    ]);
    expect(stepsOf(plan)).toContain("none queue");
    expect(stepsOf(plan)).toContain("none alert-binding");
  });

  it("warns on a confirmed relink, and unlinks before linking", () => {
    const plan = buildPlan(
      { ...newEverything, confirmRelink: true },
      { ...noFacts, instanceLinkedTo: "amazon-connect-other" },
    );
    expect(plan.blockers).toEqual([]);
    expect(plan.warnings).toEqual([
      expect.stringContaining("will not move to amazon-connect-acme"),
    ]);
    expect(stepsOf(plan).slice(-3)).toEqual([
      "update unlink",
      "create link",
      "create alert-binding",
    ]);
    expect(plan.steps.find((step) => step.kind === "unlink")?.target).toBe("amazon-connect-other");
  });

  it("warns when merging into an existing queue policy, counting what it keeps", () => {
    const queuePolicy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Ops",
          Effect: "Allow",
          Principal: { AWS: ACCOUNT },
          Action: "sqs:*",
          Resource: QUEUE_ARN,
        },
      ],
    });
    const plan = buildPlan(existingQueue(true), { ...noFacts, queuePolicy });
    expect(plan.blockers).toEqual([]);
    expect(plan.warnings).toEqual([expect.stringContaining("keeps its 1 existing statement")]);
    expect(stepsOf(plan).slice(0, 2)).toEqual(["use queue", "update queue-policy"]);
  });

  it("creates the policy of an existing queue that has none, without a merge warning", () => {
    const plan = buildPlan(existingQueue(true), noFacts);
    expect(plan.warnings).toEqual([]);
    expect(stepsOf(plan).slice(0, 2)).toEqual(["use queue", "create queue-policy"]);
  });

  it("warns when updating an existing key policy", () => {
    const plan = buildPlan(existingKey(true), healthyKeyFacts);
    expect(plan.blockers).toEqual([]);
    expect(plan.warnings).toEqual([expect.stringContaining("change key")]);
    expect(stepsOf(plan)).toContain("update key-policy");
  });
});

describe("buildPlan: nothing to change", () => {
  it("uses resources that are already right", () => {
    const queuePolicy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [dlqPolicyStatement({ ...domainRef, queueArn: QUEUE_ARN })],
    });
    const keyPolicy = JSON.stringify(newKeyPolicy(domainRef));
    const plan = buildPlan(
      {
        ...existingQueue(false),
        key: existingKey(false).key,
        domain: { mode: "existing", name: DOMAIN },
      },
      {
        ...healthyKeyFacts,
        existingDomains: [DOMAIN],
        queuePolicy,
        keyPolicy,
        instanceLinkedTo: DOMAIN,
      },
    );
    expect(plan.blockers).toEqual([]);
    expect(plan.warnings).toEqual([]);
    expect(plan.statements).toEqual([]);
    expect(stepsOf(plan)).toEqual([
      "use queue",
      "none queue-policy",
      "use key",
      "none key-policy",
      "update domain",
      "none link",
      "create alert-binding",
    ]);
  });

  it("keeps an existing domain's own queue and key when keep is chosen", () => {
    const plan = planForExisting(
      { dlq: { mode: "keep" }, key: { mode: "keep" } },
      { deadLetterQueueUrl: QUEUE_URL, defaultEncryptionKey: KEY_ARN, profileCount: 3 },
    );
    expect(plan.warnings).toEqual([]);
    expect(plan.blockers).toEqual([]);
    // Keeping the key of a domain that holds profiles asks nothing.
    expect(plan.confirmations).toEqual([]);
    expect(stepsOf(plan)).toEqual([
      "none queue",
      "none key",
      "use domain",
      "create link",
      "create alert-binding",
    ]);
    expect(plan.steps.find((s) => s.kind === "key")?.details).toBe(
      `Keep the domain's encryption key ${KEY_ARN}.`,
    );
    expect(plan.steps.find((s) => s.kind === "queue")?.details).toBe(
      `Keep the domain's dead-letter queue ${QUEUE_URL}.`,
    );
  });

  it("says what an existing domain without a key or queue keeps", () => {
    const plan = planForExisting(
      { dlq: { mode: "keep" }, key: { mode: "keep" } },
      { profileCount: 3 },
    );
    expect(plan.blockers).toEqual([]);
    expect(stepsOf(plan)).toContain("use domain");
    expect(plan.steps.find((s) => s.kind === "key")?.details).toMatch(/key AWS owns/);
    expect(plan.steps.find((s) => s.kind === "queue")?.details).toMatch(/without a dead-letter/);
    expect(plan.warnings).toEqual([expect.stringContaining(NO_DLQ_WARNING)]);
    // Nothing to watch, so no digests.
    expect(plan.steps.find((s) => s.kind === "alert-binding")?.action).toBe("none");
  });

  it("blocks keep for a new domain, which has nothing to keep", () => {
    const plan = buildPlan({ ...newEverything, key: { mode: "keep" } }, noFacts);
    expect(plan.blockers).toEqual([expect.stringContaining("has no current queue or key to keep")]);
  });

  it("clears an existing domain's key and queue for AWS owned and none", () => {
    const plan = planForExisting(
      { dlq: { mode: "none" }, key: { mode: "aws-owned" } },
      { deadLetterQueueUrl: QUEUE_URL, defaultEncryptionKey: KEY_ARN, profileCount: 0 },
    );
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.find((s) => s.kind === "domain")).toMatchObject({
      action: "update",
      details: `Update domain ${DOMAIN}: encrypted with a key AWS owns, with no dead-letter queue.`,
    });
    expect(plan.warnings).toEqual([
      expect.stringContaining("removes that queue from the domain"),
      expect.stringMatching(/switches it to a key AWS owns\. Keep .* enabled/),
      expect.stringContaining(NO_DLQ_WARNING),
    ]);
  });

  it("blocks a new key for a domain that holds profiles until re-encryption is confirmed", () => {
    const input: EnableInput = { ...newEverything, domain: { mode: "existing", name: DOMAIN } };
    const facts: EnableFacts = {
      ...noFacts,
      existingDomains: [DOMAIN],
      existingDomain: { deadLetterQueueUrl: QUEUE_URL, profileCount: 1234 },
    };
    const blocked = buildPlan({ ...input, dlq: { mode: "keep" } }, facts);
    expect(blocked.blockers).toEqual([
      expect.stringMatching(
        /holds 1,234 profiles, stored encrypted with a key AWS owns\..*re-encrypting all of them/,
      ),
    ]);
    expect(blocked.confirmations).toEqual([
      expect.objectContaining({ kind: "reencrypt", confirmed: false }),
    ]);
    expect(blocked.confirmations[0]?.text).toContain("1,234 profiles are re-encrypted");
    expect(blockedOnlyByConfirmations(blocked)).toBe(true);
    expect(planIsReady(blocked)).toBe(false);

    const confirmed = buildPlan({ ...input, dlq: { mode: "keep" }, confirmReencrypt: true }, facts);
    expect(confirmed.blockers).toEqual([]);
    expect(confirmed.warnings).toEqual([expect.stringContaining("re-encrypting all of them")]);
    expect(confirmed.steps.find((s) => s.kind === "domain")).toMatchObject({
      action: "update",
      details: expect.stringContaining("encrypted with the new key alias/amazon-connect-acme"),
    });
    // Switching a populated domain from a customer key to AWS owned is a key change too.
    const toAwsOwned = buildPlan(
      { ...input, dlq: { mode: "keep" }, key: { mode: "aws-owned" } },
      { ...facts, existingDomain: { defaultEncryptionKey: KEY_ARN, profileCount: 2 } },
    );
    expect(toAwsOwned.confirmations.map((c) => c.kind)).toEqual(["reencrypt"]);
    expect(toAwsOwned.blockers[0]).toMatch(/Keep .*key\/1234abcd.* enabled/);
  });

  it("warns when an existing domain's queue or key is replaced", () => {
    const plan = buildPlan(
      { ...existingKey(false), domain: { mode: "existing", name: DOMAIN } },
      {
        ...healthyKeyFacts,
        keyPolicy: JSON.stringify(newKeyPolicy(domainRef)),
        existingDomains: [DOMAIN],
        existingDomain: {
          deadLetterQueueUrl: `${QUEUE_URL}-old`,
          defaultEncryptionKey: `${KEY_ARN}0`,
        },
      },
    );
    expect(plan.warnings).toEqual([
      expect.stringContaining("points it at another queue"),
      expect.stringContaining("switches it to another key"),
    ]);
  });
});

describe("plan output", () => {
  it("renders every section as plain text", () => {
    const text = renderPlanText(
      buildPlan(
        { ...newEverything, dlq: { mode: "none" } },
        { ...noFacts, instanceLinkedTo: "amazon-connect-other" },
      ),
    );
    expect(text.split("\n")[0]).toBe("Plan: blocked (1)");
    expect(text).toContain("\nSteps:\n  1. none queue none: No dead-letter queue.");
    expect(text).toContain("\nPolicy statements:\n  alias/amazon-connect-acme (new key):\n    {");
    expect(text).toContain('\n      "Sid": "CustomerProfilesKey",');
    expect(text).toContain("\nWarnings:\n  - Without a dead-letter queue");
    expect(text).toContain(
      "\nBlockers:\n  - Instance acme is linked to domain amazon-connect-other",
    );
  });

  it("serialises to the same JSON for the same plan", () => {
    const json = planToJson(buildPlan(newEverything, noFacts));
    expect(planToJson(buildPlan(structuredClone(newEverything), structuredClone(noFacts)))).toBe(
      json,
    );
    const parsed = JSON.parse(json);
    expect(Object.keys(parsed)).toEqual([
      "version",
      "ready",
      "steps",
      "statements",
      "warnings",
      "blockers",
    ]);
    expect(parsed.ready).toBe(true);
    expect(parsed.steps[0]).toEqual({
      kind: "queue",
      action: "create",
      target: QUEUE,
      details: `Create the standard SQS queue ${QUEUE}, keeping failed objects 14 days, encrypted at rest with keys SQS manages (SSE-SQS).`,
    });
  });
});

describe("buildPlan: an existing domain already set up", () => {
  it("uses the domain as it is when its queue and key are the chosen ones", () => {
    const plan = buildPlan(
      {
        ...existingQueue(false),
        key: existingKey(false).key,
        domain: { mode: "existing", name: DOMAIN },
      },
      {
        ...healthyKeyFacts,
        existingDomains: [DOMAIN],
        queuePolicy: JSON.stringify({
          Statement: [dlqPolicyStatement({ ...domainRef, queueArn: QUEUE_ARN })],
        }),
        keyPolicy: JSON.stringify(newKeyPolicy(domainRef)),
        existingDomain: { deadLetterQueueUrl: QUEUE_URL, defaultEncryptionKey: KEY_ARN },
      },
    );
    expect(plan.steps.find((step) => step.kind === "domain")?.action).toBe("use");
    expect(plan.warnings).toEqual([]);
  });
});

describe("buildPlan: the dead-letter queue's retention, encryption and redrive", () => {
  const queueStep = (plan: Plan) => plan.steps.find((s) => s.kind === "queue");
  const policyOk = JSON.stringify({
    Statement: [dlqPolicyStatement({ ...domainRef, queueArn: QUEUE_ARN })],
  });

  it("creates a new queue keeping failed objects the days chosen, with SSE-SQS", () => {
    const plan = buildPlan(
      { ...newEverything, dlq: { mode: "new", name: QUEUE, retentionDays: 10 } },
      noFacts,
    );
    expect(queueStep(plan)?.details).toBe(
      `Create the standard SQS queue ${QUEUE}, keeping failed objects 10 days, encrypted at rest with keys SQS manages (SSE-SQS).`,
    );
    expect(planIsReady(plan)).toBe(true);
  });

  it("blocks a retention SQS does not allow, saying what to enter", () => {
    const plan = buildPlan(
      { ...newEverything, dlq: { mode: "new", name: QUEUE, retentionDays: 15 } },
      noFacts,
    );
    expect(plan.blockers).toEqual([
      "Enter a whole number of days from 1 to 14: '15' is out of range (SQS keeps a message at most 14 days).",
    ]);
  });

  it("shows an existing queue's retention and warns, with the fix, when it is under 14 days", () => {
    const plan = buildPlan(existingQueue(false), {
      ...noFacts,
      queuePolicy: policyOk,
      queueRetentionSeconds: 345_600,
    });
    expect(queueStep(plan)?.details).toBe(
      `Use the existing queue ${QUEUE}, which keeps messages 4 days.`,
    );
    expect(plan.warnings).toEqual([
      `Queue ${QUEUE} keeps messages only 4 days: failures older than that are deleted unseen, for instance over a long weekend. Raise its message retention period to 14 days in the SQS console (Edit), or with: aws sqs set-queue-attributes --queue-url ${QUEUE_URL} --attributes MessageRetentionPeriod=1209600`,
    ]);
    const fortnight = buildPlan(existingQueue(false), {
      ...noFacts,
      queuePolicy: policyOk,
      queueRetentionSeconds: 1_209_600,
    });
    expect(fortnight.warnings).toEqual([]);
  });

  it("blocks on the queue's own RedrivePolicy until it is confirmed, naming the target", () => {
    const facts: EnableFacts = {
      ...noFacts,
      queuePolicy: policyOk,
      queueRedrive: {
        targetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:parking-lot`,
        maxReceiveCount: 5,
      },
    };
    const blocked = buildPlan(existingQueue(false), facts);
    expect(blocked.blockers).toHaveLength(1);
    expect(blocked.blockers[0]).toContain(
      `Queue ${QUEUE} has a redrive policy of its own: after 5 receives SQS moves a message on to parking-lot, and every scan of the bot counts as a receive.`,
    );
    expect(blocked.blockers[0]).toContain("tick the box");
    const confirmed = buildPlan(
      {
        ...newEverything,
        dlq: {
          mode: "existing",
          url: QUEUE_URL,
          arn: QUEUE_ARN,
          mergePolicy: false,
          confirmRedrive: true,
        },
      },
      facts,
    );
    expect(confirmed.blockers).toEqual([]);
    expect(confirmed.warnings).toEqual([
      expect.stringContaining("moves a message on to parking-lot"),
    ]);
  });
});

describe("buildPlan: the Data store", () => {
  const domainStep = (plan: Plan) => plan.steps.find((s) => s.kind === "domain")?.details ?? "";

  it("says a new domain gets the Data store only when it was chosen", () => {
    const on = buildPlan(
      {
        ...newEverything,
        domain: { mode: "new", name: DOMAIN, expirationDays: 366, dataStore: true },
      },
      noFacts,
    );
    expect(domainStep(on)).toContain("keeping profile data 366 days, with the Data store,");
    expect(domainStep(buildPlan(newEverything, noFacts))).toContain("without the Data store");
  });
});
