/**
 * AWS's eventual consistency, end to end: the emulator hides each new resource from the calls
 * that depend on it for a while (sandbox/aws/propagation.ts), the enable wizard is driven
 * through the Slack stand-in, and the provisioning message is read as a person would. With a
 * 5 s delay the job waits, says what for, and completes; with a delay longer than
 * PROPAGATION_WAIT_SECONDS it fails naming the resource, and Retry finishes it once AWS
 * (here: the emulator, its delays cleared) has caught up.
 */
import { afterEach, describe, expect, it } from "vitest";
import { findDomain } from "../../sandbox/aws/services/profiles.js";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import type { Stack } from "../../sandbox/stack.js";
import { RETRY_ACTION } from "../../src/slack/render/provision.js";
import { startTestStack } from "../support/e2e.js";
import { emulatorControl } from "../support/emulator-control.js";
import { enableWithDefaults } from "../support/enable.js";
import { readMessage, waitForMessage } from "../support/messages.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const DOMAIN = "amazon-connect-examplecorp";

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** The job's report once it says `contains`: the job waits for AWS, so allow a minute. */
const report = (s: Stack, contains: string) => waitForMessage(s, CHANNEL, contains, 60_000);

/** Every version of the message the job edited, oldest first. */
const versions = (m: MessageRecord): string[] => [...m.history.map(readMessage), readMessage(m)];

/** The emulator's propagation control endpoint, over plain HTTP as a script would use it. */
const propagation = (s: Stack, method: string, body?: unknown) =>
  emulatorControl(s.emulator.url, "propagation", method, body);

const keyOf = (s: Stack) => Object.values(s.emulator.ctx.state.kms.keys).at(-1);

describe("provisioning waits for AWS to spread what it made", () => {
  it("with a 5 s delay, the message says what it waits for and the job completes", async () => {
    stack = await startTestStack({
      env: { PROFILES_ADMINS: USER },
      emulator: { propagationMs: { key: 5_000, "queue-policy": 5_000, domain: 5_000 } },
    });
    await enableWithDefaults(stack, USER, EXAMPLECORP);

    const done = await report(stack, "Customer Profiles enabled for examplecorp");
    const key = keyOf(stack);
    const shown = versions(done);
    expect(
      shown.some((text) =>
        new RegExp(
          `Waiting for the new KMS key ${key?.arn} to reach (KMS|Customer Profiles) \\(AWS is eventually consistent\\): \\d+ s of up to 90 s\\.`,
        ).test(text),
      ),
      shown.join("\n---\n"),
    ).toBe(true);
    expect(shown.some((t) => t.includes(`Waiting for the new domain ${DOMAIN} to reach`))).toBe(
      true,
    );
    // The waits were real: each dependent call was refused before it succeeded.
    expect(stack.emulator.calls.get("kms:CreateAlias")).toBeGreaterThan(1);
    expect(stack.emulator.calls.get("profile:PutIntegration")).toBeGreaterThan(1);
    const domain = findDomain(stack.emulator.ctx.state, DOMAIN, "us-east-1");
    expect(domain?.defaultEncryptionKey).toBe(key?.arn);
    expect(domain?.integrations).toHaveLength(1);
  });

  it("past PROPAGATION_WAIT_SECONDS it fails naming the key; Retry completes once AWS caught up", async () => {
    stack = await startTestStack({ env: { PROFILES_ADMINS: USER, PROPAGATION_WAIT_SECONDS: "2" } });
    const set = await propagation(stack, "POST", { key: 30_000 });
    expect(set).toEqual({ status: 200, json: { propagation: { key: 30_000 } } });
    await enableWithDefaults(stack, USER, EXAMPLECORP);

    const failed = await report(stack, "Enabling Customer Profiles for examplecorp failed");
    const text = readMessage(failed);
    const key = keyOf(stack);
    expect(text).toMatch(
      new RegExp(
        `The new KMS key ${key?.arn} had still not reached (KMS|Customer Profiles) after 2 s \\(AWS is eventually consistent\\)`,
      ),
    );
    expect(text).toMatch(/AWS call: (KMS CreateAlias|Customer Profiles CreateDomain)/);
    expect(text).toContain("PROPAGATION_WAIT_SECONDS");
    expect(text).toContain("[Retry]");
    expect(findDomain(stack.emulator.ctx.state, DOMAIN, "us-east-1")).toBeUndefined();

    expect(await propagation(stack, "DELETE")).toEqual({ status: 200, json: { propagation: {} } });
    const ref = { channel: failed.channel, ts: failed.ts };
    const click = await stack.slack.driver.clickButton(RETRY_ACTION, { message: ref, user: USER });
    expect(click.status).toBe(200);
    const done = await report(stack, "Customer Profiles enabled for examplecorp");
    expect(done.ts).toBe(failed.ts);
    expect(stack.emulator.calls.get("kms:CreateKey")).toBe(1);
    expect(findDomain(stack.emulator.ctx.state, DOMAIN, "us-east-1")?.defaultEncryptionKey).toBe(
      key?.arn,
    );
  });
});
