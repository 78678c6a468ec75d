/**
 * Configuration, read from the environment once and validated (zod) into a typed object
 * that is passed in everywhere. Nothing else reads process.env.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const url = (what: string) =>
  optionalString.refine((v) => v === undefined || URL.canParse(v), `must be a URL (${what})`);

const idList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((ids) => ids.every((id) => /^[USW][A-Z0-9]{2,}$/.test(id)), {
    message: "must be a comma-separated list of Slack user ids (U…, W…) or user group ids (S…)",
  });

/** "300" (seconds), "30s", "5m", "1h" → milliseconds; undefined when unreadable or under 1 s. */
function durationMs(text: string): number | undefined {
  const match = /^(\d+)\s*(s|m|h)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? "s").toLowerCase() as "s"];
  const ms = Number(match[1]) * unit;
  return ms >= 1_000 ? ms : undefined;
}

/**
 * One entry of AWS_TARGETS: a named account (the one in its role ARN, or the SDK's own
 * credentials' without one) and the regions the bot serves there, the first the default.
 */
export interface TargetConfig {
  name: string;
  regions: string[];
  /** The role assumed in the account, and the account its ARN names; both absent for own credentials. */
  roleArn?: string;
  account?: string;
  externalId?: string;
}

const TARGETS_EXAMPLE =
  '[{"name":"prod","roleArn":"arn:aws:iam::444455556666:role/profiles-bot-target","externalId":"…","regions":["eu-west-2"]}]';
const TARGET_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
/** What STS accepts as an external id: 2 to 1224 of these characters. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const TARGET_KEYS = new Set(["name", "roleArn", "externalId", "regions"]);

/**
 * AWS_TARGETS's rules, each broken one a sentence naming the entry and the fix. Checked by
 * hand rather than with a zod object schema: zod's messages would name paths (`[1].regions`),
 * not entries a person can find in their JSON.
 */
function parseTargets(text: string): { targets?: TargetConfig[]; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {
      problems: [
        `is not JSON (${(err as Error).message}): set it to a JSON array of targets such as ${TARGETS_EXAMPLE}`,
      ],
    };
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    return {
      problems: [
        `must be a non-empty JSON array of targets such as ${TARGETS_EXAMPLE}, or unset for the SDK's own credentials in AWS_REGION`,
      ],
    };
  }
  const problems: string[] = [];
  const targets = raw.map((entry: unknown, i) => {
    const t = targetEntry(entry, i + 1);
    problems.push(...t.problems);
    return t.target;
  });
  if (problems.length > 0) return { problems };
  const valid = targets as TargetConfig[];
  const seen = (key: (t: TargetConfig) => string | undefined, what: string, fix: string) => {
    const first = new Map<string, number>();
    valid.forEach((t, i) => {
      const value = key(t);
      if (value === undefined) return;
      const earlier = first.get(value);
      if (earlier === undefined) first.set(value, i + 1);
      else
        problems.push(`entry ${i + 1} ("${t.name}") has the ${what} of entry ${earlier}: ${fix}`);
    });
  };
  seen((t) => t.name, "name", "give every target its own name");
  seen((t) => t.account, "account", "list each account once, with all its regions in one entry");
  const own = valid.filter((t) => t.roleArn === undefined);
  if (own.length > 1) {
    problems.push(
      `entries ${own.map((t) => `"${t.name}"`).join(" and ")} both use the bot's own credentials (no roleArn): give all but one of them the roleArn of a role in their account`,
    );
  }
  return problems.length > 0 ? { problems } : { targets: valid, problems };
}

function targetEntry(entry: unknown, n: number): { target?: TargetConfig; problems: string[] } {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    return { problems: [`entry ${n} must be an object such as ${TARGETS_EXAMPLE.slice(1, -1)}`] };
  }
  const e = entry as Record<string, unknown>;
  const named = typeof e.name === "string" ? ` ("${e.name}")` : "";
  const problems: string[] = [];
  const problem = (text: string) => problems.push(`entry ${n}${named}: ${text}`);
  for (const key of Object.keys(e)) {
    if (!TARGET_KEYS.has(key)) {
      problem(`"${key}" is not a setting of a target: use name, roleArn, externalId and regions`);
    }
  }
  if (typeof e.name !== "string" || !TARGET_NAME.test(e.name)) {
    problem(
      "name must be 1 to 32 lowercase letters, digits and dashes, starting with a letter or digit, such as prod",
    );
  }
  const roleArn = e.roleArn;
  const account = typeof roleArn === "string" ? ROLE_ARN.exec(roleArn)?.[1] : undefined;
  if (roleArn !== undefined && account === undefined) {
    problem(
      "roleArn must be an IAM role ARN such as arn:aws:iam::444455556666:role/profiles-bot-target",
    );
  }
  const externalId = e.externalId;
  if (
    externalId !== undefined &&
    (typeof externalId !== "string" || !EXTERNAL_ID.test(externalId))
  ) {
    problem(
      "externalId must be 2 to 1224 letters, digits or the characters +=,.@:/-_, the same as the role's trust policy requires",
    );
  } else if (externalId !== undefined && roleArn === undefined) {
    problem(
      "externalId is only sent when assuming a role: add the roleArn, or remove the externalId",
    );
  }
  const regions = e.regions;
  if (!Array.isArray(regions) || regions.length === 0) {
    problem('regions must be a non-empty list of AWS regions such as ["eu-west-2", "us-east-1"]');
  } else {
    const bad = regions.filter((r) => typeof r !== "string" || !REGION.test(r));
    if (bad.length > 0) {
      problem(
        `regions must be AWS region codes such as eu-west-2: ${bad.map((r) => JSON.stringify(r)).join(", ")} is not one`,
      );
    } else if (new Set(regions).size !== regions.length) {
      problem("regions lists a region twice: list each once");
    }
  }
  if (problems.length > 0) return { problems };
  return {
    target: {
      name: e.name as string,
      regions: regions as string[],
      ...(account !== undefined ? { roleArn: roleArn as string, account } : {}),
      ...(externalId !== undefined ? { externalId: externalId as string } : {}),
    },
    problems,
  };
}

const targetsSchema = optionalString.transform((text, ctx): TargetConfig[] | undefined => {
  if (text === undefined) return undefined;
  const { targets, problems } = parseTargets(text);
  for (const message of problems) ctx.addIssue({ code: "custom", message });
  return targets;
});

/** "host:port" (IPv6 in brackets) → its parts; undefined when it is not one. */
function clusterNode(text: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match?.[1] || !(port >= 1 && port <= 65_535)) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ""), port };
}

const envSchema = z.object({
  ROLE: z.enum(["bot", "worker", "all"]).default("all"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PORT: z.coerce
    .number({ error: "must be a port number" })
    .int("must be a whole port number")
    .min(0, "must be a port number from 0 to 65535")
    .max(65535, "must be a port number from 0 to 65535")
    .default(3000),
  HOST: z.string().default("0.0.0.0"),
  // Unset: no /metrics at all. A short token is refused: /metrics is on the public port.
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: "must be at least 16 characters (a random secret the scraper sends as a bearer token)",
  }),
  SLACK_BOT_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith("xoxb-"), {
    message: "must be a bot token starting with xoxb-",
  }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith("xapp-"), {
    message: "must be an app-level token starting with xapp-",
  }),
  SLACK_API_URL: url("the Slack Web API base, e.g. http://127.0.0.1:3001/api/"),
  AWS_REGION: optionalString,
  AWS_TARGETS: targetsSchema,
  AWS_ENDPOINT_URL: url("an endpoint for every AWS client, e.g. http://127.0.0.1:4566"),
  AWS_MAX_ATTEMPTS: z.coerce
    .number({ error: "must be a number of attempts" })
    .int("must be a whole number")
    .min(1, "must be from 1 to 20")
    .max(20, "must be from 1 to 20")
    .default(6),
  PROPAGATION_WAIT_SECONDS: z.coerce
    .number({ error: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(0, "must be from 0 to 900 seconds (0: never wait)")
    .max(900, "must be from 0 to 900 seconds (0: never wait)")
    .default(90),
  // Optional rather than defaulted, so that setting it beside REDIS_CLUSTER_NODES is refused.
  REDIS_URL: optionalString.refine(
    (v) => v === undefined || /^rediss?:\/\//.test(v),
    "must be a redis:// or rediss:// URL",
  ),
  REDIS_CLUSTER_NODES: optionalString
    .transform((v) => (v === undefined ? undefined : v.split(/[\s,]+/).filter(Boolean)))
    .refine((nodes) => nodes === undefined || nodes.every((n) => clusterNode(n) !== undefined), {
      message:
        "must be a comma-separated list of host:port, e.g. clustercfg.my-redis.abc123.use1.cache.amazonaws.com:6379 or 10.0.0.1:7000,10.0.0.2:7000",
    })
    .transform((nodes) => nodes?.map((n) => clusterNode(n) as { host: string; port: number })),
  REDIS_TLS: z
    .enum(["true", "false"], { error: "must be true or false" })
    .optional()
    .transform((v) => v === "true"),
  REDIS_TLS_CA_FILE: optionalString,
  REDIS_USERNAME: optionalString,
  REDIS_PASSWORD: optionalString,
  QUEUE_PREFIX: z
    .string()
    .default("{profiles}")
    .refine((v) => /^\{[^{}:]+\}$/.test(v) || /^[^{}:]+$/.test(v), {
      message: "must be a name without ':' (hash-tag it as {name} for Redis Cluster)",
    }),
  DLQ_PREVIEW: z.enum(["off", "redacted", "full"]).default("redacted"),
  DLQ_SCAN_INTERVAL: z
    .string()
    .trim()
    .default("5m")
    .refine((v) => durationMs(v) !== undefined, {
      message: "must be a duration such as 300 (seconds), 30s, 5m or 1h, at least 1 second",
    })
    .transform((v) => durationMs(v) ?? 300_000),
  DLQ_RECONCILE_INTERVAL: z
    .string()
    .trim()
    .default("60s")
    .refine((v) => (durationMs(v) ?? Number.POSITIVE_INFINITY) <= 60_000, {
      message:
        "must be a duration from 1 second to 60 seconds, such as 60 or 30s: a Redis that lost its data gets its scan schedules back within it",
    })
    .transform((v) => durationMs(v) ?? 60_000),
  DLQ_SCAN_MAX_MESSAGES: z.coerce
    .number({ error: "must be a number of messages" })
    .int("must be a whole number")
    .min(10, "must be from 10 to 100000")
    .max(100_000, "must be from 10 to 100000")
    .default(10_000),
  DLQ_SCAN_RECEIVERS: z.coerce
    .number({ error: "must be a number of receives" })
    .int("must be a whole number")
    .min(1, "must be from 1 to 50")
    .max(50, "must be from 1 to 50")
    .default(10),
  REINGEST_RATE: z.coerce
    .number({ error: "must be a number of objects per second" })
    .gt(0, "must be above 0 (objects per second)")
    .max(
      100,
      "must be at most 100: PutProfileObject's default quota is 100 per second, shared with live ingestion",
    )
    .default(20),
  REINGEST_PROFILE_INTERVAL_MS: z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(1000, "must be at least 1000: Customer Profiles accepts one object per profile per second")
    .max(60_000, "must be at most 60000")
    .default(1100),
  PROFILES_ADMINS: idList,
  PROFILES_OPERATORS: idList,
  PROFILES_VIEWERS: idList,
  PROFILES_CHANNELS: z
    .string()
    .optional()
    .transform((v) => (v ?? "").split(/[\s,]+/).filter(Boolean))
    .refine((ids) => ids.every((id) => /^[CGD][A-Z0-9]{2,}$/.test(id)), {
      message: "must be a comma-separated list of Slack channel ids (C…, G…)",
    }),
});

/**
 * The rules between Redis variables. Kept apart from envSchema so that the AWS-only CLI
 * (loadAwsConfig) is not stopped by a Redis setting it never uses.
 */
const checkedEnv = envSchema.superRefine((e, ctx) => {
  const issue = (variable: string, message: string) =>
    ctx.addIssue({ code: "custom", path: [variable], message });
  if (e.REDIS_CLUSTER_NODES) {
    if (e.REDIS_URL !== undefined) {
      issue(
        "REDIS_URL",
        "is set beside REDIS_CLUSTER_NODES: a cluster is reached through its nodes alone; unset REDIS_URL, and give TLS with REDIS_TLS=true and the password with REDIS_PASSWORD",
      );
    }
    // One hash tag puts every key in one slot, which multi-key commands and scripts need.
    if (!/^\{[^{}:]+\}$/.test(e.QUEUE_PREFIX)) {
      issue(
        "QUEUE_PREFIX",
        `must be hash-tagged on a Redis Cluster: set it to {${e.QUEUE_PREFIX.replace(/[{}]/g, "")}} so that every key of the bot is in one slot`,
      );
    }
  }
  if (e.REDIS_TLS_CA_FILE !== undefined) {
    if (!tlsOn(e)) {
      issue(
        "REDIS_TLS_CA_FILE",
        "is set but TLS is off: use a rediss:// REDIS_URL (or REDIS_TLS=true with REDIS_CLUSTER_NODES), or unset it",
      );
    }
    const unreadable = readProblem(e.REDIS_TLS_CA_FILE);
    if (unreadable) {
      issue(
        "REDIS_TLS_CA_FILE",
        `cannot be read (${unreadable}): set it to the PEM file of the CA that signed the Redis servers' certificates`,
      );
    }
  }
});

const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

const tlsOn = (e: { REDIS_TLS: boolean; REDIS_URL?: string | undefined }) =>
  e.REDIS_TLS || (e.REDIS_URL ?? "").startsWith("rediss://");

/** Why a file cannot be read (its error code), or undefined when it can. */
function readProblem(path: string): string | undefined {
  try {
    readFileSync(path);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
}

/** The variables loadConfig reads, as the environment holds them. */
export type Env = Partial<Record<keyof z.input<typeof envSchema>, string>>;

type ParsedEnv = z.output<typeof envSchema>;

/** Optional settings are left out rather than set to undefined, so Config marks them `?`. */
const awsOf = (e: ParsedEnv) => ({
  ...(e.AWS_REGION !== undefined ? { region: e.AWS_REGION } : {}),
  ...(e.AWS_ENDPOINT_URL !== undefined ? { endpoint: e.AWS_ENDPOINT_URL } : {}),
  maxAttempts: e.AWS_MAX_ATTEMPTS,
  /**
   * Where the bot works. Unset: today's one target, the SDK's own credentials in AWS_REGION
   * (no regions here means the SDK's region, as the clients find it).
   */
  targets: e.AWS_TARGETS ?? [defaultTargetConfig(e.AWS_REGION)],
});

const defaultTargetConfig = (region: string | undefined): TargetConfig => ({
  name: "default",
  regions: region !== undefined ? [region] : [],
});

/** TLS options; `ca` (a private CA's PEM) replaces Node's trusted CAs when given. */
const tlsOf = (caFile: string | undefined): { ca?: string } =>
  caFile === undefined ? {} : { ca: readFileSync(caFile, "utf8") };

/**
 * Where Redis is and how to reach it: one node (`url`), or a cluster (`clusterNodes`). TLS and
 * credentials are set only when given, so a plain single node's config stays `{url, prefix}`.
 */
const redisOf = (e: ParsedEnv) => ({
  url: e.REDIS_URL ?? DEFAULT_REDIS_URL,
  prefix: e.QUEUE_PREFIX,
  ...(e.REDIS_CLUSTER_NODES ? { clusterNodes: e.REDIS_CLUSTER_NODES } : {}),
  ...(tlsOn(e) ? { tls: tlsOf(e.REDIS_TLS_CA_FILE) } : {}),
  ...(e.REDIS_USERNAME !== undefined ? { username: e.REDIS_USERNAME } : {}),
  ...(e.REDIS_PASSWORD !== undefined ? { password: e.REDIS_PASSWORD } : {}),
});

const provisionOf = (e: ParsedEnv) => ({
  /**
   * How long after the job made or changed a resource a call naming it may fail as AWS's
   * eventual consistency explains, and be tried again (src/provision/settle.ts).
   */
  propagationWaitMs: e.PROPAGATION_WAIT_SECONDS * 1_000,
});

const configSchema = checkedEnv.transform((e, ctx) => {
  if (!e.SLACK_BOT_TOKEN) {
    ctx.addIssue({
      code: "custom",
      path: ["SLACK_BOT_TOKEN"],
      message:
        "is missing: set it to the app's bot token (xoxb-…), or run `npm run sandbox` to try the bot without Slack",
    });
    return z.NEVER;
  }
  if (e.ROLE !== "worker" && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
    ctx.addIssue({
      code: "custom",
      // No path: the sentence names both variables, either of which would do.
      path: [],
      message:
        "Set SLACK_APP_TOKEN (xapp-…, Socket Mode) or SLACK_SIGNING_SECRET (HTTP events at /slack/events): neither is set",
    });
    return z.NEVER;
  }
  return {
    role: e.ROLE,
    logLevel: e.LOG_LEVEL,
    http: {
      host: e.HOST,
      port: e.PORT,
      /** `GET /metrics` answers only a request bearing this token; unset, it is off. */
      ...(e.METRICS_TOKEN !== undefined ? { metricsToken: e.METRICS_TOKEN } : {}),
    },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      /** Socket Mode when set; otherwise the HTTP receiver verifies with the signing secret. */
      ...(e.SLACK_APP_TOKEN !== undefined ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_SIGNING_SECRET !== undefined ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
      ...(e.SLACK_API_URL !== undefined ? { apiUrl: e.SLACK_API_URL } : {}),
    },
    aws: awsOf(e),
    provision: provisionOf(e),
    redis: redisOf(e),
    dlq: {
      preview: e.DLQ_PREVIEW,
      /** How often each bound domain's DLQ is scanned. */
      scanIntervalMs: e.DLQ_SCAN_INTERVAL,
      /** Messages one scan reads at most: the bound on its time and memory. */
      scanMaxMessages: e.DLQ_SCAN_MAX_MESSAGES,
      /** ReceiveMessage calls one scan keeps in flight at once (10 messages each). */
      scanReceivers: e.DLQ_SCAN_RECEIVERS,
      /** How often each worker rebuilds the bindings from the tags and re-creates missing schedules. */
      reconcileIntervalMs: e.DLQ_RECONCILE_INTERVAL,
    },
    access: {
      admins: e.PROFILES_ADMINS,
      operators: e.PROFILES_OPERATORS,
      viewers: e.PROFILES_VIEWERS,
      channels: e.PROFILES_CHANNELS,
    },
    reingest: {
      /** PutProfileObject calls per second across all workers. */
      rate: e.REINGEST_RATE,
      /** Minimum ms between two objects of one profile. */
      profileIntervalMs: e.REINGEST_PROFILE_INTERVAL_MS,
    },
  };
});

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** One sentence per problem, each naming its variable. */
function configErrorOf(error: z.ZodError): ConfigError {
  const lines = error.issues.map((issue) =>
    issue.path.length === 0 ? `${issue.message}.` : `${String(issue.path[0])} ${issue.message}.`,
  );
  return new ConfigError(lines.join(" "));
}

/** Validate the environment; throws ConfigError with one sentence per problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) throw configErrorOf(parsed.error);
  return parsed.data;
}

/**
 * The AWS part of the configuration alone, for the CLI: it talks to AWS (or the endpoint
 * AWS_ENDPOINT_URL names) without Slack, so Slack's variables are not required. Same schema,
 * same messages as loadConfig.
 */
export function loadAwsConfig(
  env: Record<string, string | undefined>,
): Pick<Config, "aws" | "logLevel" | "provision"> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw configErrorOf(parsed.error);
  const e = parsed.data;
  return { logLevel: e.LOG_LEVEL, aws: awsOf(e), provision: provisionOf(e) };
}

/**
 * What `profiles-bot doctor` reads, for the CLI: AWS, Redis and the Slack token when there is
 * one. Slack's variables stay optional, since doctor reports a missing token as a check of
 * its own rather than refusing to run. Same schema, same messages as loadConfig.
 */
export function loadDoctorConfig(env: Record<string, string | undefined>) {
  const parsed = checkedEnv.safeParse(env);
  if (!parsed.success) throw configErrorOf(parsed.error);
  const e = parsed.data;
  return {
    logLevel: e.LOG_LEVEL,
    aws: awsOf(e),
    redis: redisOf(e),
    slack: {
      ...(e.SLACK_BOT_TOKEN !== undefined ? { botToken: e.SLACK_BOT_TOKEN } : {}),
      ...(e.SLACK_API_URL !== undefined ? { apiUrl: e.SLACK_API_URL } : {}),
    },
  };
}

export type DoctorConfig = ReturnType<typeof loadDoctorConfig>;
