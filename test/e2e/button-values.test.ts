/**
 * Button values are untrusted input, end to end: two domains with real digests (emulator DLQs,
 * real scans, real Redis), and clicks signed as Slack signs them. A value copied from domain
 * B's digest onto domain A's (B's buttons pasted into A's message, so the click names A's
 * message and B's value), or one copied into an Inspect modal opened for A, changes nothing,
 * tells the clicker why, and is audited as refused with the reason; so are malformed values.
 * Retry acts only on the message that reports on its job. Valid clicks on the right digest
 * still work.
 */
import { WebClient } from "@slack/web-api";
import { type Job, type Queue, QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanOutcome } from "../../jobs/dlq-scan.js";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import { SANDBOX_AWS_CREDENTIALS, SANDBOX_BOT_TOKEN, type Stack } from "../../sandbox/stack.js";
import { RedisAuditLog } from "../../src/audit/audit.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { refId } from "../../src/aws/targets.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { createLogger } from "../../src/logger.js";
import { enqueueScanNow } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { QUEUES } from "../../src/queues/names.js";
import { reingestJobId } from "../../src/queues/reingest.js";
import { createRedis, type Redis } from "../../src/redis.js";
import {
  createDomainWithDlq,
  MISSING_KEY,
  putDeadLetter,
  queueOf,
  THROTTLED,
} from "../dlq/support/harness.js";
import { at, PLACE_TEXT } from "../dlq/support/place.js";
import { postButton } from "../support/buttons.js";
import { startTestStack } from "../support/e2e.js";

const USER = "U0ADMIN";
const CHANNEL = "C0OPS";
const A = "amazon-connect-values-a";
const B = "amazon-connect-values-b";

let stack: Stack;
let redis: Redis;
let worker: Redis;
let events: Redis;
let queues: JobQueues;
let queueEvents: QueueEvents;
let scanQueue: Queue;
let bot: WebClient;
let audit: RedisAuditLog;
let digests: RedisDigestStore;
let destroyClients: () => void;
const urls: Record<string, string> = {};

const harness = () => ({ emulator: stack.emulator }) as never;
const dlqCount = (domain: string) => queueOf(harness(), urls[domain] as string).messages.length;

function fill(domain: string, errorMessage: string, n: number): void {
  for (let i = 0; i < n; i++) {
    putDeadLetter(harness(), urls[domain] as string, {
      domain,
      objectTypeName: "CRM-Contact",
      errorMessage,
      object: { AccountNumber: `${domain}-${errorMessage.length}-${i}`, FirstName: `N${i}` },
    });
  }
}

async function scan(domain: string): Promise<ScanOutcome> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const { jobId } = await enqueueScanNow(queues, at(domain));
    const job = (await scanQueue.getJob(jobId)) as Job;
    const outcome = (await job.waitUntilFinished(queueEvents, 15_000)) as ScanOutcome;
    // The scheduler's own first scan may hold the domain's lock: try again after it.
    if (outcome.status !== "locked") return outcome;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${domain} stayed locked`);
}

function digestOf(domain: string): MessageRecord {
  const found = stack.slack.timeline
    .messages(CHANNEL)
    .filter((m) => !m.thread_ts && m.text.startsWith(`Dead-letter queue of ${domain} (`));
  expect(found).toHaveLength(1);
  return found[0] as MessageRecord;
}

const where = (m: MessageRecord) => ({ channel: m.channel, ts: m.ts });
const threadOf = (m: MessageRecord) =>
  stack.slack.timeline.thread(CHANNEL, m.ts).filter((r) => r.ts !== m.ts);

/** Pastes B's digest blocks (buttons, values and all) into A's digest message. */
async function pasteInto(target: MessageRecord, blocks: unknown[]): Promise<void> {
  await bot.chat.update({
    channel: target.channel,
    ts: target.ts,
    text: target.text,
    blocks: blocks as never,
  });
}

/** The newest audit entry of the user's click on `action` after `since` entries of it. */
async function auditAfter(action: string, since: number) {
  for (let i = 0; i < 100; i++) {
    const entries = await clicks(action);
    if (entries.length > since) return entries[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no new audit entry for ${action}`);
}
const clicks = async (action: string) =>
  (await audit.latest({ limit: 1000 })).filter(
    (e) => e.userId === USER && e.action === `action:${action}`,
  );

async function toldClicker(pattern: RegExp): Promise<string> {
  const e = await stack.slack.timeline.waitFor(
    (t) => t.ephemerals(USER).find((x) => pattern.test(x.text ?? "")),
    { timeoutMs: 10_000, description: `an ephemeral matching ${pattern}` },
  );
  return e.text ?? "";
}

beforeAll(async () => {
  stack = await startTestStack({ env: { DLQ_SCAN_INTERVAL: "1h", PROFILES_ADMINS: USER } });
  const clients = createAwsClients({
    region: "us-east-1",
    endpoint: stack.emulator.url,
    maxAttempts: 3,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
  destroyClients = () => clients.destroy();
  const gateways = createGateways(clients);
  for (const domain of [A, B])
    urls[domain] = await createDomainWithDlq({ gateways, clients }, domain);
  redis = createRedis(stack.config, "client");
  worker = createRedis(stack.config, "worker");
  events = createRedis(stack.config, "worker");
  queues = createQueues(worker, stack.config.redis.prefix);
  scanQueue = queues.dlqScan;
  queueEvents = new QueueEvents(QUEUES.dlqScan, {
    connection: events,
    prefix: stack.config.redis.prefix,
  });
  await queueEvents.waitUntilReady();
  bot = new WebClient(SANDBOX_BOT_TOKEN, { slackApiUrl: stack.slack.apiUrl });
  audit = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
  digests = new RedisDigestStore(redis, stack.config.redis.prefix);

  fill(A, THROTTLED, 3);
  fill(B, THROTTLED, 4);
  fill(B, MISSING_KEY, 2);
  for (const domain of [A, B]) {
    await stack.slack.driver.type(`/profiles alerts ${domain}`);
    await stack.slack.timeline.waitFor(
      (t) =>
        t
          .ephemerals(USER, CHANNEL)
          .find((e) => e.text.includes(`Dead-letter digests for *${domain}*`)),
      { timeoutMs: 10_000, description: `the alerts answer for ${domain}` },
    );
    expect(["posted", "edited"]).toContain((await scan(domain)).status);
  }
}, 60_000);

afterAll(async () => {
  await queueEvents?.close();
  await queues?.close();
  for (const r of [redis, worker, events]) r?.disconnect();
  destroyClients?.();
  await stack?.stop();
});

describe("a value copied from domain B's digest onto domain A's", () => {
  it("does not mute B, replies in neither thread, and is audited as refused", async () => {
    const a = digestOf(A);
    const b = digestOf(B);
    const repliesA = threadOf(a).length;
    const repliesB = threadOf(b).length;
    await pasteInto(a, b.blocks as unknown[]);
    const before = (await clicks("dlq_mute")).length;

    await stack.slack.driver.select("dlq_mute", `24h|${B}`, { message: where(a), user: USER });
    expect(await toldClicker(/not clicked on that domain's current digest/)).toContain(B);
    const entry = await auditAfter("dlq_mute", before);
    expect(entry).toMatchObject({ outcome: "refused", target: B });
    expect(entry?.detail).toContain(B);

    expect((await digests.get(at(B)))?.mutedUntil).toBeUndefined();
    expect((await digests.get(at(A)))?.mutedUntil).toBeUndefined();
    expect(threadOf(a)).toHaveLength(repliesA);
    expect(threadOf(b)).toHaveLength(repliesB);
  });

  it.each([
    ["dlq_reingest", "reingest"],
    ["dlq_discard", "discard"],
  ] as const)(
    "%s: starts no job, leaves B's DLQ as it was, is audited as refused",
    async (action, kind) => {
      const a = digestOf(A);
      const b = digestOf(B);
      await pasteInto(a, b.blocks as unknown[]);
      const before = (await clicks(action)).length;
      const [countA, countB] = [dlqCount(A), dlqCount(B)];

      await stack.slack.driver.clickButton(action, {
        message: where(a),
        blockId: "dlq-class-throttled",
        user: USER,
      });
      const entry = await auditAfter(action, before);
      // The value names B in its place: the audit says which.
      expect(entry).toMatchObject({ outcome: "refused", target: refId(at(B)) });
      expect(entry?.detail).toContain(B);
      expect(entry?.jobId).toBeUndefined();
      await toldClicker(/not clicked on that domain's current digest/);

      for (const domain of [A, B]) {
        const id = reingestJobId(kind, { ...at(domain), cls: "throttled" });
        expect(await queues.reingest.getJob(id)).toBeUndefined();
      }
      expect([dlqCount(A), dlqCount(B)]).toEqual([countA, countB]);
      expect(threadOf(b).filter((m) => /discard|re-ingest/i.test(m.text))).toEqual([]);
    },
  );
});

describe("a value naming another place than its digest's", () => {
  it("starts no job, changes nothing, is audited as refused with that place's refId", async () => {
    const a = digestOf(A);
    const scanId = (await digests.get(at(A)))?.scanId;
    const elsewhere = "444455556666.eu-west-2";
    // A's Re-ingest button, its value re-pointed at the same domain name in another place.
    const forged = [
      {
        type: "actions",
        block_id: "dlq-class-throttled",
        elements: [
          {
            type: "button",
            action_id: "dlq_reingest",
            text: { type: "plain_text", text: "Re-ingest" },
            value: JSON.stringify({ d: A, p: elsewhere, c: "throttled", s: scanId }),
          },
        ],
      },
    ];
    await pasteInto(a, forged);
    const before = (await clicks("dlq_reingest")).length;
    const countA = dlqCount(A);
    await stack.slack.driver.clickButton("dlq_reingest", {
      message: where(a),
      blockId: "dlq-class-throttled",
      user: USER,
    });
    const entry = await auditAfter("dlq_reingest", before);
    expect(entry).toMatchObject({ outcome: "refused", target: `${elsewhere}.${A}` });
    expect(entry?.detail).toContain("a place the bot does not serve");
    expect(entry?.jobId).toBeUndefined();
    await toldClicker(/not clicked on that domain's current digest/);
    const id = reingestJobId("reingest", { ...at(A), cls: "throttled" });
    expect(await queues.reingest.getJob(id)).toBeUndefined();
    expect(dlqCount(A)).toBe(countA);
  });
});

describe("a malformed value", () => {
  const cases = [
    ["not JSON", "{not json", "it is not JSON"],
    [
      "a domain of the wrong type",
      JSON.stringify({ d: 7, c: "throttled" }),
      "the domain is missing or not text",
    ],
    [
      "an unknown class",
      JSON.stringify({ d: A, c: "everything", s: "x" }),
      "the class is not a dead-letter class",
    ],
    ["JSON null", "null", "it is not an object of the bot's"],
  ] as const;

  it.each(cases)(
    "%s: refused, audited with the reason, nothing changed",
    async (_name, value, problem) => {
      const a = digestOf(A);
      await pasteInto(a, [
        {
          type: "actions",
          block_id: "forged",
          elements: [
            {
              type: "button",
              action_id: "dlq_discard",
              text: { type: "plain_text", text: "Discard" },
              value,
            },
          ],
        },
      ]);
      const before = (await clicks("dlq_discard")).length;
      const [countA, countB] = [dlqCount(A), dlqCount(B)];

      await stack.slack.driver.clickButton("dlq_discard", { message: where(a), user: USER });
      const entry = await auditAfter("dlq_discard", before);
      expect(entry).toMatchObject({ outcome: "refused", detail: `malformed value: ${problem}` });
      const told = await toldClicker(new RegExp(problem.replace(/[()']/g, ".")));
      expect(told).toContain("Nothing was changed");
      expect([dlqCount(A), dlqCount(B)]).toEqual([countA, countB]);
    },
  );
});

describe("a value copied into an Inspect modal opened for A", () => {
  it("re-ingests nothing of B's and is audited as refused", async () => {
    // A's digest as the bot shows it (a scan edits the pasted message back).
    await scan(A);
    const a = digestOf(A);
    await stack.slack.driver.clickButton("dlq_inspect", {
      message: where(a),
      blockId: "dlq-class-throttled",
      user: USER,
    });
    const view = await stack.slack.timeline.waitFor((t) => t.currentView(USER), {
      timeoutMs: 10_000,
      description: "the Inspect modal for A",
    });
    expect(JSON.stringify(view)).toContain(A);
    // B's message, in the modal the bot opened for A.
    const bSample = (await digests.get(at(B)))?.lastSummary?.classes.throttled?.samples[0];
    expect(bSample?.messageId).toBeTruthy();
    await bot.views.update({
      view_id: view.id,
      view: {
        type: "modal",
        callback_id: "dlq_inspect_modal",
        title: { type: "plain_text", text: "Dead-letter samples" },
        blocks: [
          {
            type: "actions",
            block_id: "forged",
            elements: [
              {
                type: "button",
                action_id: "dlq_reingest_one",
                text: { type: "plain_text", text: "Re-ingest this message" },
                value: JSON.stringify({ d: B, m: bSample?.messageId }),
              },
            ],
          },
        ],
      },
    });
    const before = (await clicks("dlq_reingest_one")).length;
    const countB = dlqCount(B);

    await stack.slack.driver.clickButton("dlq_reingest_one", { in: "modal", user: USER });
    const entry = await auditAfter("dlq_reingest_one", before);
    expect(entry).toMatchObject({ outcome: "refused", target: B });
    // (The audit masks the account id in the detail's refId, as it does any 12-digit number.)
    expect(entry?.detail).toMatch(new RegExp(`but the modal was opened for .*${A}$`));
    await toldClicker(/not one the bot showed in an Inspect window/);
    const id = reingestJobId("reingest", { ...at(B), messageId: bSample?.messageId as string });
    expect(await queues.reingest.getJob(id)).toBeUndefined();
    expect(dlqCount(B)).toBe(countB);
  });
});

describe("Retry on a provisioning job", () => {
  /** A message with a Retry button for `jobId`, as the job's report shows it. */
  const retryMessage = (jobId: string) =>
    postButton(stack, CHANNEL, { actionId: "provision_retry", label: "Retry", value: jobId });

  it("acts only on the message that reports on that job", async () => {
    const jobId = "enable-111122223333.us-east-1.values-test";
    const own = await retryMessage(jobId);
    const other = await retryMessage(jobId);
    // Held for an hour so no worker runs it: the click is only checked, never acted on. Only
    // what the check and the audit read: its message and where its domain is.
    const data = {
      message: own,
      accountId: "111122223333",
      region: "us-east-1",
      request: { domain: { name: "amazon-connect-values" } },
    };
    await queues.provision.add("enable", data as never, { jobId, delay: 3_600_000 });

    let before = (await clicks("provision_retry")).length;
    await stack.slack.driver.clickButton("provision_retry", { message: other, user: USER });
    const refused = await auditAfter("provision_retry", before);
    // Named like every entry about a domain: its refId and place, beside the job id.
    expect(refused).toMatchObject({
      outcome: "refused",
      jobId,
      target: refId(at("amazon-connect-values")),
      place: PLACE_TEXT,
    });
    expect(refused?.detail).toContain(`value names job ${jobId}, but was clicked on`);
    await toldClicker(/not clicked on the message that reports on that job/);

    // On its own message the click gets past the check to the job's state.
    before = (await clicks("provision_retry")).length;
    await stack.slack.driver.clickButton("provision_retry", { message: own, user: USER });
    const answered = await auditAfter("provision_retry", before);
    expect(answered).toMatchObject({ outcome: "refused", detail: "the job is wrong-state" });
    await toldClicker(/This job is waiting to start already, so Retry did nothing/);
    expect(await (await queues.provision.getJob(jobId))?.getState()).toBe("delayed");
  });

  it("refuses a value that is not an enable job id, saying so", async () => {
    const bad = await retryMessage("cleanup-../../x");
    const before = (await clicks("provision_retry")).length;
    await stack.slack.driver.clickButton("provision_retry", { message: bad, user: USER });
    const entry = await auditAfter("provision_retry", before);
    expect(entry).toMatchObject({
      outcome: "refused",
      detail: "malformed value: it is not the id of an enable job",
    });
    await toldClicker(/no job id the bot can read \(it is not the id of an enable job\)/);
  });
});

describe("valid clicks on the right digest", () => {
  it("mute A and discard A's throttled class, replying in A's thread", async () => {
    await scan(A);
    const a = digestOf(A);
    const b = digestOf(B);
    const before = (await clicks("dlq_discard")).length;
    await stack.slack.driver.select("dlq_mute", `1h|${A}`, { message: where(a), user: USER });
    await stack.slack.timeline.waitFor(
      () => threadOf(a).find((m) => m.text.includes(`<@${USER}> muted this digest until`)),
      { timeoutMs: 10_000, description: "the mute reply in A's thread" },
    );
    expect((await digests.get(at(A)))?.mutedUntil).toBeGreaterThan(Date.now());
    expect((await digests.get(at(B)))?.mutedUntil).toBeUndefined();

    const countB = dlqCount(B);
    expect(dlqCount(A)).toBe(3);
    await stack.slack.driver.clickButton("dlq_discard", {
      message: where(a),
      blockId: "dlq-class-throttled",
      user: USER,
    });
    const entry = await auditAfter("dlq_discard", before);
    expect(entry).toMatchObject({
      outcome: "accepted",
      target: refId(at(A)),
      place: PLACE_TEXT,
    });
    for (let i = 0; i < 200 && dlqCount(A) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(dlqCount(A)).toBe(0);
    expect(dlqCount(B)).toBe(countB);
    expect(threadOf(b).filter((m) => /discard/i.test(m.text))).toEqual([]);
  });
});
