/**
 * The bot's environment under `npm run sandbox`: the settings a person may want to try
 * (roles, scan interval, previews, pacing...) come from the shell, with sandbox defaults
 * where they are unset; what connects the bot to Slack and AWS stays the sandbox's own, so
 * a shell set up for a real deployment can never point the sandbox at it.
 */
import type { Role } from "../src/access/roles.js";
import { roleOf } from "../src/access/roles.js";
import type { Config, Env } from "../src/config.js";

/** Variables taken from the shell. Not SLACK_*, AWS_REGION, AWS_ENDPOINT_URL, AWS_TARGETS, ROLE, HOST, PORT. */
export const PASSED_THROUGH = [
  "LOG_LEVEL",
  "REDIS_URL",
  "QUEUE_PREFIX",
  "AWS_MAX_ATTEMPTS",
  "PROPAGATION_WAIT_SECONDS",
  "DLQ_PREVIEW",
  "DLQ_SCAN_INTERVAL",
  "DLQ_SCAN_MAX_MESSAGES",
  "DLQ_SCAN_RECEIVERS",
  "DLQ_RECONCILE_INTERVAL",
  "REINGEST_RATE",
  "REINGEST_PROFILE_INTERVAL_MS",
  "PROFILES_ADMINS",
  "PROFILES_OPERATORS",
  "PROFILES_VIEWERS",
  "PROFILES_CHANNELS",
  "METRICS_TOKEN",
] as const satisfies readonly (keyof Env)[];

/** The variables that stay the sandbox's own: startStack and the command-line flags set them. */
type SandboxOwn =
  | "SLACK_BOT_TOKEN"
  | "SLACK_SIGNING_SECRET"
  | "SLACK_APP_TOKEN"
  | "SLACK_API_URL"
  | "AWS_REGION"
  | "AWS_ENDPOINT_URL"
  | "AWS_TARGETS"
  | "ROLE"
  | "HOST"
  | "PORT"
  // The sandbox runs on one local Redis (REDIS_URL): no cluster, TLS or credentials.
  | "REDIS_CLUSTER_NODES"
  | "REDIS_TLS"
  | "REDIS_TLS_CA_FILE"
  | "REDIS_USERNAME"
  | "REDIS_PASSWORD";

// A variable added to src/config.ts stops the type check here until it is listed in
// PASSED_THROUGH or SandboxOwn, so the sandbox never silently ignores a new setting.
type Unsorted = Exclude<keyof Env, SandboxOwn | (typeof PASSED_THROUGH)[number]>;
const everyVariableSorted: [Unsorted] extends [never] ? true : Unsorted = true;
void everyVariableSorted;

/**
 * Where the shell sets nothing: a prefix of its own (never a deployment's keys), one
 * workspace user per role (sandbox/slack/workspace.ts), and scans (and the reconcile that
 * starts a new domain's scans) often enough that a digest appears within a minute of
 * making failures.
 */
export const SANDBOX_DEFAULTS = {
  REDIS_URL: "redis://127.0.0.1:6379",
  QUEUE_PREFIX: "{profiles-sandbox}",
  LOG_LEVEL: "info",
  DLQ_SCAN_INTERVAL: "20s",
  // A newly enabled domain's scans start at the next reconcile.
  DLQ_RECONCILE_INTERVAL: "10s",
  PROFILES_ADMINS: "U0ADMIN",
  PROFILES_OPERATORS: "U0OPERATOR",
  PROFILES_VIEWERS: "U0VIEWER",
} as const satisfies Env;

/** The bot's variables from a shell's environment; an empty value counts as unset. */
export function sandboxBotEnv(
  shell: Record<string, string | undefined>,
): Env & Record<keyof typeof SANDBOX_DEFAULTS, string> {
  const env: Env & Record<keyof typeof SANDBOX_DEFAULTS, string> = { ...SANDBOX_DEFAULTS };
  for (const name of PASSED_THROUGH) {
    const value = shell[name];
    if (value !== undefined && value.trim() !== "") env[name] = value;
  }
  return env;
}

/** Each workspace user's role under this configuration ("none" without one), for the banner and the page. */
export function rolesOfUsers(
  users: readonly string[],
  access: Config["access"],
  groupsOf: (userId: string) => readonly string[] = () => [],
): Record<string, Role | "none"> {
  return Object.fromEntries(users.map((id) => [id, roleOf(id, groupsOf(id), access) ?? "none"]));
}
