import { describe, expect, it } from "vitest";
import { parseEnableFacts, parseEnableInput } from "../../src/enable/schema.js";

const input = {
  instance: { id: "abc", arn: "arn:aws:connect:us-east-1:123456789012:instance/abc" },
  domain: { mode: "new", name: "amazon-connect-acme", expirationDays: 366 },
  dlq: {
    mode: "existing",
    url: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
    arn: "arn:aws:sqs:us-east-1:123456789012:q",
    mergePolicy: true,
  },
  key: { mode: "aws-owned" },
};

describe("parseEnableInput", () => {
  it("accepts a well-formed input and defaults the confirmations to false", () => {
    expect(parseEnableInput(input)).toEqual({
      ok: true,
      value: { ...input, confirmRelink: false, confirmReencrypt: false },
    });
  });

  it("names the first field that is wrong", () => {
    const result = parseEnableInput({ ...input, dlq: { ...input.dlq, mergePolicy: "yes" } });
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.error).toMatch(/^Fix the plan input at dlq\.mergePolicy: .+\.$/);
    expect(parseEnableInput({ ...input, key: { mode: "customer" } }).ok).toBe(false);
  });
});

describe("parseEnableFacts", () => {
  it("accepts the minimum AWS facts and rejects a missing account", () => {
    const facts = { accountId: "123456789012", region: "us-east-1", existingDomains: [] };
    expect(parseEnableFacts(facts)).toEqual({ ok: true, value: facts });
    expect(parseEnableFacts({ region: "us-east-1", existingDomains: [] }).ok).toBe(false);
  });
});
