/**
 * The emulator's one IAM policy evaluator, for resource policies (a queue's or key's policy:
 * may Customer Profiles write here?) and identity policies (iam-policy.json: may the bot call
 * this?). It follows AWS's order: an explicit Deny wins, then any Allow, else an implicit
 * deny. A statement applies when its principal (resource policies only), action, resource and
 * every condition match. Operators: String*, Arn*, Numeric*, Bool, Null, with ForAnyValue: /
 * ForAllValues: and …IfExists;
 * an Allow with an operator it does not know grants nothing, and a Deny with one denies:
 * either way the emulator never grants more than AWS would.
 */

export type Decision = "allowed" | "explicitDeny" | "implicitDeny";

/** Condition keys of the request (case-insensitive names); a multi-valued key is a list. */
export type RequestContext = Record<string, string | string[]>;

export interface PolicyRequest {
  action: string;
  resource: string;
  context?: RequestContext;
  /** The calling service's principal, for resource policies; absent for identity policies. */
  servicePrincipal?: string;
  /**
   * The calling AWS principal, for resource and trust policies: its account (matched by
   * `arn:aws:iam::<account>:root` or the bare account id) and its ARNs (a session's and its role's).
   */
  awsPrincipal?: { account: string; arns: string[] };
}

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const strings = (v: unknown): string[] => asList(v).map(String);

/** IAM's wildcard match: `*` any run of characters, `?` one character. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, ignoreCase ? "is" : "s").test(value);
}

function principalMatches(principal: unknown, req: PolicyRequest): boolean {
  const { servicePrincipal: service, awsPrincipal: aws } = req;
  // Identity policies have no Principal; a resource policy's statement must name one.
  if (service === undefined && aws === undefined) return principal === undefined;
  if (principal === "*") return true;
  if (!principal || typeof principal !== "object") return false;
  const p = principal as Record<string, unknown>;
  const awsNames = strings(p.AWS);
  if (awsNames.includes("*")) return true;
  if (service !== undefined && asList(p.Service).includes(service)) return true;
  return (
    aws !== undefined &&
    awsNames.some(
      (name) =>
        name === aws.account ||
        name === `arn:aws:iam::${aws.account}:root` ||
        aws.arns.includes(name),
    )
  );
}

const actionMatches = (patterns: unknown, action: string): boolean =>
  strings(patterns).some((a) => globMatch(a, action, true));

/** One value against one expected value, by the operator's base name (no set or IfExists). */
function compare(base: string, actual: string, expected: string): boolean | undefined {
  switch (base) {
    case "StringEquals":
    case "ArnEquals":
      return actual === expected;
    case "StringEqualsIgnoreCase":
      return actual.toLowerCase() === expected.toLowerCase();
    case "StringLike":
    case "ArnLike":
      return globMatch(expected, actual);
    case "NumericEquals":
      return Number(actual) === Number(expected);
    case "NumericLessThan":
      return Number(actual) < Number(expected);
    case "NumericLessThanEquals":
      return Number(actual) <= Number(expected);
    case "NumericGreaterThan":
      return Number(actual) > Number(expected);
    case "NumericGreaterThanEquals":
      return Number(actual) >= Number(expected);
    case "Bool":
      return actual.toLowerCase() === expected.toLowerCase();
    default:
      return undefined;
  }
}

/** The negated operators: true when no expected value matches. */
const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  ArnNotEquals: "ArnEquals",
  ArnNotLike: "ArnLike",
  NumericNotEquals: "NumericEquals",
};

/** Whether one condition (operator, key, expected values) holds; undefined for an unknown operator. */
function conditionHolds(
  rawOperator: string,
  actual: string[] | undefined,
  expected: string[],
): boolean | undefined {
  let operator = rawOperator;
  let set: "any" | "all" | undefined;
  if (operator.startsWith("ForAnyValue:")) set = "any";
  if (operator.startsWith("ForAllValues:")) set = "all";
  if (set) operator = operator.slice(operator.indexOf(":") + 1);
  const ifExists = operator.endsWith("IfExists");
  if (ifExists) operator = operator.slice(0, -"IfExists".length);

  if (operator === "Null") {
    const wanted = expected[0]?.toLowerCase() === "true";
    return (actual === undefined || actual.length === 0) === wanted;
  }
  const negatedBase = NEGATED[operator];
  const base = negatedBase ?? operator;
  if (compare(base, "", "") === undefined) return undefined;
  const one = (value: string) => {
    const hit = expected.some((e) => compare(base, value, e) === true);
    return negatedBase ? !hit : hit;
  };
  // A set operator over a missing key: ForAllValues holds (nothing to disagree), ForAnyValue not.
  if (actual === undefined || actual.length === 0) {
    if (set === "all") return true;
    if (ifExists) return true;
    return false;
  }
  if (set === "all") return actual.every(one);
  if (set === "any") return actual.some(one);
  return one(actual[0] as string);
}

function conditionsHold(
  condition: Statement["Condition"],
  context: RequestContext,
  deny: boolean,
): boolean {
  if (!condition) return true;
  const lowered = new Map(
    Object.entries(context).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]),
  );
  return Object.entries(condition).every(([operator, entries]) =>
    Object.entries(entries ?? {}).every(([key, expected]) => {
      const held = conditionHolds(operator, lowered.get(key.toLowerCase()), strings(expected));
      return held ?? deny;
    }),
  );
}

function statementsOf(policy: string | object | undefined): Statement[] {
  if (policy === undefined) return [];
  try {
    const doc = typeof policy === "string" ? (JSON.parse(policy) as unknown) : policy;
    return asList((doc as { Statement?: unknown }).Statement) as Statement[];
  } catch {
    return [];
  }
}

/** Whether one statement applies to the request, conditions included. */
function applies(s: Statement, req: PolicyRequest): boolean {
  const action =
    s.NotAction !== undefined
      ? !actionMatches(s.NotAction, req.action)
      : actionMatches(s.Action, req.action);
  return (
    principalMatches(s.Principal, req) &&
    action &&
    (s.Resource === undefined || strings(s.Resource).some((r) => globMatch(r, req.resource))) &&
    conditionsHold(s.Condition, req.context ?? {}, s.Effect === "Deny")
  );
}

/** The decision of one policy (a JSON string or a parsed document) on one request. */
export function evaluate(policy: string | object | undefined, req: PolicyRequest): Decision {
  const matching = statementsOf(policy).filter((s) => applies(s, req));
  if (matching.some((s) => s.Effect === "Deny")) return "explicitDeny";
  return matching.some((s) => s.Effect === "Allow") ? "allowed" : "implicitDeny";
}
