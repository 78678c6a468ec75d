/**
 * `profiles-bot plan` in-process against the seeded emulator: what it prints (resources,
 * statements, warnings, blockers), its JSON, its exit codes, and that it changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID, type EmulatorHandle } from "../../sandbox/aws/index.js";
import type { CliCommand } from "../../src/cli/io.js";
import { createPlanCommand } from "../../src/cli/plan.js";
import {
  cliEnv,
  EXAMPLECORP,
  instanceArn,
  LEGACY_SUPPORT,
  REGION,
  run,
  snapshot,
  startEmulator,
} from "./helpers.js";

let emulator: EmulatorHandle;
let plan: CliCommand;
let before: string;
beforeAll(async () => {
  emulator = await startEmulator();
  plan = createPlanCommand(cliEnv(emulator));
  before = snapshot(emulator);
});
afterAll(async () => {
  // Every test here only reads: the emulator holds exactly what it was seeded with.
  expect(snapshot(emulator)).toBe(before);
  await emulator?.close();
});

const DOMAIN = "amazon-connect-examplecorp";
const DOMAIN_ARN = `arn:aws:profile:${REGION}:${ACCOUNT_ID}:domains/${DOMAIN}`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${DOMAIN}-dlq`;

describe("profiles-bot plan", () => {
  it("prints every resource and the exact policy statements for a new domain, queue and key", async () => {
    const { code, out } = await run(plan, ["--instance", EXAMPLECORP]);
    expect(code).toBe(0);
    expect(out).toContain("Plan: ready to submit");
    expect(out).toContain(`create queue ${DOMAIN}-dlq`);
    expect(out).toContain(`create alias alias/${DOMAIN}`);
    expect(out).toContain(`create domain ${DOMAIN}`);
    expect(out).toContain(`create link ${instanceArn(EXAMPLECORP)}`);
    // The DLQ statement in docs/aws/sqs.md, with both conditions.
    expect(out).toContain('"Sid": "CustomerProfilesDLQ"');
    expect(out).toContain(`"Resource": "${QUEUE_ARN}"`);
    expect(out).toContain(`"aws:SourceAccount": "${ACCOUNT_ID}"`);
    expect(out).toContain(`"aws:SourceArn": "${DOMAIN_ARN}"`);
    // The key policy keeps the account as administrator and grants Customer Profiles its three actions.
    expect(out).toContain(`"AWS": "arn:aws:iam::${ACCOUNT_ID}:root"`);
    expect(out).toContain('"Sid": "CustomerProfilesKey"');
    for (const action of ["kms:GenerateDataKey", "kms:CreateGrant", "kms:Decrypt"]) {
      expect(out).toContain(`"${action}"`);
    }
  });

  it("warns about a name without the amazon-connect- prefix and a missing dead-letter queue", async () => {
    const { code, out } = await run(plan, [
      "--instance",
      EXAMPLECORP,
      "--domain",
      "examplecorp-profiles",
      "--dlq",
      "none",
      "--key",
      "aws-owned",
      "--expiration-days",
      "30",
    ]);
    expect(code).toBe(0);
    expect(out).toContain("Warnings:");
    expect(out).toContain("doesn't start with 'amazon-connect-'");
    expect(out).toContain("Without a dead-letter queue");
    expect(out).toContain("keeping profile data 30 days");
  });

  it("exits 1 with the blockers (key statement to ask for, relink confirmation), and --json is one object", async () => {
    const { code, out } = await run(plan, [
      "--instance",
      LEGACY_SUPPORT,
      "--domain",
      "amazon-connect-legacy-support",
      "--dlq",
      "existing:legacy-profiles-dlq",
      "--key",
      "existing:alias/legacy-profiles",
      "--json",
    ]);
    expect(code).toBe(1);
    const parsed = JSON.parse(out);
    expect(parsed.ready).toBe(false);
    expect(parsed.input.domain).toEqual({
      mode: "new",
      name: "amazon-connect-legacy-support",
      expirationDays: 366,
      dataStore: false,
    });
    expect(parsed.blockers).toHaveLength(2);
    expect(parsed.blockers[0]).toContain("Ask the key's administrator to add this statement");
    expect(parsed.blockers[1]).toContain("is linked to domain amazon-connect-legacy");
    expect(parsed.warnings.join("\n")).toContain("keeps its 1 existing statement unchanged");
    expect(parsed.statements.map((s: { statement: { Sid: string } }) => s.statement.Sid)).toEqual([
      "CustomerProfilesDLQ",
      "CustomerProfilesKey",
    ]);
  });

  it("is ready once the relink is confirmed and the key policy may be updated, warning that profiles stay", async () => {
    const { code, out } = await run(plan, [
      "--instance",
      LEGACY_SUPPORT,
      "--domain=amazon-connect-legacy-support",
      "--dlq=existing:legacy-profiles-dlq",
      "--key=existing:alias/legacy-profiles",
      "--confirm-relink",
      "--update-key-policy",
    ]);
    expect(code).toBe(0);
    expect(out).toContain("update unlink amazon-connect-legacy");
    expect(out).toContain(
      "will be unlinked from domain amazon-connect-legacy; its 3 profiles stay in amazon-connect-legacy",
    );
    expect(out).toContain("Add the CustomerProfilesKey statement to its key policy");
  });

  it("keeps an existing domain's queue and key by default, and uses it as it is", async () => {
    const domain = ["--domain", "amazon-connect-legacy"];
    for (const args of [
      ["--instance", LEGACY_SUPPORT, ...domain],
      ["--instance", LEGACY_SUPPORT, ...domain, "--keep-dlq", "--keep-key"],
      // Without --domain: the domain the instance is linked to, by id or by ARN.
      ["--instance", LEGACY_SUPPORT],
      ["--instance", instanceArn(LEGACY_SUPPORT)],
    ]) {
      const { code, out } = await run(plan, args);
      expect(code, args.join(" ")).toBe(0);
      expect(out).not.toContain("unlink");
      expect(out).toContain("Domain:   amazon-connect-legacy (existing)");
      expect(out).toContain("DLQ:      keep the domain's current queue");
      expect(out).toContain("Key:      keep the domain's current key");
      expect(out).toContain(
        "use domain amazon-connect-legacy: Use domain amazon-connect-legacy as it is.",
      );
      expect(out).toContain("is already linked to amazon-connect-legacy");
    }
    const both = await run(plan, [
      "--instance",
      LEGACY_SUPPORT,
      "--keep-key",
      "--key",
      "aws-owned",
    ]);
    expect(both.code).toBe(2);
    expect(both.err).toContain("--keep-key and --key can't be used together");
  });

  it("blocks a new key for the populated existing domain until --confirm-reencrypt", async () => {
    const args = [
      "--instance",
      LEGACY_SUPPORT,
      "--domain",
      "amazon-connect-legacy",
      "--key",
      "new:alias/legacy-rekeyed",
    ];
    const blocked = await run(plan, [...args, "--json"]);
    expect(blocked.code).toBe(1);
    const parsed = JSON.parse(blocked.out);
    expect(parsed.blockers).toEqual([
      expect.stringMatching(/holds 3 profiles.*re-encrypting all of them/),
    ]);
    expect(parsed.input.dlq).toEqual({ mode: "keep" });
    const confirmed = await run(plan, [...args, "--confirm-reencrypt"]);
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toContain("update domain amazon-connect-legacy");
    expect(confirmed.out).toContain("re-encrypting all of them");
  });

  it("blocks a key whose policy the bot can't read until --confirm-key-statement", async () => {
    emulator.faults.set({ "kms:GetKeyPolicy": { code: "AccessDeniedException" } });
    try {
      const args = ["--instance", EXAMPLECORP, "--key", "existing:alias/legacy-profiles"];
      const blocked = await run(plan, args);
      expect(blocked.code).toBe(1);
      expect(blocked.out).toMatch(/can't read key .*kms:GetKeyPolicy.*confirm once they added it/);
      expect(blocked.out).toContain('"Sid": "CustomerProfilesKey"');
      const confirmed = await run(plan, [...args, "--confirm-key-statement"]);
      expect(confirmed.code).toBe(0);
      expect(confirmed.out).toContain("statement is not verified");
    } finally {
      emulator.faults.clear();
    }
  });

  it("says what is wrong with bad usage or an unknown instance, exiting 2", async () => {
    const missing = await run(plan, []);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--instance is required");
    const badDlq = await run(plan, ["--instance", EXAMPLECORP, "--dlq", "fifo"]);
    expect(badDlq.code).toBe(2);
    expect(badDlq.err).toContain("--dlq takes none, new:NAME or existing:NAME");
    const unknown = await run(plan, ["--instance", "00000000-0000-0000-0000-000000000000"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("There is no Amazon Connect instance");
    const noQueue = await run(plan, ["--instance", EXAMPLECORP, "--dlq", "existing:nope"]);
    expect(noQueue.code).toBe(2);
    expect(noQueue.err).toContain("There is no SQS queue nope");
  });

  it("takes the retention of a new queue and the Data store, and refuses a retention SQS can't keep", async () => {
    const { code, out } = await run(plan, [
      "--instance",
      EXAMPLECORP,
      "--retention-days",
      "7",
      "--data-store",
      "--json",
    ]);
    expect(code).toBe(0);
    const parsed = JSON.parse(out);
    expect(parsed.input.dlq).toEqual({ mode: "new", name: `${DOMAIN}-dlq`, retentionDays: 7 });
    expect(parsed.input.domain.dataStore).toBe(true);
    const queue = parsed.steps.find((s: { kind: string }) => s.kind === "queue");
    expect(queue.details).toContain("keeping failed objects 7 days");
    const tooLong = await run(plan, ["--instance", EXAMPLECORP, "--retention-days", "30"]);
    expect(tooLong.code).toBe(2);
    expect(tooLong.err).toContain(
      "--retention-days: Enter a whole number of days from 1 to 14: '30' is out of range",
    );
  });

  it("blocks an instance that is not ACTIVE", async () => {
    const { code, out } = await run(plan, [
      "--instance",
      "c7a9e0f4-1b2d-4e6a-8c3f-9b5d7e2a4f13",
      "--domain",
      "amazon-connect-new",
    ]);
    expect(code).toBe(1);
    expect(out).toContain("is CREATION_IN_PROGRESS: only an ACTIVE instance can be enabled");
  });
});
