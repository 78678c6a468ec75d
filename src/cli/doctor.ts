/**
 * `profiles-bot doctor [--json]`: the read-only preflight of the configured account (AWS
 * identity, region and permissions, Connect and Customer Profiles, the Slack token's scopes,
 * Redis and the queues), one line per check with the fix.
 */
import { WebClient } from "@slack/web-api";
import pino from "pino";
import { createTargets, type TargetRegistry } from "../aws/target-registry.js";
import { ConfigError, type DoctorConfig, loadDoctorConfig } from "../config.js";
import { type DoctorReport, reportLines } from "../doctor/report.js";
import { runDoctor } from "../doctor/run.js";
import { createLogger } from "../logger.js";
import { createQueues } from "../queues/index.js";
import { createRedis, redisAddress } from "../redis.js";
import type { CliEnv } from "./aws.js";
import type { CliCommand } from "./io.js";

const USAGE = `Usage: profiles-bot doctor [--json]

Checks, changing nothing, for every place AWS_TARGETS names (each target's account and
regions; one place, this account and AWS_REGION, when unset): the role assumed (session
profiles-bot-doctor) or the own credentials, the caller identity and region; every permission in
iam-policy.json (with IAM's policy simulator where the bot may call it, otherwise one
harmless read per service); the Amazon Connect instances and that Customer Profiles
answers; the Slack bot token's scopes against manifest.yml; Redis's version and
maxmemory-policy (noeviction); and the job queues. One line per check, with the fix.

Reads the bot's own environment (AWS_REGION, AWS_TARGETS, AWS_ENDPOINT_URL, SLACK_BOT_TOKEN,
SLACK_API_URL, REDIS_URL, QUEUE_PREFIX...). Without SLACK_BOT_TOKEN the scope check is skipped.

Exit codes: 0 every check passed (warnings allowed), 1 a check failed, 2 bad usage or configuration.`;

/** The token's scopes from auth.test; the WebClient reads them from x-oauth-scopes. */
function slackScopesOf(config: DoctorConfig): (() => Promise<string[] | undefined>) | undefined {
  const token = config.slack.botToken;
  if (!token) return undefined;
  return async () => {
    const client = new WebClient(token, {
      ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
      retryConfig: { retries: 1 },
    });
    const answer = await client.auth.test();
    return answer.response_metadata?.scopes;
  };
}

function summaryLine(report: DoctorReport): string {
  const count = (s: string) => report.checks.filter((c) => c.status === s).length;
  return `doctor: ${count("ok")} ok, ${count("warn")} warning(s), ${count("fail")} failed, ${count("skip")} skipped.`;
}

export const createDoctorCommand =
  (cli: CliEnv): CliCommand =>
  async (argv, io) => {
    if (argv.includes("-h") || argv.includes("--help")) {
      io.out(USAGE);
      return 0;
    }
    const json = argv.includes("--json");
    const unknown = argv.find((a) => a !== "--json");
    if (unknown !== undefined) {
      io.err(`unknown argument ${unknown}\n\n${USAGE}`);
      return 2;
    }
    let config: DoctorConfig;
    try {
      config = loadDoctorConfig(cli.env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.err(`Configuration: ${err.message}`);
      return 2;
    }
    const level = cli.env.LOG_LEVEL ? config.logLevel : "warn";
    const log = createLogger(level, pino.destination(2), { component: "doctor" });
    const { targets: configured, ...aws } = config.aws;
    // The own credentials' account is asked of STS here: if that fails, the report says so.
    const targets: TargetRegistry | { unknown: unknown } = await createTargets({
      targets: configured,
      aws: { ...aws, credentials: cli.awsCredentials },
    }).catch((err: unknown) => ({ unknown: err }));
    const redis = createRedis(config, "client", log);
    const queues = createQueues(redis, config.redis.prefix, (err, queue) =>
      log.debug({ err, queue }, "job queue connection error"),
    );
    try {
      const slackScopes = slackScopesOf(config);
      const report = await runDoctor({
        targets,
        actor: { type: "system", reason: "doctor" },
        ...(slackScopes ? { slackScopes } : {}),
        redis: {
          client: redis,
          address: redisAddress(config),
          prefix: config.redis.prefix,
          queues,
        },
      });
      io.out(
        json
          ? JSON.stringify(report, null, 2)
          : [...reportLines(report), summaryLine(report)].join("\n"),
      );
      return report.ok ? 0 : 1;
    } finally {
      await queues.close().catch(() => undefined);
      redis.disconnect();
      if ("stop" in targets) targets.stop();
    }
  };
