/**
 * `npm run sandbox`: the whole bot without Slack or AWS credentials. Starts the AWS
 * emulator (seeded), the Slack stand-in with its web page, and the bot and worker pointed
 * at them, on the Redis at REDIS_URL.
 *
 *   --slack-port P   the Slack stand-in and its page (default 3100)
 *   --aws-port P     the AWS emulator (default 4566)
 *   --port P         the bot's own HTTP server (default 3000)
 */
import { parseArgs } from "node:util";
import { createLogger } from "../src/logger.js";
import { createRedis, redisAnswers } from "../src/redis.js";
import { redactUrl } from "../src/runtime.js";
import { startStack } from "./stack.js";

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
    },
  });
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
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

  const logLevel = process.env.LOG_LEVEL ?? "info";
  const log = createLogger(logLevel);
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack({
      emulator: { port: Number(port(values["aws-port"], "--aws-port", 4566)) },
      slack: { port: Number(port(values["slack-port"], "--slack-port", 3100)) },
      env: {
        REDIS_URL: redisUrl,
        // Its own prefix, so the sandbox never touches a real deployment's keys.
        QUEUE_PREFIX: process.env.QUEUE_PREFIX ?? "{profiles-sandbox}",
        PORT: port(values.port, "--port", 3000),
        LOG_LEVEL: logLevel,
        DLQ_PREVIEW: process.env.DLQ_PREVIEW,
        PROFILES_ADMINS: "U0ADMIN",
      },
      log,
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

  process.stdout.write(
    [
      "",
      "profiles-bot sandbox is running (no Slack or AWS account involved):",
      `  Slack stand-in:  ${stack.slack.url}   open it in a browser and type /profiles help`,
      `  AWS emulator:    ${stack.emulator.url}`,
      `    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${stack.emulator.url} --region us-east-1 customer-profiles list-domains`,
      `  Bot:             ${stack.runtime.url}/healthz`,
      "  Seeded: Connect instances examplecorp and legacy-support (linked to domain amazon-connect-legacy),",
      "          queue legacy-profiles-dlq, key alias/legacy-profiles. You are U0ADMIN (admin).",
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping the sandbox");
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

void main();
