import {
  AccessDeniedException as ConnectAccessDenied,
  InvalidParameterException,
  ServiceQuotaExceededException,
} from "@aws-sdk/client-connect";
import {
  AccessDeniedException,
  BadRequestException,
  InternalServerException,
  ResourceNotFoundException,
  ThrottlingException,
} from "@aws-sdk/client-customer-profiles";
import {
  DisabledException,
  KMSInvalidStateException,
  LimitExceededException,
  NotFoundException,
} from "@aws-sdk/client-kms";
import {
  InvalidAttributeValue,
  KmsAccessDenied,
  QueueDoesNotExist,
  RequestThrottled,
  SQSServiceException,
} from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { type AwsCall, awsCall, toAppError, undefinedIfNotFound } from "../../src/aws/errors.js";
import { AppError } from "../../src/errors.js";

const createDomain: AwsCall = {
  service: "profile",
  operation: "CreateDomain",
  iamAction: "profile:CreateDomain",
  resource: "arn:aws:profile:us-east-1:111122223333:domains/amazon-connect-acme",
};
const receive: AwsCall = {
  service: "sqs",
  operation: "ReceiveMessage",
  iamAction: "sqs:ReceiveMessage",
};
const createKey: AwsCall = {
  service: "kms",
  operation: "CreateKey",
  iamAction: "kms:CreateKey",
  resource: "*",
};
const meta = (httpStatusCode?: number) => ({ httpStatusCode, requestId: "req-123" });

describe("AppError", () => {
  it("keeps the reason and the fix apart and joins them for people", () => {
    const err = new AppError("conflict", "The queue is gone.", { fix: "pick another queue." });
    expect(err.reason).toBe("The queue is gone.");
    expect(err.fix).toBe("pick another queue.");
    expect(err.userMessage).toBe("The queue is gone. Fix: pick another queue.");
    expect(err.message).toBe(err.userMessage);
  });

  it("reads as the reason alone when nothing the reader does would fix it", () => {
    const err = new AppError("internal", "Something broke.");
    expect(err.fix).toBeUndefined();
    expect(err.userMessage).toBe("Something broke.");
    expect(err.userMessage).not.toContain("Fix:");
  });
});

const accessDeniedFix =
  "allow `profile:CreateDomain` on `arn:aws:profile:us-east-1:111122223333:domains/amazon-connect-acme` in the bot's IAM role (see iam-policy.json).";

describe("toAppError", () => {
  it("names the call, the AWS code, its message and the IAM fix for access denied", () => {
    const err = new AccessDeniedException({
      message: "The caller may not create domains in this account",
      $metadata: meta(403),
    });
    const app = toAppError(createDomain, err);
    expect(app.code).toBe("aws_access_denied");
    expect(app.retryable).toBe(false);
    expect(app.call).toBe("Customer Profiles CreateDomain");
    expect(app.awsCode).toBe("AccessDeniedException");
    expect(app.reason).toBe(
      "Customer Profiles CreateDomain failed: AccessDeniedException (The caller may not create domains in this account).",
    );
    expect(app.fix).toBe(accessDeniedFix);
    expect(app.userMessage).toBe(
      "Customer Profiles CreateDomain failed: AccessDeniedException (The caller may not create domains in this account). " +
        `Fix: ${accessDeniedFix}`,
    );
    expect(app.details).toMatchObject({
      service: "profile",
      operation: "CreateDomain",
      awsCode: "AccessDeniedException",
      httpStatus: 403,
      requestId: "req-123",
    });
    expect(app.cause).toBe(err);
  });

  it("points a refused AssumeRole at the role's trust policy and external id, and the bot's own policy", () => {
    const role = "arn:aws:iam::444455556666:role/profiles-bot-target";
    const call: AwsCall = {
      service: "sts",
      operation: "AssumeRole",
      iamAction: "sts:AssumeRole",
      resource: role,
    };
    const refused = Object.assign(
      new Error(
        `User: arn:aws:iam::111122223333:user/profiles-bot is not authorized to perform: sts:AssumeRole on resource: ${role}`,
      ),
      { name: "AccessDenied", $metadata: meta(403) },
    );
    const app = toAppError(call, refused);
    expect(app.code).toBe("aws_access_denied");
    expect(app.call).toBe("STS AssumeRole");
    expect(app.userMessage).toBe(
      `STS call failed: AccessDenied (User: arn:aws:iam::111122223333:user/profiles-bot is not authorized to perform: sts:AssumeRole on resource: ${role}). ` +
        "Fix: the role's trust policy must let the bot's principal call `sts:AssumeRole` with the external id AWS_TARGETS gives for this target (see iam-target-trust-policy.json), " +
        `and the bot's own policy must allow \`sts:AssumeRole\` on \`${role}\` (see iam-assume-policy.json).`,
    );
  });

  it("names the call once when AWS's message already names it", () => {
    const err = new AccessDeniedException({
      message: "User is not authorized to perform profile:CreateDomain",
      $metadata: meta(403),
    });
    const app = toAppError(createDomain, err);
    expect(app.reason).toBe(
      "Customer Profiles call failed: AccessDeniedException (User is not authorized to perform profile:CreateDomain).",
    );
    expect(app.reason.match(/CreateDomain/g)).toHaveLength(1);
    expect(app.call).toBe("Customer Profiles CreateDomain");
    expect(app.fix).toBe(accessDeniedFix);
  });

  it("does not mistake a longer operation name in AWS's message for the call", () => {
    const err = new AccessDeniedException({
      message: "denied by CreateDomainLayout's policy",
      $metadata: meta(403),
    });
    expect(toAppError(createDomain, err).reason).toMatch(
      /^Customer Profiles CreateDomain failed: /,
    );
  });

  it("treats any 403 as access denied, whatever the class", () => {
    const err = new ConnectAccessDenied({ message: "denied", $metadata: meta(403) });
    expect(toAppError({ ...createDomain, service: "connect" }, err).code).toBe("aws_access_denied");
    const bare = Object.assign(new Error("nope"), { name: "Forbidden", $metadata: meta(403) });
    expect(toAppError(createDomain, bare).code).toBe("aws_access_denied");
  });

  it("tells a bad credential from a missing permission", () => {
    const err = Object.assign(new Error("The security token included in the request is invalid."), {
      name: "UnrecognizedClientException",
      $metadata: meta(403),
    });
    const app = toAppError(createDomain, err);
    expect(app.code).toBe("aws_access_denied");
    expect(app.userMessage).toContain("credentials");
    expect(app.userMessage).not.toContain("iam-policy.json");
  });

  it("points an SQS KmsAccessDenied at the key policy", () => {
    const app = toAppError(
      receive,
      new KmsAccessDenied({ message: "denied", $metadata: meta(400) }),
    );
    expect(app.code).toBe("aws_access_denied");
    expect(app.reason).toBe("SQS ReceiveMessage failed: KmsAccessDenied (denied).");
    expect(app.fix).toContain("kms:Decrypt");
    expect(app.reason).not.toContain("kms:Decrypt");
    expect(app.userMessage).toBe(`${app.reason} Fix: ${app.fix}`);
  });

  it.each([
    [
      "Customer Profiles ThrottlingException",
      new ThrottlingException({ message: "Rate exceeded", $metadata: meta(429) }),
    ],
    ["SQS RequestThrottled", new RequestThrottled({ message: "slow down", $metadata: meta(400) })],
    ["a bare 429", Object.assign(new Error("x"), { name: "Whatever", $metadata: meta(429) })],
  ])("maps %s to a retryable aws_throttled", (_label, err) => {
    const app = toAppError(createDomain, err);
    expect(app.code).toBe("aws_throttled");
    expect(app.retryable).toBe(true);
  });

  it.each([
    [
      "InternalServerException",
      new InternalServerException({ message: "oops", $metadata: meta(500) }),
    ],
    ["a 503", Object.assign(new Error("x"), { name: "ServiceUnavailable", $metadata: meta(503) })],
    [
      "ECONNREFUSED",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    ],
    ["TimeoutError", Object.assign(new Error("timed out"), { name: "TimeoutError" })],
    [
      "an AggregateError of refused connections",
      new AggregateError(
        [Object.assign(new Error("refused"), { code: "ECONNREFUSED" })],
        "connect failed",
      ),
    ],
  ])("maps %s to a retryable aws_unavailable", (_label, err) => {
    const app = toAppError(receive, err);
    expect(app.code).toBe("aws_unavailable");
    expect(app.retryable).toBe(true);
    expect(app.fix).toBe("AWS or the network failed; the job retries.");
    expect(app.userMessage).toContain("Fix: AWS or the network failed; the job retries.");
  });

  it("maps quota errors to aws_quota and names the quota", () => {
    const tooMany = new BadRequestException({
      message: "You have reached the maximum number of domains for this account",
      $metadata: meta(400),
    });
    const domains = toAppError(createDomain, tooMany);
    expect(domains.code).toBe("aws_quota");
    expect(domains.retryable).toBe(false);
    expect(domains.userMessage).toContain('"Domains per region (default 100)"');

    const keys = toAppError(
      createKey,
      new LimitExceededException({ message: "too many keys", $metadata: meta(400) }),
    );
    expect(keys.code).toBe("aws_quota");
    expect(keys.userMessage).toContain("KMS customer managed keys per Region");

    const connect = new ServiceQuotaExceededException({ message: "quota", $metadata: meta(402) });
    expect(toAppError({ ...createDomain, service: "connect" }, connect).code).toBe("aws_quota");
  });

  it.each([
    [
      "BadRequestException",
      new BadRequestException({ message: "DomainName is invalid", $metadata: meta(400) }),
    ],
    [
      "InvalidAttributeValue",
      new InvalidAttributeValue({ message: "DomainName is invalid", $metadata: meta(400) }),
    ],
    [
      "InvalidParameterException",
      new InvalidParameterException({ message: "DomainName is invalid", $metadata: meta(400) }),
    ],
  ])("maps %s to aws_validation with the AWS message as the fix, said once", (awsCode, err) => {
    const app = toAppError(createDomain, err);
    expect(app.code).toBe("aws_validation");
    expect(app.retryable).toBe(false);
    expect(app.reason).toBe(`Customer Profiles CreateDomain failed: ${awsCode}.`);
    expect(app.fix).toBe("DomainName is invalid");
    expect(app.userMessage).toBe(
      `Customer Profiles CreateDomain failed: ${awsCode}. Fix: DomainName is invalid`,
    );
  });

  it.each([
    [
      "ResourceNotFoundException",
      new ResourceNotFoundException({ message: "no domain", $metadata: meta(404) }),
    ],
    ["QueueDoesNotExist", new QueueDoesNotExist({ message: "no queue", $metadata: meta(400) })],
    ["KMS NotFoundException", new NotFoundException({ message: "no key", $metadata: meta(400) })],
  ])("maps %s to not_found", (_label, err) => {
    expect(toAppError(createDomain, err).code).toBe("not_found");
  });

  it.each([
    [
      "KMSInvalidStateException",
      new KMSInvalidStateException({ message: "pending deletion", $metadata: meta(400) }),
    ],
    ["DisabledException", new DisabledException({ message: "disabled", $metadata: meta(400) })],
  ])("explains %s as a key state the user can fix", (_label, err) => {
    const app = toAppError(createKey, err);
    expect(app.code).toBe("aws_validation");
    expect(app.retryable).toBe(false);
    expect(app.userMessage).toContain("enable it");
  });

  it("falls back to aws_error for codes it does not know", () => {
    const odd = new SQSServiceException({
      name: "SomethingNew",
      $fault: "client",
      message: "hm",
      $metadata: meta(400),
    });
    const app = toAppError(receive, odd);
    expect(app.code).toBe("aws_error");
    expect(app.retryable).toBe(false);
    expect(app.details.awsCode).toBe("SomethingNew");
  });

  it("never repeats access keys or signatures from an AWS message", () => {
    const err = new AccessDeniedException({
      message:
        "Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/profile/aws4_request Signature=abcdef0123 denied",
      $metadata: meta(403),
    });
    const app = toAppError(createDomain, err);
    for (const text of [app.userMessage, app.reason, app.message]) {
      expect(text).not.toContain("AKIAIOSFODNN7EXAMPLE");
      expect(text).not.toContain("abcdef0123");
    }
  });

  it("passes AppErrors through untouched", () => {
    const original = new AppError("invalid_input", "bad");
    expect(toAppError(createDomain, original)).toBe(original);
  });
});

describe("awsCall", () => {
  it("returns the value and maps what the call throws", async () => {
    await expect(awsCall(receive, async () => 42)).resolves.toBe(42);
    const thrown = await awsCall(receive, async () => {
      throw new QueueDoesNotExist({ message: "gone", $metadata: meta(400) });
    }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe("not_found");
    expect((thrown as AppError).userMessage).toMatch(
      /^SQS ReceiveMessage failed: QueueDoesNotExist \(gone\)/,
    );
  });

  it("turns not_found into undefined only where asked", async () => {
    const missing = awsCall(receive, async () => {
      throw new QueueDoesNotExist({ message: "gone", $metadata: meta(400) });
    });
    await expect(undefinedIfNotFound(missing)).resolves.toBeUndefined();
    const denied = awsCall(receive, async () => {
      throw new AccessDeniedException({ message: "no", $metadata: meta(403) });
    });
    await expect(undefinedIfNotFound(denied)).rejects.toMatchObject({ code: "aws_access_denied" });
  });
});
