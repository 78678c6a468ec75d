/**
 * IAM, as far as the bot's `doctor` needs it: SimulatePrincipalPolicy. Every principal of the
 * account holds the bot's own iam-policy.json, which ../policy.ts evaluates for each action on
 * the one resource with the request's ContextEntries as condition keys (as AWS does, the
 * simulation reads no resource's tags: a test passes `aws:ResourceTag/...` as a context entry).
 * On top, the actions in `identityState(state).deniedActions` (exact, case-insensitive, or
 * `service:*`) get `implicitDeny`, so a test can take one permission away; with
 * "iam:SimulatePrincipalPolicy" in that list the call itself is refused with AccessDenied, as
 * for a role that may not simulate.
 */
import { readFileSync } from "node:fs";
import { evaluate, type RequestContext } from "../policy.js";
import { AwsError, type AwsRequest, type ServiceModule } from "../types.js";
import { actionOf, escapeXml, formOf, memberList, xmlError, xmlResponse } from "./query-xml.js";
import { identityState } from "./sts.js";

const VERSION = "2010-05-08";
const NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";
const SIMULATE = "iam:SimulatePrincipalPolicy";

/** A user, group or role: SimulatePrincipalPolicy takes no session (assumed-role) ARN. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(user|group|role)\/(?:[^/]+\/)*[^/]+$/;

const invalid = (message: string) => new AwsError("InvalidInput", message, 400);

/** The policy every principal holds: the one the README tells people to attach to the bot. */
export const BOT_POLICY = readFileSync(
  new URL("../../../iam-policy.json", import.meta.url),
  "utf8",
);

/** ContextEntries.member.N.{ContextKeyName, ContextKeyValues.member.M}: condition keys by name. */
function contextOf(form: URLSearchParams): RequestContext {
  const context: RequestContext = {};
  for (let n = 1; form.has(`ContextEntries.member.${n}.ContextKeyName`); n++) {
    const name = form.get(`ContextEntries.member.${n}.ContextKeyName`) as string;
    context[name] = memberList(form, `ContextEntries.member.${n}.ContextKeyValues`);
  }
  return context;
}

const isDenied = (denied: string[], action: string): boolean => {
  const wanted = action.toLowerCase();
  const service = wanted.split(":")[0];
  return denied.some((d) => {
    const entry = d.toLowerCase();
    return entry === wanted || entry === `${service}:*`;
  });
};

function simulate(req: AwsRequest, denied: string[]) {
  const callerArn = req.caller.arn;
  const form = formOf(req);
  const source = form.get("PolicySourceArn") ?? "";
  if (source.length < 20 || source.length > 2048) {
    throw invalid(
      "PolicySourceArn must be 20 to 2048 characters: the ARN of a user, group or role.",
    );
  }
  const principal = PRINCIPAL_ARN.exec(source);
  if (!principal) {
    throw invalid(
      `PolicySourceArn ${source.slice(0, 200)} is not the ARN of an IAM user, group or role.`,
    );
  }
  if (principal[1] !== req.accountId) {
    throw new AwsError("NoSuchEntity", `The principal ${source} does not exist.`, 404);
  }
  if (isDenied(denied, SIMULATE)) {
    throw new AwsError(
      "AccessDenied",
      `User: ${callerArn} is not authorized to perform: ${SIMULATE} on resource: ${source}`,
      403,
    );
  }
  const actions = memberList(form, "ActionNames");
  if (actions.length === 0) throw invalid("ActionNames must name at least one action.");
  const bad = actions.find((a) => !/^[a-zA-Z0-9-]+:[a-zA-Z0-9*]+$/.test(a) || a.length > 128);
  if (bad !== undefined) throw invalid(`${bad.slice(0, 130)} is not an IAM action name.`);
  const resources = memberList(form, "ResourceArns");
  const resource = resources.length === 1 ? (resources[0] as string) : "*";

  const maxItems = Number(form.get("MaxItems") ?? "100");
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000) {
    throw invalid("MaxItems must be a whole number from 1 to 1000.");
  }
  const start = Number(form.get("Marker") ?? "0");
  if (!Number.isInteger(start) || start < 0 || start > actions.length) {
    throw invalid("Marker is not one this API returned.");
  }
  const page = actions.slice(start, start + maxItems);
  const next = start + page.length;
  const context = contextOf(form);
  const members = page
    .map((action) => {
      const decision = isDenied(denied, action)
        ? "implicitDeny"
        : evaluate(BOT_POLICY, { action, resource, context });
      return (
        `<member><EvalActionName>${escapeXml(action)}</EvalActionName>` +
        `<EvalResourceName>${escapeXml(resource)}</EvalResourceName>` +
        `<EvalDecision>${decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>`
      );
    })
    .join("");
  const truncated = next < actions.length;
  return (
    `<EvaluationResults>${members}</EvaluationResults><IsTruncated>${truncated}</IsTruncated>` +
    (truncated ? `<Marker>${next}</Marker>` : "")
  );
}

export const iam: ServiceModule = {
  name: "iam",
  operationOf: (req: AwsRequest) => actionOf(req, VERSION, ["SimulatePrincipalPolicy"]),
  handle(operation, req, ctx) {
    return xmlResponse(
      operation,
      NAMESPACE,
      simulate(req, identityState(ctx.root).deniedActions),
      req.requestId,
    );
  },
  errorResponse: (err, req) => xmlError(err, NAMESPACE, req.requestId),
  throttlingError: () => new AwsError("Throttling", "Rate exceeded", 400),
};
