/**
 * Clean up tells everything, end to end: a job that changed resources which existed before
 * (a statement merged into a queue's policy, an instance moved off its domain) fails, Clean up
 * is clicked through the Slack stand-in, and the emulator and the message show what is true
 * now. Also the key-policy step on a key whose policy the bot may not read: "not verified".
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { LEGACY_KEY_ALIAS, LEGACY_QUEUE_NAME } from "../../sandbox/aws/seed.js";
import { findDomain } from "../../sandbox/aws/services/profiles.js";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import type { Stack } from "../../sandbox/stack.js";
import { type ProvisionRequest, provisionJobData } from "../../src/provision/plan-to-job.js";
import { CLEANUP_ACTION } from "../../src/slack/render/provision.js";
import { LINK_QUOTA_FAULT } from "../support/link-faults.js";
import { readMessage, waitForMessage } from "../support/messages.js";
import { useProvisionStack } from "../support/provision-stack.js";

const REGION = "us-east-1";
const CHANNEL = "C0OPS";
const USER = "U0ADMIN";
const EXAMPLECORP = {
  id: "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01",
  arn: `arn:aws:connect:${REGION}:${ACCOUNT_ID}:instance/5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01`,
  alias: "examplecorp",
};
/** The seeded instance linked to the seeded domain amazon-connect-legacy. */
const LEGACY_SUPPORT = {
  id: "8d3e6b2c-7a41-4f5e-b0c9-2e7f9a1d3c52",
  arn: `arn:aws:connect:${REGION}:${ACCOUNT_ID}:instance/8d3e6b2c-7a41-4f5e-b0c9-2e7f9a1d3c52`,
  alias: "legacy-support",
};
const LEGACY_DOMAIN = "amazon-connect-legacy";
const DOMAIN = "amazon-connect-examplecorp";

const jobs = useProvisionStack();

function enqueue(choice: Partial<ProvisionRequest>) {
  const data = provisionJobData(
    {
      instance: EXAMPLECORP,
      domain: { mode: "new", name: DOMAIN, expirationDays: 366 },
      dlq: { mode: "none" },
      key: { mode: "aws-owned" },
      confirmRelink: false,
      ...choice,
    },
    { requestedBy: USER, channelId: CHANNEL, teamId: "T0SANDBOX" },
  );
  return jobs.enqueue(data);
}

/** The text of the Clean up button's confirmation dialog, as the message carries it. */
function cleanupConfirmText(m: MessageRecord): string {
  const button = (m.blocks ?? [])
    .flatMap((b) => (Array.isArray(b.elements) ? (b.elements as Record<string, unknown>[]) : []))
    .find((e) => e.action_id === CLEANUP_ACTION);
  const confirm = button?.confirm as { text?: { text?: string } } | undefined;
  return confirm?.text?.text ?? "";
}

async function cleanUpAfterFailure(s: Stack): Promise<{ failed: MessageRecord; after: string }> {
  const failed = await waitForMessage(
    s,
    CHANNEL,
    "Enabling Customer Profiles for examplecorp failed",
  );
  const click = await s.slack.driver.clickButton(CLEANUP_ACTION, {
    message: { channel: failed.channel, ts: failed.ts },
  });
  expect(click.status).toBe(200);
  const cleaned = await waitForMessage(s, CHANNEL, "Cleaned up after enabling");
  return { failed, after: readMessage(cleaned) };
}

describe("Clean up on resources that existed before", () => {
  it("(a) takes its statement out of an existing queue's policy, leaves the others as they were, and lists it", async () => {
    const { stack: s } = await jobs.start();
    const legacy = s.emulator.ctx.state.sqs.queues[LEGACY_QUEUE_NAME];
    if (!legacy) throw new Error("the seed has no legacy queue");
    // Two statements of someone else's, one with a condition of its own.
    const before = JSON.parse(legacy.attributes.Policy ?? "{}");
    before.Statement.push({
      Sid: "AllowAuditRead",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:role/audit` },
      Action: ["sqs:GetQueueAttributes"],
      Resource: legacy.arn,
    });
    legacy.attributes.Policy = JSON.stringify(before);
    // The link step fails for good after the domain was made.
    s.emulator.faults.set(LINK_QUOTA_FAULT);

    await enqueue({
      dlq: { mode: "existing", url: legacy.url, arn: legacy.arn, mergePolicy: true },
    });
    const failed = await waitForMessage(
      s,
      CHANNEL,
      "Enabling Customer Profiles for examplecorp failed",
    );
    const merged = JSON.parse(legacy.attributes.Policy ?? "{}");
    expect(merged.Statement.map((st: { Sid: string }) => st.Sid)).toEqual([
      "AllowOpsAlarmsTopic",
      "AllowAuditRead",
      "CustomerProfilesDLQ",
    ]);
    // The dialog says what it will do to the queue that existed before, not "only what it created".
    const confirm = cleanupConfirmText(failed);
    expect(confirm).toContain(
      `remove statement CustomerProfilesDLQ from queue ${LEGACY_QUEUE_NAME}'s policy`,
    );
    expect(confirm).not.toContain("only what this job created");

    const { after } = await cleanUpAfterFailure(s);
    expect(JSON.parse(legacy.attributes.Policy ?? "{}")).toEqual(before);
    expect(after).toContain(
      `The policy of queue ${legacy.url}: statement CustomerProfilesDLQ removed: every other statement is as it was.`,
    );
    expect(after).toContain(`Domain ${DOMAIN}: deleted.`);
    // The queue itself was someone else's: no line says it was deleted or created.
    expect(after).not.toContain(`Queue ${legacy.url}`);
    expect(after).not.toContain("Created");
  });

  it("(a) leaves a statement someone changed since in place, and says why", async () => {
    const { stack: s } = await jobs.start();
    const legacy = s.emulator.ctx.state.sqs.queues[LEGACY_QUEUE_NAME];
    if (!legacy) throw new Error("the seed has no legacy queue");
    // The link step fails for good after the domain was made.
    s.emulator.faults.set(LINK_QUOTA_FAULT);
    await enqueue({
      dlq: { mode: "existing", url: legacy.url, arn: legacy.arn, mergePolicy: true },
    });
    await waitForMessage(s, CHANNEL, "Enabling Customer Profiles for examplecorp failed");
    const edited = JSON.parse(legacy.attributes.Policy ?? "{}");
    const ours = edited.Statement.find((st: { Sid: string }) => st.Sid === "CustomerProfilesDLQ");
    ours.Action = ["sqs:SendMessage", "sqs:GetQueueUrl"];
    legacy.attributes.Policy = JSON.stringify(edited);

    const { after } = await cleanUpAfterFailure(s);
    expect(JSON.parse(legacy.attributes.Policy ?? "{}")).toEqual(edited);
    expect(after).toContain(
      `The policy of queue ${legacy.url}: statement CustomerProfilesDLQ left in place: someone changed the statement since this job added it`,
    );
  });

  it("(b) after a relink, says where the instance is now, where it was, and how to move it back", async () => {
    const { stack: s } = await jobs.start();
    const state = s.emulator.ctx.state;
    // The link fails for good after the bot took the instance off its domain.
    s.emulator.faults.set(LINK_QUOTA_FAULT);
    await enqueue({ instance: LEGACY_SUPPORT, confirmRelink: true });
    const failed = await waitForMessage(
      s,
      CHANNEL,
      "Enabling Customer Profiles for legacy-support failed",
    );
    expect(findDomain(state, LEGACY_DOMAIN, REGION)?.integrations).toEqual([]);
    expect(cleanupConfirmText(failed)).toContain(
      `It leaves the instance off ${LEGACY_DOMAIN}, where it was linked before`,
    );

    const click = await s.slack.driver.clickButton(CLEANUP_ACTION, {
      message: { channel: failed.channel, ts: failed.ts },
    });
    expect(click.status).toBe(200);
    const after = readMessage(
      await waitForMessage(s, CHANNEL, "Cleaned up after enabling legacy-support"),
    );
    expect(after).toContain(`The link of instance ${LEGACY_SUPPORT.arn}: left in place:`);
    expect(after).toContain(
      `this job unlinked instance legacy-support from domain ${LEGACY_DOMAIN}`,
    );
    expect(after).toContain("the instance is linked to no domain now");
    expect(after).toContain(`run /profiles enable and pick ${LEGACY_DOMAIN} as an existing domain`);
    // Clean up did not move it back silently.
    expect(findDomain(state, LEGACY_DOMAIN, REGION)?.integrations).toEqual([]);
  });
});

describe("the key-policy step on a key whose policy the bot may not read", () => {
  it("(d) reports the key policy as not verified, with why, instead of 'needed no change'", async () => {
    const { stack: s } = await jobs.start({
      emulator: { faults: { "kms:GetKeyPolicy": { code: "AccessDeniedException" } } },
    });
    const { kms } = s.emulator.ctx.state;
    const keyId = kms.aliases[LEGACY_KEY_ALIAS]?.targetKeyId;
    const key = keyId ? kms.keys[keyId] : undefined;
    if (!key) throw new Error("the seed has no legacy key");
    await enqueue({
      key: {
        mode: "existing",
        keyId: key.keyId,
        arn: key.arn,
        updatePolicy: false,
        confirmedStatement: true,
      },
    });
    const done = await waitForMessage(s, CHANNEL, "Customer Profiles enabled for examplecorp");
    const text = readMessage(done);
    expect(text).toContain(
      `⚠️ Key policy Key policy not verified: the bot may not read key ${key.arn}'s policy (kms:GetKeyPolicy was denied)`,
    );
    expect(text).toContain(
      "you confirmed in the wizard that its administrator added the statement",
    );
    expect(text).not.toContain("needed no change");
    expect(text).not.toContain("already has the Customer Profiles statement");
    // The summary repeats it beside the key.
    expect(text.match(/Key policy not verified/g)).toHaveLength(2);
  });
});
