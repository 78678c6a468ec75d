/**
 * Digests and Re-ingest across places, through Slack: the sandbox's two targets (its own
 * account in us-east-1, and the partner account reached by assuming its role) on one emulator,
 * the same domain enabled in both with the wizard. The page's "Make ingestion failures" lists
 * the domain once per place, labelled with it, and fills the queue of the place picked; the
 * partner's digest names its place; Re-ingest clicked on it (a signed request into the bot's
 * Bolt receiver) acts in the partner account alone, in a session named after the person who
 * clicked: the objects are accepted in that account and region, and the other place's queue
 * and domain are untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID, placeState } from "../../sandbox/aws/index.js";
import { TARGET_ACCOUNT, TARGET_ROLE_ARN } from "../../sandbox/aws/seed.js";
import { findDomain, ingestionIdle } from "../../sandbox/aws/services/profiles.js";
import { findQueueByUrl } from "../../sandbox/aws/state.js";
import { FAILURES_SESSION } from "../../sandbox/failure-places.js";
import { PARTNER_REGION, type Stack } from "../../sandbox/stack.js";
import { RedisAuditLog } from "../../src/audit/audit.js";
import { type DomainRef, type Place, placeId, refId } from "../../src/aws/targets.js";
import { createLogger } from "../../src/logger.js";
import { enqueueScanNow } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { DLQ_REINGEST_ACTION } from "../../src/slack/render/digest.js";
import { throttledReingestValue } from "../support/buttons.js";
import { startTestStack } from "../support/e2e.js";
import { emulatorControl } from "../support/emulator-control.js";
import { enableWithDefaults } from "../support/enable.js";
import { readMessage } from "../support/messages.js";

const ADMIN = "U0ADMIN";
const OPERATOR = "U0OPERATOR";
const CHANNEL = "C0OPS";
const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const DOMAIN = "amazon-connect-examplecorp";

const OWN: DomainRef = { account: ACCOUNT_ID, region: "us-east-1", domain: DOMAIN };
const PARTNER: DomainRef = { account: TARGET_ACCOUNT, region: PARTNER_REGION, domain: DOMAIN };
const OWN_LABEL = `sandbox (${ACCOUNT_ID}) · us-east-1`;
const PARTNER_LABEL = `partner (${TARGET_ACCOUNT}) · ${PARTNER_REGION}`;

let stack: Stack;
let redis: Redis;
let queues: JobQueues;

beforeAll(async () => {
  stack = await startTestStack({
    twoTargets: true,
    env: { PROFILES_OPERATORS: OPERATOR, REINGEST_RATE: "20" },
  });
  redis = createRedis(stack.config, "client", createLogger("silent"));
  queues = createQueues(redis, stack.config.redis.prefix);
}, 60_000);
afterAll(async () => {
  await queues?.close();
  redis?.disconnect();
  await stack?.stop();
});

/** The emulator's own record of a domain in its account and region. */
const domainIn = (ref: DomainRef) =>
  findDomain(placeState(stack.emulator.ctx.state, ref.account, ref.region), ref.domain, ref.region);

/** The messages in a domain's dead-letter queue, as the emulator holds them. */
function deadLetters(ref: DomainRef) {
  const url = domainIn(ref)?.deadLetterQueueUrl ?? "";
  const queue = findQueueByUrl(placeState(stack.emulator.ctx.state, ref.account, ref.region), url);
  if (!queue) throw new Error(`no dead-letter queue for ${refId(ref)}`);
  return queue.messages;
}

/** Each stored object's unique key and when it was last ingested. */
const objectsIn = (ref: DomainRef): Record<string, number> =>
  Object.fromEntries(
    Object.values(domainIn(ref)?.objects ?? {}).map((o) => [o.uniqueKey, o.ingestedAt]),
  );

/** The page's control endpoints, as its script calls them. */
async function page(path: string, body?: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${stack.slack.url}${path}`, {
    method: body ? "POST" : "GET",
    ...(body && {
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    }),
  });
  return (await res.json()) as Record<string, unknown>;
}

const enabled = () =>
  stack.slack.timeline
    .allMessages()
    .filter((m) => readMessage(m).includes("Customer Profiles enabled for examplecorp"));

describe("two places on one emulator, through Slack", () => {
  it("enables the same domain in the sandbox's own account and the partner's", async () => {
    for (const place of [OWN, PARTNER] as Place[]) {
      await enableWithDefaults(stack, ADMIN, EXAMPLECORP, { place: placeId(place) });
    }
    await stack.slack.timeline.waitFor(() => (enabled().length === 2 ? true : undefined), {
      timeoutMs: 60_000,
      description: "both enable messages, completed",
    });
    expect(domainIn(OWN)?.deadLetterQueueUrl).toContain(`/${ACCOUNT_ID}/`);
    expect(domainIn(PARTNER)?.deadLetterQueueUrl).toContain(`/${TARGET_ACCOUNT}/`);
  }, 90_000);

  it("Make ingestion failures lists the domain per place, labelled, and fills the picked place's queue", async () => {
    const listed = (await page("/_sandbox/domains")) as {
      domains: { value: string; label: string }[];
    };
    expect(listed.domains).toEqual(
      expect.arrayContaining([
        { value: refId(OWN), label: `${DOMAIN} · ${OWN_LABEL}` },
        { value: refId(PARTNER), label: `${DOMAIN} · ${PARTNER_LABEL}` },
      ]),
    );
    // A bare name no longer says which place: refused, with the labelled choices.
    const bare = await page("/_sandbox/failures", { domain: DOMAIN });
    expect(String(bare.error)).toContain(`${DOMAIN} · ${PARTNER_LABEL}`);

    await emulatorControl(stack.emulator.url, "assumed-roles", "DELETE");
    const made = (await page("/_sandbox/failures", { domain: refId(PARTNER) })) as {
      ok: boolean;
      result: { label: string; sent: number; classes: Record<string, number> };
    };
    expect(made.ok).toBe(true);
    expect(made.result.label).toBe(`${DOMAIN} · ${PARTNER_LABEL}`);
    expect(deadLetters(PARTNER)).toHaveLength(made.result.sent);
    expect(deadLetters(OWN)).toHaveLength(0);
    // The partner's objects went in through its role, as the bot's own calls do.
    const { json } = await emulatorControl(stack.emulator.url, "assumed-roles", "GET");
    const sessions = (json.assumedRoles ?? [])
      .filter((r) => r.roleArn === TARGET_ROLE_ARN && r.outcome === "allowed")
      .map((r) => r.roleSessionName);
    expect(sessions).toContain(FAILURES_SESSION);

    // The own place gets failures of its own, which the partner's re-ingest must leave alone.
    const own = (await page("/_sandbox/failures", { domain: refId(OWN) })) as {
      result: { sent: number };
    };
    expect(deadLetters(OWN)).toHaveLength(own.result.sent);
  }, 60_000);

  it("the partner's digest names its place, and its Re-ingest acts there alone, as the person who clicked", async () => {
    const ownLetters = deadLetters(OWN).map((m) => m.messageId);
    const ownObjects = objectsIn(OWN);
    const partnerObjects = objectsIn(PARTNER);
    const throttled = deadLetters(PARTNER).filter((m) => m.body.includes("per second"));
    expect(throttled.length).toBeGreaterThan(0);

    const { driver, timeline } = stack.slack;
    await enqueueScanNow(queues, PARTNER);
    const digest = await timeline.waitFor(
      (t) =>
        t
          .messages(CHANNEL)
          .find((m) => readMessage(m).includes(PARTNER_LABEL) && throttledReingestValue(m)),
      { timeoutMs: 30_000, description: "the partner's digest with a Re-ingest button" },
    );
    const text = readMessage(digest);
    expect(text).toContain(`Dead-letter queue: ${DOMAIN} · ${PARTNER_LABEL}`);
    expect(text).not.toContain(OWN_LABEL);
    const value = throttledReingestValue(digest) ?? "";

    await emulatorControl(stack.emulator.url, "assumed-roles", "DELETE");
    const message = { channel: CHANNEL, ts: digest.ts };
    const click = await driver.clickButton(DLQ_REINGEST_ACTION, { value, message, user: OPERATOR });
    expect(click.status).toBe(200);
    const reply = await timeline.waitFor(
      (t) => t.thread(CHANNEL, digest.ts).find((m) => /Re-ingest of .* finished/.test(m.text)),
      { timeoutMs: 30_000, description: "the re-ingest's final reply in the digest's thread" },
    );
    expect(reply.text).toMatch(new RegExp(`\\*${throttled.length}\\* accepted, \\*0\\* failed`));
    // The thread says who clicked what, naming the domain and its place as people read them.
    const note = timeline
      .thread(CHANNEL, digest.ts)
      .find((m) => m.text.startsWith(`<@${OPERATOR}> clicked Re-ingest`));
    expect(note?.text).toBe(`<@${OPERATOR}> clicked Re-ingest (${DOMAIN} · ${PARTNER_LABEL}).`);

    // AWS holds what Slack says, in the partner's account and region only.
    await ingestionIdle(stack.emulator.ctx.state);
    const left = deadLetters(PARTNER).map((m) => m.messageId);
    for (const m of throttled) expect(left).not.toContain(m.messageId);
    // The throttled objects share their profile's unique key: ingested again, not added.
    const again = Object.entries(objectsIn(PARTNER)).filter(
      ([key, at]) => at > (partnerObjects[key] ?? Number.POSITIVE_INFINITY),
    );
    expect(again.length).toBeGreaterThan(0);
    expect(deadLetters(OWN).map((m) => m.messageId)).toEqual(ownLetters);
    expect(objectsIn(OWN)).toEqual(ownObjects);

    // In the partner account, the work ran in a session named after the operator.
    const { json } = await emulatorControl(stack.emulator.url, "assumed-roles", "GET");
    const sessions = (json.assumedRoles ?? [])
      .filter((r) => r.roleArn === TARGET_ROLE_ARN && r.outcome === "allowed")
      .map((r) => r.roleSessionName);
    expect(sessions).toContain(`profiles-bot-${OPERATOR}`);

    // The click's audit entry names the partner's domain and place.
    const audit = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
    const clicks = (await audit.latest({ limit: 200 })).filter(
      (e) => e.action === `action:${DLQ_REINGEST_ACTION}` && e.userId === OPERATOR,
    );
    expect(clicks).toEqual([
      expect.objectContaining({ target: refId(PARTNER), place: PARTNER_LABEL }),
    ]);
  }, 60_000);
});
