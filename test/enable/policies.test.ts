import { describe, expect, it } from "vitest";
import { EnableError } from "../../src/enable/errors.js";
import {
  checkKeyPolicy,
  checkQueuePolicy,
  dlqPolicyStatement,
  formatPolicy,
  kmsKeyStatement,
  mergeKeyPolicy,
  mergeQueuePolicy,
  newKeyPolicy,
  removeStatement,
} from "../../src/enable/policies.js";

const ACCOUNT = "123456789012";
const REGION = "eu-west-2";
const DOMAIN = "amazon-connect-acme";
const DOMAIN_ARN = `arn:aws:profile:${REGION}:${ACCOUNT}:domains/${DOMAIN}`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:acme-dlq`;
const domain = { accountId: ACCOUNT, region: REGION, domainName: DOMAIN };
const ours = dlqPolicyStatement({ ...domain, queueArn: QUEUE_ARN });

// Copied verbatim from docs/aws/sqs.md, placeholders aside.
const FACTS_DLQ_STATEMENT =
  '{"Sid":"CustomerProfilesDLQ","Effect":"Allow","Principal":{"Service":"profile.amazonaws.com"},' +
  '"Action":"sqs:SendMessage","Resource":"<queue ARN>","Condition":{"StringEquals":' +
  '{"aws:SourceAccount":"<account>","aws:SourceArn":"arn:aws:profile:<region>:<account>:domains/<name>"}}}';

const policy = (...statements: object[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });

const unrelated = {
  Sid: "AllowOpsToRead",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ops` },
  Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
  Resource: QUEUE_ARN,
};

/** Builds a statement like ours with parts swapped out, to probe one difference at a time. */
const variant = (changes: Record<string, unknown>) => ({ ...ours, ...changes });

/** Another domain's statement for the same queue: ours with its own SourceArn. */
const otherDomain = variant({
  Condition: {
    StringEquals: {
      "aws:SourceAccount": ACCOUNT,
      "aws:SourceArn": `arn:aws:profile:${REGION}:${ACCOUNT}:domains/amazon-connect-other`,
    },
  },
});

describe("dlqPolicyStatement", () => {
  it("is exactly the statement docs/aws/sqs.md documents", () => {
    const expected = FACTS_DLQ_STATEMENT.replaceAll("<queue ARN>", QUEUE_ARN)
      .replaceAll("<account>", ACCOUNT)
      .replaceAll("<region>", REGION)
      .replaceAll("<name>", DOMAIN);
    expect(JSON.stringify(ours)).toBe(expected);
  });
});

describe("mergeQueuePolicy", () => {
  it("creates a policy when the queue has none", () => {
    for (const existing of [undefined, "", "  "]) {
      const result = mergeQueuePolicy(existing, ours);
      expect(result.changed).toBe(true);
      expect(JSON.parse(result.policy)).toEqual({ Version: "2012-10-17", Statement: [ours] });
    }
  });

  it("keeps every unrelated statement and the document's other fields", () => {
    const existing = JSON.stringify({
      Version: "2012-10-17",
      Id: "queue-policy",
      Statement: [unrelated],
    });
    const result = mergeQueuePolicy(existing, ours);
    expect(result.changed).toBe(true);
    expect(JSON.parse(result.policy)).toEqual({
      Version: "2012-10-17",
      Id: "queue-policy",
      Statement: [unrelated, ours],
    });
  });

  it("accepts a lone Statement object and keeps it", () => {
    const existing = JSON.stringify({ Version: "2012-10-17", Statement: unrelated });
    expect(JSON.parse(mergeQueuePolicy(existing, ours).policy).Statement).toEqual([
      unrelated,
      ours,
    ]);
  });

  it("is idempotent: the second merge changes nothing", () => {
    const first = mergeQueuePolicy(policy(unrelated), ours);
    const second = mergeQueuePolicy(first.policy, ours);
    expect(second).toEqual({ policy: first.policy, changed: false });
  });

  it("leaves a policy that already grants the same access untouched, byte for byte", () => {
    const equivalent = policy(
      unrelated,
      variant({
        Sid: "Theirs",
        Action: ["sqs:SendMessage"],
        Principal: { Service: ["profile.amazonaws.com"] },
      }),
    );
    expect(mergeQueuePolicy(equivalent, ours)).toEqual({ policy: equivalent, changed: false });
  });

  it("replaces our Sid when it is present for this domain but different", () => {
    const stale = variant({ Condition: { StringEquals: { "aws:SourceArn": DOMAIN_ARN } } });
    const result = mergeQueuePolicy(policy(unrelated, stale), ours);
    expect(result.changed).toBe(true);
    expect(JSON.parse(result.policy).Statement).toEqual([unrelated, ours]);
  });

  it("keeps another domain's statement that uses our Sid and adds ours beside it", () => {
    const result = mergeQueuePolicy(policy(otherDomain), ours);
    const statements = JSON.parse(result.policy).Statement;
    expect(statements[0]).toEqual(otherDomain);
    expect(statements[1]).toEqual({ ...ours, Sid: "CustomerProfilesDLQamazonconnectacme" });
    expect(mergeQueuePolicy(result.policy, ours).changed).toBe(false);
    expect(checkQueuePolicy(result.policy, ours).ok).toBe(true);
  });

  it("refuses a policy that isn't JSON with a typed error", () => {
    expect(() => mergeQueuePolicy("{not json", ours)).toThrow(EnableError);
    try {
      mergeQueuePolicy("{not json", ours);
    } catch (error) {
      expect((error as EnableError).reason).toBe("policy-not-json");
      expect((error as EnableError).code).toBe("invalid_input");
    }
    expect(() => mergeQueuePolicy('"a string"', ours)).toThrow(
      expect.objectContaining({ reason: "policy-invalid" }),
    );
  });
});

describe("removeStatement", () => {
  it("undoes a merge into a policy with other statements: the rest stays as it was", () => {
    const other = {
      ...unrelated,
      Sid: "AllowAudit",
      Condition: { Bool: { "aws:SecureTransport": "true" } },
    };
    const before = JSON.stringify({
      Version: "2012-10-17",
      Id: "ops",
      Statement: [unrelated, other],
    });
    const merged = mergeQueuePolicy(before, ours);
    expect(merged.statement?.Sid).toBe("CustomerProfilesDLQ");
    const removed = removeStatement(merged.policy, merged.statement ?? {});
    expect(removed.outcome).toBe("removed");
    if (removed.outcome !== "removed") return;
    expect(removed.policy).toBe(before);
    expect(removed.remaining).toBe(2);
  });

  it("puts back the statement the merge replaced for the same domain", () => {
    const stale = variant({ Condition: { StringEquals: { "aws:SourceArn": DOMAIN_ARN } } });
    const before = policy(unrelated, stale);
    const merged = mergeQueuePolicy(before, ours);
    expect(merged.replaced).toEqual(stale);
    const removed = removeStatement(merged.policy, merged.statement ?? {}, merged.replaced);
    expect(removed).toMatchObject({ outcome: "removed", policy: before });
  });

  it("takes out only our Sid, leaving another domain's statement that shares the base Sid", () => {
    const merged = mergeQueuePolicy(policy(otherDomain), ours);
    expect(merged.statement?.Sid).not.toBe("CustomerProfilesDLQ");
    const removed = removeStatement(merged.policy, merged.statement ?? {});
    expect(removed).toMatchObject({ outcome: "removed", policy: policy(otherDomain) });
  });

  it("leaves a statement someone changed since under our Sid, and says so", () => {
    const merged = mergeQueuePolicy(policy(unrelated), ours);
    const edited = policy(unrelated, { ...ours, Action: ["sqs:SendMessage", "sqs:GetQueueUrl"] });
    const removed = removeStatement(edited, merged.statement ?? {});
    expect(removed.outcome).toBe("changed");
  });

  it("reports a statement that is not there (never written, or removed already) as absent", () => {
    expect(removeStatement(policy(unrelated), ours).outcome).toBe("absent");
    expect(removeStatement(undefined, ours).outcome).toBe("absent");
  });

  it("finds a statement without a Sid by its whole text", () => {
    const { Sid: _sid, ...noSid } = ours;
    const removed = removeStatement(policy(unrelated, noSid), noSid);
    expect(removed).toMatchObject({ outcome: "removed", policy: policy(unrelated), remaining: 1 });
  });

  it("refuses a policy that is not JSON, as the merge does", () => {
    expect(() => removeStatement("{oops", ours)).toThrow(EnableError);
  });

  it("undoes a key policy merge, keeping the root statement", () => {
    const root = newKeyPolicy(domain).Statement[0];
    const before = policy(root as object);
    const merged = mergeKeyPolicy(before, domain);
    expect(removeStatement(merged.policy, merged.statement ?? {})).toMatchObject({
      outcome: "removed",
      policy: before,
    });
  });
});

describe("checkQueuePolicy", () => {
  it("accepts our own statement", () => {
    expect(checkQueuePolicy(policy(ours), ours)).toEqual({ ok: true, missing: [] });
  });

  it.each([
    ["Action as an array", { Action: ["sqs:SendMessage"] }],
    ["a wildcard action", { Action: "sqs:*" }],
    ["a case-insensitive action", { Action: "SQS:sendmessage" }],
    [
      "Principal Service as an array",
      { Principal: { Service: ["events.amazonaws.com", "profile.amazonaws.com"] } },
    ],
    ["a wildcard resource", { Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:*` }],
    [
      "ArnLike on the source ARN",
      {
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT },
          ArnLike: { "aws:SourceArn": DOMAIN_ARN },
        },
      },
    ],
    [
      "a wildcard over the account's domains",
      {
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT },
          ArnLike: { "aws:SourceArn": `arn:aws:profile:${REGION}:${ACCOUNT}:domains/*` },
        },
      },
    ],
    [
      "condition values as arrays",
      {
        Condition: {
          StringEquals: { "aws:SourceAccount": [ACCOUNT], "aws:SourceArn": ["x", DOMAIN_ARN] },
        },
      },
    ],
  ])("accepts %s", (_label, changes) => {
    expect(checkQueuePolicy(policy(unrelated, variant(changes)), ours)).toEqual({
      ok: true,
      missing: [],
    });
  });

  it("reports a queue without a policy", () => {
    const result = checkQueuePolicy(undefined, ours);
    expect(result.ok).toBe(false);
    expect(result.missing[0]).toContain("has no policy");
  });

  it("reports a missing statement", () => {
    const result = checkQueuePolicy(policy(unrelated), ours);
    expect(result.ok).toBe(false);
    expect(result.missing).toEqual([
      `No statement allows profile.amazonaws.com to call sqs:SendMessage on ${QUEUE_ARN}.`,
    ]);
  });

  it("rejects a statement without the confused-deputy conditions", () => {
    const result = checkQueuePolicy(policy(variant({ Condition: undefined })), ours);
    expect(result.ok).toBe(false);
    expect(result.missing[0]).toContain(
      `without the conditions aws:SourceAccount = ${ACCOUNT} and aws:SourceArn`,
    );
  });

  it("rejects a statement missing one condition", () => {
    const result = checkQueuePolicy(
      policy(variant({ Condition: { StringEquals: { "aws:SourceArn": DOMAIN_ARN } } })),
      ours,
    );
    expect(result.missing).toEqual([
      expect.stringContaining("without the condition aws:SourceAccount"),
    ]);
  });

  it.each([
    ["the wrong action", { Action: "sqs:ReceiveMessage" }],
    ["another queue", { Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:other` }],
    ["another service", { Principal: { Service: "events.amazonaws.com" } }],
    ["a Deny", { Effect: "Deny" }],
    [
      "another domain",
      {
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": `${DOMAIN_ARN}-other` },
        },
      },
    ],
    [
      "a condition the check can't evaluate",
      { Condition: { ...ours.Condition, Bool: { "aws:SecureTransport": "true" } } },
    ],
    ["NotAction", { Action: undefined, NotAction: "sqs:DeleteQueue" }],
  ])("rejects %s", (_label, changes) => {
    expect(checkQueuePolicy(policy(variant(changes)), ours).ok).toBe(false);
  });

  it("reports an unconditional Deny even beside our Allow", () => {
    const deny = {
      Sid: "NoProfile",
      Effect: "Deny",
      Principal: "*",
      Action: "sqs:SendMessage",
      Resource: "*",
    };
    const result = checkQueuePolicy(policy(ours, deny), ours);
    expect(result).toEqual({
      ok: false,
      missing: ["Statement 'NoProfile' denies sqs:SendMessage to profile.amazonaws.com."],
    });
  });

  it("reports an unreadable policy instead of throwing", () => {
    expect(checkQueuePolicy("<xml/>", ours).missing[0]).toContain("can't be read");
  });
});

describe("key policies", () => {
  const keyStatement = kmsKeyStatement(domain);
  const rootOnly = {
    Sid: "Enable IAM User Permissions",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    Action: "kms:*",
    Resource: "*",
  };

  it("builds the statement Customer Profiles needs", () => {
    expect(keyStatement).toEqual({
      Sid: "CustomerProfilesKey",
      Effect: "Allow",
      Principal: { Service: "profile.amazonaws.com" },
      Action: ["kms:GenerateDataKey", "kms:CreateGrant", "kms:Decrypt"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": ACCOUNT },
        ArnEquals: { "aws:SourceArn": DOMAIN_ARN },
      },
    });
  });

  it("gives a new key a root administrator and the Customer Profiles statement", () => {
    const document = newKeyPolicy(domain);
    expect(document.Statement).toEqual([rootOnly, keyStatement]);
    expect(checkKeyPolicy(JSON.stringify(document), domain)).toEqual({ ok: true, problems: [] });
  });

  it("adds named key administrators when asked", () => {
    const admin = `arn:aws:iam::${ACCOUNT}:role/platform`;
    const document = newKeyPolicy({ ...domain, adminPrincipals: [admin] });
    expect(document.Statement).toHaveLength(3);
    expect(document.Statement[1]?.Principal).toEqual({ AWS: [admin] });
    expect(document.Statement[1]?.Action).toContain("kms:ScheduleKeyDeletion");
  });

  it("says a root-only policy is not enough and offers the statement to add", () => {
    const result = checkKeyPolicy(policy(rootOnly), domain);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      "No statement allows profile.amazonaws.com to call kms:GenerateDataKey, kms:CreateGrant, kms:Decrypt.",
    ]);
    expect(result.statementToAdd).toEqual(keyStatement);
  });

  it.each([
    [
      "actions split across statements",
      [
        { ...keyStatement, Sid: "A", Action: "kms:GenerateDataKey" },
        { ...keyStatement, Sid: "B", Action: ["kms:CreateGrant", "kms:Decrypt"] },
      ],
    ],
    ["kms:*", [{ ...keyStatement, Action: "kms:*" }]],
    [
      "Principal Service as a string list",
      [{ ...keyStatement, Principal: { Service: ["profile.amazonaws.com"] } }],
    ],
    [
      "the key's ARN as the resource",
      [{ ...keyStatement, Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/abc` }],
    ],
    [
      "both conditions under StringEquals",
      [
        {
          ...keyStatement,
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": DOMAIN_ARN },
          },
        },
      ],
    ],
    [
      "ArnLike",
      [
        {
          ...keyStatement,
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": DOMAIN_ARN },
          },
        },
      ],
    ],
  ])("accepts %s", (_label, statements) => {
    const result = checkKeyPolicy(policy(rootOnly, ...statements), domain);
    expect(result).toEqual({ ok: true, problems: [] });
  });

  it.each([
    ["a missing action", { Action: ["kms:GenerateDataKey", "kms:Decrypt"] }, "kms:CreateGrant"],
    [
      "a missing ArnEquals condition",
      { Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } },
      "aws:SourceArn",
    ],
    ["no conditions", { Condition: undefined }, "without the conditions"],
    [
      "another account",
      {
        Condition: {
          StringEquals: { "aws:SourceAccount": "999999999999" },
          ArnEquals: { "aws:SourceArn": DOMAIN_ARN },
        },
      },
      "999999999999",
    ],
  ])("rejects %s", (_label, changes, mentioned) => {
    const result = checkKeyPolicy(policy(rootOnly, { ...keyStatement, ...changes }), domain);
    expect(result.ok).toBe(false);
    expect(result.problems.join(" ")).toContain(mentioned);
    expect(result.statementToAdd).toEqual(keyStatement);
  });

  it("reports an unreadable or missing policy as a problem", () => {
    expect(checkKeyPolicy("nope", domain)).toMatchObject({
      ok: false,
      statementToAdd: keyStatement,
    });
    expect(checkKeyPolicy(undefined, domain).ok).toBe(false);
  });

  it("merges into a key policy without dropping the root statement, once", () => {
    const existing = policy(rootOnly);
    const first = mergeKeyPolicy(existing, domain);
    expect(first.changed).toBe(true);
    expect(JSON.parse(first.policy).Statement).toEqual([rootOnly, keyStatement]);
    expect(checkKeyPolicy(first.policy, domain).ok).toBe(true);
    expect(mergeKeyPolicy(first.policy, domain)).toEqual({ policy: first.policy, changed: false });
  });
});

describe("formatPolicy", () => {
  it("indents by two spaces so it pastes into the console", () => {
    const text = formatPolicy(ours);
    expect(text.split("\n")[1]).toBe('  "Sid": "CustomerProfilesDLQ",');
    expect(JSON.parse(text)).toEqual(ours);
  });
});
