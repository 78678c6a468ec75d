import { describe, expect, it } from "vitest";
import {
  accountRootArn,
  domainArn,
  parseInstanceArn,
  parseKeyArn,
  parseQueueArn,
  parseQueueUrl,
  queueArn,
  queueArnFromUrl,
  queueNameFromUrl,
  queueUrl,
} from "../../src/enable/arns.js";

describe("ARNs", () => {
  it("reads region, account and id from an instance ARN", () => {
    expect(
      parseInstanceArn(
        "arn:aws:connect:eu-west-2:123456789012:instance/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab",
      ),
    ).toEqual({
      ok: true,
      value: {
        partition: "aws",
        region: "eu-west-2",
        accountId: "123456789012",
        instanceId: "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab",
      },
    });
  });

  it.each([
    "arn:aws:sqs:us-east-1:123456789012:queue",
    "arn:aws:connect:us-east-1:123456789012:instance/",
    "arn:aws:connect::123456789012:instance/abc",
    "not an arn",
  ])("rejects %s as an instance ARN", (arn) => {
    expect(parseInstanceArn(arn).ok).toBe(false);
  });

  it("builds the ARNs docs/aws/ documents, in the region's partition", () => {
    expect(domainArn("us-east-1", "123456789012", "amazon-connect-acme")).toBe(
      "arn:aws:profile:us-east-1:123456789012:domains/amazon-connect-acme",
    );
    expect(queueArn("us-east-1", "123456789012", "dlq")).toBe(
      "arn:aws:sqs:us-east-1:123456789012:dlq",
    );
    expect(domainArn("cn-north-1", "123456789012", "d")).toMatch(/^arn:aws-cn:profile:/);
    expect(accountRootArn("us-gov-west-1", "123456789012")).toBe(
      "arn:aws-us-gov:iam::123456789012:root",
    );
  });

  it("reads queue URLs from AWS and from local endpoints", () => {
    const url = queueUrl("eu-west-1", "123456789012", "acme-dlq");
    expect(url).toBe("https://sqs.eu-west-1.amazonaws.com/123456789012/acme-dlq");
    expect(parseQueueUrl(url)).toEqual({
      accountId: "123456789012",
      name: "acme-dlq",
      region: "eu-west-1",
    });
    expect(queueNameFromUrl("http://localhost:4566/000000000000/local-dlq")).toBe("local-dlq");
    expect(queueArnFromUrl("http://localhost:4566/000000000000/local-dlq", "us-east-1")).toBe(
      "arn:aws:sqs:us-east-1:000000000000:local-dlq",
    );
    expect(parseQueueUrl("https://eu-west-1.queue.amazonaws.com/123456789012/old")?.region).toBe(
      "eu-west-1",
    );
    expect(parseQueueUrl("nonsense")).toBeUndefined();
    expect(parseQueueUrl("https://sqs.us-east-1.amazonaws.com/notanaccount/q")).toBeUndefined();
  });

  it("parses queue and key ARNs", () => {
    expect(parseQueueArn("arn:aws:sqs:us-east-1:123456789012:dlq")).toEqual({
      region: "us-east-1",
      accountId: "123456789012",
      name: "dlq",
    });
    expect(parseKeyArn("arn:aws:kms:us-east-1:123456789012:key/1234abcd")).toEqual({
      region: "us-east-1",
      accountId: "123456789012",
      keyId: "1234abcd",
    });
    expect(parseKeyArn("arn:aws:kms:us-east-1:123456789012:alias/x")).toBeUndefined();
  });
});
