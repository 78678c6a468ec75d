/**
 * The AWS checks: who the credentials are and in which region; whether they hold every
 * permission of iam-policy.json (simulated with IAM where the bot may, else one harmless read
 * per service); and whether Amazon Connect and Customer Profiles answer. Read-only: nothing
 * here creates, changes or deletes anything.
 */
import type { Gateways } from "../aws/gateways.js";
import {
  type CallerIdentity,
  type IdentityGateway,
  principalArnOf,
} from "../aws/identity-gateway.js";
import { asAppError } from "../errors.js";
import { type CheckResult, result } from "./report.js";
import { IAM_STATEMENTS } from "./requirements.js";

export type DoctorGateways = Pick<Gateways, "identity" | "profiles" | "connect" | "sqs" | "kms">;

export interface Identity {
  caller: CallerIdentity;
  region: string;
}

export async function identityCheck(
  identity: IdentityGateway,
): Promise<{ check: CheckResult; found?: Identity }> {
  const region = await identity.region();
  if (!region) {
    return {
      check: result("aws-identity", "fail", "no AWS region is set.", {
        fix: "set AWS_REGION to the region of your Amazon Connect instance (e.g. us-east-1).",
      }),
    };
  }
  try {
    const caller = await identity.callerIdentity();
    return {
      check: result(
        "aws-identity",
        "ok",
        `account ${caller.account} as ${caller.arn}, region ${region}.`,
        { details: { account: caller.account, arn: caller.arn, region } },
      ),
      found: { caller, region },
    };
  } catch (err) {
    const e = asAppError(err);
    return {
      check: result(
        "aws-identity",
        "fail",
        // A role target's first call assumes the role: its refusal says what and why itself.
        e.details.operation === "AssumeRole"
          ? `could not assume the target's role: ${e.reason}`
          : `${e.call ?? "STS GetCallerIdentity"} failed: ${e.reason}`,
        {
          fix: e.fix ?? "check the bot's AWS credentials.",
          details: { region, awsCode: e.awsCode },
        },
      ),
    };
  }
}

interface Missing {
  sid: string;
  action: string;
  resource: string;
}

const partitionOf = (arn: string) => arn.split(":")[1] || "aws";

async function simulateAll(
  identity: IdentityGateway,
  principal: string,
  parts: { partition: string; region: string; account: string },
): Promise<{ checked: number; missing: Missing[] }> {
  const missing: Missing[] = [];
  let checked = 0;
  for (const statement of IAM_STATEMENTS) {
    const decisions = await identity.simulate(
      principal,
      statement.actions,
      statement.sampleResource(parts),
      statement.context?.(parts) ?? [],
    );
    checked += statement.actions.length;
    for (const action of statement.actions) {
      const decision = decisions.find((d) => d.action.toLowerCase() === action.toLowerCase());
      if (!decision?.allowed) {
        missing.push({ sid: statement.sid, action, resource: statement.resourcePattern });
      }
    }
  }
  return { checked, missing };
}

const missingFix = (missing: Missing[]) =>
  `allow them in the bot's IAM role as iam-policy.json does: ${missing
    .map((m) => `${m.action} on ${m.resource} (statement ${m.sid})`)
    .join("; ")}.`;

/** One read per service, harmless, for when IAM will not simulate. */
const READS: { action: string; read: (g: DoctorGateways) => Promise<unknown> }[] = [
  { action: "profile:ListDomains", read: (g) => g.profiles.listDomains() },
  { action: "sqs:ListQueues", read: (g) => g.sqs.listQueues() },
  { action: "kms:ListAliases", read: (g) => g.kms.findAlias("alias/profiles-bot-doctor") },
  { action: "connect:ListInstances", read: (g) => g.connect.listInstances() },
];

async function readsCheck(gateways: DoctorGateways, principal: string, why: string) {
  const outcomes = await Promise.all(
    READS.map(async ({ action, read }) => {
      try {
        await read(gateways);
        return { action, ok: true as const };
      } catch (err) {
        return { action, ok: false as const, error: asAppError(err) };
      }
    }),
  );
  const refused = outcomes.flatMap((o) => (o.ok ? [] : [o]));
  const simulateFix = `to check every permission, let the bot call iam:SimulatePrincipalPolicy on ${principal}.`;
  const details = {
    method: "reads",
    reads: outcomes.map((o) => ({
      action: o.action,
      ok: o.ok,
      ...(o.ok ? {} : { error: o.error.userMessage }),
    })),
  };
  if (refused.length > 0) {
    return result(
      "aws-permissions",
      "fail",
      `${why}; of one harmless read per service, ${refused.map((r) => r.action).join(", ")} failed: ${refused.map((r) => r.error.reason).join(" ")}`,
      {
        fix: `${refused.map((r) => r.error.fix ?? "").join(" ")} Then ${simulateFix}`,
        details,
      },
    );
  }
  return result(
    "aws-permissions",
    "warn",
    `${why}; one harmless read per service worked (${READS.map((r) => r.action).join(", ")}), but the other actions of iam-policy.json were not checked.`,
    { fix: simulateFix, details },
  );
}

export async function permissionsCheck(
  gateways: DoctorGateways,
  found: Identity | undefined,
): Promise<CheckResult> {
  if (!found || !gateways.identity) {
    return result("aws-permissions", "skip", "the caller identity is unknown.", {
      fix: "fix the AWS identity check first.",
    });
  }
  const principal = principalArnOf(found.caller.arn);
  const parts = {
    partition: partitionOf(found.caller.arn),
    region: found.region,
    account: found.caller.account,
  };
  let simulated: { checked: number; missing: Missing[] };
  try {
    simulated = await simulateAll(gateways.identity, principal, parts);
  } catch (err) {
    const e = asAppError(err);
    const why =
      e.code === "aws_access_denied"
        ? "IAM does not let the bot simulate its own policy"
        : `IAM SimulatePrincipalPolicy failed (${e.reason})`;
    return readsCheck(gateways, principal, why);
  }
  const { checked, missing } = simulated;
  const details = { method: "simulation", principal, checked, missing };
  if (missing.length > 0) {
    return result(
      "aws-permissions",
      "fail",
      `${missing.length} of ${checked} actions are not allowed for ${principal}: ${missing.map((m) => m.action).join(", ")}.`,
      { fix: missingFix(missing), details },
    );
  }
  return result(
    "aws-permissions",
    "ok",
    `all ${checked} actions of iam-policy.json are allowed for ${principal}.`,
    { details },
  );
}

export async function servicesCheck(gateways: DoctorGateways): Promise<CheckResult> {
  let instances: Awaited<ReturnType<DoctorGateways["connect"]["listInstances"]>>;
  let domains: Awaited<ReturnType<DoctorGateways["profiles"]["listDomains"]>>;
  try {
    [instances, domains] = await Promise.all([
      gateways.connect.listInstances(),
      gateways.profiles.listDomains(),
    ]);
  } catch (err) {
    const e = asAppError(err);
    return result("aws-services", "fail", `${e.call ?? "an AWS call"} failed: ${e.reason}`, {
      fix: e.fix ?? "see the bot's logs.",
      details: { awsCode: e.awsCode },
    });
  }
  const active = instances.filter((i) => i.status === "ACTIVE");
  const linked = await Promise.all(
    active.map(async (i) => ({
      instance: i.alias ?? i.id,
      arn: i.arn,
      domain: await gateways.profiles.domainForInstance(i.arn),
    })),
  );
  const details = {
    instances: instances.map((i) => ({ id: i.id, alias: i.alias, status: i.status })),
    domains: domains.map((d) => d.name),
    linked,
  };
  const listing = linked
    .map((l) => `${l.instance}${l.domain ? ` → ${l.domain}` : " (not enabled)"}`)
    .join(", ");
  const summary = `${active.length} ACTIVE Connect instance${active.length === 1 ? "" : "s"} (${instances.length} in all)${listing ? `: ${listing}` : ""}; Customer Profiles answers with ${domains.length} domain${domains.length === 1 ? "" : "s"}.`;
  if (active.length === 0) {
    return result("aws-services", "warn", summary, {
      fix: "there is nothing to enable here: check AWS_REGION, or create an Amazon Connect instance first.",
      details,
    });
  }
  return result("aws-services", "ok", summary, { details });
}

/** The checks that need an identity gateway say so when there is none. */
export const noIdentityGateway = (): CheckResult =>
  result("aws-identity", "skip", "the bot was built without STS and IAM clients.", {
    fix: "build the gateways with createAwsClients, which makes them.",
  });
