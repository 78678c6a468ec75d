/**
 * Who the bot's AWS credentials are (STS GetCallerIdentity) and what they may do (IAM
 * SimulatePrincipalPolicy): read-only calls for `profiles-bot doctor`. GetCallerIdentity
 * needs no permission; SimulatePrincipalPolicy needs `iam:SimulatePrincipalPolicy` on the
 * bot's own role, which iam-policy.json does not grant, so a refusal is an expected answer.
 */
import type { ContextEntry, IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { iamSdk } from "./clients.js";
import { type AwsCall, awsCall } from "./errors.js";

export interface CallerIdentity {
  account: string;
  /** As STS gives it: a user, or an assumed role's session. */
  arn: string;
  userId: string;
}

/** A condition key the simulation should treat as set, e.g. kms:ViaService. */
export interface SimulationContext {
  key: string;
  type: "string" | "boolean";
  values: string[];
}

export interface SimulatedDecision {
  action: string;
  resource: string;
  /** allowed, explicitDeny or implicitDeny */
  decision: string;
  allowed: boolean;
  /** Condition keys the simulation lacked to decide. */
  missingContext: string[];
}

/**
 * SimulatePrincipalPolicy takes a user, group or role, never a role session: an assumed-role
 * ARN (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) becomes its role's ARN. The
 * role's path is not in the session ARN; a role with a path needs AWS_ROLE_ARN-style
 * configuration this check does not have, and the simulation then says the role is missing.
 */
export function principalArnOf(callerArn: string): string {
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : callerArn;
}

export class IdentityGateway {
  constructor(
    private readonly sts: STSClient,
    /** Asked for at each call: IAM's client is built, and its package loaded, at the first. */
    private readonly iam: () => IAMClient,
  ) {}

  /** The region every client uses (AWS_REGION or the SDK's chain); undefined when none is set. */
  async region(): Promise<string | undefined> {
    try {
      return (await this.sts.config.region()) || undefined;
    } catch {
      return undefined;
    }
  }

  callerIdentity(): Promise<CallerIdentity> {
    const call: AwsCall = {
      service: "sts",
      operation: "GetCallerIdentity",
      iamAction: "sts:GetCallerIdentity",
    };
    return awsCall(call, async () => {
      const out = await this.sts.send(new GetCallerIdentityCommand({}));
      return { account: out.Account ?? "", arn: out.Arn ?? "", userId: out.UserId ?? "" };
    });
  }

  /** One decision per action on `resource`, following IAM's pages. */
  async simulate(
    principalArn: string,
    actions: string[],
    resource: string,
    context: SimulationContext[] = [],
  ): Promise<SimulatedDecision[]> {
    const call: AwsCall = {
      service: "iam",
      operation: "SimulatePrincipalPolicy",
      iamAction: "iam:SimulatePrincipalPolicy",
      resource: principalArn,
    };
    const entries: ContextEntry[] = context.map((c) => ({
      ContextKeyName: c.key,
      ContextKeyType: c.type,
      ContextKeyValues: c.values,
    }));
    const { SimulatePrincipalPolicyCommand } = iamSdk();
    const decisions: SimulatedDecision[] = [];
    let marker: string | undefined;
    do {
      const out = await awsCall(call, () =>
        this.iam().send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: principalArn,
            ActionNames: actions,
            ResourceArns: [resource],
            ...(entries.length ? { ContextEntries: entries } : {}),
            Marker: marker,
          }),
        ),
      );
      for (const r of out.EvaluationResults ?? []) {
        decisions.push({
          action: r.EvalActionName ?? "",
          resource: r.EvalResourceName ?? resource,
          decision: r.EvalDecision ?? "implicitDeny",
          allowed: r.EvalDecision === "allowed",
          missingContext: [...(r.MissingContextValues ?? [])],
        });
      }
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    return decisions;
  }
}
