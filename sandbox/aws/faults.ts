/**
 * The faults the emulator injects, per "service:Operation", "service:*" or "*": any AWS error
 * code (on the next N calls, on a fraction of calls, or on every call until cleared), or the
 * first form's throttle and 500 fractions. The table changes while the emulator runs, from
 * code (`emu.faults`) or through the control endpoint (`/_emulator/faults`, server.ts), so a
 * test can fail a step, clear the fault and retry. Each error goes out in the service's own
 * wire format (its module's errorResponse) with the status in STATUS below.
 */
import { z } from "zod";
import { ACCOUNT_ID } from "./state.js";
import {
  AwsError,
  type ErrorFault,
  type Fault,
  type FaultTable,
  type RateFault,
  type ServiceName,
} from "./types.js";

/** Why `key` is not a fault key, or undefined when it is one. */
function keyProblem(key: string, services: readonly string[]): string | undefined {
  const [service = "", operation, ...rest] = key.split(":");
  const valid =
    key === "*" ||
    (rest.length === 0 &&
      services.includes(service) &&
      /^(\*|[A-Za-z][A-Za-z0-9]*)$/.test(operation ?? ""));
  return valid
    ? undefined
    : `the key must be "service:Operation", "service:*" or "*", the service one of ${services.join(", ")} (e.g. "profile:CreateDomain")`;
}

/*
 * HTTP status per error code, as the services' models give them; a code not listed is 400.
 * KMS's JSON 1.1 answers every client error with 400 (access denied and throttling too), so
 * for KMS only the server-side codes below keep their 5xx. SQS's module fixes the status of
 * the codes its model lists (services/sqs.ts) whatever is given here.
 */
const STATUS: Record<string, number> = {
  AccessDeniedException: 403,
  AccessDenied: 403,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  DuplicateResourceException: 409,
  ThrottlingException: 429,
  TooManyRequestsException: 429,
  LimitExceededException: 429,
  RequestThrottled: 403,
  OverLimit: 403,
  InternalServerException: 500,
  InternalServiceException: 500,
  InternalFailure: 500,
  InternalError: 500,
  KMSInternalException: 500,
  ServiceUnavailableException: 503,
  ServiceUnavailable: 503,
  DependencyTimeoutException: 503,
};

/** The HTTP status `service` answers `code` with. */
function statusFor(service: ServiceName, code: string): number {
  const status = STATUS[code] ?? 400;
  return service === "kms" && status < 500 ? 400 : status;
}

const fraction = z
  .number("must be a number from 0 to 1")
  .min(0, "must be a number from 0 to 1")
  .max(1, "must be a number from 0 to 1");

const errorFaultSchema = z
  .strictObject({
    code: z
      .string("must be an AWS error code such as AccessDeniedException")
      .regex(
        /^[A-Za-z][A-Za-z0-9.]{0,99}$/,
        "must be an AWS error code such as AccessDeniedException (letters, digits and dots)",
      ),
    count: z
      .number("must be a whole number of calls, 1 or more")
      .int("must be a whole number of calls, 1 or more")
      .min(1, "must be a whole number of calls, 1 or more")
      .optional(),
    probability: fraction.optional(),
    status: z
      .number("must be an HTTP status from 400 to 599")
      .int("must be an HTTP status from 400 to 599")
      .min(400, "must be an HTTP status from 400 to 599")
      .max(599, "must be an HTTP status from 400 to 599")
      .optional(),
    message: z
      .string("must be text")
      .min(1, "must not be empty")
      .max(1000, "must be at most 1000 characters")
      .optional(),
  })
  .refine((f) => f.count === undefined || f.probability === undefined, {
    message: "give count (the next N calls) or probability (a fraction of calls), not both",
  }) satisfies z.ZodType<ErrorFault>;

const rateFaultSchema = z
  .strictObject({ throttle: fraction.optional(), internal: fraction.optional() })
  .refine((f) => (f.throttle ?? 0) + (f.internal ?? 0) <= 1, {
    message: "throttle + internal must be at most 1",
  }) satisfies z.ZodType<RateFault>;

const FAULT_SHAPE =
  'an object like {"code":"AccessDeniedException","count":1} or {"throttle":0.2,"internal":0.1}';

/** Bad fault input; `problems` says what to fix, one sentence per problem. */
export class FaultInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

const isErrorFault = (f: Fault): f is ErrorFault => "code" in f;

/**
 * Validates a fault table (JSON from the CLI, the environment or the control endpoint) for
 * an emulator serving `services`.
 */
function parseFaults(input: unknown, services: readonly string[]): FaultTable {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new FaultInputError([
      'faults must be a JSON object of "service:Operation" → fault, e.g. {"profile:CreateDomain":{"code":"AccessDeniedException"}}',
    ]);
  }
  const problems: string[] = [];
  const table: FaultTable = {};
  for (const [key, value] of Object.entries(input)) {
    const badKey = keyProblem(key, services);
    if (badKey) {
      problems.push(`"${key}": ${badKey}`);
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push(`"${key}": the fault must be ${FAULT_SHAPE}`);
      continue;
    }
    const schema = "code" in value ? errorFaultSchema : rateFaultSchema;
    const parsed = schema.safeParse(value);
    if (parsed.success) {
      table[key] = parsed.data;
      continue;
    }
    for (const issue of parsed.error.issues) {
      const where = issue.path.length > 0 ? `.${issue.path.join(".")}` : "";
      const hint = issue.code === "unrecognized_keys" ? ` (a fault is ${FAULT_SHAPE})` : "";
      problems.push(`"${key}"${where}: ${issue.message}${hint}`);
    }
  }
  if (problems.length > 0) throw new FaultInputError(problems);
  return table;
}

/** A fault as listed: what was set, how many calls it failed, and (count faults) how many remain. */
export type ListedFault = Fault & { injected: number; remaining?: number };

interface Entry {
  fault: Fault;
  injected: number;
  remaining?: number;
}

/** The message AWS would send; IAM's wording for access denied, a plain note otherwise. */
function messageFor(fault: ErrorFault, service: ServiceName, operation: string, key: string) {
  if (fault.message) return fault.message;
  if (/AccessDenied/.test(fault.code)) {
    const action = `${service}:${operation}`;
    return `User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/profiles-bot/emulator is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;
  }
  return `${fault.code} injected by the emulator (fault on "${key}").`;
}

/** The emulator's faults in force; one per key, the most specific key for a call wins. */
export class Faults {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly random: () => number,
    private readonly services: readonly ServiceName[],
    initial: FaultTable = {},
  ) {
    this.set(initial);
  }

  /** Adds or replaces the faults given (validated first: nothing changes on a bad one). */
  set(table: FaultTable): void {
    for (const [key, fault] of Object.entries(parseFaults(table, this.services))) {
      const remaining = isErrorFault(fault) ? fault.count : undefined;
      this.#entries.set(key, { fault, injected: 0, ...(remaining ? { remaining } : {}) });
    }
  }

  /** Removes the fault on `key`, or every fault; false when `key` had none. */
  clear(key?: string): boolean {
    if (key === undefined) {
      this.#entries.clear();
      return true;
    }
    return this.#entries.delete(key);
  }

  list(): Record<string, ListedFault> {
    const out: Record<string, ListedFault> = {};
    for (const [key, { fault, injected, remaining }] of this.#entries) {
      out[key] = { ...fault, injected, ...(remaining === undefined ? {} : { remaining }) };
    }
    return out;
  }

  /**
   * The error to answer this call with, or undefined to serve it. A count fault is used up
   * by the calls it fails and then removed.
   */
  inject(
    service: ServiceName,
    operation: string,
    throttling: () => AwsError,
  ): AwsError | undefined {
    const key = [`${service}:${operation}`, `${service}:*`, "*"].find((k) => this.#entries.has(k));
    const entry = key === undefined ? undefined : this.#entries.get(key);
    if (key === undefined || entry === undefined) return undefined;
    const error = this.#errorFor(entry.fault, service, operation, key, throttling);
    if (!error) return undefined;
    entry.injected += 1;
    if (entry.remaining !== undefined) {
      entry.remaining -= 1;
      if (entry.remaining === 0) this.#entries.delete(key);
    }
    return error;
  }

  #errorFor(
    fault: Fault,
    service: ServiceName,
    operation: string,
    key: string,
    throttling: () => AwsError,
  ): AwsError | undefined {
    if (isErrorFault(fault)) {
      if (fault.probability !== undefined && this.random() >= fault.probability) return undefined;
      const status = fault.status ?? statusFor(service, fault.code);
      return new AwsError(fault.code, messageFor(fault, service, operation, key), status);
    }
    const roll = this.random();
    if (fault.throttle && roll < fault.throttle) return throttling();
    if (fault.internal && roll < (fault.throttle ?? 0) + fault.internal) {
      return new AwsError(
        "InternalServerException",
        "We encountered an internal error. Please try again.",
        500,
      );
    }
    return undefined;
  }
}
