import { EnableError } from "./errors.js";

/**
 * Just enough of the IAM policy grammar to write Customer Profiles' statements and to decide
 * whether someone else's policy already grants what the service needs. It errs towards "not
 * granted": a condition it can't evaluate counts as unmet, because the fix it leads to (adding
 * our own Allow statement) is always safe, while a false "granted" loses data silently.
 */

export type PolicyValue = string | string[];
export type ConditionBlock = Record<string, Record<string, PolicyValue>>;
export type Principal = "*" | { Service?: PolicyValue; AWS?: PolicyValue; [type: string]: unknown };

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal: Principal;
  Action: PolicyValue;
  Resource: PolicyValue;
  Condition?: ConditionBlock;
}

/** Statements read back from AWS keep whatever fields they had; we only ever append or replace. */
export type StoredStatement = Record<string, unknown>;

export interface PolicyDocument {
  Version?: string;
  Statement: StoredStatement[];
  [field: string]: unknown;
}

export const POLICY_VERSION = "2012-10-17";

/** What a service's request looks like to a policy: who calls, what, on what, with which keys. */
export interface RequiredGrant {
  servicePrincipal: string;
  actions: string[];
  /** Undefined for key policies, where every statement is implicitly about the key itself. */
  resource?: string;
  /** Condition keys (lower-cased, as IAM compares them) and the values the service sends. */
  context: Record<string, string>;
  /** Keys a statement must constrain, so another account's domain can't use the resource. */
  requiredConditionKeys: string[];
}

export interface GrantCheck {
  ok: boolean;
  problems: string[];
}

// ---------------------------------------------------------------------------------------------
// Reading documents

/** An absent or blank policy is "no policy"; anything else must be a JSON policy object. */
export const parsePolicyDocument = (json: string | undefined): PolicyDocument | undefined => {
  if (json === undefined || json.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new EnableError("policy-not-json", "The existing policy is not valid JSON.", { cause });
  }
  if (!isRecord(parsed)) {
    throw new EnableError("policy-invalid", "The existing policy is not a JSON object.");
  }
  const statement = parsed.Statement;
  if (statement === undefined) return { ...parsed, Statement: [] };
  // IAM accepts a lone statement object as well as an array of them.
  const statements = Array.isArray(statement) ? statement : [statement];
  if (!statements.every(isRecord)) {
    throw new EnableError(
      "policy-invalid",
      "The existing policy has a Statement that isn't an object.",
    );
  }
  return { ...parsed, Statement: statements };
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const asList = (value: unknown): string[] => {
  if (value === undefined || value === null) return [];
  const values = Array.isArray(value) ? value : [value];
  return values
    .filter((v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean")
    .map(String);
};

export const statementLabel = (statement: StoredStatement, index: number): string =>
  typeof statement.Sid === "string" && statement.Sid !== ""
    ? `'${statement.Sid}'`
    : `#${index + 1}`;

// ---------------------------------------------------------------------------------------------
// Matching one statement against a request

const globToRegExp = (pattern: string, flags = ""): RegExp => {
  const source = pattern
    .split("")
    .map((char) => {
      if (char === "*") return ".*";
      if (char === "?") return ".";
      return char.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`, flags);
};

const globMatches = (pattern: string, value: string, ignoreCase = false): boolean =>
  globToRegExp(pattern, ignoreCase ? "i" : "").test(value);

const principalMatches = (principal: unknown, servicePrincipal: string): boolean => {
  if (principal === "*") return true;
  if (!isRecord(principal)) return false;
  if (asList(principal.AWS).includes("*")) return true;
  return asList(principal.Service).some((s) => s.toLowerCase() === servicePrincipal.toLowerCase());
};

// IAM action names are case-insensitive; resource ARNs are not.
const actionMatches = (statement: StoredStatement, action: string): boolean =>
  asList(statement.Action).some((pattern) => globMatches(pattern, action, true));

const resourceMatches = (statement: StoredStatement, resource: string | undefined): boolean =>
  resource === undefined ||
  asList(statement.Resource).some((pattern) => globMatches(pattern, resource));

/** Statements written with Not* elements invert their meaning; we don't try to reason about them. */
const usesNegatedElements = (statement: StoredStatement): boolean =>
  "NotPrincipal" in statement || "NotAction" in statement || "NotResource" in statement;

type ConditionTest = (expected: string, actual: string) => boolean;

const POSITIVE_OPERATORS: Partial<Record<string, ConditionTest>> = {
  stringequals: (expected, actual) => expected === actual,
  stringequalsignorecase: (expected, actual) => expected.toLowerCase() === actual.toLowerCase(),
  stringlike: (expected, actual) => globMatches(expected, actual),
  // IAM treats ArnEquals and ArnLike alike: both accept wildcards.
  arnequals: (expected, actual) => globMatches(expected, actual),
  arnlike: (expected, actual) => globMatches(expected, actual),
};

const NEGATED_OPERATORS: Partial<Record<string, string>> = {
  stringnotequals: "stringequals",
  stringnotequalsignorecase: "stringequalsignorecase",
  stringnotlike: "stringlike",
  arnnotequals: "arnequals",
  arnnotlike: "arnlike",
};

/** `ForAnyValue:StringEquals` and `StringEqualsIfExists` act like `StringEquals` for single-valued keys we send. */
const baseOperator = (operator: string): string =>
  operator
    .toLowerCase()
    .replace(/^for(any|all)value:/, "")
    .replace(/ifexists$/, "");

type ConditionOutcome = { met: true } | { met: false; reason: string };

const evaluateCondition = (
  operator: string,
  key: string,
  expected: string[],
  context: Record<string, string>,
): ConditionOutcome => {
  const base = baseOperator(operator);
  const actual = context[key.toLowerCase()];
  const positive = POSITIVE_OPERATORS[base];
  const negatedOf = NEGATED_OPERATORS[base];
  const test = positive ?? (negatedOf ? POSITIVE_OPERATORS[negatedOf] : undefined);
  if (actual === undefined || !test) {
    return { met: false, reason: `a condition this check can't evaluate (${operator} on ${key})` };
  }
  const matched = expected.some((value) => test(value, actual));
  if (positive ? matched : !matched) return { met: true };
  return {
    met: false,
    reason: `the condition ${operator} ${key} ${expected.join(" or ")}, which requests from ${actual} don't meet`,
  };
};

const evaluateConditions = (
  statement: StoredStatement,
  context: Record<string, string>,
): ConditionOutcome => {
  const block = statement.Condition;
  if (block === undefined) return { met: true };
  if (!isRecord(block)) return { met: false, reason: "a Condition that isn't an object" };
  for (const [operator, clauses] of Object.entries(block)) {
    if (!isRecord(clauses))
      return { met: false, reason: `a ${operator} condition that isn't an object` };
    for (const [key, values] of Object.entries(clauses)) {
      const outcome = evaluateCondition(operator, key, asList(values), context);
      if (!outcome.met) return outcome;
    }
  }
  return { met: true };
};

/** Keys the statement constrains with an operator that narrows (not a `Not…` one). */
const constrainedKeys = (statement: StoredStatement): Set<string> => {
  const keys = new Set<string>();
  if (!isRecord(statement.Condition)) return keys;
  for (const [operator, clauses] of Object.entries(statement.Condition)) {
    if (!POSITIVE_OPERATORS[baseOperator(operator)] || !isRecord(clauses)) continue;
    for (const key of Object.keys(clauses)) keys.add(key.toLowerCase());
  }
  return keys;
};

// ---------------------------------------------------------------------------------------------
// Deciding whether a whole document grants a request

type ActionVerdict = { granted: true } | { granted: false; statement?: string; reason: string };

const describeMissingKeys = (keys: string[], grant: RequiredGrant): string => {
  const parts = keys.map((key) => `${key} = ${grant.context[key.toLowerCase()] ?? "?"}`);
  return `without the condition${parts.length > 1 ? "s" : ""} ${parts.join(" and ")}`;
};

const judgeAction = (
  statements: StoredStatement[],
  grant: RequiredGrant,
  action: string,
): ActionVerdict => {
  const applicable = statements
    .map((statement, index) => ({ statement, index }))
    .filter(
      ({ statement }) =>
        statement.Effect === "Allow" &&
        !usesNegatedElements(statement) &&
        principalMatches(statement.Principal, grant.servicePrincipal) &&
        actionMatches(statement, action) &&
        resourceMatches(statement, grant.resource),
    );
  let firstFailure: ActionVerdict | undefined;
  for (const { statement, index } of applicable) {
    const conditions = evaluateConditions(statement, grant.context);
    const keys = constrainedKeys(statement);
    const missingKeys = grant.requiredConditionKeys.filter((key) => !keys.has(key.toLowerCase()));
    if (conditions.met && missingKeys.length === 0) return { granted: true };
    firstFailure ??= {
      granted: false,
      statement: statementLabel(statement, index),
      reason: conditions.met
        ? describeMissingKeys(missingKeys, grant)
        : `only with ${conditions.reason}`,
    };
  }
  return firstFailure ?? { granted: false, reason: "is not allowed" };
};

/** An unconditional Deny beats any Allow, so adding our statement would not help. */
const denials = (statements: StoredStatement[], grant: RequiredGrant): string[] =>
  statements.flatMap((statement, index) => {
    if (
      statement.Effect !== "Deny" ||
      statement.Condition !== undefined ||
      usesNegatedElements(statement)
    ) {
      return [];
    }
    if (!principalMatches(statement.Principal, grant.servicePrincipal)) return [];
    if (!resourceMatches(statement, grant.resource)) return [];
    const denied = grant.actions.filter((action) => actionMatches(statement, action));
    if (denied.length === 0) return [];
    return [
      `Statement ${statementLabel(statement, index)} denies ${denied.join(", ")} to ${grant.servicePrincipal}.`,
    ];
  });

/** Groups per-action verdicts so three actions failing for one reason read as one sentence. */
const describeVerdicts = (
  grant: RequiredGrant,
  verdicts: { action: string; verdict: ActionVerdict }[],
): string[] => {
  const groups = new Map<string, { actions: string[]; statement?: string; reason: string }>();
  for (const { action, verdict } of verdicts) {
    if (verdict.granted) continue;
    const id = `${verdict.statement ?? ""}\u0000${verdict.reason}`;
    const group = groups.get(id) ?? {
      actions: [],
      statement: verdict.statement,
      reason: verdict.reason,
    };
    group.actions.push(action);
    groups.set(id, group);
  }
  const target = grant.resource ? ` on ${grant.resource}` : "";
  return [...groups.values()].map(({ actions, statement, reason }) =>
    statement
      ? `Statement ${statement} allows ${grant.servicePrincipal} ${actions.join(", ")}${target} ${reason}.`
      : `No statement allows ${grant.servicePrincipal} to call ${actions.join(", ")}${target}.`,
  );
};

export const checkGrant = (document: PolicyDocument, grant: RequiredGrant): GrantCheck => {
  const verdicts = grant.actions.map((action) => ({
    action,
    verdict: judgeAction(document.Statement, grant, action),
  }));
  const problems = [...describeVerdicts(grant, verdicts), ...denials(document.Statement, grant)];
  return { ok: problems.length === 0, problems };
};

/** Reads the request a statement of ours is meant to allow, so checks and merges share one truth. */
export const grantOf = (
  statement: PolicyStatement,
  options: { ignoreResource?: boolean } = {},
): RequiredGrant => {
  const context: Record<string, string> = {};
  const requiredConditionKeys: string[] = [];
  for (const clauses of Object.values(statement.Condition ?? {})) {
    for (const [key, value] of Object.entries(clauses)) {
      const first = asList(value)[0];
      if (first === undefined) continue;
      context[key.toLowerCase()] = first;
      requiredConditionKeys.push(key);
    }
  }
  const service = principalService(statement.Principal);
  const resource = asList(statement.Resource)[0];
  return {
    servicePrincipal: service,
    actions: asList(statement.Action),
    ...(options.ignoreResource || resource === undefined ? {} : { resource }),
    context,
    requiredConditionKeys,
  };
};

const principalService = (principal: Principal): string => {
  const service = principal === "*" ? undefined : asList(principal.Service)[0];
  if (!service) throw new TypeError("grantOf needs a statement whose Principal is a service.");
  return service;
};

// ---------------------------------------------------------------------------------------------
// Merging

export interface MergeResult {
  policy: string;
  changed: boolean;
  /** When changed: the statement as written, so it can be found again by its Sid. */
  statement?: StoredStatement;
  /** A statement of ours for the same domain that it replaced, so it can be put back. */
  replaced?: StoredStatement;
}

const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isRecord(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
};

export const sameStatement = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** A statement that protects the same source (domain) as ours may be replaced; any other may not. */
const conditionValues = (statement: StoredStatement, key: string): string[] => {
  if (!isRecord(statement.Condition)) return [];
  return Object.values(statement.Condition).flatMap((clauses) =>
    isRecord(clauses)
      ? Object.entries(clauses)
          .filter(([k]) => k.toLowerCase() === key)
          .flatMap(([, v]) => asList(v))
      : [],
  );
};

const servesSameSource = (existing: StoredStatement, ours: PolicyStatement): boolean => {
  const ourSources = conditionValues(ours as unknown as StoredStatement, "aws:sourcearn");
  const theirSources = conditionValues(existing, "aws:sourcearn");
  return ourSources.length > 0 && ourSources.every((source) => theirSources.includes(source));
};

/**
 * Where our Sid already protects another domain (two domains sharing one queue or key), we
 * leave that statement alone and add ours under a Sid of its own, since replacing it would cut
 * the other domain off.
 */
const sidFor = (
  statements: StoredStatement[],
  ours: PolicyStatement,
  sourceName: string,
): { sid: string; replaceAt: number } => {
  const base = ours.Sid ?? "";
  const suffix = sourceName.replace(/[^a-zA-Z0-9]/g, "");
  const candidates = [base, `${base}${suffix}`];
  for (let attempt = 2; candidates.length < 12; attempt += 1)
    candidates.push(`${base}${suffix}${attempt}`);
  for (const sid of candidates) {
    const index = statements.findIndex((statement) => statement.Sid === sid);
    if (index === -1) return { sid, replaceAt: -1 };
    if (servesSameSource(statements[index] as StoredStatement, ours))
      return { sid, replaceAt: index };
  }
  // Eleven colliding Sids means something odd; appending without a Sid is still valid IAM.
  return { sid: "", replaceAt: -1 };
};

export interface MergeOptions {
  /** For key policies, whose statements are implicitly about the key itself. */
  ignoreResource?: boolean;
}

/** The last segment of our aws:SourceArn (the domain name) makes a readable Sid suffix. */
const sourceNameOf = (ours: PolicyStatement): string =>
  conditionValues(ours as unknown as StoredStatement, "aws:sourcearn")[0]
    ?.split("/")
    .pop() ?? "";

/**
 * Adds `ours` to `existingJson`, never dropping a statement that is there. Returns the text
 * unchanged when the document already grants what `ours` grants, so repeated runs are no-ops.
 */
export const mergeStatement = (
  existingJson: string | undefined,
  ours: PolicyStatement,
  options: MergeOptions = {},
): MergeResult => {
  const document = parsePolicyDocument(existingJson);
  if (!document) {
    return {
      policy: JSON.stringify({ Version: POLICY_VERSION, Statement: [ours] }),
      changed: true,
      statement: { ...ours },
    };
  }
  const statements = document.Statement;
  const alreadyThere = statements.some((statement) => sameStatement(statement, ours));
  const grant = grantOf(ours, { ignoreResource: options.ignoreResource ?? false });
  if (alreadyThere || checkGrant(document, grant).ok) {
    return { policy: existingJson ?? "", changed: false };
  }
  const { sid, replaceAt } = sidFor(statements, ours, sourceNameOf(ours));
  const { Sid: _ignored, ...rest } = ours;
  const statement: StoredStatement = sid ? { Sid: sid, ...rest } : rest;
  const merged =
    replaceAt === -1
      ? [...statements, statement]
      : statements.map((existing, index) => (index === replaceAt ? statement : existing));
  const replaced = replaceAt === -1 ? undefined : statements[replaceAt];
  return {
    policy: JSON.stringify({ Version: POLICY_VERSION, ...document, Statement: merged }),
    changed: true,
    statement,
    ...(replaced ? { replaced } : {}),
  };
};
