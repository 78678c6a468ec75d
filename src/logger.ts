/** The structured logger (pino). Secrets are redacted here, once, for every log line. */
import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import pino, { type Logger } from "pino";

export type { Logger };

export const REDACT_PATHS = [
  "token",
  "*.token",
  "botToken",
  "*.botToken",
  "appToken",
  "*.appToken",
  "signingSecret",
  "*.signingSecret",
  "secretAccessKey",
  "*.secretAccessKey",
  "sessionToken",
  "*.sessionToken",
  "authorization",
  "*.authorization",
  "headers.authorization",
  'headers["x-slack-signature"]',
  "*.headers.authorization",
  "password",
  "*.password",
];

export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  bindings: Record<string, unknown> = {},
): Logger {
  return pino(
    {
      level,
      base: { app: "profiles-bot", ...bindings },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      // Token-shaped strings can hide in error messages; scrub them wherever they appear.
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(scrub) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

const TOKEN = /\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)\b/g;

function scrub(arg: unknown): unknown {
  if (typeof arg === "string") return arg.replace(TOKEN, "[redacted]");
  if (arg instanceof Error) {
    const copy = new Error(arg.message.replace(TOKEN, "[redacted]"));
    copy.name = arg.name;
    copy.stack = arg.stack?.replace(TOKEN, "[redacted]");
    return copy;
  }
  return arg;
}

const BOLT_LEVELS: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/** Bolt's Logger interface over pino, so Bolt's own lines are structured and redacted too. */
export function boltLogger(log: Logger): BoltLogger {
  let child = log.child({ component: "bolt" });
  return {
    debug: (...msg) => child.debug(msg.map(String).join(" ")),
    info: (...msg) => child.info(msg.map(String).join(" ")),
    warn: (...msg) => child.warn(msg.map(String).join(" ")),
    error: (...msg) => child.error(msg.map(String).join(" ")),
    setLevel: () => {},
    getLevel: () => BOLT_LEVELS[log.level] ?? LogLevel.INFO,
    setName: (name) => {
      child = log.child({ component: name });
    },
  };
}
