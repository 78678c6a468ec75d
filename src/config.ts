/**
 * Configuration, read from the environment once and validated (zod) into a typed object
 * that is passed in everywhere. Nothing else reads process.env.
 */
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

const schema = z.object({
  ROLE: z.enum(["bot", "worker", "all"]).default("all"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PORT: z.coerce
    .number({ error: "must be a port number" })
    .int("must be a whole port number")
    .min(0, "must be a port number from 0 to 65535")
    .max(65535, "must be a port number from 0 to 65535")
    .default(3000),
  HOST: z.string().default("0.0.0.0"),
  SLACK_BOT_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith("xoxb-"), {
    message: "must be a bot token starting with xoxb-",
  }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith("xapp-"), {
    message: "must be an app-level token starting with xapp-",
  }),
  SLACK_API_URL: url("the Slack Web API base, e.g. http://127.0.0.1:3001/api/"),
  AWS_REGION: optionalString,
  AWS_ENDPOINT_URL: url("an endpoint for every AWS client, e.g. http://127.0.0.1:4566"),
  AWS_MAX_ATTEMPTS: z.coerce
    .number({ error: "must be a number of attempts" })
    .int("must be a whole number")
    .min(1, "must be from 1 to 20")
    .max(20, "must be from 1 to 20")
    .default(6),
  REDIS_URL: z
    .string()
    .default("redis://127.0.0.1:6379")
    .refine((v) => /^rediss?:\/\//.test(v), "must be a redis:// or rediss:// URL"),
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
  DLQ_SCAN_MAX_MESSAGES: z.coerce
    .number({ error: "must be a number of messages" })
    .int("must be a whole number")
    .min(10, "must be from 10 to 100000")
    .max(100_000, "must be from 10 to 100000")
    .default(10_000),
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

/** The variables loadConfig reads, as the environment holds them. */
export type Env = Partial<Record<keyof z.input<typeof schema>, string>>;

export interface Config {
  role: "bot" | "worker" | "all";
  logLevel: z.infer<typeof schema>["LOG_LEVEL"];
  http: { host: string; port: number };
  slack: {
    botToken: string;
    /** Socket Mode when set; otherwise the HTTP receiver verifies with the signing secret. */
    appToken?: string;
    signingSecret?: string;
    apiUrl?: string;
  };
  aws: { region?: string; endpoint?: string; maxAttempts: number };
  redis: { url: string; prefix: string };
  dlq: {
    preview: "off" | "redacted" | "full";
    /** How often each bound domain's DLQ is scanned. */
    scanIntervalMs: number;
    /** Messages one scan reads at most: the bound on its time and memory. */
    scanMaxMessages: number;
  };
  access: { admins: string[]; operators: string[]; viewers: string[]; channels: string[] };
  reingest: {
    /** PutProfileObject calls per second across all workers. */
    rate: number;
    /** Minimum ms between two objects of one profile. */
    profileIntervalMs: number;
  };
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Validate the environment; throws ConfigError with one sentence per problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "configuration");
      return `${name} ${issue.message}.`;
    });
    throw new ConfigError(lines.join(" "));
  }
  const e = parsed.data;
  const needsSlack = e.ROLE !== "worker";
  if (!e.SLACK_BOT_TOKEN) {
    throw new ConfigError(
      "SLACK_BOT_TOKEN is missing: set it to the app's bot token (xoxb-…), or run `npm run sandbox` to try the bot without Slack.",
    );
  }
  if (needsSlack && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
    throw new ConfigError(
      "Set SLACK_APP_TOKEN (xapp-…, Socket Mode) or SLACK_SIGNING_SECRET (HTTP events at /slack/events): neither is set.",
    );
  }
  return {
    role: e.ROLE,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.PORT },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      apiUrl: e.SLACK_API_URL,
    },
    aws: { region: e.AWS_REGION, endpoint: e.AWS_ENDPOINT_URL, maxAttempts: e.AWS_MAX_ATTEMPTS },
    redis: { url: e.REDIS_URL, prefix: e.QUEUE_PREFIX },
    dlq: {
      preview: e.DLQ_PREVIEW,
      scanIntervalMs: e.DLQ_SCAN_INTERVAL,
      scanMaxMessages: e.DLQ_SCAN_MAX_MESSAGES,
    },
    access: {
      admins: e.PROFILES_ADMINS,
      operators: e.PROFILES_OPERATORS,
      viewers: e.PROFILES_VIEWERS,
      channels: e.PROFILES_CHANNELS,
    },
    reingest: { rate: e.REINGEST_RATE, profileIntervalMs: e.REINGEST_PROFILE_INTERVAL_MS },
  };
}

/**
 * The AWS part of the configuration alone, for the CLI: it talks to AWS (or the endpoint
 * AWS_ENDPOINT_URL names) without Slack, so Slack's variables are not required. Same schema,
 * same messages as loadConfig.
 */
export function loadAwsConfig(
  env: Record<string, string | undefined>,
): Pick<Config, "aws" | "logLevel"> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues
        .map((issue) => `${String(issue.path[0] ?? "configuration")} ${issue.message}.`)
        .join(" "),
    );
  }
  const e = parsed.data;
  return {
    logLevel: e.LOG_LEVEL,
    aws: { region: e.AWS_REGION, endpoint: e.AWS_ENDPOINT_URL, maxAttempts: e.AWS_MAX_ATTEMPTS },
  };
}
