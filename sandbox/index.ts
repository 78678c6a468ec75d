/**
 * `npm run sandbox`: the whole bot without Slack or AWS credentials. Starts the AWS
 * emulator (seeded), the Slack stand-in with its web page, and the bot and worker pointed
 * at them, on the Redis at REDIS_URL. The bot's settings come from the environment, with
 * sandbox defaults (sandbox/env.ts).
 *
 * The emulator lives in memory, so each start is a fresh account; the bot's keys under
 * QUEUE_PREFIX are deleted at start to match. With --state FILE both survive a restart.
 *
 *   --slack-port P   the Slack stand-in and its page (default 3100)
 *   --aws-port P     the AWS emulator (default 4566)
 *   --port P         the bot's own HTTP server (default 3000)
 *   --state FILE     keep the world: load the emulator from FILE when it exists (and keep
 *                    the bot's Redis state), save it there on Ctrl+C
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { createLogger } from "../src/logger.js";
import { createRedis, redisAnswers } from "../src/redis.js";
import { redactUrl } from "../src/runtime.js";
import { ACCOUNT_ID, loadState } from "./aws/index.js";
import { sandboxBotEnv } from "./env.js";
import { sandboxRoles, startStack } from "./stack.js";

function port(value: string | undefined, name: string, fallback: number): string {
  if (value === undefined) return String(fallback);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`sandbox: ${name} must be a port number, got "${value}".\n`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "slack-port": { type: "string" },
      "aws-port": { type: "string" },
      port: { type: "string" },
      state: { type: "string" },
    },
  });
  const env = sandboxBotEnv(process.env);
  const redisUrl = env.REDIS_URL;
  const probe = createRedis(
    { redis: { url: redisUrl, prefix: "" } } as Parameters<typeof createRedis>[0],
    "client",
  );
  const up = await redisAnswers(probe, 2_000);
  probe.disconnect();
  if (!up) {
    process.stderr.write(
      [
        `The sandbox needs Redis, and nothing answers at ${redactUrl(redisUrl)}.`,
        "Start one with:  redis-server --maxmemory-policy noeviction",
        "or with Docker:  docker run -p 6379:6379 redis:7 --maxmemory-policy noeviction",
        "or point REDIS_URL at one you have, then run npm run sandbox again.",
        "",
      ].join("\n"),
    );
    process.exit(1);
  }

  const stateFile = values.state;
  let loaded: Awaited<ReturnType<typeof loadState>> | undefined;
  try {
    loaded = stateFile && existsSync(stateFile) ? await loadState(stateFile) : undefined;
  } catch (err) {
    process.stderr.write(
      `sandbox: --state ${stateFile} could not be read (${(err as Error).message}); delete it to start afresh.\n`,
    );
    process.exit(2);
  }
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack({
      emulator: {
        port: Number(port(values["aws-port"], "--aws-port", 4566)),
        ...(loaded ? { state: loaded } : {}),
      },
      slack: { port: Number(port(values["slack-port"], "--slack-port", 3100)) },
      env: { ...env, PORT: port(values.port, "--port", 3000) },
      // A fresh emulator account with the bot's old bindings, drafts and finished jobs
      // would disagree with it; a loaded state goes with the Redis state it was saved with.
      clearRedis: !loaded,
      // Two targets, so the wizard asks which account and region first, as it would with several.
      twoTargets: true,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint =
      e.code === "EADDRINUSE"
        ? ` A port is taken (${e.message}): pick others with --slack-port, --aws-port or --port.`
        : "";
    process.stderr.write(`The sandbox could not start: ${e.message}.${hint}\n`);
    process.exit(1);
  }

  const { config } = stack;
  const log = createLogger(config.logLevel);
  const roles = sandboxRoles(stack.slack, config);
  const users = [...stack.slack.workspace.users.values()].map(
    (u) => `    ${u.id.padEnd(11)} ${u.name.padEnd(17)} ${roles[u.id] ?? "none"}`,
  );
  const everyS = Math.round(config.dlq.scanIntervalMs / 1000);
  process.stdout.write(
    [
      "",
      "profiles-bot sandbox is running (no Slack or AWS account involved):",
      `  Slack stand-in:  ${stack.slack.url}   open it in a browser and type /profiles help`,
      `  AWS emulator:    ${stack.emulator.url}`,
      `    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${stack.emulator.url} --region us-east-1 customer-profiles list-domains`,
      `  Bot:             ${stack.runtime.url}/healthz`,
      "  Seeded: Connect instances examplecorp and legacy-support (linked to domain amazon-connect-legacy),",
      "          queue legacy-profiles-dlq, key alias/legacy-profiles.",
      "  Targets (AWS_TARGETS), each place with the Connect instances examplecorp and legacy-support:",
      ...config.aws.targets.map(
        (t) =>
          `    ${t.name.padEnd(9)} ${t.roleArn ? `role ${t.roleArn}, external id ${t.externalId}` : `own credentials, account ${ACCOUNT_ID}`}; ${t.regions.join(", ")}`,
      ),
      `  Users, chosen in the page's "as" menu, and their roles (PROFILES_ADMINS, _OPERATORS, _VIEWERS):`,
      ...users,
      `  Dead-letter queues are scanned every ${everyS} s (DLQ_SCAN_INTERVAL). Make failures in an`,
      `          enabled domain from the page, or: npm run sandbox:failures -- --endpoint ${stack.emulator.url} --domain NAME`,
      loaded
        ? `  State: loaded from ${stateFile}, with the bot's Redis keys under ${config.redis.prefix}; saved there on Ctrl+C.`
        : `  State: a fresh account; the bot's Redis keys under ${config.redis.prefix} were deleted to match${stateFile ? `, and it is saved to ${stateFile} on Ctrl+C` : ""}.`,
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping the sandbox");
    stack
      .stop()
      // After the bot stopped, so nothing changes the account while it is written.
      .then(() => (stateFile ? stack.emulator.save(stateFile) : undefined))
      .then(
        () => process.exit(0),
        (err: Error) => {
          process.stderr.write(`The sandbox did not stop cleanly: ${err.message}\n`);
          process.exit(1);
        },
      );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

void main();
