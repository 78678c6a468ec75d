/**
 * The policies of a target account's role and of the bot's own identity, decided by the
 * emulator's policy evaluator: the trust policy lets the bot in with the right external id
 * only, and the assume policy grants sts:AssumeRole on the target roles and nothing else.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../sandbox/aws/policy.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const BOT_ROLE = "arn:aws:iam::111122223333:role/profiles-bot-TaskRole-ABC";
const BOT_SESSION = "arn:aws:sts::111122223333:assumed-role/profiles-bot-TaskRole-ABC/task-1";
const TARGET_ROLE = "arn:aws:iam::444455556666:role/profiles-bot-target";
const EXTERNAL_ID = "profiles-bot-prod-7f3a";

/** The file with its placeholders filled in, as README's IAM section tells a person to. */
const filled = (file: string, values: Record<string, string>) => {
  let text = readFileSync(`${ROOT}${file}`, "utf8");
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`<${name}>`, value);
  expect(text, `${file} has a placeholder left`).not.toMatch(/<[A-Z_]+>/);
  return JSON.parse(text) as object;
};

describe("iam-target-trust-policy.json", () => {
  const trust = filled("iam-target-trust-policy.json", {
    BOT_PRINCIPAL_ARN: BOT_ROLE,
    EXTERNAL_ID,
  });
  const assume = (caller: { account: string; arns: string[] }, externalId?: string) =>
    evaluate(trust, {
      action: "sts:AssumeRole",
      resource: TARGET_ROLE,
      awsPrincipal: caller,
      context: {
        "aws:PrincipalAccount": caller.account,
        ...(externalId !== undefined ? { "sts:ExternalId": externalId } : {}),
      },
    });
  const bot = { account: "111122223333", arns: [BOT_SESSION, BOT_ROLE] };

  it("lets the bot assume the role with the external id", () => {
    expect(assume(bot, EXTERNAL_ID)).toBe("allowed");
  });

  it("refuses the bot without the external id, or with another", () => {
    expect(assume(bot)).toBe("implicitDeny");
    expect(assume(bot, "profiles-bot-other")).toBe("implicitDeny");
  });

  it("refuses anyone else, even with the external id", () => {
    const other = {
      account: "111122223333",
      arns: ["arn:aws:iam::111122223333:role/someone-else"],
    };
    expect(assume(other, EXTERNAL_ID)).toBe("implicitDeny");
    expect(assume({ account: "999988887777", arns: [] }, EXTERNAL_ID)).toBe("implicitDeny");
  });

  it("allows nothing but sts:AssumeRole", () => {
    const other = evaluate(trust, {
      action: "sts:TagSession",
      resource: TARGET_ROLE,
      awsPrincipal: bot,
      context: { "sts:ExternalId": EXTERNAL_ID },
    });
    expect(other).toBe("implicitDeny");
  });
});

describe("iam-assume-policy.json", () => {
  const policy = filled("iam-assume-policy.json", { TARGET_ACCOUNT_ID: "444455556666" });
  const decide = (action: string, resource: string) => evaluate(policy, { action, resource });

  it("grants sts:AssumeRole on the target role", () => {
    expect(decide("sts:AssumeRole", TARGET_ROLE)).toBe("allowed");
  });

  it("grants no other role and nothing in the bot's own account", () => {
    expect(decide("sts:AssumeRole", "arn:aws:iam::444455556666:role/admin")).toBe("implicitDeny");
    expect(decide("sts:AssumeRole", "arn:aws:iam::999988887777:role/profiles-bot-target")).toBe(
      "implicitDeny",
    );
    expect(decide("profile:ListDomains", "*")).toBe("implicitDeny");
    expect(decide("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:111122223333:q")).toBe(
      "implicitDeny",
    );
  });
});
