import { accountRootArn, domainArn } from "./arns.js";
import { isEnableError } from "./errors.js";
import {
  checkGrant,
  grantOf,
  type MergeResult,
  mergeStatement,
  POLICY_VERSION,
  type PolicyStatement,
  parsePolicyDocument,
  type StoredStatement,
  sameStatement,
} from "./policy-document.js";

export type { MergeResult, PolicyStatement, StoredStatement } from "./policy-document.js";

export const PROFILE_SERVICE_PRINCIPAL = "profile.amazonaws.com";
export const DLQ_STATEMENT_SID = "CustomerProfilesDLQ";
export const KEY_STATEMENT_SID = "CustomerProfilesKey";
export const KEY_ACTIONS = ["kms:GenerateDataKey", "kms:CreateGrant", "kms:Decrypt"] as const;
/** The Sid AWS's own default key policy uses, so administrators recognise the statement. */
export const KEY_ROOT_STATEMENT_SID = "Enable IAM User Permissions";
export const KEY_ADMIN_STATEMENT_SID = "Allow access for Key Administrators";

/** The administration actions the KMS console grants key administrators by default. */
const KEY_ADMIN_ACTIONS = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
];

export interface DomainRef {
  accountId: string;
  region: string;
  domainName: string;
}

export interface DlqPolicyParams extends DomainRef {
  queueArn: string;
}

export interface NewKeyPolicyParams extends DomainRef {
  /** IAM ARNs that administer the key besides the account root (e.g. the platform team's role). */
  adminPrincipals?: string[];
}

export interface KeyPolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface QueuePolicyCheck {
  ok: boolean;
  missing: string[];
}

export interface KeyPolicyCheck {
  ok: boolean;
  problems: string[];
  /** Present when not ok: the exact statement to add, or to send to the key's administrator. */
  statementToAdd?: PolicyStatement;
}

// Key order matches docs/aws/sqs.md so the text people copy is the text AWS documents.
export const dlqPolicyStatement = ({
  queueArn,
  accountId,
  region,
  domainName,
}: DlqPolicyParams): PolicyStatement => ({
  Sid: DLQ_STATEMENT_SID,
  Effect: "Allow",
  Principal: { Service: PROFILE_SERVICE_PRINCIPAL },
  Action: "sqs:SendMessage",
  Resource: queueArn,
  Condition: {
    StringEquals: {
      "aws:SourceAccount": accountId,
      "aws:SourceArn": domainArn(region, accountId, domainName),
    },
  },
});

export const kmsKeyStatement = ({ accountId, region, domainName }: DomainRef): PolicyStatement => ({
  Sid: KEY_STATEMENT_SID,
  Effect: "Allow",
  Principal: { Service: PROFILE_SERVICE_PRINCIPAL },
  Action: [...KEY_ACTIONS],
  Resource: "*",
  Condition: {
    StringEquals: { "aws:SourceAccount": accountId },
    ArnEquals: { "aws:SourceArn": domainArn(region, accountId, domainName) },
  },
});

/** The root statement keeps the account able to administer the key whatever else changes. */
export const newKeyPolicy = ({
  adminPrincipals = [],
  ...domain
}: NewKeyPolicyParams): KeyPolicyDocument => {
  const root: PolicyStatement = {
    Sid: KEY_ROOT_STATEMENT_SID,
    Effect: "Allow",
    Principal: { AWS: accountRootArn(domain.region, domain.accountId) },
    Action: "kms:*",
    Resource: "*",
  };
  const admins: PolicyStatement[] =
    adminPrincipals.length === 0
      ? []
      : [
          {
            Sid: KEY_ADMIN_STATEMENT_SID,
            Effect: "Allow",
            Principal: { AWS: [...adminPrincipals] },
            Action: KEY_ADMIN_ACTIONS,
            Resource: "*",
          },
        ];
  return { Version: POLICY_VERSION, Statement: [root, ...admins, kmsKeyStatement(domain)] };
};

/** Adds our statement to a queue policy (or creates one), keeping every statement already there. */
export const mergeQueuePolicy = (
  existingPolicyJson: string | undefined,
  statement: PolicyStatement,
): MergeResult => mergeStatement(existingPolicyJson, statement);

/** A key always has a policy, so there is nothing to create here: only to add to. */
export const mergeKeyPolicy = (existingPolicyJson: string, domain: DomainRef): MergeResult =>
  mergeStatement(existingPolicyJson, kmsKeyStatement(domain), { ignoreResource: true });

export type RemovalResult =
  /** `remaining` counts the statements left: a queue policy left with none can go entirely. */
  | { outcome: "removed"; policy: string; remaining: number }
  /** The statement is not there (never written, or already taken out). */
  | { outcome: "absent" }
  /** A statement under that Sid differs from what was written: someone changed it since. */
  | { outcome: "changed"; found: StoredStatement };

/**
 * Undoes a merge: takes out the statement it wrote (found by its Sid, or by its whole text
 * when it has none), or puts back the one it replaced. Every other statement and field stays
 * as it was; one someone edited since is left alone. Throws EnableError when the policy
 * isn't a JSON policy, as the merge does.
 */
export const removeStatement = (
  existingPolicyJson: string | undefined,
  written: StoredStatement | PolicyStatement,
  replaced?: StoredStatement,
): RemovalResult => {
  const document = parsePolicyDocument(existingPolicyJson);
  if (!document) return { outcome: "absent" };
  const statements = document.Statement;
  const sid = typeof written.Sid === "string" && written.Sid !== "" ? written.Sid : undefined;
  const index = statements.findIndex((statement) =>
    sid ? statement.Sid === sid : sameStatement(statement, written),
  );
  const found = statements[index];
  if (!found) return { outcome: "absent" };
  if (!sameStatement(found, written)) return { outcome: "changed", found };
  const rest = replaced
    ? statements.map((statement, i) => (i === index ? replaced : statement))
    : statements.filter((_, i) => i !== index);
  return {
    outcome: "removed",
    policy: JSON.stringify({ ...document, Statement: rest }),
    remaining: rest.length,
  };
};

export const checkQueuePolicy = (
  policyJson: string | undefined,
  expected: PolicyStatement,
): QueuePolicyCheck => {
  const grant = grantOf(expected);
  const outcome = readDocument(policyJson, "queue");
  if (!outcome.ok) return { ok: false, missing: [outcome.problem] };
  const { ok, problems } = checkGrant(outcome.document, grant);
  return { ok, missing: problems };
};

export const checkKeyPolicy = (
  policyJson: string | undefined,
  domain: DomainRef,
): KeyPolicyCheck => {
  const statement = kmsKeyStatement(domain);
  const outcome = readDocument(policyJson, "key");
  if (!outcome.ok) return { ok: false, problems: [outcome.problem], statementToAdd: statement };
  const { ok, problems } = checkGrant(
    outcome.document,
    grantOf(statement, { ignoreResource: true }),
  );
  return ok ? { ok, problems } : { ok, problems, statementToAdd: statement };
};

type ReadOutcome =
  | { ok: true; document: NonNullable<ReturnType<typeof parsePolicyDocument>> }
  | { ok: false; problem: string };

/** Checks report an unreadable policy as a problem rather than throwing: it is a finding. */
const readDocument = (policyJson: string | undefined, owner: "queue" | "key"): ReadOutcome => {
  try {
    const document = parsePolicyDocument(policyJson);
    if (document) return { ok: true, document };
    return {
      ok: false,
      problem: `The ${owner} has no policy, so nothing allows ${PROFILE_SERVICE_PRINCIPAL} to use it.`,
    };
  } catch (error) {
    if (!isEnableError(error)) throw error;
    return { ok: false, problem: `The ${owner} policy can't be read: ${error.message}` };
  }
};

/** Indented the way the AWS console shows policies, so it can be pasted straight into one. */
export const formatPolicy = (policy: PolicyStatement | KeyPolicyDocument): string =>
  JSON.stringify(policy, null, 2);
