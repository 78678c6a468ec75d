/**
 * doctor's requirements are data in src/doctor/requirements.ts because neither
 * iam-policy.json nor manifest.yml ships in the image: this keeps them equal to those files,
 * and keeps the Slack stand-in's default scopes equal to the manifest's.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_BOT_SCOPES } from "../../sandbox/slack/server.js";
import { principalArnOf } from "../../src/aws/identity-gateway.js";
import { BOT_SCOPES, IAM_STATEMENTS } from "../../src/doctor/requirements.js";

const root = new URL("../../", import.meta.url);
const policy = JSON.parse(readFileSync(new URL("iam-policy.json", root), "utf8")) as {
  Statement: {
    Sid: string;
    Effect: string;
    Action: string[];
    Resource: string;
    Condition?: unknown;
  }[];
};
/** What doctor checks is allowed; a Deny statement only narrows what these grant. */
const allows = policy.Statement.filter((s) => s.Effect === "Allow");
const manifest = readFileSync(new URL("manifest.yml", root), "utf8");

/** The items of `oauth_config: scopes: bot:` (a plain YAML list, comments after `#`). */
function manifestBotScopes(): string[] {
  const block = /\n\s*scopes:\s*\n\s*bot:\s*\n((?:\s+-\s+.*\n)+)/.exec(manifest)?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => /^\s+-\s+([^\s#]+)/.exec(line)?.[1])
    .filter((s): s is string => s !== undefined);
}

/** IAM's wildcard match: `*` any run of characters. */
const matches = (pattern: string, arn: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(arn);

const parts = { partition: "aws", region: "eu-west-2", account: "123456789012" };

describe("doctor's IAM statements", () => {
  it("are iam-policy.json's Allow statements, statement by statement", () => {
    expect(
      IAM_STATEMENTS.map((s) => ({ sid: s.sid, actions: s.actions, resource: s.resourcePattern })),
    ).toEqual(allows.map((s) => ({ sid: s.Sid, actions: s.Action, resource: s.Resource })));
  });

  it("simulate each on a resource its pattern matches, with context where it has conditions", () => {
    for (const [i, s] of IAM_STATEMENTS.entries()) {
      const sample = s.sampleResource(parts);
      expect(matches(s.resourcePattern, sample), `${s.sid}: ${sample}`).toBe(true);
      if (s.resourcePattern !== "*") expect(sample).toContain(":eu-west-2:123456789012:");
      expect(Boolean(s.context), s.sid).toBe(Boolean(allows[i]?.Condition));
    }
  });
});

describe("doctor's Slack scopes", () => {
  it("are manifest.yml's bot scopes, and the stand-in's by default", () => {
    const scopes = manifestBotScopes();
    expect(scopes.length).toBeGreaterThan(3);
    expect(Object.keys(BOT_SCOPES)).toEqual(scopes);
    expect(DEFAULT_BOT_SCOPES).toEqual(scopes);
  });

  it("the manifest lists doctor among /profiles' subcommands", () => {
    expect(/usage_hint:.*\bdoctor\b/.test(manifest)).toBe(true);
  });
});

describe("the principal IAM simulates", () => {
  it("is the role behind an assumed-role session, and a user or role as it is", () => {
    expect(principalArnOf("arn:aws:sts::123456789012:assumed-role/profiles-bot/i-0abc")).toBe(
      "arn:aws:iam::123456789012:role/profiles-bot",
    );
    expect(principalArnOf("arn:aws:iam::123456789012:user/ops/bot")).toBe(
      "arn:aws:iam::123456789012:user/ops/bot",
    );
  });
});
