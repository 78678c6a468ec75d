/**
 * The provisioning job's Slack message end to end: a job enqueued on the stack's real Redis
 * runs in the stack's worker against the emulator, and the Slack stand-in shows one message,
 * edited in place. Retry and Clean up are clicked through the driver, signed as Slack would.
 */
import { describe, expect, it, vi } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { findDomain } from "../../sandbox/aws/services/profiles.js";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import type { Stack } from "../../sandbox/stack.js";
import { refId } from "../../src/aws/targets.js";
import type { ProvisionJobData as ReportedJobData } from "../../src/provision/plan-to-job.js";
import { provisionJobData } from "../../src/provision/plan-to-job.js";
import { keyMarker } from "../../src/provision/steps.js";
import { CLEANUP_ACTION, RETRY_ACTION } from "../../src/slack/render/provision.js";
import { at } from "../dlq/support/place.js";
import { LINK_QUOTA_FAULT } from "../support/link-faults.js";
import { readMessage, waitForMessage } from "../support/messages.js";
import { useProvisionStack } from "../support/provision-stack.js";

const REGION = "us-east-1";
const INSTANCE_ID = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT_ID}:instance/${INSTANCE_ID}`;
const DOMAIN = "amazon-connect-examplecorp";
const QUEUE = `${DOMAIN}-dlq`;
const ALIAS = `alias/${DOMAIN}`;
const CHANNEL = "C0OPS";
const USER = "U0ADMIN";
const JOB_ID = `enable-${ACCOUNT_ID}.us-east-1.${INSTANCE_ID}`;

const jobs = useProvisionStack();

/** The job for a new domain, queue and key; its message in CHANNEL. */
function enqueue() {
  const data = provisionJobData(
    {
      instance: { id: INSTANCE_ID, arn: INSTANCE_ARN, alias: "examplecorp" },
      domain: { mode: "new", name: DOMAIN, expirationDays: 366 },
      dlq: { mode: "new", name: QUEUE },
      key: { mode: "new", alias: ALIAS, description: "Profiles for examplecorp" },
      confirmRelink: false,
    },
    { requestedBy: USER, channelId: CHANNEL, teamId: "T0SANDBOX" },
  );
  return jobs.enqueue(data);
}

/** A job that fails for good at the link step (the integrations quota), and its report. */
async function failedJob(): Promise<{ s: Stack; failed: MessageRecord }> {
  const { stack: s } = await jobs.start();
  s.emulator.faults.set(LINK_QUOTA_FAULT);
  await enqueue();
  const failed = await waitForMessage(
    s,
    CHANNEL,
    "Enabling Customer Profiles for examplecorp failed",
  );
  return { s, failed };
}

const statusMessages = (s: Stack) => s.slack.timeline.messages(CHANNEL);

/** What the emulator holds that this job made. */
function holdings(s: Stack) {
  const { state } = s.emulator.ctx;
  const keys = Object.values(state.kms.keys).filter((k) =>
    k.description.includes(keyMarker(JOB_ID)),
  );
  return {
    domain: findDomain(state, DOMAIN, REGION),
    queues: Object.values(state.sqs.queues).filter((q) => q.name === QUEUE),
    keys,
    liveKeys: keys.filter((k) => k.keyState !== "PendingDeletion"),
    alias: state.kms.aliases[ALIAS],
  };
}

describe("the provisioning message", () => {
  it("is one message, edited in place, ending in the summary with what the emulator holds", async () => {
    const { stack: s, queues } = await jobs.start();
    const { jobId, status } = await enqueue();
    expect(status).toBe("started");

    const message = await waitForMessage(s, CHANNEL, "Customer Profiles enabled for examplecorp");
    expect(statusMessages(s)).toHaveLength(1);
    // Posted once, then edited as steps went: the earlier versions show the checklist growing.
    expect(message.history.length).toBeGreaterThan(0);
    expect(message.history.some((v) => renderText(v.blocks).includes("⏳"))).toBe(true);
    expect(s.slack.timeline.callsTo("chat.postMessage")).toHaveLength(1);

    const held = holdings(s);
    expect(held.queues).toHaveLength(1);
    expect(held.keys).toHaveLength(1);
    const text = readMessage(message);
    for (const value of [
      DOMAIN,
      held.domain?.arn,
      held.queues[0]?.url,
      held.queues[0]?.arn,
      held.keys[0]?.arn,
      ALIAS,
      INSTANCE_ID,
    ]) {
      expect(value).toBeTruthy();
      expect(text).toContain(value);
    }
    expect(held.domain?.defaultEncryptionKey).toBe(held.keys[0]?.arn);
    expect(held.domain?.deadLetterQueueUrl).toBe(held.queues[0]?.url);
    expect(text).not.toContain("Retry");

    // The new domain's scans start with the job, not at the next reconcile (60 s away here).
    await vi.waitFor(
      async () =>
        expect(await queues.dlqScan.getJobScheduler(`scan-${refId(at(DOMAIN))}`)).toBeDefined(),
      { timeout: 10_000, interval: 100 },
    );

    // The message's place is kept in the job, so a retry or clean-up edits the same one.
    const job = await queues.provision.getJob(jobId);
    expect(job).toBeDefined();
    expect((job?.data as ReportedJobData | undefined)?.message).toEqual({
      channel: CHANNEL,
      ts: message.ts,
    });
  });

  it("a failure shows the call, code and fix with Retry and Clean up; Clean up removes what the job made", async () => {
    const { s, failed } = await failedJob();
    const text = readMessage(failed);
    expect(text).toContain("Customer Profiles PutIntegration");
    expect(text).toContain("BadRequestException");
    expect(text).toContain("Service Quotas");
    expect(text).toContain("[Retry] [Clean up]");
    const before = holdings(s);
    expect(before.domain).toBeDefined();
    const queueUrl = before.queues[0]?.url;

    const ref = { channel: failed.channel, ts: failed.ts };
    const click = await s.slack.driver.clickButton(CLEANUP_ACTION, { message: ref });
    expect(click.status).toBe(200);
    const cleaned = await waitForMessage(s, CHANNEL, "Cleaned up after enabling examplecorp");
    expect(cleaned.ts).toBe(failed.ts);
    expect(statusMessages(s)).toHaveLength(1);

    const held = holdings(s);
    expect(held.domain).toBeUndefined();
    expect(held.queues).toHaveLength(0);
    expect(held.alias).toBeUndefined();
    expect(held.keys).toHaveLength(1);
    expect(held.liveKeys).toHaveLength(0);
    // Before Clean up the checklist ticked the queue it created.
    expect(text).toContain(`✅ Dead-letter queue Created queue ${QUEUE}`);
    const after = readMessage(cleaned);
    expect(after).toContain(`Domain ${DOMAIN}: deleted.`);
    expect(after).toContain(`Queue ${queueUrl}: deleted.`);
    expect(after).toMatch(/KMS key arn:aws:kms:\S+: scheduled for deletion on \d{4}-\d{2}-\d{2}: /);
    expect(after).toContain(`Alias ${ALIAS}: deleted.`);
    // (c) What is true now replaces the checklist: no tick for the queue that is gone.
    expect(after).not.toContain("Created queue");
    expect(after).not.toContain("✅");
    const thread = s.slack.timeline.thread(CHANNEL, failed.ts).map((m) => m.text);
    expect(thread.filter((t) => t.startsWith(`<@${USER}> clicked Clean up`))).toHaveLength(1);
  });

  it("Retry after the cause is fixed resumes and completes, creating nothing twice; a second click starts nothing", async () => {
    const { s, failed } = await failedJob();
    const ref = { channel: failed.channel, ts: failed.ts };

    s.emulator.faults.clear();
    const [first, second] = await Promise.all([
      s.slack.driver.clickButton(RETRY_ACTION, { message: ref }),
      s.slack.driver.clickButton(RETRY_ACTION, { message: ref }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);

    const done = await waitForMessage(s, CHANNEL, "Customer Profiles enabled for examplecorp");
    expect(done.ts).toBe(failed.ts);
    expect(statusMessages(s)).toHaveLength(1);
    const held = holdings(s);
    expect(held.queues).toHaveLength(1);
    expect(held.keys).toHaveLength(1);
    expect(held.domain?.integrations.map((i) => i.uri)).toContain(INSTANCE_ARN);
    expect(readMessage(done)).toContain(held.domain?.arn);

    const replies = s.slack.timeline.thread(CHANNEL, failed.ts).map((m) => m.text);
    expect(replies.filter((r) => r.startsWith(`<@${USER}> clicked Retry`))).toHaveLength(1);
    const told = await s.slack.timeline.waitFor(
      (t) =>
        t
          .ephemerals(USER, CHANNEL)
          .find((e) => /nothing more was started|did nothing/.test(e.text)),
      { description: "an ephemeral telling the second clicker nothing ran" },
    );
    expect(told).toBeDefined();
  });
});
