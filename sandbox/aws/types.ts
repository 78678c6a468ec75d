/**
 * The contract between the emulator's HTTP core (server.ts) and its service modules
 * (services/*.ts). The core parses the request, finds the service from the signing scope
 * in the Authorization header (or X-Amz-Target), applies latency, faults and TPS
 * quotas per operation, then hands the request to the service.
 */
import type { Propagation, PropagationDelays } from "./propagation.js";
import type { EmulatorState } from "./state.js";

export type ServiceName = "sqs" | "kms" | "profile" | "connect" | "sts" | "iam";

export interface AwsRequest {
  method: string;
  /** Path without the query string, URL-decoded segments left as sent. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  service: ServiceName;
  /** From the signing scope, e.g. us-east-1. */
  region: string;
  /** The caller's account: the assumed role's for session credentials, else the default. */
  accountId: string;
  /** Who signed the request (accounts.ts): GetCallerIdentity's answer. */
  caller: Caller;
  /** http://host:port as the client addressed it: used to build queue URLs. */
  baseUrl: string;
  requestId: string;
  /** Aborted when the client disconnects or the emulator closes: long polls stop waiting. */
  signal?: AbortSignal;
}

export interface AwsResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** An AWS error: its code (as AWS names it), message and HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** "Sender" or "Receiver", for the Query and JSON error encodings. */
    readonly fault: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
  }
}

/** Who made a request, from its access key id. */
export interface Caller {
  account: string;
  arn: string;
  userId: string;
  /** Set for assumed-role session credentials: the role's ARN. */
  roleArn?: string;
}

export interface EmulatorContext {
  /**
   * In a request, the state of the caller's account in the request's region (its place, see
   * state.ts), which every service reads and writes; on the emulator handle, the whole state.
   */
  state: EmulatorState;
  /** The whole state: places, IAM roles and STS sessions. */
  root: EmulatorState;
  options: EmulatorOptions;
  now(): number;
  /** What was made or changed too recently for dependent calls to see (propagation.ts). */
  propagation: Propagation;
}

export interface ServiceModule {
  name: ServiceName;
  /** The operation name AWS uses (e.g. "CreateQueue"), or undefined when none matches. */
  operationOf(req: AwsRequest): string | undefined;
  handle(
    operation: string,
    req: AwsRequest,
    ctx: EmulatorContext,
  ): Promise<AwsResponse> | AwsResponse;
  /** Encode an error the way this service's protocol does, so the SDK raises its real class. */
  errorResponse(err: AwsError, req: AwsRequest): AwsResponse;
  /** The error this service returns when a caller exceeds a quota. */
  throttlingError(operation: string): AwsError;
}

/** The first form: fractions of calls that fail with the service's throttling error or a 500. */
export interface RateFault {
  throttle?: number;
  internal?: number;
}

/**
 * An AWS error code to answer with: on the next `count` calls, on a `probability` of calls,
 * or (with neither) on every call until cleared. `status` and `message` replace the defaults.
 */
export interface ErrorFault {
  code: string;
  count?: number;
  probability?: number;
  status?: number;
  message?: string;
}

export type Fault = RateFault | ErrorFault;

/** Per "service:Operation" (e.g. "profile:CreateDomain"), "service:*" or "*". */
export type FaultTable = Record<string, Fault>;

export interface EmulatorOptions {
  /** Added to every call, in ms. */
  latencyMs: number;
  /** The faults in force at start, per "service:Operation", "service:*" or "*" (faults.ts). */
  faults: FaultTable;
  /** Enforce the default per-operation TPS quotas (docs/aws/customer-profiles.md, connect.md). */
  quotas: boolean;
  /** Per kind, how long a new or changed resource stays invisible to dependent calls (ms). */
  propagationMs: PropagationDelays;
  /** Customer Profiles ingestion: max objects per profile per second before the DLQ. */
  profileObjectsPerSecond: number;
  /** Customer Profiles ingestion: max object size in bytes. */
  maxObjectBytes: number;
  /** Random source, replaceable for deterministic tests. */
  random(): number;
}

export const defaultOptions = (): EmulatorOptions => ({
  latencyMs: 0,
  faults: {},
  quotas: true,
  propagationMs: {},
  profileObjectsPerSecond: 1,
  maxObjectBytes: 256_000,
  random: Math.random,
});
