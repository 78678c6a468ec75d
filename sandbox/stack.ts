/**
 * The whole bot on local stand-ins: the AWS emulator, the Slack stand-in, and the bot and
 * worker pointed at them through the same config and runtime `npm start` uses. The
 * sandbox launcher and the end-to-end tests both start it from here.
 */
import { randomBytes } from "node:crypto";
import { type Config, type Env, loadConfig } from "../src/config.js";
import { createLogger, type Logger } from "../src/logger.js";
import { createRedis } from "../src/redis.js";
import { type Runtime, startRuntime } from "../src/runtime.js";
import { type EmulatorHandle, type SeededOptions, startSeededEmulator } from "./aws/index.js";
import { type SlackStandIn, type StandInOptions, startSlackStandIn } from "./slack/index.js";

export const SANDBOX_SIGNING_SECRET = "sandbox-signing-secret";
export const SANDBOX_BOT_TOKEN = "xoxb-sandbox-bot-token";
export const SANDBOX_AWS_CREDENTIALS = { accessKeyId: "sandbox", secretAccessKey: "sandbox" };

export interface StackOptions {
  emulator?: SeededOptions;
  slack?: StandInOptions;
  /** Overrides for the bot's environment (REDIS_URL, QUEUE_PREFIX, PORT, ...). */
  env?: Env;
  log?: Logger;
}

export interface Stack {
  emulator: EmulatorHandle;
  slack: SlackStandIn;
  runtime: Runtime;
  config: Config;
  /** Stops the bot, then the stand-ins. */
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const emulator = await startSeededEmulator({ port: 0, ...opts.emulator });
  const slack = await startSlackStandIn({
    port: 0,
    signingSecret: SANDBOX_SIGNING_SECRET,
    ...opts.slack,
  });
  let runtime: Runtime | undefined;
  try {
    const config = loadConfig({
      SLACK_BOT_TOKEN: SANDBOX_BOT_TOKEN,
      SLACK_SIGNING_SECRET: opts.slack?.signingSecret ?? SANDBOX_SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: opts.emulator?.region ?? "us-east-1",
      HOST: "127.0.0.1",
      PORT: "0",
      // The stand-in's default user is the sandbox's admin; tests override it to test roles.
      PROFILES_ADMINS: "U0ADMIN",
      ...opts.env,
    });
    const log = opts.log ?? createLogger(config.logLevel);
    runtime = await startRuntime(config, log, { awsCredentials: SANDBOX_AWS_CREDENTIALS });
    slack.driver.configure({
      botUrl: `${runtime.url}/slack/events`,
      signingSecret: config.slack.signingSecret,
    });
    const started = runtime;
    return {
      emulator,
      slack,
      runtime: started,
      config,
      stop: async () => {
        await started.stop();
        await slack.close();
        await emulator.close();
      },
    };
  } catch (err) {
    await runtime?.stop().catch(() => {});
    await slack.close();
    await emulator.close();
    throw err;
  }
}

/** A Redis key prefix of its own for one test, hash-tagged like the real one. */
export const testPrefix = () => `{pbtest-${randomBytes(4).toString("hex")}}`;

/** Delete every key under a prefix (and only those): tests never flush what they didn't make. */
export async function deletePrefix(config: Config, prefix: string): Promise<number> {
  const redis = createRedis(config, "client");
  let deleted = 0;
  try {
    const stream = redis.scanStream({ match: `${prefix}*`, count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length) deleted += await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}
