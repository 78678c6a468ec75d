import { describe, expect, it } from "vitest";
import {
  defaultAliasName,
  defaultDomainName,
  defaultQueueName,
  domainNameWarnings,
  validateAliasName,
  validateDomainName,
  validateExpirationDays,
  validateQueueName,
  validateRetentionDays,
} from "../../src/enable/names.js";

const errorOf = (result: { ok: true } | { ok: false; error: string }): string =>
  result.ok ? "" : result.error;

describe("validateDomainName", () => {
  it("accepts letters, digits, hyphens and underscores, trimming surrounding space", () => {
    expect(validateDomainName("  amazon-connect-Acme_1 ")).toEqual({
      ok: true,
      value: "amazon-connect-Acme_1",
    });
    expect(validateDomainName("a".repeat(64)).ok).toBe(true);
  });

  it("names the character to fix", () => {
    expect(errorOf(validateDomainName("my domain"))).toBe(
      "Use 1–64 letters, digits, hyphens or underscores: 'my domain' contains a space.",
    );
    expect(errorOf(validateDomainName("acme.prod"))).toContain("contains '.'");
  });

  it("rejects empty and too-long names with one sentence each", () => {
    expect(errorOf(validateDomainName("   "))).toMatch(/^Use 1–64 .*\.$/);
    expect(errorOf(validateDomainName("a".repeat(65)))).toContain("65 characters long");
  });
});

describe("validateRetentionDays", () => {
  it("parses whole numbers of days from 1 to 14", () => {
    expect(validateRetentionDays(" 10 ")).toEqual({ ok: true, value: 10 });
    expect(validateRetentionDays("1")).toEqual({ ok: true, value: 1 });
    expect(validateRetentionDays("14")).toEqual({ ok: true, value: 14 });
  });

  it("says what to enter, and why, for a value SQS would refuse", () => {
    expect(errorOf(validateRetentionDays("15"))).toBe(
      "Enter a whole number of days from 1 to 14: '15' is out of range (SQS keeps a message at most 14 days).",
    );
    expect(errorOf(validateRetentionDays("0"))).toContain("out of range");
    expect(errorOf(validateRetentionDays("two weeks"))).toBe(
      "Enter a whole number of days from 1 to 14: 'two weeks' is not a whole number.",
    );
    expect(errorOf(validateRetentionDays(" "))).toBe(
      "Enter a whole number of days from 1 to 14 to keep failed objects in the queue.",
    );
  });
});

describe("validateExpirationDays", () => {
  it("parses whole numbers from 1 to 1098", () => {
    expect(validateExpirationDays(" 366 ")).toEqual({ ok: true, value: 366 });
    expect(validateExpirationDays("1")).toEqual({ ok: true, value: 1 });
    expect(validateExpirationDays("1098")).toEqual({ ok: true, value: 1098 });
  });

  it.each(["0", "1099", "100000000000000000000"])("rejects %s as out of range", (input) => {
    expect(errorOf(validateExpirationDays(input))).toContain("out of range");
  });

  it.each(["3.5", "-1", "1e3", "ten"])("rejects %s as not a whole number", (input) => {
    expect(errorOf(validateExpirationDays(input))).toContain("is not a whole number");
  });

  it("asks for a number when the field is empty", () => {
    expect(errorOf(validateExpirationDays(""))).toContain("from 1 to 1098");
  });
});

describe("validateQueueName", () => {
  it("accepts standard queue names up to 80 characters", () => {
    expect(validateQueueName("amazon-connect-acme-dlq")).toEqual({
      ok: true,
      value: "amazon-connect-acme-dlq",
    });
    expect(validateQueueName("q".repeat(80)).ok).toBe(true);
  });

  it("refuses FIFO queues with the reason", () => {
    expect(errorOf(validateQueueName("acme-dlq.fifo"))).toContain("must be a standard queue");
  });

  it("rejects invalid characters and long names", () => {
    expect(errorOf(validateQueueName("acme dlq"))).toContain("contains a space");
    expect(errorOf(validateQueueName("q".repeat(81)))).toContain("81 characters long");
    expect(validateQueueName("").ok).toBe(false);
  });
});

describe("validateAliasName", () => {
  it("adds the alias/ prefix when it is missing", () => {
    expect(validateAliasName("profiles-key")).toEqual({ ok: true, value: "alias/profiles-key" });
    expect(validateAliasName("alias/team/profiles:key_1")).toEqual({
      ok: true,
      value: "alias/team/profiles:key_1",
    });
  });

  it("refuses AWS's reserved prefix", () => {
    expect(errorOf(validateAliasName("alias/aws/profile"))).toContain("alias/aws/");
    expect(errorOf(validateAliasName("aws/profile"))).toContain("alias/aws/");
  });

  it("rejects invalid characters, empty and overlong aliases", () => {
    expect(errorOf(validateAliasName("my key"))).toContain("contains a space");
    expect(validateAliasName("alias/").ok).toBe(false);
    expect(validateAliasName("").ok).toBe(false);
    expect(validateAliasName(`alias/${"k".repeat(250)}`).ok).toBe(true);
    expect(errorOf(validateAliasName(`alias/${"k".repeat(251)}`))).toContain("at most 256");
  });
});

describe("defaults", () => {
  it("derives the domain from the instance alias like the console", () => {
    expect(defaultDomainName("acme")).toBe("amazon-connect-acme");
    expect(defaultDomainName("Acme Support.EU")).toBe("amazon-connect-Acme-Support-EU");
    expect(defaultDomainName("amazon-connect-acme")).toBe("amazon-connect-acme");
    expect(defaultDomainName(undefined)).toBe("amazon-connect-profiles");
    expect(defaultDomainName("...")).toBe("amazon-connect-profiles");
  });

  it("keeps every default valid however long the input", () => {
    const domain = defaultDomainName("x".repeat(200));
    expect(domain).toHaveLength(64);
    expect(validateDomainName(domain).ok).toBe(true);
    const queue = defaultQueueName(domain);
    expect(queue.endsWith("-dlq")).toBe(true);
    expect(validateQueueName(queue).ok).toBe(true);
    expect(validateQueueName(defaultQueueName("q".repeat(100))).ok).toBe(true);
    expect(validateAliasName(defaultAliasName(domain)).ok).toBe(true);
  });

  it("names the queue and alias after the domain", () => {
    expect(defaultQueueName("amazon-connect-acme")).toBe("amazon-connect-acme-dlq");
    expect(defaultAliasName("amazon-connect-acme")).toBe("alias/amazon-connect-acme");
  });
});

describe("domainNameWarnings", () => {
  it("warns about AmazonConnect_FullAccess when the prefix is missing", () => {
    expect(domainNameWarnings("amazon-connect-acme")).toEqual([]);
    const [warning] = domainNameWarnings("acme-profiles");
    expect(warning).toContain("AmazonConnect_FullAccess");
    expect(warning).toContain("amazon-connect-");
  });
});
