/**
 * The provisioning message's block builders (every state within Block Kit's limits, the
 * failure naming call, code, fix and offering confirmed buttons) and the reporter's one
 * message per job, over an in-memory notifier.
 */
import { describe, expect, it, vi } from "vitest";
import { renderText, validateBlocks } from "../../sandbox/slack/blocks.js";
import { mrkdwnToHtml } from "../../sandbox/slack/mrkdwn.js";
import type { Block } from "../../sandbox/slack/types.js";
import { toAppError } from "../../src/aws/errors.js";
import { createLogger } from "../../src/logger.js";
import type { ProvisionJobData as ReportedJobData } from "../../src/provision/plan-to-job.js";
import { provisionJobData } from "../../src/provision/plan-to-job.js";
import { toFailure } from "../../src/provision/run.js";
import type {
  CleanupResult,
  ProvisionFailure,
  ProvisionSummary,
  StepName,
} from "../../src/provision/types.js";
import type { Notifier, SlackMessage } from "../../src/slack/notifier/notifier.js";
import {
  CHECK_LINK_ACTION,
  CLEANUP_ACTION,
  type ProvisionReport,
  RETRY_ACTION,
  renderProvisionMessage,
} from "../../src/slack/render/provision.js";
import { renderDomainList, renderDomainStatus } from "../../src/slack/render/status.js";
import { reportFromJobData, SlackProvisionReporter } from "../../src/slack/reporters/provision.js";

const ACCOUNT = "111122223333";
const INSTANCE_ID = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const INSTANCE_ARN = `arn:aws:connect:us-east-1:${ACCOUNT}:instance/${INSTANCE_ID}`;
const DOMAIN = "amazon-connect-examplecorp";

const data = (overrides: Partial<Parameters<typeof provisionJobData>[0]> = {}) =>
  provisionJobData(
    {
      instance: { id: INSTANCE_ID, arn: INSTANCE_ARN, alias: "examplecorp" },
      domain: { mode: "new", name: DOMAIN, expirationDays: 366 },
      dlq: { mode: "new", name: `${DOMAIN}-dlq` },
      key: { mode: "new", alias: `alias/${DOMAIN}` },
      confirmRelink: false,
      ...overrides,
    },
    { requestedBy: "U0ADMIN", channelId: "C0OPS", teamId: "T0001" },
  );

const SUMMARY: ProvisionSummary = {
  domain: {
    name: DOMAIN,
    arn: `arn:aws:profile:us-east-1:${ACCOUNT}:domains/${DOMAIN}`,
    created: true,
  },
  dlq: {
    url: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${DOMAIN}-dlq`,
    arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${DOMAIN}-dlq`,
    created: true,
  },
  key: {
    arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/0b7a4a4e-5a3c-4f3e-9d55-0f7f0c1a2b3c`,
    alias: `alias/${DOMAIN}`,
    created: true,
  },
  instance: { id: INSTANCE_ID, arn: INSTANCE_ARN, alias: "examplecorp" },
  alertChannelId: "C0OPS",
};

const ACCESS_DENIED: ProvisionFailure = {
  step: "link",
  call: "Customer Profiles PutIntegration",
  awsCode: "AccessDeniedException",
  message:
    "Customer Profiles PutIntegration failed: AccessDeniedException (An Amazon Connect instance cannot be associated with a domain directly from the API.). Fix: link the instance in the Amazon Connect console instead.",
  fix: "link the instance in the Amazon Connect console instead.",
  retryable: false,
};

const REFUSAL = {
  call: "Customer Profiles PutIntegration",
  awsCode: "AccessDeniedException",
  awsMessage: "An Amazon Connect instance cannot be associated with a domain *directly* <!channel>",
};

const BY_HAND_SUMMARY: ProvisionSummary = {
  ...SUMMARY,
  instance: { ...SUMMARY.instance, byHand: REFUSAL },
};

const POLICY_FIX: ProvisionFailure = {
  step: "queue-policy",
  message: "Queue x's access policy doesn't let Customer Profiles send. Fix: add this statement:",
  fix: `add this statement to the queue's policy, or let the bot merge it:\n${JSON.stringify({ Sid: "CustomerProfilesDLQ", Effect: "Allow" }, null, 2)}`,
  retryable: false,
};

const CLEANUP: CleanupResult = {
  items: [
    { resource: "domain", id: DOMAIN, action: "deleted" },
    { resource: "queue", id: SUMMARY.dlq?.url ?? "", action: "deleted" },
    { resource: "alias", id: `alias/${DOMAIN}`, action: "deleted" },
    {
      resource: "key",
      id: SUMMARY.key?.arn ?? "",
      action: "scheduled-deletion",
      date: "2026-12-05",
      reason: "KMS never deletes a key at once; cancel the deletion in the KMS console to keep it.",
    },
    {
      resource: "queue-policy",
      id: "https://sqs.eu-west-2.amazonaws.com/123456789012/shared-dlq",
      action: "statement-removed",
      sid: "CustomerProfilesDLQ",
      reason: "every other statement is as it was.",
    },
    {
      resource: "link",
      id: "arn:aws:connect:eu-west-2:123456789012:instance/x",
      action: "kept",
      reason:
        "instance x stays linked to the new domain; it was linked to amazon-connect-old before.",
    },
  ],
  checkpoint: {},
};

const KEPT: CleanupResult = {
  items: [
    {
      resource: "domain",
      id: DOMAIN,
      action: "kept",
      reason: "it holds 3 profiles and 5 objects, and deleting a domain deletes them.",
    },
  ],
  checkpoint: {},
};

function report(extra: Partial<ProvisionReport> = {}): ProvisionReport {
  return { ...reportFromJobData("enable-x", data()), ...extra };
}

const blocksOf = (m: SlackMessage) => m.blocks as unknown as Block[];
/** What a person reads, without mrkdwn markers. */
const textOf = (m: SlackMessage) => renderText(blocksOf(m)).replace(/[*`]/g, "");
/** The text of the Clean up button's confirmation dialog. */
const cleanupConfirm = (job: ReportedJobData): string => {
  const button = buttons(renderProvisionMessage(reportFromJobData("enable-x", job))).find(
    (b) => b.action_id === CLEANUP_ACTION,
  );
  return String((button?.confirm as { text?: { text?: string } } | undefined)?.text?.text);
};
const buttons = (m: SlackMessage) =>
  blocksOf(m)
    .filter((b) => b.type === "actions")
    .flatMap((b) => b.elements as Record<string, unknown>[]);

describe("provisioning message blocks", () => {
  const LONG = "x".repeat(5_000);
  const states: [string, ProvisionReport][] = [
    ["queued", report()],
    [
      "running",
      report({
        steps: report().steps.map((s, i) => ({
          ...s,
          status: i < 2 ? "done" : i === 2 ? "running" : "pending",
          ...(i < 2 ? { text: "Created queue amazon-connect-examplecorp-dlq." } : {}),
        })),
      }),
    ],
    ["completed", report({ completed: SUMMARY })],
    ["completed, link by hand", report({ completed: BY_HAND_SUMMARY })],
    [
      "completed, link by hand, AWS's message absurdly long",
      report({
        completed: {
          ...SUMMARY,
          instance: { ...SUMMARY.instance, byHand: { ...REFUSAL, awsMessage: LONG } },
        },
      }),
    ],
    ["failed (access denied)", report({ failure: ACCESS_DENIED })],
    ["failed (policy statement)", report({ failure: POLICY_FIX })],
    ["cleaned up", report({ failure: ACCESS_DENIED, cleanup: CLEANUP })],
    ["cleaned up, domain kept", report({ failure: ACCESS_DENIED, cleanup: KEPT })],
    [
      "clean-up failed",
      report({
        failure: ACCESS_DENIED,
        cleanupFailure: { ...ACCESS_DENIED, step: "cleanup", call: "SQS DeleteQueue" },
      }),
    ],
    [
      "absurdly long texts",
      report({
        failure: { ...ACCESS_DENIED, message: LONG, fix: LONG },
        steps: report().steps.map((s) => ({ ...s, status: "done", text: LONG })),
        cleanup: {
          items: Array.from({ length: 60 }, () => ({ ...KEPT.items[0], ...CLEANUP.items[3] })),
          checkpoint: {},
        },
      }),
    ],
  ];

  it.each(states)("%s: Slack accepts the blocks", (_name, state) => {
    const message = renderProvisionMessage(state);
    expect(validateBlocks(message.blocks, "message")).toEqual([]);
    expect(message.text.length).toBeGreaterThan(0);
    expect(message.text.length).toBeLessThanOrEqual(3000);
  });

  it("shows a checklist: running, done with what it made, skipped", () => {
    const base = reportFromJobData(
      "enable-x",
      data({ dlq: { mode: "none" }, key: { mode: "aws-owned" } }),
    );
    const set = (step: StepName, status: "running" | "done", text?: string) =>
      base.steps.map((s) => (s.step === step ? { ...s, status, ...(text ? { text } : {}) } : s));
    const text = textOf(
      renderProvisionMessage({ ...base, steps: set("domain", "done", "Created domain X.") }),
    );
    expect(text).toContain("✅ Domain Created domain X.");
    expect(text).toContain("⏭ Dead-letter queue");
    expect(text).toContain("⏭ KMS key");
    expect(text).toContain("▫️ Instance link");
    expect(textOf(renderProvisionMessage({ ...base, steps: set("link", "running") }))).toContain(
      "⏳ Instance link working…",
    );
  });

  it("ends in the console's summary: domain name and ARN, DLQ URL and ARN, key ARN and alias, instance", () => {
    const message = renderProvisionMessage(report({ completed: SUMMARY }));
    const text = textOf(message);
    for (const value of [
      SUMMARY.domain.name,
      SUMMARY.domain.arn,
      SUMMARY.dlq?.url,
      SUMMARY.dlq?.arn,
      SUMMARY.key?.arn,
      SUMMARY.key?.alias,
      "examplecorp",
      INSTANCE_ID,
    ]) {
      expect(text).toContain(value);
    }
    expect(buttons(message)).toEqual([]);
  });

  it("a link left to be made by hand: the console steps naming instance and domain, AWS's words inert, and Check again", () => {
    const message = renderProvisionMessage(report({ completed: BY_HAND_SUMMARY }));
    const text = textOf(message);
    expect(text).toContain("Customer Profiles set up for examplecorp: link the instance by hand");
    expect(text).not.toContain("Customer Profiles enabled");
    expect(text).toContain("Instance (not linked yet)");
    expect(text).toContain(`choose the instance alias examplecorp (instance ID ${INSTANCE_ID})`);
    expect(text).toContain(`select ${DOMAIN} and submit`);
    expect(text).toContain("in region us-east-1");
    // AWS's words are data: in a code span, escaped, so they neither format nor mention.
    const raw = JSON.stringify(message.blocks);
    expect(raw).toContain(
      "`An Amazon Connect instance cannot be associated with a domain *directly* &lt;!channel&gt;`",
    );
    expect(raw).not.toContain("<!channel>");
    expect(buttons(message)).toEqual([
      expect.objectContaining({ action_id: CHECK_LINK_ACTION, value: "enable-x" }),
    ]);
  });

  it("names the AWS call once: beside the call and the code, AWS's own words, not the call again", () => {
    const message = renderProvisionMessage(
      reportFromJobData("enable-x", {
        ...data(),
        failure: {
          ...ACCESS_DENIED,
          awsMessage:
            "An Amazon Connect instance cannot be associated with a domain directly from the API.",
        },
      }),
    );
    const text = textOf(message);
    expect(text.split("PutIntegration").length - 1).toBe(1);
    expect(text).toMatch(/AWS said:.*cannot be associated with a domain directly from the API/);
    expect(text).toContain("AccessDeniedException");
    expect(text).not.toContain("Why:");
  });

  it("a failure names the step, the AWS call, the error code, why and the fix, with confirmed Retry and Clean up", () => {
    const message = renderProvisionMessage(
      reportFromJobData("enable-x", { ...data(), failure: ACCESS_DENIED }),
    );
    const text = textOf(message);
    expect(text).toContain("instance link step failed");
    expect(text).toContain("Customer Profiles PutIntegration");
    expect(text).toContain("AccessDeniedException");
    expect(text).toMatch(/Why:.*cannot be associated with a domain directly from the API/);
    expect(text).toContain("Fix: link the instance in the Amazon Connect console instead.");
    expect(text).toContain("❌ Instance link");
    const [retry, cleanup] = buttons(message);
    expect(retry).toMatchObject({ action_id: RETRY_ACTION, value: "enable-x" });
    expect(cleanup).toMatchObject({ action_id: CLEANUP_ACTION, value: "enable-x" });
    for (const button of [retry, cleanup]) {
      expect(button?.confirm).toMatchObject({
        title: { type: "plain_text" },
        text: { text: expect.any(String) },
        confirm: { type: "plain_text" },
        deny: { type: "plain_text" },
      });
    }
  });

  it("the Clean up dialog lists what it will undo on resources that existed before, and the relink it leaves", () => {
    const queueUrl = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/shared-dlq`;
    const job = {
      ...data(),
      failure: ACCESS_DENIED,
      checkpoint: {
        done: ["queue", "queue-policy", "key", "alias", "domain"] as StepName[],
        queue: {
          url: queueUrl,
          arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:shared-dlq`,
          name: "shared-dlq",
          created: false,
        },
        queuePolicy: {
          changed: true,
          added: { resource: queueUrl, statement: { Sid: "CustomerProfilesDLQ" } },
        },
        key: { keyId: "k-1", arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k-1`, created: true },
        alias: { name: `alias/${DOMAIN}`, created: true },
        domain: { name: DOMAIN, arn: SUMMARY.domain.arn, created: true },
        link: {
          instanceArn: INSTANCE_ARN,
          domain: DOMAIN,
          linked: true,
          unlinkedFrom: "amazon-connect-old",
        },
      },
    };
    const text = cleanupConfirm(job);
    expect(text).toContain("remove statement CustomerProfilesDLQ from queue shared-dlq's policy");
    expect(text).toContain("delete the new domain if it holds no profiles");
    expect(text).toContain("schedule the new KMS key's deletion (7 days)");
    expect(text).toContain("It leaves the instance off amazon-connect-old");
    expect(text).not.toContain("only what this job created");
    expect(text.length).toBeLessThanOrEqual(300);

    // However long the names, what it leaves in place survives the 300-character cut.
    const queue = { ...job.checkpoint.queue, name: "q".repeat(80) };
    const longText = cleanupConfirm({ ...job, checkpoint: { ...job.checkpoint, queue } });
    expect(longText.length).toBeLessThanOrEqual(300);
    expect(longText).toContain("It leaves the instance off amazon-connect-old");
  });

  it("the Clean up dialog names only the domain fields the job changed", () => {
    const queueUrl = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/shared-dlq`;
    const text = cleanupConfirm({
      ...data({ domain: { mode: "existing", name: "amazon-connect-legacy" } }),
      failure: ACCESS_DENIED,
      checkpoint: {
        done: ["queue", "queue-policy", "domain"],
        queue: {
          url: queueUrl,
          arn: "arn:aws:sqs:us-east-1:1:shared-dlq",
          name: "shared-dlq",
          created: false,
        },
        domain: {
          name: "amazon-connect-legacy",
          arn: "arn:aws:profile:us-east-1:1:domains/amazon-connect-legacy",
          created: false,
          previous: { deadLetterQueueUrl: "" },
        },
      },
    });
    expect(text).toContain("put domain amazon-connect-legacy back on its earlier queue.");
    expect(text).not.toContain("key");
  });

  it("shows a policy statement the fix asks for as a block to copy", () => {
    const message = renderProvisionMessage(report({ failure: POLICY_FIX }));
    const fix = JSON.stringify(blocksOf(message).find((b) => b.block_id === "provision_fix"));
    expect(fix).toContain("```{");
    expect(fix).toContain("CustomerProfilesDLQ");
  });

  it("after clean-up lists what was deleted, scheduled for deletion and kept, and offers Retry", () => {
    const cleaned = renderProvisionMessage(report({ failure: ACCESS_DENIED, cleanup: CLEANUP }));
    const text = textOf(cleaned);
    expect(text).toContain(`Domain ${DOMAIN}: deleted.`);
    expect(text).toContain(`KMS key ${SUMMARY.key?.arn}: scheduled for deletion on 2026-12-05`);
    expect(text).toContain(
      "The policy of queue https://sqs.eu-west-2.amazonaws.com/123456789012/shared-dlq: statement CustomerProfilesDLQ removed: every other statement is as it was.",
    );
    expect(text).toContain("left in place: instance x stays linked to the new domain");
    // The checklist of what the job did is gone: it no longer describes what AWS holds.
    expect(blocksOf(cleaned).some((b) => b.block_id === "provision_steps")).toBe(false);
    expect(text).not.toContain("✅");
    expect(buttons(cleaned).map((b) => b.action_id)).toEqual([RETRY_ACTION]);

    const kept = renderProvisionMessage(report({ failure: ACCESS_DENIED, cleanup: KEPT }));
    expect(textOf(kept)).toContain(`Domain ${DOMAIN}: left in place: it holds 3 profiles`);
    // Something stayed, so Clean up is offered again for after it was dealt with.
    expect(buttons(kept).map((b) => b.action_id)).toEqual([RETRY_ACTION, CLEANUP_ACTION]);
  });
});

describe("AWS's words in the provisioning message", () => {
  /** How Slack's client shows each mrkdwn text of a message (the stand-in's reading of it). */
  const shown = (m: SlackMessage): string =>
    JSON.stringify(m.blocks)
      .match(/"type":"mrkdwn","text":"((?:[^"\\]|\\.)*)"/g)
      ?.map((t) => JSON.parse(`{${t}}`).text as string)
      .map((t) =>
        mrkdwnToHtml(t, {
          userName: () => undefined,
          channelName: () => undefined,
          tz: "UTC",
          now: 0,
        }),
      )
      .join("\n") ?? "";
  const HOSTILE = "*bold* <!channel> & `tick` \u202Eevil\u200B";
  const failureFrom = (name: string) => {
    const err = Object.assign(new Error(HOSTILE), { name, $metadata: { httpStatusCode: 400 } });
    const call = {
      service: "profile",
      operation: "CreateDomain",
      iamAction: "profile:CreateDomain",
    } as const;
    return toFailure("domain", toAppError(call, err));
  };

  it.each([
    ["quoted in the reason", "AccessDeniedException"],
    ["as the fix itself", "ValidationException"],
  ])("an AWS message %s shows as written: in code, no bold, no @channel, no bidi", (_how, name) => {
    const message = renderProvisionMessage(report({ failure: failureFrom(name) }));
    expect(validateBlocks(message.blocks, "message")).toEqual([]);
    const html = shown(message);
    expect(html).toMatch(/<code>[^<]*\*bold\*[^<]*<\/code>/);
    expect(html).toContain("&lt;!channel&gt;");
    expect(html).not.toContain("<b>bold</b>");
    expect(html).not.toContain("@channel<");
    expect(JSON.stringify(message)).not.toMatch(/\\u202e|\\u200b|\u202E|\u200B/i);
    expect(message.text).not.toContain("<!channel>");
  });
  it("status shows a problem AWS reported as written, and a hostile domain name escaped", () => {
    const status = renderDomainStatus({
      account: "111122223333",
      region: "us-east-1",
      name: `${DOMAIN}\u202E<!here>`,
      expirationDays: 366,
      deadLetterQueue: {
        url: SUMMARY.dlq?.url ?? "",
        arn: SUMMARY.dlq?.arn ?? "",
        problem: HOSTILE,
      },
      key: { arn: SUMMARY.key?.arn ?? "", aliases: [], problem: HOSTILE },
      instances: [],
      profileCount: 0,
      objectCount: 0,
      tags: {},
    });
    expect(validateBlocks(status.blocks, "message")).toEqual([]);
    const html = shown(status);
    expect(html).toMatch(/<code>\*bold\*<\/code>/);
    expect(html).not.toContain("<b>bold</b>");
    expect(html).not.toContain("@channel<");
    expect(html).not.toContain("@here<");
    expect(JSON.stringify(status)).not.toMatch(/\u202E|\u200B/);
    expect(status.text).not.toContain("<!here>");
  });
});

describe("status blocks", () => {
  it("fit Block Kit for one domain and for a long list", () => {
    const one = renderDomainStatus({
      account: "111122223333",
      region: "us-east-1",
      name: DOMAIN,
      expirationDays: 366,
      deadLetterQueue: { url: SUMMARY.dlq?.url ?? "", arn: SUMMARY.dlq?.arn ?? "", depth: 12 },
      key: { arn: SUMMARY.key?.arn ?? "", aliases: [`alias/${DOMAIN}`] },
      instances: [{ arn: INSTANCE_ARN, id: INSTANCE_ID, alias: "examplecorp" }],
      profileCount: 1234,
      objectCount: 5678,
      tags: {},
    });
    expect(validateBlocks(one.blocks, "message")).toEqual([]);
    expect(textOf(one)).toContain("12 messages waiting");
    const many = renderDomainList(
      Array.from({ length: 100 }, (_, i) => ({
        name: `amazon-connect-${"d".repeat(50)}-${i}`,
        instances: [{ arn: INSTANCE_ARN, id: INSTANCE_ID, alias: "examplecorp" }],
      })),
    );
    expect(validateBlocks(many.blocks, "message")).toEqual([]);
    expect(textOf(many)).toContain("Showing 45 of 100");
  });
});

// ---------------------------------------------------------------------------------------------

class MemoryNotifier implements Notifier {
  readonly posts: { channel: string; message: SlackMessage }[] = [];
  readonly updates: { channel: string; ts: string; message: SlackMessage }[] = [];

  async post(channel: string, message: SlackMessage) {
    await new Promise((r) => setTimeout(r, 5)); // Slack takes a moment: reports pile up meanwhile
    this.posts.push({ channel, message });
    return { channel, ts: `1700000000.00000${this.posts.length}` };
  }
  async update(channel: string, ts: string, message: SlackMessage) {
    this.updates.push({ channel, ts, message });
  }
  async ephemeral() {}
  async publishHome() {}
  async endStep() {}
}

function fakeJob(jobData: ReportedJobData) {
  return {
    id: "enable-x",
    data: jobData,
    async updateData(next: ReportedJobData) {
      this.data = next;
    },
  };
}

describe("SlackProvisionReporter", () => {
  const log = createLogger("silent");

  it("posts one message when the job has none, stores it in the job's data, and edits it after", async () => {
    const notifier = new MemoryNotifier();
    const job = fakeJob(data());
    const reporter = new SlackProvisionReporter({ notifier, log }, job);
    await Promise.all([
      reporter.stepStarted("queue"),
      reporter.stepStarted("key"),
      reporter.stepDone("queue", "Created queue q."),
    ]);
    await reporter.completed(SUMMARY);
    expect(notifier.posts).toHaveLength(1);
    expect(job.data.message).toEqual({ channel: "C0OPS", ts: "1700000000.000001" });
    expect(notifier.updates.every((u) => u.ts === job.data.message?.ts)).toBe(true);
    const last = notifier.updates.at(-1)?.message as SlackMessage;
    expect(textOf(last)).toContain(SUMMARY.domain.arn);

    // A second reporter for the same job (a retry, another worker) edits the same message.
    const again = new SlackProvisionReporter({ notifier, log }, job);
    await again.stepStarted("link");
    expect(notifier.posts).toHaveLength(1);
  });

  it("names the job's place when the bot serves several, and reads as before with one", async () => {
    const described: unknown[] = [];
    const several = new MemoryNotifier();
    const placed = new SlackProvisionReporter(
      {
        notifier: several,
        log,
        describePlace: (place) => {
          described.push(place);
          return "prod (111122223333) · us-east-1";
        },
      },
      fakeJob(data()),
    );
    await placed.completed(SUMMARY);
    // The place it was asked about is the job's own, read from the instance ARN.
    expect(described).toEqual([{ account: ACCOUNT, region: "us-east-1" }]);
    const [post] = several.posts;
    expect(textOf(post?.message as SlackMessage)).toContain(
      `Requested by @U0ADMIN · domain ${DOMAIN} in prod (111122223333) · us-east-1 · job`,
    );
    expect(post?.message.text).toBe(
      `Customer Profiles enabled for examplecorp (prod (111122223333) · us-east-1): domain ${DOMAIN}.`,
    );
    expect(validateBlocks(post?.message.blocks, "message")).toEqual([]);

    const one = new MemoryNotifier();
    const unplaced = new MemoryNotifier();
    await new SlackProvisionReporter(
      { notifier: one, log, describePlace: () => undefined },
      fakeJob(data()),
    ).completed(SUMMARY);
    await new SlackProvisionReporter({ notifier: unplaced, log }, fakeJob(data())).completed(
      SUMMARY,
    );
    expect(one.posts[0]?.message).toEqual(unplaced.posts[0]?.message);
    expect(one.posts[0]?.message.text).toBe(
      `Customer Profiles enabled for examplecorp: domain ${DOMAIN}.`,
    );
  });

  it("uses the message the wizard posted, and rebuilds finished steps from the checkpoint", async () => {
    const notifier = new MemoryNotifier();
    const jobData: ReportedJobData = {
      ...data(),
      message: { channel: "C0OPS", ts: "1699999999.000100" },
      checkpoint: {
        done: ["queue"],
        queue: { url: "https://q", arn: "arn:q", name: `${DOMAIN}-dlq`, created: true },
      },
    };
    const reporter = new SlackProvisionReporter({ notifier, log }, fakeJob(jobData));
    await reporter.failed(ACCESS_DENIED);
    expect(notifier.posts).toHaveLength(0);
    const [update] = notifier.updates;
    expect(update?.ts).toBe("1699999999.000100");
    const text = textOf(update?.message as SlackMessage);
    expect(text).toContain(`✅ Dead-letter queue Created queue ${DOMAIN}-dlq.`);
    expect(text).toContain("AccessDeniedException");
  });

  it("shows what a step waits for AWS to spread, at most one such edit per step every 5 s", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse("2026-01-01T00:00:00Z") });
    try {
      const notifier = new MemoryNotifier();
      const jobData = { ...data(), message: { channel: "C0OPS", ts: "1699999999.000100" } };
      const reporter = new SlackProvisionReporter({ notifier, log }, fakeJob(jobData));
      const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd`;
      const wait = (waitedMs: number) => ({
        what: `the new KMS key ${keyArn}`,
        reader: "KMS",
        waitedMs,
        boundMs: 90_000,
      });
      const lastText = () => textOf(notifier.updates.at(-1)?.message as SlackMessage);
      await reporter.stepStarted("alias");
      await reporter.waiting("alias", wait(400));
      expect(lastText()).toContain(
        `⏳ Key alias Waiting for the new KMS key ${keyArn} to reach KMS (AWS is eventually consistent): 0 s of up to 90 s.`,
      );
      const edits = notifier.updates.length;
      vi.advanceTimersByTime(1_000);
      await reporter.waiting("alias", wait(1_400));
      expect(notifier.updates).toHaveLength(edits);
      vi.advanceTimersByTime(5_000);
      await reporter.waiting("alias", wait(6_400));
      expect(notifier.updates).toHaveLength(edits + 1);
      expect(lastText()).toContain("6 s of up to 90 s.");
      await reporter.stepDone("alias", `The key is named alias/${DOMAIN}.`);
      expect(lastText()).not.toContain("Waiting for");
      expect(lastText()).toContain(`✅ Key alias The key is named alias/${DOMAIN}.`);
    } finally {
      vi.useRealTimers();
    }
  });
});
