/** The structured logger (pino). Secrets are redacted here, once, for every log line. */
import type { Logger as BoltLogger, LogLevel } from "@slack/bolt";
import pino, { type Logger } from "pino";
import { AppError } from "./errors.js";

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
      // Every `{ err }` (and an error passed first, which pino files under `err`) goes through
      // one allowlist: a client's error object can hold the request, its headers and its body.
      serializers: { err: serializeError, error: serializeError },
      // Token-shaped strings can hide in messages; scrub them wherever they appear.
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(scrub) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

/** Standard output, each line written synchronously (ROLE=all's worker thread, src/main.ts). */
export function stdoutSync(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: true });
}

const TOKEN = /\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)\b/g;
const AWS_KEY = /\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;

const scrubText = (text: string): string =>
  text.replace(TOKEN, "[redacted]").replace(AWS_KEY, "[redacted]").replace(BEARER, "$1 [redacted]");

function scrub(arg: unknown): unknown {
  return typeof arg === "string" ? scrubText(arg) : arg;
}

/** What a failed HTTP call, or any error, may leave in a log line; nothing else is copied. */
export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  /** The client's or the system's code: `slack_webapi_platform_error`, `ECONNREFUSED`… */
  code?: string;
  /** HTTP status of the answer, when there was one. */
  status?: number;
  /** The AWS call, e.g. "Customer Profiles CreateDomain". */
  operation?: string;
  requestId?: string;
  /** Slack's error (`invalid_auth`) or AWS's error code (`AccessDeniedException`). */
  apiError?: string;
  retryAfter?: number;
  // AppError's own fields (src/errors.ts): written by us, safe and what an operator needs.
  reason?: string;
  fix?: string;
  call?: string;
  awsCode?: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
  cause?: LoggedError;
  errors?: LoggedError[];
}

const MAX_MESSAGE = 1000;
const MAX_STACK = 4000;
const MAX_DEPTH = 3;

type Bag = Record<string, unknown>;
const isBag = (v: unknown): v is Bag => typeof v === "object" && v !== null;
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;
const bag = (v: unknown): Bag => (isBag(v) ? v : {});

/** A header's value from a plain object or a fetch `Headers`, by lower-case name. */
function header(headers: unknown, name: string): string | undefined {
  if (!isBag(headers)) return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === "function") return str(get.call(headers, name));
  const value = headers[name] ?? headers[name.toLowerCase()];
  return str(Array.isArray(value) ? value[0] : value);
}

/**
 * An error as the allowlist above: Slack's WebClient errors (platform, HTTP, request, rate
 * limit), AWS SDK errors (`$metadata`), fetch and socket errors, AppError, and their causes.
 * Never the client's request or response objects, headers or bodies.
 */
function serializeError(value: unknown, depth = 0): LoggedError | unknown {
  if (!isBag(value)) return value;
  const e = value as Bag;
  const out: LoggedError = {
    type: str(e.name) ?? str(bag(e.constructor).name) ?? "Error",
    message: scrubText(String(e.message ?? "")).slice(0, MAX_MESSAGE),
  };
  const stack = str(e.stack);
  if (stack) out.stack = scrubText(stack).slice(0, MAX_STACK);

  const metadata = bag(e.$metadata); // AWS SDK v3
  const response = bag(e.response); // fetch-like errors
  const data = bag(e.data); // Slack platform error: the API's answer
  const code = str(e.code) ?? (typeof e.code === "number" ? String(e.code) : undefined);
  if (code) out.code = code;
  const status =
    num(e.statusCode) ?? num(e.status) ?? num(metadata.httpStatusCode) ?? num(response.status);
  if (status !== undefined) out.status = status;
  const requestId =
    str(metadata.requestId) ??
    header(e.headers, "x-slack-req-id") ??
    header(response.headers, "x-slack-req-id") ??
    header(e.headers, "x-amzn-requestid") ??
    header(response.headers, "x-amzn-requestid");
  if (requestId) out.requestId = requestId;
  const apiError = str(data.error) ?? (isBag(e.$metadata) ? str(e.name) : undefined);
  if (apiError) out.apiError = apiError;
  const retryAfter = num(e.retryAfter);
  if (retryAfter !== undefined) out.retryAfter = retryAfter;

  if (value instanceof AppError) {
    for (const key of ["reason", "fix", "call", "awsCode"] as const) {
      const text = value[key];
      if (text) out[key] = scrubText(text);
    }
    if (value.call) out.operation = value.call;
    out.retryable = value.retryable;
    out.details = value.details;
  }

  if (depth < MAX_DEPTH) {
    // Slack's request error keeps fetch's error as `original`: read it like a cause.
    const cause = e.cause ?? e.original;
    if (cause !== undefined) out.cause = serializeError(cause, depth + 1) as LoggedError;
    if (Array.isArray(e.errors)) {
      out.errors = e.errors
        .slice(0, 5)
        .map((inner) => serializeError(inner, depth + 1) as LoggedError);
    }
  }
  return out;
}

/**
 * Bolt's LogLevel values, written out: every process imports this file, and a value import of
 * Bolt's enum would load Bolt into the worker process, which runs no Slack app (docs/adr/0008).
 */
const BOLT_LEVELS: Record<string, `${LogLevel}`> = {
  trace: "debug",
  debug: "debug",
  info: "info",
  warn: "warn",
  error: "error",
  fatal: "error",
  silent: "error",
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
    getLevel: () => (BOLT_LEVELS[log.level] ?? "info") as LogLevel,
    setName: (name) => {
      child = log.child({ component: name });
    },
  };
}
