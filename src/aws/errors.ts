/**
 * Every AWS failure becomes an AppError here, once: the code says what kind of failure it
 * is, `retryable` tells a job whether trying again can help, and the error carries the call,
 * the AWS error code, the reason and the fix, because a person reading it in Slack can act
 * on nothing less.
 */
import { AppError, type ErrorCode } from "../errors.js";

export type AwsService = "profile" | "sqs" | "kms" | "connect" | "sts" | "iam";

export interface AwsCall {
  service: AwsService;
  /** The API operation, e.g. "CreateDomain". */
  operation: string;
  /** The IAM action that authorises it, e.g. "profile:CreateDomain" (batch calls differ). */
  iamAction: string;
  /** The resource ARN (or pattern) the action needs, for the fix text. */
  resource?: string;
}

const SERVICE_LABEL: Record<AwsService, string> = {
  profile: "Customer Profiles",
  sqs: "SQS",
  kms: "KMS",
  connect: "Amazon Connect",
  sts: "STS",
  iam: "IAM",
};

/** What an SDK v3 error carries that we read; every field is optional on foreign errors. */
interface AwsErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  errors?: unknown[];
}

interface Classified {
  code: ErrorCode;
  fix: string;
  retryable: boolean;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const NETWORK_NAMES = new Set(["TimeoutError", "NetworkingError", "RequestTimeout", "AbortError"]);
const CREDENTIAL_CODES = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "CredentialsProviderError",
]);
const UNAVAILABLE_FIX = "AWS or the network failed; the job retries.";

function shapeOf(err: unknown): AwsErrorShape {
  return typeof err === "object" && err !== null
    ? (err as AwsErrorShape)
    : { message: String(err) };
}

/** The AWS error code: the SDK's class name, or the query-compatible code SQS also sends. */
function awsCodeOf(e: AwsErrorShape): string {
  const name = e.name && e.name !== "Error" ? e.name : undefined;
  return name ?? e.Code ?? e.code ?? "UnknownError";
}

function isNetworkError(e: AwsErrorShape): boolean {
  if (e.name && NETWORK_NAMES.has(e.name)) return true;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  // Node's happy-eyeballs connect wraps one failure per address in an AggregateError.
  return (e.errors ?? []).some((inner) => isNetworkError(shapeOf(inner)));
}

function accessDeniedFix(call: AwsCall): string {
  const on = call.resource ? ` on \`${call.resource}\`` : "";
  if (call.iamAction === "sts:AssumeRole") {
    // Either side can refuse: the role's trust policy (principal, external id) or the bot's
    // own policy. AWS's message does not say which.
    return `the role's trust policy must let the bot's principal call \`sts:AssumeRole\` with the external id AWS_TARGETS gives for this target (see iam-target-trust-policy.json), and the bot's own policy must allow \`sts:AssumeRole\`${on} (see iam-assume-policy.json).`;
  }
  return `allow \`${call.iamAction}\`${on} in the bot's IAM role (see iam-policy.json).`;
}

/** Order matters: a quota message can arrive as a BadRequest, a 403 can be bad credentials. */
function classify(
  call: AwsCall,
  e: AwsErrorShape,
  awsCode: string,
  message: string,
  status?: number,
): Classified {
  const text = `${awsCode} ${e.Code ?? ""}`;
  if (CREDENTIAL_CODES.has(awsCode)) {
    return {
      code: "aws_access_denied",
      fix: "check the bot's AWS credentials (they are missing, expired or for another account).",
      retryable: false,
    };
  }
  if (awsCode === "KmsAccessDenied") {
    return {
      code: "aws_access_denied",
      fix: "the queue's KMS key policy must let the bot's IAM role use `kms:Decrypt` and `kms:GenerateDataKey`.",
      retryable: false,
    };
  }
  if (/AccessDenied|UnauthorizedOperation|NotAuthorized/.test(text) || status === 403) {
    return { code: "aws_access_denied", fix: accessDeniedFix(call), retryable: false };
  }
  if (/Throttl|TooManyRequests|RequestThrottled|SlowDown/.test(text) || status === 429) {
    return {
      code: "aws_throttled",
      fix: "AWS is rate-limiting the bot; the job slows down and retries.",
      retryable: true,
    };
  }
  if (
    /ServiceQuotaExceeded|LimitExceeded|OverLimit/.test(text) ||
    /maximum number of/i.test(message)
  ) {
    return { code: "aws_quota", fix: quotaFix(call, message), retryable: false };
  }
  if (/KMSInvalidState|KmsInvalidState|^Disabled|KmsDisabled|KeyUnavailable/.test(text)) {
    return {
      code: "aws_validation",
      fix: "the KMS key is disabled or pending deletion: enable it (or cancel its deletion), or pick another key.",
      retryable: false,
    };
  }
  if (/NotFound|QueueDoesNotExist|NonExistentQueue/.test(text) || status === 404) {
    return {
      code: "not_found",
      fix: "check the name or ARN; the resource does not exist (any more).",
      retryable: false,
    };
  }
  if (/AlreadyExists|QueueNameExists|Conflict|QueueDeletedRecently/.test(text) || status === 409) {
    return { code: "conflict", fix: conflictFix(awsCode), retryable: false };
  }
  if (
    /Validation|BadRequest|InvalidParameter|InvalidAttribute|InvalidRequest|Malformed|InvalidAliasName|InvalidArn|InvalidAddress|InvalidIdFormat|InvalidMessageContents|UnsupportedOperation/.test(
      text,
    )
  ) {
    return {
      code: "aws_validation",
      fix: message || "AWS rejected the request as invalid.",
      retryable: false,
    };
  }
  if (
    /InternalServer|InternalService|InternalFailure|KMSInternal|ServiceUnavailable|DependencyTimeout/.test(
      text,
    ) ||
    (status !== undefined && status >= 500) ||
    isNetworkError(e)
  ) {
    return { code: "aws_unavailable", fix: UNAVAILABLE_FIX, retryable: true };
  }
  return {
    code: "aws_error",
    fix: "the details are in the bot's logs; retry, or report it if it keeps failing.",
    retryable: false,
  };
}

function quotaFix(call: AwsCall, message: string): string {
  const quota =
    QUOTA_NAMES[`${call.service}:${call.operation}`] ?? `${SERVICE_LABEL[call.service]} quota`;
  const detail = /domains/i.test(message) ? "Domains per region (default 100)" : quota;
  return `the account reached the "${detail}" quota: delete unused resources or request an increase in Service Quotas.`;
}

const QUOTA_NAMES: Record<string, string> = {
  "profile:CreateDomain": "Domains per region (default 100)",
  "profile:PutIntegration": "Integrations per domain",
  "kms:CreateKey": "KMS customer managed keys per Region",
  "kms:CreateAlias": "KMS aliases per Region",
  "sqs:ReceiveMessage": "SQS in-flight messages per queue (~120,000)",
};

function conflictFix(awsCode: string): string {
  if (awsCode === "QueueDeletedRecently") {
    return "a queue with this name was deleted less than 60 seconds ago: wait a minute and retry.";
  }
  return "the resource already exists with other settings: pick it, or use another name.";
}

/** Access key ids, signatures and session tokens must never reach Slack or the logs. */
function scrub(text: string): string {
  return text
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, "[access key]")
    .replace(/(Credential|Signature|X-Amz-Security-Token|SessionToken)=[^\s,&]+/gi, "$1=[redacted]")
    .slice(0, 600);
}

function awsMessageOf(e: AwsErrorShape, awsCode: string): string {
  const message = (e.message ?? "").trim();
  // The SDK fills an empty body with "UnknownError" or repeats the code: say nothing then.
  if (!message || message === awsCode || message === "UnknownError") return "";
  return scrub(message);
}

/** The call as people name it: "Customer Profiles CreateDomain". */
export const callName = (call: AwsCall): string =>
  `${SERVICE_LABEL[call.service]} ${call.operation}`;

function reasonOf(call: AwsCall, awsCode: string, awsMessage: string, fix: string): string {
  // When AWS's message is itself the fix, saying it twice helps nobody.
  if (!awsMessage || fix === awsMessage) return `${callName(call)} failed: ${awsCode}.`;
  // AWS's message often names the call already ("not authorized to perform
  // profile:CreateDomain"); naming it a second time only makes the sentence longer.
  const named = awsMessage.split(/[^A-Za-z0-9]+/).includes(call.operation);
  const subject = named ? `${SERVICE_LABEL[call.service]} call` : callName(call);
  return `${subject} failed: ${awsCode} (${awsMessage}).`;
}

export function toAppError(call: AwsCall, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = shapeOf(err);
  const awsCode = awsCodeOf(e);
  const httpStatus = e.$metadata?.httpStatusCode;
  const awsMessage = awsMessageOf(e, awsCode);
  const { code, fix, retryable } = classify(call, e, awsCode, awsMessage, httpStatus);
  return new AppError(code, reasonOf(call, awsCode, awsMessage, fix), {
    fix,
    call: callName(call),
    awsCode,
    awsMessage,
    cause: err,
    retryable,
    details: {
      service: call.service,
      operation: call.operation,
      iamAction: call.iamAction,
      resource: call.resource,
      httpStatus,
      requestId: e.$metadata?.requestId,
    },
  });
}

/** Run one SDK call and map whatever it throws. */
export async function awsCall<T>(call: AwsCall, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAppError(call, err);
  }
}

/** For look-ups where "not there" is an answer, not a failure. */
export async function undefinedIfNotFound<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") return undefined;
    throw err;
  }
}
