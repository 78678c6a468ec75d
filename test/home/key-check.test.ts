/**
 * The key-policy rule behind `/profiles status` and the App Home: a readable policy with the
 * Customer Profiles statement is verified, one without it says what to add, and an unreadable
 * one is unverified with the reason and the statement the key's administrator must have; then
 * how status and Home show each, and which Home checks are stale.
 */
import { describe, expect, it } from "vitest";
import { renderText, validateView } from "../../sandbox/slack/index.js";
import { keyPolicyVerdict } from "../../src/domains/key-check.js";
import type { DomainStatus } from "../../src/domains/status.js";
import { formatPolicy, kmsKeyStatement, newKeyPolicy } from "../../src/enable/policies.js";
import { AppError } from "../../src/errors.js";
import { KEY_CHECK_MAX_AGE_MS, staleKeyChecks } from "../../src/home/key-checks.js";
import { HOME_KEY_CHECK_ACTION, renderHome } from "../../src/slack/render/home.js";
import { KEY_CHECK_ACTION, renderDomainStatus } from "../../src/slack/render/status.js";
import { ROOT_ONLY_KEY_POLICY } from "../support/key-policies.js";

const PLACE = { account: "111122223333", region: "us-east-1" };
const DOMAIN = "amazon-connect-examplecorp";
const KEY = "arn:aws:kms:us-east-1:111122223333:key/0f8e2a56-1c1b-4a58-9d0e-2b7c1e0b7a11";
const REF = { accountId: "111122223333", region: "us-east-1", domainName: DOMAIN };
const STATEMENT = formatPolicy(kmsKeyStatement(REF));
const denied = new AppError("aws_access_denied", "User profiles-bot is not authorized.", {
  awsCode: "AccessDeniedException",
});

describe("keyPolicyVerdict", () => {
  it("a policy holding the Customer Profiles statement is verified", () => {
    const policy = JSON.stringify(newKeyPolicy(REF));
    expect(keyPolicyVerdict({ policy }, KEY, DOMAIN)).toEqual({ verdict: "verified" });
  });

  it("a readable policy without it is missing, with the problems and the statement to add", () => {
    const v = keyPolicyVerdict({ policy: ROOT_ONLY_KEY_POLICY }, KEY, DOMAIN);
    expect(v.verdict).toBe("missing");
    if (v.verdict !== "missing") return;
    expect(v.problems.length).toBeGreaterThan(0);
    expect(v.statement).toBe(STATEMENT);
    expect(v.statement).toContain(`arn:aws:profile:us-east-1:111122223333:domains/${DOMAIN}`);
  });

  it("the statement for another domain's key does not verify this domain", () => {
    const other = JSON.stringify(newKeyPolicy({ ...REF, domainName: "amazon-connect-other" }));
    expect(keyPolicyVerdict({ policy: other }, KEY, DOMAIN).verdict).toBe("missing");
  });

  it("GetKeyPolicy denied is unverified: the reason and the statement the key needs", () => {
    const v = keyPolicyVerdict({ error: denied }, KEY, DOMAIN);
    expect(v).toEqual({
      verdict: "unverified",
      reason: expect.stringContaining("kms:GetKeyPolicy was denied"),
      statement: STATEMENT,
    });
    const other = keyPolicyVerdict({ error: new Error("socket hang up") }, KEY, DOMAIN);
    expect(other.verdict).toBe("unverified");
    if (other.verdict === "unverified") expect(other.reason).toContain("could not read");
  });
});

const status = (key: DomainStatus["key"]): DomainStatus => ({
  ...PLACE,
  name: DOMAIN,
  expirationDays: 366,
  instances: [],
  profileCount: 0,
  objectCount: 0,
  tags: {},
  ...(key ? { key } : {}),
});

const textOf = (blocks: unknown[]) => renderText(blocks as never[]).replace(/[*`]/g, "");
const buttons = (blocks: unknown[]) =>
  JSON.stringify(blocks).match(/"action_id":"key_check_again"|"action_id":"home_key_check"/g) ?? [];

describe("/profiles status shows the key's verdict", () => {
  it("unverified: why, the statement, and Check again carrying only the domain's reference", () => {
    const v = keyPolicyVerdict({ error: denied }, KEY, DOMAIN);
    const { blocks } = renderDomainStatus(status({ arn: KEY, aliases: [], policy: v }));
    const text = textOf(blocks ?? []);
    expect(text).toContain("Unverified: the bot cannot read its policy");
    expect(text).toContain(`The KMS key of ${DOMAIN} is unverified.`);
    expect(text).toContain("kms:GetKeyPolicy was denied");
    expect(text).toContain('"Service": "profile.amazonaws.com"');
    const button = (blocks ?? []).flatMap((b) =>
      "accessory" in b && b.accessory?.type === "button" ? [b.accessory] : [],
    )[0];
    expect(button).toMatchObject({
      action_id: KEY_CHECK_ACTION,
      value: `${PLACE.account}.${PLACE.region}.${DOMAIN}`,
    });
  });

  it("missing: what to add; verified: one line and no button", () => {
    const missing = keyPolicyVerdict({ policy: ROOT_ONLY_KEY_POLICY }, KEY, DOMAIN);
    const m = renderDomainStatus(status({ arn: KEY, aliases: [], policy: missing }));
    expect(textOf(m.blocks ?? [])).toContain("lacks the Customer Profiles statement");
    expect(textOf(m.blocks ?? [])).toContain("Add this statement to the key policy");
    const verified = renderDomainStatus(
      status({ arn: KEY, aliases: [], policy: { verdict: "verified" } }),
    );
    expect(textOf(verified.blocks ?? [])).toContain("Its policy lets Customer Profiles use it.");
    expect(buttons(verified.blocks ?? [])).toEqual([]);
  });
});

describe("the App Home shows the last key check", () => {
  const overview = (policy?: ReturnType<typeof keyPolicyVerdict>) => ({
    domains: [
      {
        ...PLACE,
        domain: DOMAIN,
        channelId: "C0OPS",
        hasQueue: true,
        ...(policy
          ? { keyCheck: { ...PLACE, domain: DOMAIN, checkedAt: 1, key: { arn: KEY, policy } } }
          : {}),
      },
    ],
    jobs: [],
  });

  it("unverified: the reason, the statement and its own Check again, within Slack's limits", () => {
    const home = renderHome(overview(keyPolicyVerdict({ error: denied }, KEY, DOMAIN)), "viewer");
    expect(validateView(home as never)).toEqual([]);
    const text = textOf(home.blocks);
    expect(text).toContain(`KMS key ${KEY}: :grey_question: Unverified`);
    expect(text).toContain("kms:GetKeyPolicy was denied");
    expect(JSON.stringify(home.blocks)).toContain(`"action_id":"${HOME_KEY_CHECK_ACTION}"`);
  });

  it("verified, or never checked: no Check again", () => {
    const verified = renderHome(overview({ verdict: "verified" }), "viewer");
    expect(textOf(verified.blocks)).toContain("Its policy lets Customer Profiles use it.");
    expect(buttons(verified.blocks)).toEqual([]);
    expect(textOf(renderHome(overview(), "viewer").blocks)).not.toContain("KMS key");
  });

  it("re-checks keys never checked or checked over an hour ago", () => {
    const now = 10 * KEY_CHECK_MAX_AGE_MS;
    const d = (domain: string, checkedAt?: number) => ({
      ...PLACE,
      domain,
      channelId: "C0OPS",
      hasQueue: true,
      ...(checkedAt === undefined ? {} : { keyCheck: { ...PLACE, domain, checkedAt } }),
    });
    expect(
      staleKeyChecks(
        [d("never"), d("fresh", now - 1000), d("old", now - KEY_CHECK_MAX_AGE_MS - 1)],
        now,
      ).map((ref) => ref.domain),
    ).toEqual(["never", "old"]);
  });
});
