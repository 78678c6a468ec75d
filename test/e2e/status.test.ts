/**
 * `/profiles status [domain]` through the driver: an immediate ack, then the answer through
 * response_url, with what the emulator holds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { findDomain } from "../../sandbox/aws/services/profiles.js";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { Stack } from "../../sandbox/stack.js";
import { SANDBOX_AWS_CREDENTIALS } from "../../sandbox/stack.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { startTestStack } from "../support/e2e.js";
import { enableByCli } from "../support/enable.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const DOMAIN = "amazon-connect-examplecorp";

let stack: Stack;
beforeAll(async () => {
  stack = await startTestStack();
  await enableByCli(stack, EXAMPLECORP);
  // Three failed objects waiting in the new domain's dead-letter queue.
  const clients = createAwsClients({
    region: "us-east-1",
    endpoint: stack.emulator.url,
    maxAttempts: 2,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
  const { sqs } = createGateways(clients);
  const url = findDomain(stack.emulator.ctx.state, DOMAIN)?.deadLetterQueueUrl ?? "";
  for (let i = 0; i < 3; i++) await sqs.send(url, JSON.stringify({ error: "KMS key is invalid" }));
  clients.destroy();
});
afterAll(async () => {
  await stack?.stop();
});

/** The answer that replaced "Looking up…", as a person reads it. */
async function answer(line: string): Promise<{ ack: string; text: string }> {
  const before = stack.slack.timeline.ephemerals(USER, CHANNEL).length;
  const res = await stack.slack.driver.type(line);
  expect(res.status).toBe(200);
  expect(res.elapsedMs).toBeLessThan(3000);
  const reply = await stack.slack.timeline.waitFor(
    (t) =>
      t
        .ephemerals(USER, CHANNEL)
        .slice(before)
        .find((e) => !e.text.startsWith("Looking up")),
    { timeoutMs: 10_000, description: `the answer to ${line}` },
  );
  return {
    ack: (res.body as { text?: string }).text ?? "",
    text: renderText(reply.blocks, reply.text).replace(/[*`]/g, ""),
  };
}

describe("/profiles status", () => {
  it("acks at once, then lists the domains with their linked instance", async () => {
    const { ack, text } = await answer("/profiles status");
    expect(ack).toContain("Looking up");
    expect(text).toContain("Customer Profiles domains (2)");
    expect(text).toMatch(/amazon-connect-examplecorp: linked to examplecorp/);
    expect(text).toMatch(/amazon-connect-legacy: linked to legacy-support/);
  });

  it("shows one domain's expiration, DLQ with its depth, key with its alias, instance and counts", async () => {
    const { text } = await answer(`/profiles status ${DOMAIN}`);
    const domain = findDomain(stack.emulator.ctx.state, DOMAIN);
    expect(domain).toBeDefined();
    expect(text).toContain("366 days");
    expect(text).toContain(domain?.deadLetterQueueUrl);
    expect(text).toContain("3 messages waiting");
    expect(text).toContain(domain?.defaultEncryptionKey);
    expect(text).toContain(`alias/${DOMAIN}`);
    expect(text).toContain(`examplecorp (${EXAMPLECORP})`);
    expect(text).toContain("0 profiles");
    expect(text).toContain(`arn:aws:profile:us-east-1:${ACCOUNT_ID}:domains/${DOMAIN}`);
  });

  it("counts the profiles and objects a domain holds", async () => {
    const legacy = findDomain(stack.emulator.ctx.state, "amazon-connect-legacy");
    const profiles = Object.keys(legacy?.profiles ?? {}).length;
    const objects = Object.keys(legacy?.objects ?? {}).length;
    expect(profiles).toBeGreaterThan(0);
    const { text } = await answer("/profiles status amazon-connect-legacy");
    expect(text).toContain(`${profiles} profile`);
    expect(text).toContain(`${objects} object`);
    expect(text).toContain("AWS owned key");
    expect(text).toContain("None: objects that fail to ingest are not kept.");
  });

  it("answers an unknown domain with a sentence saying what to do", async () => {
    const { text } = await answer("/profiles status amazon-connect-nope");
    expect(text).toContain("There is no Customer Profiles domain named amazon-connect-nope");
    expect(text).toContain("/profiles status");
  });
});
