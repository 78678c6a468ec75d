/**
 * `doctor`: a read-only preflight of the configured account, one check after another; a
 * check that throws becomes a failed line, never a crashed run. The CLI and `/profiles doctor`
 * build the same deps from what they have.
 */
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
  gateways: DoctorGateways;
  /**
   * The bot token's scopes as Slack names them (undefined: Slack did not say); absent when
   * no token is configured.
   */
  slackScopes?: () => Promise<string[] | undefined>;
  redis: { client: Redis; url: string; prefix: string; queues: JobQueues };
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

export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const { gateways, redis } = deps;
  const identity = gateways.identity;
  const found = identity ? await identityCheck(identity) : { check: noIdentityGateway() };
  const redisResult = await guarded("redis", () => redisCheck(redis.client, redis.url));
  const checks: CheckResult[] = [
    found.check,
    await guarded("aws-permissions", () => permissionsCheck(gateways, found.found)),
    await guarded("aws-services", () => servicesCheck(gateways)),
    deps.slackScopes ? await slackCheck(deps.slackScopes) : noSlackToken(),
    redisResult,
    redisResult.details?.answered === false
      ? result("queues", "skip", "Redis does not answer.", { fix: "fix the Redis check first." })
      : await guarded("queues", () => queuesCheck(redis.queues, redis.client, redis.prefix)),
  ];
  return reportOf(checks);
}
