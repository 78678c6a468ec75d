/**
 * The whole bot on local stand-ins: the AWS emulator, the Slack stand-in, and the bot and
 * worker pointed at them through the same config and runtime `npm start` uses. The
 * sandbox launcher and the end-to-end tests both start it from here.
 */
import { randomBytes } from "node:crypto";
import { type Config, type Env, loadConfig } from "../src/config.js";
import { createLogger, type Logger } from "../src/logger.js";
import { createRedis, keysMatching, type Redis } from "../src/redis.js";
import { type Runtime, startRuntime } from "../src/runtime.js";
import {
  ACCOUNT_ID,
  type EmulatorHandle,
  placeState,
  type SeededOptions,
  seedConnect,
  startSeededEmulator,
} from "./aws/index.js";
import { TARGET_EXTERNAL_ID, TARGET_ROLE_ARN } from "./aws/seed.js";
import { ingestionIdle } from "./aws/services/profiles.js";
import { rolesOfUsers } from "./env.js";
import { failurePlaces } from "./failure-places.js";
import {
  type SandboxHooks,
  type SlackStandIn,
  type StandInOptions,
  startSlackStandIn,
} from "./slack/index.js";

export const SANDBOX_SIGNING_SECRET = "sandbox-signing-secret";
export const SANDBOX_BOT_TOKEN = "xoxb-sandbox-bot-token";
export const SANDBOX_AWS_CREDENTIALS = { accessKeyId: "sandbox", secretAccessKey: "sandbox" };

/** The second region of the sandbox's own account, and the partner account's one region. */
export const SANDBOX_SECOND_REGION = "eu-west-2";
export const PARTNER_REGION = "eu-west-1";

/**
 * `npm run sandbox`'s AWS_TARGETS: the emulator's default account with the sandbox's own
 * credentials in two regions, and a partner account reached through its seeded role and
 * external id, as a real deployment would reach another account.
 */
export const sandboxTargets = (region: string) => [
  { name: "sandbox", regions: [region, SANDBOX_SECOND_REGION] },
  {
    name: "partner",
    roleArn: TARGET_ROLE_ARN,
    externalId: TARGET_EXTERNAL_ID,
    regions: [PARTNER_REGION],
  },
];

export interface StackOptions {
  emulator?: SeededOptions;
  slack?: StandInOptions;
  /** Overrides for the bot's environment (REDIS_URL, QUEUE_PREFIX, PORT, ...). */
  env?: Env;
  log?: Logger;
  /**
   * Delete the bot's Redis keys under QUEUE_PREFIX before it starts, so its state (bindings,
   * drafts, jobs, digests) matches the emulator's fresh account. `npm run sandbox` sets it.
   */
  clearRedis?: boolean;
  /**
   * Serve the sandbox's two targets (`sandboxTargets`), each place with its seeded Connect
   * instances, as `npm run sandbox` does; otherwise the one default place of the tests.
   */
  twoTargets?: boolean;
  /** How long the bot's stop waits before it drops its Redis connections (default 25 s). */
  stopDeadlineMs?: number;
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
  const region = opts.emulator?.region ?? "us-east-1";
  const emulator = await startSeededEmulator({
    port: 0,
    ...(opts.twoTargets ? { targetRegions: [PARTNER_REGION] } : {}),
    ...opts.emulator,
  });
  // The default place keeps today's seed (tests rely on it); the second region gets instances.
  if (opts.twoTargets && opts.emulator?.state === undefined) {
    seedConnect(placeState(emulator.ctx.state, ACCOUNT_ID, SANDBOX_SECOND_REGION), {
      region: SANDBOX_SECOND_REGION,
    });
  }
  let config: Config | undefined;
  // The page's sandbox controls act on the emulator through its API, like the bot does:
  // "Make ingestion failures" offers the domains of every place the bot serves, each made in
  // its own account and region (a role target's through its role).
  const failures = failurePlaces(() => config?.aws.targets ?? [], {
    region,
    endpoint: emulator.url,
    maxAttempts: 3,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
  const hooks: SandboxHooks = {
    domains: () => failures.domains(),
    makeFailures: async (domain) => {
      const made = await failures.makeFailures(domain);
      // Answer once ingestion has written them: the DLQ holds them when the page says so.
      await ingestionIdle(emulator.ctx.state);
      return made;
    },
    roles: async () => (config ? sandboxRoles(slack, config) : {}),
  };
  const slack = await startSlackStandIn({
    port: 0,
    signingSecret: SANDBOX_SIGNING_SECRET,
    ...opts.slack,
    sandbox: { ...hooks, ...opts.slack?.sandbox },
  });
  let runtime: Runtime | undefined;
  try {
    config = loadConfig({
      SLACK_BOT_TOKEN: SANDBOX_BOT_TOKEN,
      SLACK_SIGNING_SECRET: opts.slack?.signingSecret ?? SANDBOX_SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: region,
      HOST: "127.0.0.1",
      PORT: "0",
      // The stand-in's default user is the sandbox's admin; tests override it to test roles.
      PROFILES_ADMINS: "U0ADMIN",
      ...(opts.twoTargets ? { AWS_TARGETS: JSON.stringify(sandboxTargets(region)) } : {}),
      ...opts.env,
    });
    if (opts.clearRedis) await clearPrefix(config);
    const log = opts.log ?? createLogger(config.logLevel);
    runtime = await startRuntime(config, log, {
      awsCredentials: SANDBOX_AWS_CREDENTIALS,
      ...(opts.stopDeadlineMs !== undefined && { stopDeadlineMs: opts.stopDeadlineMs }),
    });
    // With an app token the bot is in Socket Mode, so Slack's requests go down its connection.
    slack.driver.configure(
      config.slack.appToken
        ? { socketMode: slack.socketMode }
        : { botUrl: `${runtime.url}/slack/events`, signingSecret: config.slack.signingSecret },
    );
    const started = runtime;
    return {
      emulator,
      slack,
      runtime: started,
      config,
      stop: async () => {
        await started.stop();
        await slack.close();
        failures.destroy();
        await emulator.close();
      },
    };
  } catch (err) {
    await runtime?.stop().catch(() => {});
    await slack.close();
    failures.destroy();
    await emulator.close();
    throw err;
  }
}

/** Every workspace user's role under the bot's configuration, user groups included. */
export function sandboxRoles(slack: SlackStandIn, config: Config): Record<string, string> {
  const groups = [...slack.workspace.usergroups];
  return rolesOfUsers([...slack.workspace.users.keys()], config.access, (user) =>
    groups.flatMap(([group, members]) => (members.includes(user) ? [group] : [])),
  );
}

/** A Redis key prefix of its own for one test, hash-tagged like the real one. */
export const testPrefix = () => `{pbtest-${randomBytes(4).toString("hex")}}`;

/** Redis's glob characters, escaped so a prefix matches only itself. */
const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, "\\$&");

/** Unlinks (deletes without blocking Redis) every key matching the pattern; never FLUSHALL. */
async function unlinkMatching(redis: Redis, pattern: string): Promise<number> {
  let deleted = 0;
  for await (const keys of keysMatching(redis, pattern)) deleted += await redis.unlink(...keys);
  return deleted;
}

/**
 * Delete the bot's keys: every key it writes is `<QUEUE_PREFIX>:…` (BullMQ's included), so
 * keys of other prefixes, even ones that start with the same letters, stay.
 */
export async function clearPrefix(config: Config): Promise<number> {
  const redis = createRedis(config, "client");
  try {
    return await unlinkMatching(redis, `${globEscape(config.redis.prefix)}:*`);
  } finally {
    redis.disconnect();
  }
}

/** Delete every key under a prefix (and only those): tests never flush what they didn't make. */
export async function deletePrefix(config: Pick<Config, "redis">, prefix: string): Promise<number> {
  const redis = createRedis(config, "client");
  try {
    return await unlinkMatching(redis, `${globEscape(prefix)}*`);
  } finally {
    redis.disconnect();
  }
}
