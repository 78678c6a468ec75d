/**
 * One typed error family, mapped once at each edge: Slack gets `userMessage` (safe and
 * useful), logs get the cause. Jobs read `retryable` to decide between a retry and an
 * UnrecoverableError.
 */
import { clip } from "./text.js";

export type ErrorCode =
  | "invalid_input"
  | "not_found"
  | "forbidden"
  | "conflict"
  | "aws_access_denied"
  | "aws_validation"
  | "aws_quota"
  | "aws_throttled"
  | "aws_unavailable"
  | "aws_error"
  | "slack_error"
  | "internal";

export interface AppErrorOptions {
  /** What fixes it, as an instruction ("allow `kms:Decrypt` …"). */
  fix?: string;
  /** The AWS call that failed, as people name it: "Customer Profiles CreateDomain". */
  call?: string;
  /** AWS's error code, e.g. "AccessDeniedException"; `details` repeat it, so give it here only. */
  awsCode?: string;
  /** AWS's own message, scrubbed; empty when AWS gave none. Shown beside `call` and `awsCode`. */
  awsMessage?: string;
  cause?: unknown;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

/**
 * Reasons and fixes often quote AWS (its error message, up to the 600 characters the mapping
 * keeps) or a name someone typed: they are cleaned of invisible characters and bounded here,
 * once, so every edge (Slack, job records, the CLI) gets the same safe sentence. A fix may end
 * in a policy statement to copy, hence its larger bound.
 */
const MAX_REASON = 1000;
const MAX_FIX = 2000;

/** Job records keep only this one line, and their readers split it again on " Fix: ". */
const formatUserMessage = (reason: string, fix: string | undefined): string =>
  fix ? `${reason} Fix: ${fix}` : reason;

export class AppError extends Error {
  override name = "AppError";
  readonly code: ErrorCode;
  /** What failed and why, one sentence. No secrets, no PII. */
  readonly reason: string;
  /** What fixes it, when anything the reader can do does. */
  readonly fix: string | undefined;
  readonly call: string | undefined;
  readonly awsCode: string | undefined;
  readonly awsMessage: string | undefined;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, rawReason: string, opts: AppErrorOptions = {}) {
    const reason = clip(rawReason, MAX_REASON);
    const fix = opts.fix === undefined ? undefined : clip(opts.fix, MAX_FIX);
    super(formatUserMessage(reason, fix), { cause: opts.cause });
    this.code = code;
    this.reason = reason;
    this.fix = fix;
    this.call = opts.call;
    this.awsCode = opts.awsCode;
    this.awsMessage = opts.awsMessage === undefined ? undefined : clip(opts.awsMessage, MAX_REASON);
    this.retryable = opts.retryable ?? (code === "aws_throttled" || code === "aws_unavailable");
    // Readers of `details` find the AWS code beside the service and operation; it is copied
    // in from `awsCode`, so the two cannot disagree.
    this.details =
      opts.awsCode === undefined
        ? (opts.details ?? {})
        : { ...opts.details, awsCode: opts.awsCode };
  }

  /** A sentence a person can act on: the reason, then the fix. */
  get userMessage(): string {
    return formatUserMessage(this.reason, this.fix);
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Any thrown value as an AppError, keeping the original as the cause. */
export function asAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  return new AppError(
    "internal",
    "Something went wrong on our side; the details are in the bot's logs.",
    {
      cause: err,
    },
  );
}
