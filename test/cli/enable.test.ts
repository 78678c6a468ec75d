/**
 * `profiles-bot enable` in-process against the seeded emulator: it refuses without --yes,
 * and with --yes runs the job's steps and leaves what docs/aws/ describes in the emulator.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomerProfilesClient, PutIntegrationCommand } from "@aws-sdk/client-customer-profiles";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACCOUNT_ID, type EmulatorHandle } from "../../sandbox/aws/index.js";
import { findDomain, profileState } from "../../sandbox/aws/services/profiles.js";
import { createEnableCommand } from "../../src/cli/enable.js";
import type { CliCommand } from "../../src/cli/io.js";
import { LINK_QUOTA_FAULT } from "../support/link-faults.js";
import {
  cliEnv,
  EXAMPLECORP,
  instanceArn,
  REGION,
  run,
  snapshot,
  startEmulator,
} from "./helpers.js";

const DOMAIN = "amazon-connect-examplecorp";
const QUEUE = `${DOMAIN}-dlq`;
const ALIAS = `alias/${DOMAIN}`;
const DOMAIN_ARN = `arn:aws:profile:${REGION}:${ACCOUNT_ID}:domains/${DOMAIN}`;

let emulator: EmulatorHandle;
let enable: CliCommand;
beforeEach(async () => {
  emulator = await startEmulator();
  enable = createEnableCommand(cliEnv(emulator));
});
afterEach(async () => {
  await emulator?.close();
});

function holdings() {
  const { state } = emulator.ctx;
  return {
    domain: findDomain(state, DOMAIN, REGION),
    queues: Object.values(state.sqs.queues).filter((q) => q.name === QUEUE),
    aliases: Object.values(state.kms.aliases).filter((a) => a.aliasName === ALIAS),
    keys: Object.values(state.kms.keys).filter((k) => k.description.includes("[profiles-bot job")),
  };
}

/** After every run: one queue and one key made in all, and the domain linked `links` times. */
function expectMadeOnce(links: number) {
  const held = holdings();
  expect(held.queues).toHaveLength(1);
  expect(held.keys).toHaveLength(1);
  expect(held.domain?.integrations).toHaveLength(links);
}

/** `test` with the path of a --checkpoint file in a directory of its own, removed after. */
async function withCheckpointFile(test: (file: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "pb-enable-"));
  try {
    await test(join(dir, "checkpoint.json"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("profiles-bot enable", () => {
  it("without --yes prints the plan and changes nothing", async () => {
    const before = snapshot(emulator);
    const { code, out, err } = await run(enable, ["--instance", EXAMPLECORP]);
    expect(code).toBe(1);
    expect(out).toContain("Plan: ready to submit");
    expect(err).toContain("run again with --yes");
    expect(snapshot(emulator)).toBe(before);
  });

  it("a fresh enable reads each fact once and creates each resource with one call", async () => {
    const { code, out } = await run(enable, ["--instance", instanceArn(EXAMPLECORP), "--yes"]);
    expect(code, out).toBe(0);
    expect(Object.fromEntries(emulator.calls)).toEqual({
      // Which account the default target is, so the job knows its place.
      "sts:GetCallerIdentity": 1,
      // The plan: what the instance is, every domain and alias, and the instance's link.
      "connect:DescribeInstance": 1,
      "profile:ListDomains": 1,
      "kms:ListAliases": 1,
      "profile:ListAccountIntegrations": 2, // the plan's, and the job's own before it links
      // The job: no look-up before a create, no policy call after one.
      "sqs:CreateQueue": 1,
      "kms:CreateKey": 1,
      "kms:CreateAlias": 1,
      "profile:CreateDomain": 1,
      "profile:PutIntegration": 1,
    });
  });

  it("with --yes creates the queue with its policy, the key with its policy and alias, the domain and the link", async () => {
    const { code, out } = await run(enable, ["--instance", EXAMPLECORP, "--yes"]);
    expect(code, out).toBe(0);
    const held = holdings();
    expect(held.queues).toHaveLength(1);
    expect(held.keys).toHaveLength(1);
    expect(held.aliases).toHaveLength(1);
    const queue = held.queues[0];
    const key = held.keys[0];
    expect(held.aliases[0]?.targetKeyId).toBe(key?.keyId);
    expect(held.domain?.defaultExpirationDays).toBe(366);
    expect(held.domain?.defaultEncryptionKey).toBe(key?.arn);
    expect(held.domain?.deadLetterQueueUrl).toBe(queue?.url);
    expect(held.domain?.integrations.map((i) => i.uri)).toEqual([instanceArn(EXAMPLECORP)]);

    const queuePolicy = JSON.parse(queue?.attributes.Policy ?? "{}");
    expect(queuePolicy.Statement).toContainEqual({
      Sid: "CustomerProfilesDLQ",
      Effect: "Allow",
      Principal: { Service: "profile.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: queue?.arn,
      Condition: {
        StringEquals: { "aws:SourceAccount": ACCOUNT_ID, "aws:SourceArn": DOMAIN_ARN },
      },
    });
    const keyPolicy = JSON.parse(key?.policy ?? "{}");
    expect(JSON.stringify(keyPolicy)).toContain(`arn:aws:iam::${ACCOUNT_ID}:root`);
    expect(keyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: "profile.amazonaws.com" },
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
          ArnEquals: { "aws:SourceArn": DOMAIN_ARN },
        },
      }),
    );

    // Each step as it went, then the console's summary.
    for (const step of ["queue", "queue-policy", "key", "alias", "domain", "link"]) {
      expect(out).toContain(`✓ ${step}:`);
    }
    expect(out).toContain("Customer Profiles is enabled.");
    expect(out).toContain(`Domain ARN:       ${DOMAIN_ARN}`);
    expect(out).toContain(`DLQ URL:          ${queue?.url}`);
    expect(out).toContain(`KMS key ARN:      ${key?.arn}`);
    expect(out).toContain(`KMS key alias:    ${ALIAS}`);
  });

  it("--json prints only the result object on standard output", async () => {
    const { code, out } = await run(enable, ["--instance", EXAMPLECORP, "--yes", "--json"]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.ok).toBe(true);
    expect(result.summary.domain).toEqual({ name: DOMAIN, arn: DOMAIN_ARN, created: true });
  });

  it("a failed step says the call, code and fix; with --checkpoint a re-run resumes without duplicates", async () => {
    await withCheckpointFile(async (file) => {
      emulator.faults.set(LINK_QUOTA_FAULT);
      const failed = await run(enable, ["--instance", EXAMPLECORP, "--yes", "--checkpoint", file]);
      expect(failed.code).toBe(1);
      expect(failed.err).toContain("✗ link failed.");
      expect(failed.err).toContain("AWS call:  Customer Profiles PutIntegration");
      expect(failed.err).toContain("AWS code:  BadRequestException");
      expect(failed.err).toContain("Fix:       the account reached the");
      expect(JSON.parse(await readFile(file, "utf8")).checkpoint.done).toContain("domain");

      emulator.faults.clear();
      const resumed = await run(enable, ["--instance", EXAMPLECORP, "--yes", "--checkpoint", file]);
      expect(resumed.code, resumed.err).toBe(0);
      expectMadeOnce(1);
    });
  });

  it("when AWS refuses the link, it prints the console steps naming the instance and domain, and exits 4", async () => {
    profileState(emulator.ctx.state).refuseConnectLinks = true;
    const { code, out } = await run(enable, ["--instance", EXAMPLECORP, "--yes"]);
    expect(code, out).toBe(4);
    expect(out).toContain(
      "✋ link: Customer Profiles PutIntegration was refused (AccessDeniedException)",
    );
    expect(out).toContain(
      "Customer Profiles is set up, but the instance is not linked to the domain yet.",
    );
    expect(out).not.toContain("Customer Profiles is enabled.");
    expect(out).toContain(`Domain ARN:       ${DOMAIN_ARN}`);
    expect(out).toContain("cannot be associated with a domain directly from the API");
    expect(out).toContain(
      `1. Open the Amazon Connect console (https://console.aws.amazon.com/connect/) in region ${REGION}`,
    );
    expect(out).toContain(
      `2. On the instances page, choose the instance alias examplecorp (instance ID ${EXAMPLECORP}).`,
    );
    expect(out).toContain("3. In the navigation pane, choose Customer profiles.");
    expect(out).toContain(
      `4. Choose Enable Customer Profiles, choose to use an existing domain, select ${DOMAIN} and submit.`,
    );
    // Everything but the link was made; the instance is linked to nothing yet.
    expectMadeOnce(0);

    // With --json, the steps come with the result (another domain: the first one is taken now).
    const other = `${DOMAIN}-json`;
    const json = await run(enable, [
      "--instance",
      EXAMPLECORP,
      "--domain",
      other,
      "--yes",
      "--json",
    ]);
    expect(json.code, json.err).toBe(4);
    const result = JSON.parse(json.out);
    expect(result.summary.instance.byHand).toMatchObject({ awsCode: "AccessDeniedException" });
    expect(result.linkSteps).toHaveLength(4);
    expect(result.linkSteps[3]).toContain(`select ${other} and submit`);
  });

  it("with --checkpoint, a run after the link was made by hand reads it and finishes", async () => {
    await withCheckpointFile(async (file) => {
      profileState(emulator.ctx.state).refuseConnectLinks = true;
      const refused = await run(enable, ["--instance", EXAMPLECORP, "--yes", "--checkpoint", file]);
      expect(refused.code, refused.err).toBe(4);
      expect(refused.out).toContain(`Then run this command again with --checkpoint ${file}`);

      // Still not linked: the re-run says so again.
      const again = await run(enable, ["--instance", EXAMPLECORP, "--yes", "--checkpoint", file]);
      expect(again.code, again.err).toBe(4);

      // The console's link, then the re-run finishes without creating anything twice.
      profileState(emulator.ctx.state).refuseConnectLinks = false;
      const client = new CustomerProfilesClient({
        region: REGION,
        endpoint: emulator.url,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      });
      await client.send(
        new PutIntegrationCommand({
          DomainName: DOMAIN,
          Uri: instanceArn(EXAMPLECORP),
          ObjectTypeName: "CTR",
        }),
      );
      client.destroy();
      const done = await run(enable, ["--instance", EXAMPLECORP, "--yes", "--checkpoint", file]);
      expect(done.code, done.err).toBe(0);
      expect(done.out).toContain("Customer Profiles is enabled.");
      expect(done.out).toContain(`✓ link: Linked instance examplecorp to ${DOMAIN} by hand.`);
      expectMadeOnce(1);
    });
  });

  it("says what it waits for while AWS spreads a change, then finishes", async () => {
    // The emulator hides the new domain from PutIntegration for 1.5 s, as AWS may.
    emulator.propagation.set({ domain: 1_500 });
    const { code, out } = await run(enable, ["--instance", EXAMPLECORP, "--yes"]);
    expect(code, out).toBe(0);
    expect(out).toMatch(
      /… link: Waiting for the new domain amazon-connect-examplecorp to reach Customer Profiles \(AWS is eventually consistent\): \d+ s of up to 90 s\./,
    );
    expect(out).toContain("Customer Profiles is enabled.");
    expect(holdings().domain?.integrations).toHaveLength(1);
  });
});
