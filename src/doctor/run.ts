/**
 * `doctor`: a read-only preflight of every place the bot serves (each target's account and
 * regions: the role assumed or the own credentials, the caller, the permissions, the
 * services), then Slack and Redis, one check after another; a check that throws becomes a
 * failed line, never a crashed run. The CLI and `/profiles doctor` build the same deps from
 * what they have.
 */
import type { Place, Targets } from "../aws/targets.js";
import type { Actor } from "../context.js";
import { asAppError } from "../errors.js";
import type { JobQueues } from "../queues/index.js";
import type { Redis } from "../redis.js";
import {
  type DoctorGateways,
  identityCheck,
  noIdentityGateway,
  permissionsCheck,
  servicesCheck,
} from "./aws.js";
import { queuesCheck, redisCheck } from "./redis.js";
import { type CheckId, type CheckResult, type DoctorReport, reportOf, result } from "./report.js";
import { noSlackToken, scopesCheck } from "./slack.js";

export interface DoctorDeps {
  /**
   * The places to check, or why they could not even be listed (the own credentials' account
   * is asked of STS first): that reason becomes the failed identity check.
   */
  targets:
    | (Pick<Targets, "places" | "describe"> & {
        gateways(place: Place, actor: Actor): DoctorGateways;
      })
    | { unknown: unknown };
  /** Whom role sessions are named after: the admin who asked, or the CLI. */
  actor: Actor;
  /**
   * The bot token's scopes as Slack names them (undefined: Slack did not say); absent when
   * no token is configured.
   */
  slackScopes?: () => Promise<string[] | undefined>;
  /** `address`: where Redis is, as redisAddress words it (never a password). */
  redis: { client: Redis; address: string; prefix: string; queues: JobQueues };
}

async function guarded(id: CheckId, run: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await run();
  } catch (err) {
    const e = asAppError(err);
    return result(id, "fail", `the check itself failed: ${e.reason}`, {
      fix: e.fix ?? "see the bot's logs.",
    });
  }
}

async function slackCheck(scopes: () => Promise<string[] | undefined>): Promise<CheckResult> {
  let granted: string[] | undefined;
  try {
    granted = await scopes();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return result("slack-scopes", "fail", `Slack auth.test failed: ${reason.slice(0, 200)}`, {
      fix: "check SLACK_BOT_TOKEN (a bot token, xoxb-…, of an installed app) and, for a stand-in, SLACK_API_URL.",
    });
  }
  return scopesCheck(granted);
}

/** The AWS checks of one place: identity (assuming the role first), permissions, services. */
async function placeChecks(gateways: () => DoctorGateways): Promise<CheckResult[]> {
  let g: DoctorGateways;
  try {
    g = gateways();
  } catch (err) {
    return [unknownTargets(err), ...awsSkipped()];
  }
  const identity = g.identity;
  const found = identity ? await identityCheck(identity) : { check: noIdentityGateway() };
  return [
    found.check,
    await guarded("aws-permissions", () => permissionsCheck(g, found.found)),
    await guarded("aws-services", () => servicesCheck(g)),
  ];
}

const unknownTargets = (err: unknown): CheckResult => {
  const e = asAppError(err);
  return result("aws-identity", "fail", e.reason, {
    fix: e.fix ?? "check the bot's AWS credentials, AWS_REGION and AWS_TARGETS.",
    ...(e.awsCode !== undefined ? { details: { awsCode: e.awsCode } } : {}),
  });
};

const awsSkipped = (): CheckResult[] =>
  (["aws-permissions", "aws-services"] as const).map((id) =>
    result(id, "skip", "the AWS identity is unknown.", {
      fix: "fix the AWS identity check first.",
    }),
  );

async function awsChecks(deps: DoctorDeps): Promise<CheckResult[]> {
  const { targets } = deps;
  if ("unknown" in targets) return [unknownTargets(targets.unknown), ...awsSkipped()];
  const places = targets.places();
  const checks: CheckResult[] = [];
  // One place after another: a dozen places at once would be a burst of AssumeRoles.
  for (const place of places) {
    const found = await placeChecks(() => targets.gateways(place, deps.actor));
    const described = targets.describe(place);
    checks.push(...(places.length > 1 ? found.map((c) => ({ ...c, place: described })) : found));
  }
  return checks;
}

export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const { redis } = deps;
  const aws = await awsChecks(deps);
  const redisResult = await guarded("redis", () => redisCheck(redis.client, redis.address));
  const checks: CheckResult[] = [
    ...aws,
    deps.slackScopes ? await slackCheck(deps.slackScopes) : noSlackToken(),
    redisResult,
    redisResult.details?.answered === false
      ? result("queues", "skip", "Redis does not answer.", { fix: "fix the Redis check first." })
      : await guarded("queues", () => queuesCheck(redis.queues, redis.client, redis.prefix)),
  ];
  return reportOf(checks);
}
