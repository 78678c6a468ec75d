/**
 * Amazon SQS: the JSON 1.0 protocol current SDKs and the AWS CLI use
 * (`X-Amz-Target: AmazonSQS.<Op>`), and the Query protocol older clients use. Handlers take
 * and return the JSON protocol's shapes; sqs-query.ts translates for Query requests.
 */
import { AwsError, type AwsRequest, type AwsResponse, type ServiceModule } from "../types.js";
import { batchHandlers, messageHandlers } from "./sqs-handlers-messages.js";
import { queueHandlers } from "./sqs-handlers-queues.js";
import { queryErrorResponse, queryInput, queryParams, queryResponse } from "./sqs-query.js";
import type { Handler, Input } from "./sqs-support.js";

const HANDLERS: Record<string, Handler> = {
  ...queueHandlers,
  ...messageHandlers,
  ...batchHandlers,
};

/*
 * Each JSON error's Query-protocol code and HTTP status, from the SDK's model
 * (`awsQueryError` traits). The JSON protocol repeats the Query code in the
 * x-amzn-query-error header, which is how the SDK tells e.g. QueueDoesNotExist apart.
 */
const ERRORS: Record<string, [queryCode: string, status: number]> = {
  QueueDoesNotExist: ["AWS.SimpleQueueService.NonExistentQueue", 400],
  QueueNameExists: ["QueueAlreadyExists", 400],
  QueueDeletedRecently: ["AWS.SimpleQueueService.QueueDeletedRecently", 400],
  RequestThrottled: ["RequestThrottled", 403],
  OverLimit: ["OverLimit", 403],
  ReceiptHandleIsInvalid: ["ReceiptHandleIsInvalid", 404],
  MessageNotInflight: ["AWS.SimpleQueueService.MessageNotInflight", 400],
  TooManyEntriesInBatchRequest: ["AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400],
  EmptyBatchRequest: ["AWS.SimpleQueueService.EmptyBatchRequest", 400],
  BatchEntryIdsNotDistinct: ["AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400],
  InvalidBatchEntryId: ["AWS.SimpleQueueService.InvalidBatchEntryId", 400],
  BatchRequestTooLong: ["AWS.SimpleQueueService.BatchRequestTooLong", 400],
  UnsupportedOperation: ["AWS.SimpleQueueService.UnsupportedOperation", 400],
  PurgeQueueInProgress: ["AWS.SimpleQueueService.PurgeQueueInProgress", 403],
  InvalidAddress: ["InvalidAddress", 404],
  InvalidSecurity: ["InvalidSecurity", 403],
  KmsNotFound: ["KMS.NotFoundException", 400],
  KmsDisabled: ["KMS.DisabledException", 400],
  KmsInvalidState: ["KMS.InvalidStateException", 400],
  KmsAccessDenied: ["KMS.AccessDeniedException", 400],
  InvalidAttributeName: ["InvalidAttributeName", 400],
  InvalidAttributeValue: ["InvalidAttributeValue", 400],
  InvalidMessageContents: ["InvalidMessageContents", 400],
  InvalidParameterValue: ["InvalidParameterValue", 400],
  MissingParameter: ["MissingParameter", 400],
  UnknownOperationException: ["InvalidAction", 400],
  InternalServerException: ["InternalError", 500],
};

/**
 * The emulator core's generic codes, spelled as AWS's JSON services spell them: SQS's model
 * declares no internal error, so a 500 is AWS's common InternalFailure.
 */
const JSON_CODES: Record<string, string> = { InternalServerException: "InternalFailure" };

const isJson = (req: AwsRequest) => typeof req.headers["x-amz-target"] === "string";

/** The queue URL an old Query client addressed by POSTing to it. */
function queueUrlFromPath(req: AwsRequest): string | undefined {
  return /^\/\d{12}\/[^/]+$/.test(req.path) ? `${req.baseUrl}${req.path}` : undefined;
}

function parseInput(operation: string, req: AwsRequest): Input {
  if (!isJson(req)) {
    return queryInput(operation, queryParams(req.body, req.query), queueUrlFromPath(req));
  }
  const text = req.body.toString("utf8").trim();
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Input;
  } catch {
    // Reported below with the same error as a non-object body.
  }
  throw new AwsError("InvalidParameterValue", "The request body is not a JSON object.");
}

export const sqs: ServiceModule = {
  name: "sqs",

  operationOf(req) {
    const target = req.headers["x-amz-target"];
    const operation =
      typeof target === "string"
        ? target.slice(target.indexOf(".") + 1)
        : (queryParams(req.body, req.query).get("Action") ?? undefined);
    return operation && Object.hasOwn(HANDLERS, operation) ? operation : undefined;
  },

  async handle(operation, req, ctx) {
    const handler = HANDLERS[operation] as Handler;
    const output = await handler(parseInput(operation, req), { req, ctx });
    if (isJson(req)) {
      return {
        status: 200,
        headers: { "content-type": "application/x-amz-json-1.0" },
        body: JSON.stringify(output),
      };
    }
    return {
      status: 200,
      headers: { "content-type": "text/xml" },
      body: queryResponse(operation, output, req.requestId),
    };
  },

  errorResponse(err: AwsError, req): AwsResponse {
    const [queryCode, status] = ERRORS[err.code] ?? [err.code, err.status];
    const type = status >= 500 ? "Receiver" : err.fault;
    if (!isJson(req)) {
      return {
        status,
        headers: { "content-type": "text/xml" },
        body: queryErrorResponse(queryCode, type, err.message, req.requestId),
      };
    }
    return {
      status,
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-query-error": `${queryCode};${type}`,
      },
      body: JSON.stringify({
        __type: `com.amazonaws.sqs#${JSON_CODES[err.code] ?? err.code}`,
        message: err.message,
      }),
    };
  },

  // SQS's model names its throttling error RequestThrottled (HTTP 403); the SDK's retry
  // strategy lists that name among its throttling codes, so it backs off and retries.
  throttlingError: () => new AwsError("RequestThrottled", "Rate exceeded", 403),
};
