/**
 * Waiting out AWS's eventual consistency (src/provision/settle.ts). The recogniser and the
 * backoff on a clock the test moves; then whole provisioning runs against the emulator with
 * propagation delays, on one fake clock shared by the emulator and the job's waits, so a
 * 30-second delay costs no real time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { toAppError } from "../../src/aws/errors.js";
import { AppError } from "../../src/errors.js";
import { provisionInput } from "../../src/provision/plan-to-job.js";
import { MemoryReporter } from "../../src/provision/reporter.js";
import { runProvision, StepError, toFailure } from "../../src/provision/run.js";
import {
  type Dependency,
  domainDependencies,
  type PropagationWait,
  settled,
} from "../../src/provision/settle.js";
import type { Checkpoint } from "../../src/provision/types.js";
import { EXAMPLECORP, type Harness, jobData, startHarness } from "./helpers.js";

const KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const T0 = Date.parse("2026-01-01T00:00:00Z");

/** A clock that only the sleeps move, and what they were asked to sleep. */
function fakeTime(start = T0) {
  let now = start;
  const slept: number[] = [];
  const waits: PropagationWait[] = [];
  return {
    slept,
    waits,
    now: () => new Date(now),
    settling: (boundMs: number) => ({
      boundMs,
      sleep: async (ms: number) => {
        slept.push(ms);
        now += ms;
      },
      waiting: (wait: PropagationWait) => {
        waits.push(wait);
      },
    }),
  };
}

/** An AWS failure as the gateways map it, from an SDK-shaped error. */
const awsFailure = (operation: string, name: string, message: string, status = 400) =>
  toAppError(
    { service: "profile", operation, iamAction: `profile:${operation}` },
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } }),
  );

const keyMadeAt = (at: number): Checkpoint => ({
  key: { keyId: "1234abcd", arn: KEY_ARN, created: true, changedAt: new Date(at).toISOString() },
});

/** A call that fails `times` times with `err`, then answers "ok". */
function failing(times: number, err: unknown) {
  let calls = 0;
  const call = async () => {
    calls += 1;
    if (calls <= times) throw err;
    return "ok";
  };
  return { call, calls: () => calls };
}

const notVisible = () =>
  awsFailure(
    "CreateDomain",
    "BadRequestException",
    `KMS key is invalid: ${KEY_ARN} does not exist.`,
  );

describe("settled", () => {
  it("retries a failure the young key explains, backing off, until the call succeeds", async () => {
    const time = fakeTime();
    const { call, calls } = failing(4, notVisible());
    const ctx = { now: time.now, settling: time.settling(90_000) };
    await expect(settled(ctx, domainDependencies(keyMadeAt(T0)), call)).resolves.toBe("ok");
    expect(calls()).toBe(5);
    expect(time.slept).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(time.waits.map((w) => w.waitedMs)).toEqual([0, 1_000, 3_000, 7_000]);
    expect(time.waits[0]).toMatchObject({
      what: `the new KMS key ${KEY_ARN}`,
      reader: "Customer Profiles",
      boundMs: 90_000,
    });
  });

  it("fails at once on a failure that names no resource of the job (an IAM refusal)", async () => {
    const time = fakeTime();
    const denied = awsFailure(
      "CreateDomain",
      "AccessDeniedException",
      "User: arn:aws:sts::111122223333:assumed-role/bot/x is not authorized to perform: profile:CreateDomain",
      403,
    );
    const { call, calls } = failing(1, denied);
    const ctx = { now: time.now, settling: time.settling(90_000) };
    await expect(settled(ctx, domainDependencies(keyMadeAt(T0)), call)).rejects.toBe(denied);
    expect(calls()).toBe(1);
    expect(time.slept).toEqual([]);
  });

  it("fails at once, as before, when the resource is older than the bound", async () => {
    const time = fakeTime(T0 + 120_000);
    const err = notVisible();
    const { call, calls } = failing(1, err);
    const ctx = { now: time.now, settling: time.settling(90_000) };
    await expect(settled(ctx, domainDependencies(keyMadeAt(T0)), call)).rejects.toBe(err);
    expect(calls()).toBe(1);
  });

  it("fails at once when the job did not make or change the key (an existing one)", async () => {
    const time = fakeTime();
    const existing: Checkpoint = { key: { keyId: "1234abcd", arn: KEY_ARN, created: false } };
    const { call } = failing(1, notVisible());
    const ctx = { now: time.now, settling: time.settling(90_000) };
    await expect(settled(ctx, domainDependencies(existing), call)).rejects.toBeInstanceOf(AppError);
    expect(time.slept).toEqual([]);
  });

  it("past the bound, fails naming the resource and keeping the call, for the Retry button", async () => {
    const time = fakeTime();
    const { call } = failing(Number.POSITIVE_INFINITY, notVisible());
    const ctx = { now: time.now, settling: time.settling(5_000) };
    const err = await settled(ctx, domainDependencies(keyMadeAt(T0)), call).catch((e) => e);
    // 1 s, 2 s, then only what is left of the 5 s.
    expect(time.slept).toEqual([1_000, 2_000, 2_000]);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ call: "Customer Profiles CreateDomain", retryable: false });
    expect(err.reason).toContain(
      `The new KMS key ${KEY_ARN} had still not reached Customer Profiles after 5 s`,
    );
    expect(err.reason).toContain("BadRequestException");
    expect(err.reason).not.toContain("CreateDomain");
    expect(err.fix).toContain("Retry");
    expect(err.fix).toContain("PROPAGATION_WAIT_SECONDS");
  });

  it("waits for the youngest of the resources a failure names", async () => {
    const time = fakeTime(T0 + 10_000);
    const checkpoint: Checkpoint = {
      ...keyMadeAt(T0),
      keyPolicy: { changed: true, changedAt: new Date(T0 + 8_000).toISOString() },
    };
    const { call } = failing(1, notVisible());
    const ctx = { now: time.now, settling: time.settling(90_000) };
    await settled(ctx, domainDependencies(checkpoint), call);
    expect(time.waits[0]).toMatchObject({
      what: `KMS key ${KEY_ARN}'s new policy`,
      waitedMs: 2_000,
    });
  });

  it("never waits without a bound", async () => {
    const err = notVisible();
    const deps: Dependency[] = domainDependencies(keyMadeAt(Date.now()));
    await expect(settled({}, deps, failing(1, err).call)).rejects.toBe(err);
  });
});

describe("provisioning under AWS's propagation delays (emulator)", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Runs a fresh enable with the emulator and the waits on one fake clock. */
  async function run(delays: Record<string, number>, boundMs: number) {
    h = await startHarness({ propagationMs: delays });
    const time = fakeTime(Date.now());
    h.emulator.ctx.now = () => time.now().getTime();
    const reporter = new MemoryReporter();
    const jobId = "enable-propagation";
    const outcome = await runProvision({
      ctx: {
        gateways: h.gateways,
        bindings: h.bindings,
        log: h.log,
        now: time.now,
        settling: { boundMs, sleep: time.settling(boundMs).sleep },
      },
      input: provisionInput(jobId, jobData()),
      checkpoint: {},
      save: async () => {},
      reporter: reporter.factory({
        id: jobId,
        channelId: "",
        teamId: "",
        requestedBy: "U0TESTER1",
        instanceId: EXAMPLECORP.id,
        domainName: "amazon-connect-examplecorp",
      }),
    }).catch((err: unknown) => err);
    return { outcome, reporter, time };
  }

  it("completes when every new resource takes 5 s to spread, reporting each wait", async () => {
    const delays = { queue: 5_000, "queue-policy": 5_000, key: 5_000, domain: 5_000 };
    const { outcome, reporter } = await run(delays, 90_000);
    expect(outcome).not.toBeInstanceOf(Error);
    expect(reporter.of("completed")).toHaveLength(1);
    const waited = new Set(reporter.of("waiting").map((e) => `${e.step}: ${e.wait.what}`));
    const keyArn = (outcome as { checkpoint: Checkpoint }).checkpoint.key?.arn;
    expect(waited).toContain(`alias: the new KMS key ${keyArn}`);
    expect(waited).toContain("link: the new domain amazon-connect-examplecorp");
    // The domain step waits for whichever of the key and the queue it is refused first.
    expect([...waited].some((w) => w.startsWith("domain: "))).toBe(true);
  });

  it("fails naming the key when it takes longer to spread than the bound", async () => {
    const { outcome, reporter } = await run({ key: 30_000 }, 2_000);
    expect(outcome).toBeInstanceOf(StepError);
    const failure = toFailure((outcome as StepError).step, outcome);
    expect(["alias", "domain"]).toContain(failure.step);
    expect(failure.reason).toMatch(
      /^The new KMS key arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]+ had still not reached (KMS|Customer Profiles) after 2 s/,
    );
    expect(failure.retryable).toBe(false);
    expect(reporter.of("waiting").length).toBeGreaterThan(0);
    expect(reporter.of("completed")).toHaveLength(0);
  });
});
