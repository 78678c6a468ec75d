export type EnableErrorCode = "policy-not-json" | "policy-invalid";

/**
 * Raised only for input the rules cannot reason about at all (a policy that isn't a policy).
 * Codes let the app's single error mapper turn it into a sentence without parsing messages.
 */
export class EnableError extends Error {
  override readonly name = "EnableError";
  readonly code: EnableErrorCode;

  constructor(code: EnableErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export const isEnableError = (error: unknown): error is EnableError => error instanceof EnableError;
