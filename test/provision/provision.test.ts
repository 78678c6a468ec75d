/**
 * Provisioning end to end below Slack: the BullMQ job on real Redis, the real AWS SDK
 * clients, and the emulator. Assertions read what the emulator holds afterwards.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { LEGACY_KEY_ALIAS, LEGACY_QUEUE_NAME } from "../../sandbox/aws/seed.js";
import { findDomain, profileState } from "../../sandbox/aws/services/profiles.js";
import type { KeyChoice } from "../../src/enable/plan.js";
import { cleanUp } from "../../src/provision/cleanup.js";
import type { ProvisionJobData } from "../../src/provision/plan-to-job.js";
import { provisionInput } from "../../src/provision/plan-to-job.js";
import { noopReporter } from "../../src/provision/reporter.js";
import { runProvision } from "../../src/provision/run.js";
import type { Checkpoint, CleanupResult, StepName } from "../../src/provision/types.js";
import { STEP_ORDER } from "../../src/provision/types.js";
import {
  cleanUpProvision,
  cleanupJobId,
  enqueueProvision,
  retryProvision,
} from "../../src/queues/provision.js";
import { ROOT_ONLY_KEY_POLICY } from "../support/key-policies.js";
import { LINK_QUOTA_FAULT } from "../support/link-faults.js";
import {
  awsOwnedKey,
  EXAMPLECORP,
  existingLegacyQueue,
  FAST_RETRIES,
  type Harness,
  inventory,
  jobData,
  LEGACY_DOMAIN,
  LEGACY_SUPPORT,
  REGION,
  startHarness,
  WHO,
  waitForState,
} from "./helpers.js";

const DOMAIN = "amazon-connect-examplecorp";
const QUEUE = `${DOMAIN}-dlq`;
const ALIAS = `alias/${DOMAIN}`;
const NAMES = { domain: DOMAIN, queue: QUEUE, alias: ALIAS };
const DOMAIN_ARN = `arn:aws:profile:${REGION}:${ACCOUNT_ID}:domains/${DOMAIN}`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${QUEUE}`;

/** The DLQ statement in docs/aws/sqs.md, written out rather than built by the code under test. */
const FACTS_DLQ_STATEMENT = {
  Sid: "CustomerProfilesDLQ",
  Effect: "Allow",
  Principal: { Service: "profile.amazonaws.com" },
  Action: "sqs:SendMessage",
  Resource: QUEUE_ARN,
  Condition: {
    StringEquals: { "aws:SourceAccount": ACCOUNT_ID, "aws:SourceArn": DOMAIN_ARN },
  },
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function provision(harness: Harness, data: ProvisionJobData, states = ["completed"]) {
  const { jobId, status } = await enqueueProvision(harness.queues, data, {
    jobOptions: FAST_RETRIES,
  });
  expect(status).toBe("started");
  const job = await waitForState(harness.queue, jobId, [
    ...states,
    ...(states.includes("failed") ? [] : ["failed"]),
  ]);
  return { jobId, job, state: await job.getState() };
}

/** One run of a fresh job in this process, as a retry or the CLI would run it. */
const runOnce = (harness: Harness, jobId: string) =>
  runProvision({
    ctx: { gateways: harness.gateways, bindings: harness.bindings, log: harness.log },
    input: provisionInput(jobId, jobData()),
    checkpoint: {},
    save: async () => {},
    reporter: noopReporter,
  });

describe("provisioning job", () => {
  it("(a) creates the queue, its policy, the key with its policy and alias, the domain and the link", async () => {
    h = await startHarness();
    h.startWorker();
    const { jobId, job, state } = await provision(h, jobData());
    expect(state, job.failedReason).toBe("completed");

    const inv = inventory(h, jobId, NAMES);
    expect(inv.queues).toHaveLength(1);
    const queue = inv.queues[0];
    expect(queue?.tags).toMatchObject({
      "profiles-bot:created-by": "profiles-bot",
      "profiles-bot:requested-by": WHO.requestedBy,
      "profiles-bot:job": jobId,
    });
    const queuePolicy = JSON.parse(queue?.attributes.Policy ?? "{}");
    expect(queuePolicy.Statement).toEqual([FACTS_DLQ_STATEMENT]);

    expect(inv.keys).toHaveLength(1);
    const key = inv.keys[0];
    expect(key?.tags).toContainEqual({
      TagKey: "profiles-bot:created-by",
      TagValue: "profiles-bot",
    });
    expect(key).toMatchObject({
      keyState: "Enabled",
      keySpec: "SYMMETRIC_DEFAULT",
      keyUsage: "ENCRYPT_DECRYPT",
    });
    const keyPolicy = JSON.parse(key?.policy ?? "{}");
    expect(keyPolicy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
          Action: "kms:*",
          Resource: "*",
        }),
        expect.objectContaining({
          Effect: "Allow",
          Principal: { Service: "profile.amazonaws.com" },
          Action: ["kms:GenerateDataKey", "kms:CreateGrant", "kms:Decrypt"],
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
            ArnEquals: { "aws:SourceArn": DOMAIN_ARN },
          },
        }),
      ]),
    );
    expect(inv.aliases).toHaveLength(1);
    expect(inv.aliases[0]?.targetKeyId).toBe(key?.keyId);

    expect(inv.domains).toHaveLength(1);
    expect(inv.domain).toMatchObject({
      defaultExpirationDays: 366,
      defaultEncryptionKey: key?.arn,
      deadLetterQueueUrl: queue?.url,
      tags: {
        "profiles-bot:created-by": "profiles-bot",
        "profiles-bot:requested-by": WHO.requestedBy,
        "profiles-bot:job": jobId,
      },
    });
    expect(inv.domain?.integrations.map((i) => [i.uri, i.objectTypeName])).toEqual([
      [EXAMPLECORP.arn, "CTR"],
    ]);
    expect(await h.gateways.profiles.domainForInstance(EXAMPLECORP.arn)).toBe(DOMAIN);

    const binding = await h.bindings.get(DOMAIN);
    expect(binding).toMatchObject({
      channelId: WHO.channelId,
      queueUrl: queue?.url,
      boundBy: WHO.requestedBy,
    });

    const completed = h.reporter.of("completed");
    expect(completed).toHaveLength(1);
    expect(completed[0]?.summary).toEqual({
      domain: { name: DOMAIN, arn: DOMAIN_ARN, created: true },
      dlq: { url: queue?.url, arn: QUEUE_ARN, created: true },
      key: { arn: key?.arn, alias: ALIAS, created: true },
      instance: { id: EXAMPLECORP.id, arn: EXAMPLECORP.arn, alias: EXAMPLECORP.alias },
      alertChannelId: WHO.channelId,
    });
    const done = h.reporter.of("stepDone").map((e) => e.step);
    expect(new Set(done)).toEqual(
      new Set([
        "queue",
        "queue-policy",
        "key",
        "alias",
        "key-policy",
        "domain",
        "link",
        "alert-binding",
      ]),
    );
    // The domain waited for both branches; the link for the domain.
    expect(done.indexOf("domain")).toBeGreaterThan(done.indexOf("queue-policy"));
    expect(done.indexOf("domain")).toBeGreaterThan(done.indexOf("key-policy"));
    expect(done.indexOf("link")).toBeGreaterThan(done.indexOf("domain"));
  });

  it("(a) a fresh job creates first: one call per resource, the queue's policy in CreateQueue, no look-ups", async () => {
    h = await startHarness();
    h.startWorker();
    const data = jobData();
    const { job, state } = await provision(h, data);
    expect(state, job.failedReason).toBe("completed");
    expect(Object.fromEntries(h.emulator.calls)).toEqual({
      "sqs:CreateQueue": 1,
      "kms:CreateKey": 1,
      "kms:CreateAlias": 1,
      "profile:CreateDomain": 1,
      // The link's one read, sent with the first creates rather than after the domain.
      "profile:ListAccountIntegrations": 1,
      "profile:PutIntegration": 1,
    });
    const policy = JSON.parse(h.emulator.ctx.state.sqs.queues[QUEUE]?.attributes.Policy ?? "{}");
    expect(policy.Id).toBe(`profiles-bot:${job.id}:${data.submissionId}`);
    expect(policy.Statement).toEqual([FACTS_DLQ_STATEMENT]);
    // The same CreateQueue kept failed objects 14 days and turned on SSE-SQS.
    expect(h.emulator.ctx.state.sqs.queues[QUEUE]?.attributes).toMatchObject({
      MessageRetentionPeriod: "1209600",
      SqsManagedSseEnabled: "true",
    });
    // No Data store unless chosen: CreateDomain got no DataStore at all.
    expect(findDomain(h.emulator.ctx.state, DOMAIN)?.dataStore).toBeUndefined();
  });

  it("(a) the chosen retention and the Data store go in the one CreateQueue and CreateDomain", async () => {
    h = await startHarness();
    h.startWorker();
    const data = jobData({
      dlq: { mode: "new", name: QUEUE, retentionDays: 3 },
      domain: { mode: "new", name: DOMAIN, expirationDays: 366, dataStore: true },
    });
    const { job, state } = await provision(h, data);
    expect(state, job.failedReason).toBe("completed");
    expect(h.emulator.calls.get("sqs:CreateQueue")).toBe(1);
    expect(h.emulator.calls.get("sqs:SetQueueAttributes")).toBeUndefined();
    expect(h.emulator.calls.get("profile:CreateDomain")).toBe(1);
    expect(h.emulator.ctx.state.sqs.queues[QUEUE]?.attributes).toMatchObject({
      MessageRetentionPeriod: String(3 * 86_400),
      SqsManagedSseEnabled: "true",
    });
    expect(findDomain(h.emulator.ctx.state, DOMAIN)?.dataStore).toBe(true);
  });

  it("(b) a queue an earlier run created without its policy is adopted and gets the policy", async () => {
    h = await startHarness();
    // That run sent CreateQueue (no Policy, as the bot did before) and died before recording it.
    await h.gateways.sqs.createQueue(QUEUE, { tags: {} });
    const data = jobData();
    const { checkpoint } = await runProvision({
      ctx: { gateways: h.gateways, bindings: h.bindings, log: h.log },
      input: provisionInput("enable-earlier", data),
      checkpoint: { creating: ["queue"] },
      save: async () => {},
      reporter: noopReporter,
    });
    expect(checkpoint.queue).toMatchObject({ name: QUEUE, created: true });
    const queue = h.emulator.ctx.state.sqs.queues[QUEUE];
    expect(JSON.parse(queue?.attributes.Policy ?? "{}").Statement).toEqual([FACTS_DLQ_STATEMENT]);
    expect(findDomain(h.emulator.ctx.state, DOMAIN)?.deadLetterQueueUrl).toBe(queue?.url);
  });

  it("(a) runs the queue branch and the key branch in parallel", async () => {
    h = await startHarness({ latencyMs: 40 });
    h.startWorker();
    const { job } = await provision(h, jobData());
    expect(await job.getState()).toBe("completed");
    const started = h.reporter.events.map((e) => `${e.type}:${"step" in e ? e.step : ""}`);
    // Both branches started before either finished its first step.
    const firstDone = started.findIndex((e) => e.startsWith("stepDone"));
    expect(started.slice(0, firstDone)).toEqual(
      expect.arrayContaining(["stepStarted:queue", "stepStarted:key"]),
    );
  });

  it("dedupes: two submissions for the same instance add one job", async () => {
    h = await startHarness();
    const [a, b] = await Promise.all([
      enqueueProvision(h.queues, jobData(), { jobOptions: FAST_RETRIES }),
      enqueueProvision(h.queues, jobData(), { jobOptions: FAST_RETRIES }),
    ]);
    expect(a?.jobId).toBe(b?.jobId);
    expect(a?.jobId).not.toContain(":");
    expect([a?.status, b?.status].sort()).toEqual(["already-running", "started"]);
    expect(await h.queue.getJobCounts("waiting", "active", "delayed")).toMatchObject({
      waiting: 1,
    });
  });

  it("(b) running twice, or resuming from any half-filled checkpoint, creates nothing twice", async () => {
    h = await startHarness();
    h.startWorker();
    const { jobId, job } = await provision(h, jobData());
    expect(await job.getState()).toBe("completed");
    const final = (job.data as ProvisionJobData).checkpoint;
    const before = inventory(h, jobId, NAMES);
    const callsBefore = new Map(h.emulator.calls);

    // Re-run the completed job through BullMQ: every step is checkpointed, so no AWS call.
    await job.retry("completed");
    await waitForState(h.queue, jobId, ["completed"]);
    const creates = ["sqs:CreateQueue", "kms:CreateKey", "kms:CreateAlias", "profile:CreateDomain"];
    for (const op of creates) expect(h.emulator.calls.get(op)).toBe(callsBefore.get(op));

    // A worker that died after sending each create but before recording its answer: the
    // checkpoint holds only the steps before, plus the intent to create.
    const order: StepName[] = [
      "queue",
      "queue-policy",
      "key",
      "key-policy",
      "alias",
      "domain",
      "link",
      "alert-binding",
    ];
    const input = provisionInput(jobId, job.data as ProvisionJobData);
    for (let cut = 0; cut <= order.length; cut += 1) {
      const checkpoint = partial(final, order.slice(0, cut));
      checkpoint.creating = order.slice(cut);
      await runProvision({
        ctx: { gateways: h.gateways, bindings: h.bindings, log: h.log },
        input,
        checkpoint,
        save: async () => {},
        reporter: noopReporter,
      });
    }
    const after = inventory(h, jobId, NAMES);
    expect(after.queues).toHaveLength(1);
    expect(after.keys).toHaveLength(1);
    expect(after.aliases).toHaveLength(1);
    expect(after.domains).toHaveLength(1);
    expect(after.queues[0]?.url).toBe(before.queues[0]?.url);
    expect(after.keys[0]?.keyId).toBe(before.keys[0]?.keyId);
    expect(after.domain?.integrations).toHaveLength(1);
    expect(JSON.parse(after.queues[0]?.attributes.Policy ?? "{}").Statement).toEqual([
      FACTS_DLQ_STATEMENT,
    ]);
  });

  it("(b) a fresh job that finds a queue it did not create stops instead of adopting it", async () => {
    h = await startHarness();
    await h.gateways.sqs.createQueue(QUEUE, { tags: { owner: "someone-else" } });
    h.startWorker();
    const { job, state } = await provision(h, jobData(), ["failed"]);
    expect(state).toBe("failed");
    expect(job.failedReason).toContain(`A queue named ${QUEUE} already exists`);
    expect(job.attemptsStarted).toBe(1);
    expect(inventory(h, String(job.id), NAMES).domains).toHaveLength(0);
  });

  it("(b) a domain someone else holds stops the job instead of being adopted", async () => {
    h = await startHarness();
    await h.gateways.profiles.createDomain({ name: DOMAIN, expirationDays: 30, tags: {} });
    await expect(runOnce(h, "enable-taken")).rejects.toThrow(
      `A domain named ${DOMAIN} already exists and this job did not create it.`,
    );
    expect(findDomain(h.emulator.ctx.state, DOMAIN)?.defaultExpirationDays).toBe(30);
    expect(findDomain(h.emulator.ctx.state, DOMAIN)?.tags).toEqual({});
  });

  it("(b) an alias another key holds stops the job and stays on that key", async () => {
    h = await startHarness();
    const other = await h.gateways.kms.createKey({
      description: "not ours",
      policy: ROOT_ONLY_KEY_POLICY,
      tags: {},
    });
    await h.gateways.kms.createAlias(ALIAS, other.keyId);
    await expect(runOnce(h, "enable-taken")).rejects.toThrow(
      `The alias ${ALIAS} already names another key (${other.arn}).`,
    );
    expect(await h.gateways.kms.findAlias(ALIAS)).toBe(other.keyId);
  });

  it("(c) an existing queue's policy gets the Customer Profiles statement and keeps its other one", async () => {
    h = await startHarness();
    h.startWorker();
    const data = jobData({ dlq: existingLegacyQueue(h), key: awsOwnedKey });
    const { job, state } = await provision(h, data);
    expect(state, job.failedReason).toBe("completed");
    const legacy = h.emulator.ctx.state.sqs.queues[LEGACY_QUEUE_NAME];
    const statements = JSON.parse(legacy?.attributes.Policy ?? "{}").Statement;
    expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual([
      "AllowOpsAlarmsTopic",
      "CustomerProfilesDLQ",
    ]);
    expect(statements[0].Principal).toEqual({ Service: "sns.amazonaws.com" });
    expect(statements[1]).toEqual({
      ...FACTS_DLQ_STATEMENT,
      Resource: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${LEGACY_QUEUE_NAME}`,
    });
    expect(findDomain(h.emulator.ctx.state, DOMAIN)?.deadLetterQueueUrl).toBe(legacy?.url);
    expect(findDomain(h.emulator.ctx.state, DOMAIN)?.defaultEncryptionKey).toBeUndefined();
    expect(Object.keys(h.emulator.ctx.state.sqs.queues)).toEqual([LEGACY_QUEUE_NAME]);

    // Merging again changes nothing and writes nothing.
    const writes = h.emulator.calls.get("sqs:SetQueueAttributes");
    const again = provisionInput("enable-again", data);
    await runProvision({
      ctx: { gateways: h.gateways, bindings: h.bindings, log: h.log },
      input: { ...again, jobId: String(job.id) },
      checkpoint: {},
      save: async () => {},
      reporter: noopReporter,
    });
    expect(h.emulator.calls.get("sqs:SetQueueAttributes")).toBe(writes);
  });

  it("(d) an instance linked elsewhere, once confirmed, ends linked to the new domain only", async () => {
    h = await startHarness();
    h.startWorker();
    expect(await h.gateways.profiles.domainForInstance(LEGACY_SUPPORT.arn)).toBe(LEGACY_DOMAIN);
    const data = jobData({
      instance: LEGACY_SUPPORT,
      domain: { mode: "new", name: "amazon-connect-legacy-support", expirationDays: 30 },
      dlq: { mode: "none" },
      key: awsOwnedKey,
      confirmRelink: true,
    });
    const { job, state } = await provision(h, data);
    expect(state, job.failedReason).toBe("completed");
    const linkedTo = Object.values(profileState(h.emulator.ctx.state).domains)
      .filter((d) => d.integrations.some((i) => i.uri === LEGACY_SUPPORT.arn))
      .map((d) => d.name);
    expect(linkedTo).toEqual(["amazon-connect-legacy-support"]);
    expect(h.reporter.of("completed")[0]?.summary.instance.unlinkedFrom).toBe(LEGACY_DOMAIN);
    // The old domain and its data stay.
    expect(findDomain(h.emulator.ctx.state, LEGACY_DOMAIN)).toBeDefined();
  });

  it("(d) without the confirmation it stops before unlinking anything", async () => {
    h = await startHarness();
    h.startWorker();
    const data = jobData({
      instance: LEGACY_SUPPORT,
      domain: { mode: "new", name: "amazon-connect-legacy-support", expirationDays: 30 },
      dlq: { mode: "none" },
      key: awsOwnedKey,
    });
    const { job, state } = await provision(h, data, ["failed"]);
    expect(state).toBe("failed");
    expect(job.failedReason).toContain("is linked to domain amazon-connect-legacy");
    expect(await h.gateways.profiles.domainForInstance(LEGACY_SUPPORT.arn)).toBe(LEGACY_DOMAIN);
  });

  it("(e) a permanent AWS error fails at once with the call, the code and the fix; Retry resumes", async () => {
    h = await startHarness();
    h.emulator.faults.set(LINK_QUOTA_FAULT);
    h.startWorker();
    const { jobId, job, state } = await provision(h, jobData(), ["failed"]);
    expect(state).toBe("failed");
    expect(job.attemptsStarted).toBe(1);
    expect(job.failedReason).toMatch(/PutIntegration failed: BadRequestException/);
    expect(job.failedReason).toContain("Fix: the account reached the");
    const failure = (job.data as ProvisionJobData).failure;
    expect(failure).toMatchObject({
      step: "link",
      call: "Customer Profiles PutIntegration",
      awsCode: "BadRequestException",
      retryable: false,
    });
    expect(failure?.fix).toContain("Service Quotas");
    expect(h.reporter.of("failed")).toHaveLength(1);

    // Everything before the link stays recorded; Retry creates nothing twice.
    h.emulator.faults.clear();
    const creates = () =>
      ["sqs:CreateQueue", "kms:CreateKey", "profile:CreateDomain"].map((op) =>
        h?.emulator.calls.get(op),
      );
    const before = creates();
    expect(await retryProvision(h.queues, jobId)).toEqual({ status: "started", jobId });
    const retried = await waitForState(h.queue, jobId, ["completed", "failed"]);
    expect(await retried.getState()).toBe("completed");
    expect((retried.data as ProvisionJobData).failure).toBeUndefined();
    expect(creates()).toEqual(before);
    expect(await h.gateways.profiles.domainForInstance(EXAMPLECORP.arn)).toBe(DOMAIN);
  });

  it("(e) a refused link completes the job with the link left to be made by hand", async () => {
    h = await startHarness();
    profileState(h.emulator.ctx.state).refuseConnectLinks = true;
    h.startWorker();
    const { job, state } = await provision(h, jobData());
    expect(state, job.failedReason).toBe("completed");
    const { checkpoint, failure } = job.data as ProvisionJobData;
    expect(failure).toBeUndefined();
    expect(checkpoint.link).toMatchObject({
      linked: false,
      refused: {
        call: "Customer Profiles PutIntegration",
        awsCode: "AccessDeniedException",
        awsMessage: expect.stringContaining("cannot be associated with a domain directly"),
      },
    });
    // Every other step is done and its resources stand; the binding did not wait for the link.
    expect(checkpoint.done).toEqual(expect.arrayContaining([...STEP_ORDER]));
    expect(findDomain(h.emulator.ctx.state, DOMAIN)).toBeDefined();
    expect((await h.bindings.get(DOMAIN))?.channelId).toBe(WHO.channelId);
    expect(await h.gateways.profiles.domainForInstance(EXAMPLECORP.arn)).toBeUndefined();
    const link = h.reporter.of("stepDone").find((e) => e.step === "link");
    expect(link?.outcome).toBe("by-hand");
    expect(link?.summary).toContain("by hand in the Amazon Connect console");
    expect(h.reporter.of("completed")[0]?.summary.instance.byHand?.awsCode).toBe(
      "AccessDeniedException",
    );
  });

  it("(e) a DLQ whose policy the bot may not change fails before the domain is made", async () => {
    h = await startHarness();
    h.startWorker();
    const data = jobData({
      dlq: existingLegacyQueue(h, false),
      key: awsOwnedKey,
    });
    const { job, state } = await provision(h, data, ["failed"]);
    expect(state).toBe("failed");
    expect(job.attemptsStarted).toBe(1);
    expect(job.failedReason).toContain("doesn't let Customer Profiles send failed objects");
    expect(job.failedReason).toContain('"Sid": "CustomerProfilesDLQ"');
    expect((job.data as ProvisionJobData).failure?.step).toBe("queue-policy");
    expect(findDomain(h.emulator.ctx.state, DOMAIN)).toBeUndefined();
  });

  it("(f) with 20% of calls throttled or failing with 500, the job still completes", async () => {
    let rolls = 0;
    let faulted = 0;
    const random = seeded(7);
    h = await startHarness({
      faults: { "*": { throttle: 0.1, internal: 0.1 } },
      random: () => {
        const roll = random();
        rolls += 1;
        if (roll < 0.2) faulted += 1;
        return roll;
      },
    });
    h.startWorker();
    const { jobId, job, state } = await provision(h, jobData());
    expect(state, job.failedReason).toBe("completed");
    expect(faulted).toBeGreaterThan(0);
    // Every call rolls, retries too: a fresh job alone makes six (four creates, the alias,
    // the link's read) before its PutIntegration.
    expect(rolls).toBeGreaterThan(6);
    const inv = inventory(h, jobId, NAMES);
    expect([inv.queues.length, inv.keys.length, inv.aliases.length, inv.domains.length]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(inv.domain?.integrations).toHaveLength(1);
  });

  it("(f) when the SDK's own retries run out, BullMQ retries the job from its checkpoint", async () => {
    const harness = await startHarness();
    h = harness;
    harness.emulator.faults.set({ "profile:CreateDomain": { internal: 1 } });
    const worker = harness.startWorker();
    // The first failed attempt: BullMQ schedules the retry, and AWS "recovers" meanwhile.
    const firstFailure = new Promise<void>((resolve) =>
      worker.once("failed", () => {
        harness.emulator.faults.clear();
        resolve();
      }),
    );
    const { jobId } = await enqueueProvision(harness.queues, jobData(), {
      jobOptions: { ...FAST_RETRIES, backoff: { type: "fixed", delay: 300 } },
    });
    await firstFailure;
    const waiting = await harness.queue.getJob(jobId);
    expect(waiting?.attemptsMade).toBe(1);
    expect((waiting?.data as ProvisionJobData | undefined)?.checkpoint.done).toEqual(
      expect.arrayContaining(["queue", "queue-policy", "key", "key-policy"]),
    );
    const done = await waitForState(h.queue, jobId, ["completed", "failed"]);
    expect(await done.getState(), done.failedReason).toBe("completed");
    expect(h.emulator.calls.get("sqs:CreateQueue")).toBe(1);
    expect(h.emulator.calls.get("kms:CreateKey")).toBe(1);
    const inv = inventory(h, jobId, NAMES);
    expect([inv.queues.length, inv.keys.length, inv.aliases.length, inv.domains.length]).toEqual([
      1, 1, 1, 1,
    ]);
  });

  it("(g) clean-up removes only what the job created", async () => {
    h = await startHarness();
    h.emulator.faults.set(LINK_QUOTA_FAULT);
    h.startWorker();
    const { jobId, state } = await provision(h, jobData(), ["failed"]);
    expect(state).toBe("failed");
    const seededQueues = Object.keys(h.emulator.ctx.state.sqs.queues).filter((n) => n !== QUEUE);
    const seededKeys = Object.values(h.emulator.ctx.state.kms.keys).filter(
      (k) => !k.description.includes(jobId),
    );
    const result = await cleanUpJob(h, jobId);

    const inv = inventory(h, jobId, NAMES);
    expect(inv.queues).toHaveLength(0);
    expect(inv.keys.map((k) => k.keyState)).toEqual(["PendingDeletion"]);
    expect(inv.aliases).toHaveLength(0);
    expect(inv.domains).toHaveLength(0);
    // The alert binding runs beside the link, so the job made it before the link failed.
    expect(result.items.map((i) => `${i.resource}:${i.action}`).sort()).toEqual(
      [
        "alert-binding:deleted",
        "alias:deleted",
        "domain:deleted",
        "key:scheduled-deletion",
        "queue:deleted",
      ].sort(),
    );
    expect(await h.bindings.get(DOMAIN)).toBeUndefined();
    // Nothing that was there before the job was touched.
    expect(Object.keys(h.emulator.ctx.state.sqs.queues)).toEqual(seededQueues);
    for (const key of seededKeys) expect(key.keyState).toBe("Enabled");
    expect(findDomain(h.emulator.ctx.state, LEGACY_DOMAIN)).toBeDefined();

    // Retry after clean-up starts over and ends with one of each again. SQS keeps a deleted
    // queue's name for 60 s (the job would back off and retry); skip the wait here.
    h.emulator.faults.clear();
    delete h.emulator.ctx.state.sqs.deletedAt?.[QUEUE];
    expect(await retryProvision(h.queues, jobId)).toEqual({ status: "started", jobId });
    const retried = await waitForState(h.queue, jobId, ["completed", "failed"]);
    expect(await retried.getState(), retried.failedReason).toBe("completed");
    const again = inventory(h, jobId, NAMES);
    expect([
      again.queues.length,
      again.liveKeys.length,
      again.aliases.length,
      again.domains.length,
    ]).toEqual([1, 1, 1, 1]);
  });

  it("(g) clean-up keeps a domain that holds profiles, and the queue and key it uses", async () => {
    h = await startHarness();
    h.emulator.faults.set(LINK_QUOTA_FAULT);
    h.startWorker();
    const { jobId } = await provision(h, jobData(), ["failed"]);
    const domain = findDomain(h.emulator.ctx.state, DOMAIN);
    if (!domain) throw new Error("the job should have created the domain");
    domain.profiles.p1 = {
      profileId: "p1",
      keys: {},
      fields: {},
      attributes: {},
      createdAt: Date.now(),
    };
    const result = await cleanUpJob(h, jobId);
    expect(result.items.map((i) => `${i.resource}:${i.action}`).sort()).toEqual([
      "alert-binding:deleted",
      "domain:kept",
      "key:kept",
      "queue:kept",
    ]);
    expect(result.items.find((i) => i.resource === "domain")?.reason).toContain("1 profiles");
    const inv = inventory(h, jobId, NAMES);
    expect([inv.queues.length, inv.liveKeys.length, inv.domains.length]).toEqual([1, 1, 1]);
  });

  it("(g) clean-up of an existing queue's job leaves the queue", async () => {
    h = await startHarness();
    h.startWorker();
    h.emulator.faults.set(LINK_QUOTA_FAULT);
    const { jobId } = await provision(h, jobData({ dlq: existingLegacyQueue(h) }), ["failed"]);
    const result = await cleanUpJob(h, jobId);
    expect(result.items.some((i) => i.resource === "queue")).toBe(false);
    expect(h.emulator.ctx.state.sqs.queues[LEGACY_QUEUE_NAME]).toBeDefined();
    expect(findDomain(h.emulator.ctx.state, DOMAIN)).toBeUndefined();
  });
});

describe("clean-up of changes to resources that existed before", () => {
  const legacyKey = (harness: Harness) => {
    const { kms } = harness.emulator.ctx.state;
    const keyId = kms.aliases[LEGACY_KEY_ALIAS]?.targetKeyId;
    const key = keyId ? kms.keys[keyId] : undefined;
    if (!key) throw new Error("the seed has no legacy key");
    return key;
  };
  /** The choice of an existing key whose policy the job adds the statement to. */
  const addingStatementTo = (key: { keyId: string; arn: string }): KeyChoice => ({
    mode: "existing",
    keyId: key.keyId,
    arn: key.arn,
    updatePolicy: true,
    confirmedStatement: false,
  });

  it("puts an existing domain back on its earlier key and queue, and takes the statement out of an existing key", async () => {
    h = await startHarness();
    h.startWorker();
    const state = h.emulator.ctx.state;
    h.emulator.faults.set(LINK_QUOTA_FAULT);
    const key = legacyKey(h);
    const policyBefore = JSON.parse(key.policy);
    const { jobId } = await provision(
      h,
      jobData({
        domain: { mode: "existing", name: LEGACY_DOMAIN },
        // The domain holds profiles: moving them to another key was confirmed.
        confirmReencrypt: true,
        key: addingStatementTo(key),
      }),
      ["failed"],
    );
    const legacy = findDomain(state, LEGACY_DOMAIN);
    expect(legacy?.defaultEncryptionKey).toBe(key.arn);
    const queueName = `${LEGACY_DOMAIN}-dlq`;
    expect(state.sqs.queues[queueName]).toBeDefined();
    expect(legacy?.deadLetterQueueUrl).toBe(state.sqs.queues[queueName]?.url);
    expect(JSON.parse(key.policy).Statement.map((st: { Sid: string }) => st.Sid)).toContain(
      "CustomerProfilesKey",
    );

    const result = await cleanUpJob(h, jobId);
    // The domain had neither before this job: it has neither again.
    expect(legacy?.defaultEncryptionKey).toBeUndefined();
    expect(legacy?.deadLetterQueueUrl).toBeUndefined();
    expect(JSON.parse(key.policy)).toEqual(policyBefore);
    expect(state.sqs.queues[queueName]).toBeUndefined();
    expect(result.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ resource: "domain", id: LEGACY_DOMAIN, action: "restored" }),
        expect.objectContaining({ resource: "queue", action: "deleted" }),
        expect.objectContaining({
          resource: "key-policy",
          id: key.keyId,
          action: "statement-removed",
          sid: "CustomerProfilesKey",
        }),
      ]),
    );
    // A Retry after this adds the statement again: the step is no longer done.
    const target = await h.queue.getJob(jobId);
    const left = (target?.data as ProvisionJobData | undefined)?.checkpoint;
    expect(left?.done ?? []).not.toContain("key-policy");
    expect(left?.keyPolicy).toBeUndefined();
  });

  it("a statement recorded but never written (the worker died in between) is reported, not invented", async () => {
    h = await startHarness();
    const key = legacyKey(h);
    const policyBefore = key.policy;
    const data = jobData({
      dlq: { mode: "none" },
      key: addingStatementTo(key),
    });
    let saved: Checkpoint = {};
    const kms = Object.create(h.gateways.kms) as typeof h.gateways.kms;
    kms.putKeyPolicy = async () => {
      throw new Error("the worker died here");
    };
    await expect(
      runProvision({
        ctx: { gateways: { ...h.gateways, kms }, bindings: h.bindings, log: h.log },
        input: provisionInput("enable-crash", data),
        checkpoint: {},
        save: async (checkpoint) => {
          saved = checkpoint;
        },
        reporter: noopReporter,
      }),
    ).rejects.toThrow("the worker died here");
    expect(saved.creating).toContain("key-policy");
    expect(saved.keyPolicy?.added?.statement.Sid).toBe("CustomerProfilesKey");

    const result = await cleanUp(
      { gateways: h.gateways, bindings: h.bindings, log: h.log },
      provisionInput("enable-crash", data),
      saved,
    );
    expect(key.policy).toBe(policyBefore);
    expect(result.items).toContainEqual(
      expect.objectContaining({ resource: "key-policy", action: "gone" }),
    );
  });

  it("a relinked instance stays on the new domain while that domain is kept, and the item says how to move it back", async () => {
    h = await startHarness();
    const data = jobData({
      instance: LEGACY_SUPPORT,
      confirmRelink: true,
      dlq: { mode: "none" },
      key: awsOwnedKey,
    });
    const input = provisionInput("enable-relink", data);
    const { checkpoint } = await runProvision({
      ctx: { gateways: h.gateways, bindings: h.bindings, log: h.log },
      input,
      checkpoint: {},
      save: async () => {},
      reporter: noopReporter,
    });
    expect(checkpoint.link?.unlinkedFrom).toBe(LEGACY_DOMAIN);
    // The new domain took in a profile, so Clean up keeps it (and so the link).
    const created = findDomain(h.emulator.ctx.state, DOMAIN);
    if (!created) throw new Error("the job made no domain");
    created.profiles.p1 = { profileId: "p1", keys: {}, fields: {}, attributes: {}, createdAt: 0 };

    const result = await cleanUp(
      { gateways: h.gateways, bindings: h.bindings, log: h.log },
      input,
      checkpoint,
    );
    const link = result.items.find((i) => i.resource === "link");
    expect(link).toMatchObject({ action: "kept", id: LEGACY_SUPPORT.arn });
    expect(link?.reason).toContain(
      `stays linked to ${DOMAIN}; it was linked to ${LEGACY_DOMAIN} before`,
    );
    expect(link?.reason).toContain("confirm the relink");
    expect(await h.gateways.profiles.domainForInstance(LEGACY_SUPPORT.arn)).toBe(DOMAIN);
  });
});

async function cleanUpJob(harness: Harness, jobId: string): Promise<CleanupResult> {
  expect(await cleanUpProvision(harness.queues, jobId, WHO.requestedBy)).toEqual({
    status: "started",
    jobId,
  });
  const cleanupId = cleanupJobId(jobId);
  // The clean-up job is removed once done; its result lands on the provisioning job.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const target = await harness.queue.getJob(jobId);
    const cleanup = (target?.data as ProvisionJobData | undefined)?.cleanup;
    if (cleanup) return cleanup;
    const job = await harness.queue.getJob(cleanupId);
    if (job && (await job.getState()) === "failed") throw new Error(job.failedReason);
    if (Date.now() > deadline) throw new Error("clean-up did not finish");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The checkpoint as it stood after `steps` finished. */
function partial(final: Checkpoint, steps: StepName[]): Checkpoint {
  const part: Checkpoint = { done: [...steps] };
  const fields: Record<StepName, (keyof Checkpoint)[]> = {
    queue: ["queue"],
    "queue-policy": ["queuePolicy"],
    key: ["key"],
    "key-policy": ["keyPolicy"],
    alias: ["alias"],
    domain: ["domain"],
    link: ["link"],
    "alert-binding": ["alertBinding"],
  };
  for (const step of steps) {
    for (const field of fields[step]) Object.assign(part, { [field]: final[field] });
  }
  return part;
}

/** A small deterministic PRNG (mulberry32), so the fault test fails the same way every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
