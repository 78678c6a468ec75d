/**
 * One typed error family, mapped once at each edge: Slack gets `userMessage` (safe and
 * useful), logs get the cause. Jobs read `retryable` to decide between a retry and an
 * UnrecoverableError.
 */
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

export class AppError extends Error {
  override name = "AppError";
  readonly code: ErrorCode;
  /** A sentence a person can act on: what failed and what fixes it. No secrets, no PII. */
  readonly userMessage: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    userMessage: string,
    opts: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(userMessage, { cause: opts.cause });
    this.code = code;
    this.userMessage = userMessage;
    this.retryable = opts.retryable ?? (code === "aws_throttled" || code === "aws_unavailable");
    this.details = opts.details ?? {};
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
