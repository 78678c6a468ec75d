/**
 * STS, as far as the bot's `doctor` needs it: GetCallerIdentity, which AWS answers for any
 * valid credentials (no IAM permission can deny it). The emulator has one account; the
 * caller's ARN is `identityState(state).callerArn`, an IAM user by default, so a test can
 * play an assumed role instead.
 */
import { ACCOUNT_ID, type EmulatorState } from "../state.js";
import { AwsError, type AwsRequest, type ServiceModule } from "../types.js";
import { actionOf, escapeXml, xmlError, xmlResponse } from "./query-xml.js";

const VERSION = "2011-06-15";
const NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

const DEFAULT_CALLER_ARN = `arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot`;

export interface IdentityState {
  /** Who GetCallerIdentity says the caller is. */
  callerArn: string;
  /**
   * IAM actions ("sqs:ListQueues", "iam:SimulatePrincipalPolicy") SimulatePrincipalPolicy
   * reports as not allowed, and with "iam:SimulatePrincipalPolicy" the call itself is refused.
   */
  deniedActions: string[];
}

/** Kept in the state file under `identity`, shared by sts.ts and iam.ts. */
export function identityState(state: EmulatorState): IdentityState {
  const holder = state as EmulatorState & { identity?: Partial<IdentityState> };
  holder.identity ??= {};
  holder.identity.callerArn ??= DEFAULT_CALLER_ARN;
  holder.identity.deniedActions ??= [];
  return holder.identity as IdentityState;
}

/** A stable made-up unique id, as AWS gives users (AIDA…) and role sessions (AROA…:name). */
function userIdOf(arn: string): string {
  const session = /:assumed-role\/[^/]+\/(.+)$/.exec(arn)?.[1];
  return session ? `AROAEXAMPLEPROFILES:${session}` : "AIDAEXAMPLEPROFILESBOT";
}

export const sts: ServiceModule = {
  name: "sts",
  operationOf: (req: AwsRequest) => actionOf(req, VERSION, ["GetCallerIdentity"]),
  handle(_operation, req, ctx) {
    const arn = identityState(ctx.state).callerArn;
    return xmlResponse(
      "GetCallerIdentity",
      NAMESPACE,
      `<Arn>${escapeXml(arn)}</Arn><UserId>${escapeXml(userIdOf(arn))}</UserId><Account>${ACCOUNT_ID}</Account>`,
      req.requestId,
    );
  },
  errorResponse: (err, req) => xmlError(err, NAMESPACE, req.requestId),
  throttlingError: () => new AwsError("Throttling", "Rate exceeded", 400),
};
