/**
 * A fault cleared before Retry, end to end: the enable wizard driven through the Slack
 * stand-in, AccessDeniedException injected on Customer Profiles CreateDomain through the
 * emulator's control endpoint, the provisioning message read as a person would, the fault
 * cleared the same way, and Retry clicked (signed, via the driver). The job then completes
 * without making anything twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { findDomain } from "../../sandbox/aws/services/profiles.js";
import type { SlackDriver } from "../../sandbox/slack/driver.js";
import type { Stack } from "../../sandbox/stack.js";
import { keyMarker } from "../../src/provision/steps.js";
import { RETRY_ACTION } from "../../src/slack/render/provision.js";
import { startTestStack } from "../support/e2e.js";
import { emulatorControl } from "../support/emulator-control.js";
import { enableWithDefaults } from "../support/enable.js";
import { readMessage, waitForMessage } from "../support/messages.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const DOMAIN = "amazon-connect-examplecorp";
const QUEUE = `${DOMAIN}-dlq`;
const JOB_ID = `enable-${ACCOUNT_ID}.us-east-1.${EXAMPLECORP}`;
const FAULT_KEY = "profile:CreateDomain";

let stack: Stack;
let driver: SlackDriver;

beforeAll(async () => {
  stack = await startTestStack({ env: { PROFILES_ADMINS: USER } });
  driver = stack.slack.driver;
});

afterAll(async () => {
  await stack?.stop();
});

/** The emulator's control endpoint, over plain HTTP as a person or script would use it. */
const faults = (method: string, body?: unknown, query = "") =>
  emulatorControl(stack.emulator.url, "faults", method, body, query);

/** What the emulator holds that this job made. */
function holdings() {
  const { state } = stack.emulator.ctx;
  return {
    domain: findDomain(state, DOMAIN, "us-east-1"),
    queues: Object.values(state.sqs.queues).filter((q) => q.name === QUEUE),
    keys: Object.values(state.kms.keys).filter((k) => k.description.includes(keyMarker(JOB_ID))),
  };
}

describe("a fault cleared before Retry", () => {
  it("names the call, code and fix; after the fault is cleared, Retry completes and creates nothing twice", async () => {
    const set = await faults("POST", { [FAULT_KEY]: { code: "AccessDeniedException" } });
    expect(set.status).toBe(200);

    await enableWithDefaults(stack, USER, EXAMPLECORP);

    const failed = await waitForMessage(
      stack,
      CHANNEL,
      "Enabling Customer Profiles for examplecorp failed",
    );
    const text = readMessage(failed);
    expect(text).toContain("CreateDomain");
    expect(text).toContain("AccessDeniedException");
    expect(text).toContain("allow profile:CreateDomain");
    expect(text).toContain("iam-policy.json");
    expect(text).toContain("[Retry]");
    // The denied call was made once and not retried on its own; what came before it stands.
    const during = await faults("GET");
    expect(during.json.faults?.[FAULT_KEY]).toMatchObject({ injected: 1 });
    const before = holdings();
    expect(before.domain).toBeUndefined();
    expect(before.queues).toHaveLength(1);
    expect(before.keys).toHaveLength(1);

    const cleared = await faults("DELETE", undefined, `?key=${encodeURIComponent(FAULT_KEY)}`);
    expect(cleared).toEqual({ status: 200, json: { faults: {} } });

    const ref = { channel: failed.channel, ts: failed.ts };
    const click = await driver.clickButton(RETRY_ACTION, { message: ref, user: USER });
    expect(click.status).toBe(200);

    const done = await waitForMessage(stack, CHANNEL, "Customer Profiles enabled for examplecorp");
    expect(done.ts).toBe(failed.ts);
    expect(stack.slack.timeline.messages(CHANNEL)).toHaveLength(1);
    const after = holdings();
    expect(after.queues).toHaveLength(1);
    expect(after.keys).toHaveLength(1);
    expect(after.queues[0]?.url).toBe(before.queues[0]?.url);
    expect(after.keys[0]?.arn).toBe(before.keys[0]?.arn);
    expect(after.domain?.defaultEncryptionKey).toBe(after.keys[0]?.arn);
    expect(after.domain?.deadLetterQueueUrl).toBe(after.queues[0]?.url);
    expect(after.domain?.integrations.map((i) => i.uri)).toEqual([
      expect.stringContaining(`instance/${EXAMPLECORP}`),
    ]);
    expect(stack.emulator.calls.get("sqs:CreateQueue")).toBe(1);
    expect(stack.emulator.calls.get("kms:CreateKey")).toBe(1);
    expect(readMessage(done)).toContain(after.domain?.arn);
  });
});
