/**
 * ensureDomain on an existing domain, against the seeded emulator through the real SDK: it
 * changes only what the person chose to change. Kept queue and key send no UpdateDomain; AWS
 * owned and "none" clear what the domain has with `""`; a key change on a domain that holds
 * profiles needs the re-encryption confirmation, checked again by the job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEGACY_KEY_ALIAS } from "../../sandbox/aws/seed.js";
import { findDomain } from "../../sandbox/aws/services/profiles.js";
import { AppError } from "../../src/errors.js";
import { provisionInput } from "../../src/provision/plan-to-job.js";
import { ensureDomain, type StepContext } from "../../src/provision/steps.js";
import type { Checkpoint } from "../../src/provision/types.js";
import {
  existingLegacyQueue,
  type Harness,
  jobData,
  LEGACY_DOMAIN,
  LEGACY_SUPPORT,
  REGION,
  startHarness,
} from "./helpers.js";

let h: Harness;
let ctx: StepContext;

beforeAll(async () => {
  h = await startHarness();
  ctx = { gateways: h.gateways, log: h.log, bindings: h.bindings };
});

afterAll(async () => {
  await h?.close();
});

const updates = () => h.emulator.calls.get("profile:UpdateDomain") ?? 0;
const legacy = () => findDomain(h.emulator.ctx.state, LEGACY_DOMAIN, REGION);
const legacyKeyArn = () => {
  const { kms } = h.emulator.ctx.state;
  const keyId = kms.aliases[LEGACY_KEY_ALIAS]?.targetKeyId ?? "";
  return kms.keys[keyId]?.arn ?? "";
};

const inputFor = (overrides: Parameters<typeof jobData>[0]) =>
  provisionInput(
    "enable-existing",
    jobData({
      instance: LEGACY_SUPPORT,
      domain: { mode: "existing", name: LEGACY_DOMAIN },
      ...overrides,
    }),
  );

describe("ensureDomain on an existing domain", () => {
  it("sends no UpdateDomain when the queue and key are kept", async () => {
    const before = updates();
    const result = await ensureDomain(
      ctx,
      inputFor({ dlq: { mode: "keep" }, key: { mode: "keep" } }),
      {},
    );
    expect(updates()).toBe(before);
    expect(result.domain).toMatchObject({ name: LEGACY_DOMAIN, created: false });
    expect(result.domain?.previous).toBeUndefined();
    expect(result.domain?.deadLetterQueueUrl).toBeUndefined();
    const domain = await h.gateways.profiles.getDomain(LEGACY_DOMAIN);
    expect(domain?.encryptionKey).toBeUndefined();
    expect(domain?.stats.profileCount).toBeGreaterThan(0);
  });

  it("refuses to change the key of a domain that holds profiles without the confirmation", async () => {
    const arn = legacyKeyArn();
    const checkpoint: Checkpoint = {
      key: { keyId: arn.split("/").pop() ?? "", arn, created: false },
    };
    const before = updates();
    const refused = await ensureDomain(
      ctx,
      inputFor({ dlq: { mode: "keep" }, key: { mode: "new", alias: "alias/unused" } }),
      checkpoint,
    ).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).message).toMatch(/holds \d+ profiles.*not confirmed/);
    expect((refused as AppError).retryable).toBe(false);
    expect(updates()).toBe(before);
    expect(legacy()?.defaultEncryptionKey).toBeUndefined();

    const done = await ensureDomain(
      ctx,
      inputFor({
        dlq: { mode: "keep" },
        key: { mode: "new", alias: "alias/unused" },
        confirmReencrypt: true,
      }),
      checkpoint,
    );
    expect(updates()).toBe(before + 1);
    expect((await h.gateways.profiles.getDomain(LEGACY_DOMAIN))?.encryptionKey).toBe(arn);
    // It had no key before: the record says so (""), so clean-up clears the key again.
    expect(done.domain?.previous).toEqual({ encryptionKey: "" });
  });

  it("clears the key (AWS owned) and the queue (none) with an empty string", async () => {
    const arn = legacyKeyArn();
    const queue = existingLegacyQueue(h);
    const domain = legacy();
    if (!domain) throw new Error("no legacy domain");
    domain.defaultEncryptionKey = arn;
    domain.deadLetterQueueUrl = queue.url;
    const before = updates();
    const result = await ensureDomain(
      ctx,
      inputFor({ dlq: { mode: "none" }, key: { mode: "aws-owned" }, confirmReencrypt: true }),
      {},
    );
    expect(updates()).toBe(before + 1);
    const after = await h.gateways.profiles.getDomain(LEGACY_DOMAIN);
    expect(after?.encryptionKey).toBeUndefined();
    expect(after?.deadLetterQueueUrl).toBeUndefined();
    expect(result.domain?.previous).toEqual({ encryptionKey: arn, deadLetterQueueUrl: queue.url });
    // No queue any more: nothing for the alert binding to watch.
    expect(result.domain?.deadLetterQueueUrl).toBeUndefined();
  });
});
