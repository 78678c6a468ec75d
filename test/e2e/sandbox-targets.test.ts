/**
 * `npm run sandbox`'s two targets: the sandbox's own account in two regions and the partner
 * account through its seeded role and external id, each place with Connect instances. The
 * doctor (in Slack and from the CLI) checks every place, assuming the partner's role as the
 * admin who asked; with a wrong external id the partner's places fail naming the fix.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { TARGET_ACCOUNT, TARGET_ROLE_ARN } from "../../sandbox/aws/seed.js";
import { renderText } from "../../sandbox/slack/blocks.js";
import {
  PARTNER_REGION,
  SANDBOX_AWS_CREDENTIALS,
  type Stack,
  sandboxTargets,
} from "../../sandbox/stack.js";
import { createDoctorCommand } from "../../src/cli/doctor.js";
import type { DoctorReport } from "../../src/doctor/report.js";
import { startTestStack } from "../support/e2e.js";
import { emulatorControl } from "../support/emulator-control.js";

const PLACES = [
  `sandbox (${ACCOUNT_ID}) · us-east-1`,
  `sandbox (${ACCOUNT_ID}) · eu-west-2`,
  `partner (${TARGET_ACCOUNT}) · ${PARTNER_REGION}`,
];

let stack: Stack;
beforeAll(async () => {
  stack = await startTestStack({ twoTargets: true });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

/** The CLI doctor in-process against the stack, with the sandbox's targets unless told otherwise. */
async function doctor(targets: unknown = sandboxTargets("us-east-1")): Promise<{
  code: number;
  report: DoctorReport;
}> {
  const out: string[] = [];
  const code = await createDoctorCommand({
    env: {
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: stack.emulator.url,
      AWS_TARGETS: JSON.stringify(targets),
      REDIS_URL: stack.config.redis.url,
      QUEUE_PREFIX: stack.config.redis.prefix,
    },
    awsCredentials: SANDBOX_AWS_CREDENTIALS,
  })(["--json"], { stdin: process.stdin, out: (l) => out.push(l), err: () => {} });
  return { code, report: JSON.parse(out.join("\n")) as DoctorReport };
}

describe("the sandbox with two targets", () => {
  it("serves three places: its own account in two regions and the partner's through the role", () => {
    expect(stack.config.aws.targets.map((t) => [t.name, t.account ?? "own", t.regions])).toEqual([
      ["sandbox", "own", ["us-east-1", "eu-west-2"]],
      ["partner", TARGET_ACCOUNT, [PARTNER_REGION]],
    ]);
  });

  it("/profiles doctor checks each place in a section of its own, the partner's as the admin's session", async () => {
    await emulatorControl(stack.emulator.url, "assumed-roles", "DELETE");
    const before = stack.slack.timeline.ephemerals("U0ADMIN", "C0OPS").length;
    await stack.slack.driver.type("/profiles doctor", { user: "U0ADMIN" });
    const reply = await stack.slack.timeline.waitFor(
      (t) =>
        t
          .ephemerals("U0ADMIN", "C0OPS")
          .slice(before)
          .find((e) => e.text.startsWith("Doctor:")),
      { timeoutMs: 30_000, description: "the doctor's answer" },
    );
    const text = renderText(reply.blocks, reply.text);
    expect(text).toContain("Doctor: every check passed");
    for (const place of PLACES) expect(text).toContain(`*${place}*`);
    expect(text).toContain(
      `arn:aws:sts::${TARGET_ACCOUNT}:assumed-role/profiles-bot-target/profiles-bot-U0ADMIN`,
    );
    const answer = await emulatorControl(stack.emulator.url, "assumed-roles", "GET");
    const sessions = (answer.json as { assumedRoles: { roleSessionName: string }[] }).assumedRoles;
    expect(sessions.map((s) => s.roleSessionName)).toEqual(["profiles-bot-U0ADMIN"]);
  });

  it("the CLI doctor finds the seeded Connect instances in every place", async () => {
    const { code, report } = await doctor();
    expect(code).toBe(0);
    const services = report.checks.filter((c) => c.id === "aws-services");
    expect(services.map((c) => [c.place, c.status])).toEqual(PLACES.map((p) => [p, "ok"]));
    for (const check of services) expect(check.summary).toContain("examplecorp");
  });

  it("a wrong external id fails the partner's place naming the role, AWS's code and the fix", async () => {
    const [own, partner] = sandboxTargets("us-east-1");
    const { code, report } = await doctor([own, { ...partner, externalId: "not-the-agreed-id" }]);
    expect(code).toBe(1);
    const at = (place: string) => report.checks.filter((c) => c.place === place);
    expect(at(PLACES[0] as string).every((c) => c.status === "ok")).toBe(true);
    const [identity, permissions, services] = at(PLACES[2] as string);
    expect(identity).toMatchObject({
      id: "aws-identity",
      status: "fail",
      summary: `could not assume the target's role: STS call failed: AccessDenied (User: arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot is not authorized to perform: sts:AssumeRole on resource: ${TARGET_ROLE_ARN}).`,
      fix: `the role's trust policy must let the bot's principal call \`sts:AssumeRole\` with the external id AWS_TARGETS gives for this target (see iam-target-trust-policy.json), and the bot's own policy must allow \`sts:AssumeRole\` on \`${TARGET_ROLE_ARN}\` (see iam-assume-policy.json).`,
    });
    expect(permissions?.status).toBe("skip");
    expect(services?.status).toBe("fail");
    expect(services?.summary).toContain("AccessDenied");
  });
});
