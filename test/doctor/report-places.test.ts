/**
 * The doctor's report with several places: the CLI's lines put each place's checks under a
 * line naming it, Slack gives each place one section; with one place nothing changes.
 */
import { describe, expect, it } from "vitest";
import { renderText } from "../../sandbox/slack/blocks.js";
import { type CheckResult, reportLines, reportOf, result } from "../../src/doctor/report.js";
import { renderDoctor } from "../../src/slack/render/doctor.js";

const PROD = "prod (444455556666) · eu-west-2";
const TOOLING = "tooling (111122223333) · us-east-1";
const at = (place: string, check: CheckResult): CheckResult => ({ ...check, place });

const checks = [
  at(
    TOOLING,
    result(
      "aws-identity",
      "ok",
      "account 111122223333 as arn:aws:iam::111122223333:user/bot, region us-east-1.",
    ),
  ),
  at(TOOLING, result("aws-services", "ok", "1 ACTIVE Connect instance.")),
  at(
    PROD,
    result(
      "aws-identity",
      "fail",
      "could not assume the target's role: STS call failed: AccessDenied.",
      { fix: "check the trust policy." },
    ),
  ),
  at(
    PROD,
    result("aws-services", "skip", "the AWS identity is unknown.", {
      fix: "fix the AWS identity check first.",
    }),
  ),
  result("redis", "ok", "Redis 7.2, maxmemory-policy noeviction."),
];

describe("a report of several places", () => {
  it("prints each place's checks under a line naming it, then the rest", () => {
    expect(reportLines(reportOf(checks))).toEqual([
      `${TOOLING}:`,
      "ok    AWS identity and region: account 111122223333 as arn:aws:iam::111122223333:user/bot, region us-east-1.",
      "ok    Amazon Connect and Customer Profiles: 1 ACTIVE Connect instance.",
      `${PROD}:`,
      "FAIL  AWS identity and region: could not assume the target's role: STS call failed: AccessDenied. Fix: check the trust policy.",
      "skip  Amazon Connect and Customer Profiles: the AWS identity is unknown. Fix: fix the AWS identity check first.",
      "ok    Redis: Redis 7.2, maxmemory-policy noeviction.",
    ]);
  });

  it("gives each place one section in Slack, its name first", () => {
    const { blocks, text } = renderDoctor(reportOf(checks));
    // Headline, two places, Redis, the context line.
    expect(blocks).toHaveLength(5);
    const prod = renderText([blocks[2] as never]);
    expect(prod.split("\n")[0]).toBe(`*${PROD}*`);
    expect(prod).toContain("could not assume the target's role");
    expect(prod).toContain("_Fix:_ check the trust policy.");
    expect(text).toContain(`FAIL ${PROD} AWS identity and region: could not assume`);
  });

  it("reads as always with one place", () => {
    const one = checks.map(({ place: _, ...c }) => c);
    expect(reportLines(reportOf(one))).toHaveLength(5);
    expect(renderDoctor(reportOf(one)).blocks).toHaveLength(7);
  });
});
