/**
 * The wizard's dead-letter queue and Data store choices end to end: signed requests from the
 * Slack driver, the job on real Redis, and what AWS then holds, read back through the SDK
 * from the emulator as an operator would: the new queue's retention and encryption, the
 * domain's Data store, and an existing queue's own RedrivePolicy held up until confirmed.
 */
import { randomUUID } from "node:crypto";
import { GetDomainCommand } from "@aws-sdk/client-customer-profiles";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { SlackDriver } from "../../sandbox/slack/driver.js";
import type { SlackView } from "../../sandbox/slack/types.js";
import { SANDBOX_AWS_CREDENTIALS, type Stack } from "../../sandbox/stack.js";
import { type AwsClients, createAwsClients } from "../../src/aws/clients.js";
import { dlqPolicyStatement } from "../../src/enable/policies.js";
import { startTestStack } from "../support/e2e.js";
import { waitForView as waitForViewOf } from "../support/enable.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const REGION = "us-east-1";
const TEMPLATE_INSTANCE = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";

let stack: Stack;
let driver: SlackDriver;
let aws: AwsClients;

beforeAll(async () => {
  stack = await startTestStack({ env: { PROFILES_ADMINS: USER } });
  driver = stack.slack.driver;
  aws = createAwsClients({
    region: REGION,
    endpoint: stack.emulator.url,
    maxAttempts: 2,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(() => {
  stack.slack.workspace.clearViews(USER, "user");
});

const textOf = (v: SlackView | undefined): string => (v ? renderText(v.blocks) : "");

const waitForView = (callbackId: string, ready?: (text: string) => boolean) =>
  waitForViewOf(stack, USER, callbackId, ready);

async function submit(inputs: Parameters<SlackDriver["submitView"]>[0] = {}) {
  const res = await driver.submitView(inputs);
  expect(res.problems).toEqual([]);
  return res;
}

/** A fresh ACTIVE, unlinked instance, so no other test's job or link is in the way. */
function addInstance(alias: string): string {
  const id = randomUUID();
  const instances = (
    stack.emulator.ctx.state.connect as { instances: Record<string, Record<string, unknown>> }
  ).instances;
  const template = instances[TEMPLATE_INSTANCE] ?? {};
  instances[id] = {
    ...template,
    id,
    alias,
    arn: String(template.arn).replace(TEMPLATE_INSTANCE, id),
  };
  return id;
}

/** Opens the wizard on the instance and leaves it on the domain step. */
async function startFor(instanceId: string): Promise<void> {
  await driver.type("/profiles enable", { user: USER });
  await waitForView("enable_instance");
  const res = await driver.requestOptions("enable_instance", "", { user: USER });
  const picked = res.options.find((o) => o.value === instanceId);
  if (!picked) throw new Error(`no option ${instanceId}`);
  await driver.select("enable_instance", picked, { user: USER });
  await waitForView("enable_instance", (t) => t.includes("Not linked"));
  await submit();
  await waitForView("enable_domain");
}

const waitForCompleted = (domain: string) =>
  stack.slack.timeline.waitFor(
    (t) =>
      t.messages(CHANNEL).find((m) => {
        const text = renderText(m.blocks, m.text);
        return text.includes(domain) && /Customer Profiles enabled/.test(text);
      }),
    { timeoutMs: 20_000, description: `the completed status message for ${domain}` },
  );

describe("a new queue's retention and encryption, and the Data store", () => {
  it("creates the queue keeping 10 days with SSE-SQS, and the domain with its Data store on", async () => {
    const id = addInstance("retention10");
    const domain = "amazon-connect-retention10";
    const queue = `${domain}-dlq`;
    await startFor(id);
    expect((await submit({ domain_datastore: ["datastore"] })).responseAction).toBe("update");
    await waitForView("enable_dlq");

    const refused = await submit({ dlq_retention: "15" });
    expect(refused.responseAction).toBe("errors");
    expect(refused.errors?.dlq_retention).toMatch(/from 1 to 14: '15' is out of range/);
    expect((await submit({ dlq_retention: "10" })).responseAction).toBe("update");
    await waitForView("enable_key");
    await submit();

    const review = await waitForView("enable_review", (t) => t.includes("Checked against AWS"));
    const text = textOf(review);
    expect(text).toContain(
      "keeping failed objects 10 days, encrypted at rest with keys SQS manages (SSE-SQS)",
    );
    expect(text).toContain("with the Data store");
    expect(review.submit?.text).toBe("Enable");
    expect((await submit()).responseAction).toBe("clear");
    await waitForCompleted(domain);

    const { QueueUrl } = await aws.sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
    const { Attributes } = await aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ["MessageRetentionPeriod", "SqsManagedSseEnabled"],
      }),
    );
    expect(Attributes).toEqual({ MessageRetentionPeriod: "864000", SqsManagedSseEnabled: "true" });
    const got = await aws.profiles.send(new GetDomainCommand({ DomainName: domain }));
    expect(got.DataStore?.Enabled).toBe(true);
    expect(got.DeadLetterQueueUrl).toBe(QueueUrl);
  });
});

describe("an existing queue with a RedrivePolicy of its own", () => {
  it("is held up in the DLQ step until the box naming the target is ticked", async () => {
    const id = addInstance("redrive");
    const domain = "amazon-connect-redrive";
    const name = `redrive-${id.slice(0, 8)}`;
    const arn = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}`;
    await aws.sqs.send(new CreateQueueCommand({ QueueName: `${name}-parking` }));
    await aws.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `${arn}-parking`,
            maxReceiveCount: 4,
          }),
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              dlqPolicyStatement({
                accountId: ACCOUNT_ID,
                region: REGION,
                domainName: domain,
                queueArn: arn,
              }),
            ],
          }),
        },
      }),
    );
    await startFor(id);
    await submit();
    await waitForView("enable_dlq");
    await driver.select("enable_dlq_mode", "existing", { user: USER });
    await waitForView("enable_dlq", (t) => t.includes("Existing queue"));
    const options = await driver.requestOptions("enable_dlq_queue", name, { user: USER });
    const picked = options.options.find((o) => o.value === name);
    if (!picked) throw new Error(`no queue option ${name}: ${JSON.stringify(options.options)}`);
    await driver.select("enable_dlq_queue", picked, { user: USER });
    const warned = await waitForView("enable_dlq", (t) => t.includes("redrive policy of its own"));
    expect(textOf(warned)).toContain(`after 4 receives SQS moves a message on to ${name}-parking`);

    const unticked = await submit();
    expect(unticked.responseAction).toBe("errors");
    expect(unticked.errors?.dlq_redrive).toMatch(/tick the box to use it anyway/);
    expect((await submit({ dlq_redrive: ["redrive"] })).responseAction).toBe("update");
    await waitForView("enable_key");
    await submit();
    const review = await waitForView("enable_review", (t) => t.includes("Checked against AWS"));
    expect(review.submit?.text).toBe("Enable");
    expect(textOf(review)).toContain(`moves a message on to ${name}-parking`);
  });
});
