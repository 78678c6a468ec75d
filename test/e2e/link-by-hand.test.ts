/**
 * The instance link made by hand, end to end: the enable wizard driven through the Slack
 * stand-in while the emulator refuses PutIntegration (a fault set on its control endpoint, as
 * someone at the sandbox would). The job completes everything else and its report gives the
 * console steps with Check again. Check again before the link says it is still missing; the
 * test then links the instance "by hand" (the fault cleared, PutIntegration sent through the
 * SDK as the console would) and Check again completes the report in place. Forged and stale
 * Check again values are refused and audited.
 */
import { CustomerProfilesClient, PutIntegrationCommand } from "@aws-sdk/client-customer-profiles";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { findDomain } from "../../sandbox/aws/services/profiles.js";
import type { SlackDriver } from "../../sandbox/slack/driver.js";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import { SANDBOX_AWS_CREDENTIALS, type Stack } from "../../sandbox/stack.js";
import { RedisAuditLog } from "../../src/audit/audit.js";
import { createLogger } from "../../src/logger.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { CHECK_LINK_ACTION } from "../../src/slack/render/provision.js";
import { postButton } from "../support/buttons.js";
import { startTestStack } from "../support/e2e.js";
import { emulatorControl } from "../support/emulator-control.js";
import { enableWithDefaults } from "../support/enable.js";
import { readMessage, waitForMessage } from "../support/messages.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const INSTANCE_ARN = `arn:aws:connect:us-east-1:${ACCOUNT_ID}:instance/${EXAMPLECORP}`;
const DOMAIN = "amazon-connect-examplecorp";
const JOB_ID = `enable-${ACCOUNT_ID}.us-east-1.${EXAMPLECORP}`;
const FAULT_KEY = "profile:PutIntegration";
const BY_HAND = "Customer Profiles set up for examplecorp: link the instance by hand";

let stack: Stack;
let driver: SlackDriver;
let redis: Redis;
let audit: RedisAuditLog;

beforeAll(async () => {
  stack = await startTestStack({ env: { PROFILES_ADMINS: USER } });
  driver = stack.slack.driver;
  redis = createRedis(stack.config, "client");
  audit = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
});

afterAll(async () => {
  await redis?.quit();
  await stack?.stop();
});

/** The emulator's control endpoint, over plain HTTP. */
const faults = async (method: string, body?: unknown, query = ""): Promise<number> =>
  (await emulatorControl(stack.emulator.url, "faults", method, body, query)).status;

const toldClicker = (pattern: RegExp, after = 0) =>
  stack.slack.timeline.waitFor(
    (t) =>
      t
        .ephemerals(USER)
        .slice(after)
        .find((e) => pattern.test(e.text ?? "")),
    { timeoutMs: 10_000, description: `an ephemeral matching ${pattern}` },
  );

const checkClicks = async () =>
  (await audit.latest({ limit: 1000 })).filter(
    (e) => e.userId === USER && e.action === `action:${CHECK_LINK_ACTION}`,
  );

/** The `count` newest audit entries of Check again once there are that many after `since`. */
async function auditsAfter(since: number, count: number) {
  for (let i = 0; i < 100; i++) {
    const entries = await checkClicks();
    if (entries.length >= since + count) return entries.slice(0, count);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no new audit entry for Check again");
}

const auditAfter = async (since: number) => (await auditsAfter(since, 1))[0];

describe("an instance link AWS refuses", () => {
  let report: MessageRecord;
  let ref: { channel: string; ts: string };

  it("completes everything else; the report gives the console steps and Check again", async () => {
    expect(await faults("POST", { [FAULT_KEY]: { code: "AccessDeniedException" } })).toBe(200);
    await enableWithDefaults(stack, USER, EXAMPLECORP);

    report = await waitForMessage(stack, CHANNEL, BY_HAND);
    ref = { channel: report.channel, ts: report.ts };
    const text = readMessage(report);
    expect(text).toContain("✋ Instance link Customer Profiles PutIntegration was refused");
    expect(text).toContain("AccessDeniedException");
    expect(text).toContain(
      "On the instances page, choose the instance alias examplecorp (instance ID",
    );
    expect(text).toContain(`select ${DOMAIN} and submit`);
    expect(text).toContain("In the navigation pane, choose Customer profiles.");
    expect(text).toContain("[Check again]");
    expect(text).not.toContain("[Retry]");
    expect(text).not.toContain("Customer Profiles enabled for");
    // The other steps are done, the binding too: it does not wait for the link.
    for (const line of [
      "✅ Dead-letter queue",
      "✅ KMS key",
      "✅ Domain",
      `✅ Dead-letter digests Dead-letter digests for ${DOMAIN} go to this channel.`,
    ]) {
      expect(text).toContain(line);
    }
    const domain = findDomain(stack.emulator.ctx.state, DOMAIN, "us-east-1");
    expect(domain?.deadLetterQueueUrl).toBeTruthy();
    expect(domain?.defaultEncryptionKey).toBeTruthy();
    expect(domain?.integrations).toEqual([]);
  });

  it("Check again before the link is made says it is still missing, with the steps", async () => {
    const before = (await checkClicks()).length;
    const seen = stack.slack.timeline.ephemerals(USER).length;
    const click = await driver.clickButton(CHECK_LINK_ACTION, { message: ref, user: USER });
    expect(click.status).toBe(200);
    const told = await toldClicker(/still not linked/, seen);
    expect(told.text).toContain(DOMAIN);
    expect(told.text).toContain("choose Customer profiles");
    const entry = await auditAfter(before);
    expect(entry).toMatchObject({ outcome: "succeeded", jobId: JOB_ID });
    expect(entry?.detail).toContain(`linked to no domain, not to ${DOMAIN}`);
    const current = stack.slack.timeline.messages(CHANNEL).find((m) => m.ts === ref.ts);
    expect(readMessage(current)).toContain(BY_HAND);
  });

  it("once linked by hand, Check again completes the report in place; a double click does it once", async () => {
    expect(await faults("DELETE", undefined, `?key=${encodeURIComponent(FAULT_KEY)}`)).toBe(200);
    // The console's link: PutIntegration with the instance ARN, through the SDK.
    const client = new CustomerProfilesClient({
      region: "us-east-1",
      endpoint: stack.emulator.url,
      credentials: SANDBOX_AWS_CREDENTIALS,
    });
    try {
      await client.send(
        new PutIntegrationCommand({ DomainName: DOMAIN, Uri: INSTANCE_ARN, ObjectTypeName: "CTR" }),
      );
    } finally {
      client.destroy();
    }

    const before = (await checkClicks()).length;
    const seen = stack.slack.timeline.ephemerals(USER).length;
    const clicks = await Promise.all([
      driver.clickButton(CHECK_LINK_ACTION, { message: ref, user: USER }),
      driver.clickButton(CHECK_LINK_ACTION, { message: ref, user: USER }),
    ]);
    expect(clicks.map((c) => c.status)).toEqual([200, 200]);

    const done = await waitForMessage(stack, CHANNEL, "Customer Profiles enabled for examplecorp");
    expect(done.ts).toBe(ref.ts);
    expect(stack.slack.timeline.messages(CHANNEL)).toHaveLength(1);
    const text = readMessage(done);
    expect(text).toContain(`✅ Instance link Linked instance examplecorp to ${DOMAIN} by hand.`);
    expect(text).toContain("Linked instance");
    expect(text).not.toContain("Check again");
    expect(text).not.toContain("✋");
    // The second click found the work done or in hand, and said so.
    await toldClicker(/already found linked|nothing more was checked/, seen);
    const entries = await auditsAfter(before, 2);
    expect(entries.map((e) => e.outcome).sort()).toEqual(["refused", "succeeded"]);
    expect(entries.find((e) => e.outcome === "succeeded")?.detail).toContain(
      `linked to ${DOMAIN}: the report is complete`,
    );
  });

  it("refuses a Check again value copied onto another message, or naming a job without a check", async () => {
    const forge = (value: string) =>
      postButton(stack, CHANNEL, { actionId: CHECK_LINK_ACTION, label: "Check again", value });

    let before = (await checkClicks()).length;
    let seen = stack.slack.timeline.ephemerals(USER).length;
    await driver.clickButton(CHECK_LINK_ACTION, { message: await forge(JOB_ID), user: USER });
    let entry = await auditAfter(before);
    expect(entry).toMatchObject({ outcome: "refused", jobId: JOB_ID });
    expect(entry?.detail).toContain(`value names job ${JOB_ID}, but was clicked on`);
    await toldClicker(/not clicked on the message that reports on that job/, seen);

    before = (await checkClicks()).length;
    seen = stack.slack.timeline.ephemerals(USER).length;
    const stale = `enable-${ACCOUNT_ID}.us-east-1.0000aaaa-0000-4000-8000-000000000000`;
    await driver.clickButton(CHECK_LINK_ACTION, { message: await forge(stale), user: USER });
    entry = await auditAfter(before);
    expect(entry).toMatchObject({ outcome: "refused", jobId: stale });
    await toldClicker(/no longer keeps this job's link check/, seen);

    // Neither click touched the job's report.
    const current = stack.slack.timeline.messages(CHANNEL).find((m) => m.ts === ref.ts);
    expect(readMessage(current)).toContain("Customer Profiles enabled for examplecorp");
  });
});
