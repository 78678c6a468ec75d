/**
 * STS: GetCallerIdentity, which AWS answers for any valid credentials (no IAM permission can
 * deny it), and AssumeRole, which hands out temporary credentials for a role in any account
 * (../accounts.ts). The default account's caller is `identityState(state).callerArn`, an
 * IAM user unless a test plays another; session credentials are their assumed role.
 */
import { type AssumeRoleInput, assumeRole } from "../accounts.js";
import { AwsError, type AwsRequest, type ServiceModule } from "../types.js";
import { actionOf, escapeXml, formOf, xmlError, xmlResponse } from "./query-xml.js";

export { type IdentityState, identityState } from "../accounts.js";

const VERSION = "2011-06-15";
const NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** AssumeRole's members from the form; DurationSeconds must be a whole number when given. */
function assumeRoleInput(req: AwsRequest): AssumeRoleInput {
  const form = formOf(req);
  const missing = ["RoleArn", "RoleSessionName"].filter((m) => !form.has(m));
  if (missing.length > 0) {
    throw new AwsError(
      "ValidationError",
      `${missing.length} validation error${missing.length === 1 ? "" : "s"} detected: ${missing
        .map(
          (m) =>
            `Value null at '${m[0]?.toLowerCase()}${m.slice(1)}' failed to satisfy constraint: Member must not be null`,
        )
        .join("; ")}`,
    );
  }
  const duration = form.get("DurationSeconds");
  if (duration !== null && !/^-?\d+$/.test(duration)) {
    throw new AwsError(
      "ValidationError",
      `Value '${duration}' for DurationSeconds is not an integer.`,
    );
  }
  const externalId = form.get("ExternalId");
  return {
    roleArn: form.get("RoleArn") as string,
    roleSessionName: form.get("RoleSessionName") as string,
    ...(externalId !== null ? { externalId } : {}),
    ...(duration !== null ? { durationSeconds: Number(duration) } : {}),
  };
}

export const sts: ServiceModule = {
  name: "sts",
  operationOf: (req: AwsRequest) => actionOf(req, VERSION, ["GetCallerIdentity", "AssumeRole"]),
  handle(operation, req, ctx) {
    if (operation === "AssumeRole") {
      const { session, arn, assumedRoleId } = assumeRole(
        ctx.root,
        req.caller,
        assumeRoleInput(req),
        ctx.now(),
      );
      return xmlResponse(
        operation,
        NAMESPACE,
        `<AssumedRoleUser><AssumedRoleId>${escapeXml(assumedRoleId)}</AssumedRoleId><Arn>${escapeXml(arn)}</Arn></AssumedRoleUser>` +
          `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId>` +
          `<SecretAccessKey>${escapeXml(session.secretAccessKey)}</SecretAccessKey>` +
          `<SessionToken>${escapeXml(session.sessionToken)}</SessionToken>` +
          `<Expiration>${new Date(session.expiration).toISOString()}</Expiration></Credentials>`,
        req.requestId,
      );
    }
    const { arn, userId, account } = req.caller;
    return xmlResponse(
      operation,
      NAMESPACE,
      `<Arn>${escapeXml(arn)}</Arn><UserId>${escapeXml(userId)}</UserId><Account>${account}</Account>`,
      req.requestId,
    );
  },
  errorResponse: (err, req) => xmlError(err, NAMESPACE, req.requestId),
  throttlingError: () => new AwsError("Throttling", "Rate exceeded", 400),
};
