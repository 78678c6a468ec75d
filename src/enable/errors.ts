import { AppError } from "../errors.js";

export type EnableErrorReason = "policy-not-json" | "policy-invalid";

/**
 * Raised only for input the rules cannot reason about at all (a policy that isn't a policy).
 * It joins the app's error family as `invalid_input`, so the edges map it like any other;
 * `reason` lets callers that care (the plan, the wizard) tell the two cases apart.
 */
export class EnableError extends AppError {
  override name = "EnableError";
  readonly reason: EnableErrorReason;

  constructor(reason: EnableErrorReason, message: string, options: { cause?: unknown } = {}) {
    super("invalid_input", message, { ...options, retryable: false, details: { reason } });
    this.reason = reason;
  }
}

export const isEnableError = (error: unknown): error is EnableError => error instanceof EnableError;
