/**
 * The dead-letter digests over several places: two accounts × two regions, each with a
 * domain of the SAME name and its own dead-letter queue holding different failures. A
 * reconcile finds every place's bindings in that place's tags; each scan digests its own
 * place only and names it; a re-ingest in one place touches only that place's queue and
 * domain (read back through the SDK); no Redis key of one place is another's; and a place
 * whose role can't be assumed keeps its bindings without stopping the others' scans.
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reconcile, runScan } from "../../jobs/dlq-scan.js";
import { startReingestWorker } from "../../jobs/reingest.js";
import { type DomainRef, placeId, refId } from "../../src/aws/targets.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { MemoryDigestPublisher } from "../../src/dlq/publisher.js";
import { MemoryReingestReporter } from "../../src/dlq/reporter.js";
import {
  bindingsKey,
  bindingsRebuiltKey,
  placedTags,
  TaggedBindingStore,
} from "../../src/provision/bindings.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { enqueueReingest } from "../../src/queues/reingest.js";
import {
  createDomainWithDlq,
  type DlqHarness,
  MISSING_KEY,
  putDeadLetter,
  storedObjects,
  THROTTLED,
} from "../dlq/support/harness.js";
import { type PlacesFixture, refIn, startPlaces } from "../dlq/support/places.js";

const DOMAIN = "amazon-connect-shared";
const SYSTEM = { type: "system", reason: "scan" } as const;

let f: PlacesFixture;
let home: DlqHarness;
let queues: JobQueues;
let digests: RedisDigestStore;
let bindings: TaggedBindingStore;
let refs: DomainRef[];
const urls = new Map<string, string>();
const unreachableSeen: string[] = [];

/** Place i holds i + 1 throttled messages, and the odd places one missing-key message too. */
const expected = (i: number) => ({ throttled: i + 1, missingKey: i % 2 });

async function depth(ref: DomainRef): Promise<number> {
  const answer = await f.harness(ref).clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: urls.get(refId(ref)),
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  const a = answer.Attributes ?? {};
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
}

const scanDeps = (publisher: MemoryDigestPublisher) => ({
  targets: f.targets,
  bindings,
  digests,
  publisher,
  redis: home.redis,
  prefix: home.prefix,
  config: { dlq: { scanMaxMessages: 1_000 } },
  log: home.log,
  waitSeconds: 0,
});

const reconcileDeps = () => ({
  bindings,
  queues,
  redis: home.redis,
  prefix: home.prefix,
  scanIntervalMs: 60_000,
  log: home.log,
});

beforeEach(async () => {
  f = await startPlaces();
  home = f.harness(f.places[0] as DomainRef);
  queues = createQueues(home.redis, home.prefix);
  digests = new RedisDigestStore(home.redis, home.prefix);
  unreachableSeen.length = 0;
  bindings = new TaggedBindingStore(home.redis, home.prefix, placedTags(f.targets, SYSTEM), {
    mutes: digests,
    log: home.log,
    unreachable: (p) => void unreachableSeen.push(placeId(p)),
  });
  refs = f.places.map((p) => refIn(p, DOMAIN));
  for (const [i, ref] of refs.entries()) {
    const h = f.harness(ref);
    const url = await createDomainWithDlq(h, DOMAIN);
    urls.set(refId(ref), url);
    const { throttled, missingKey } = expected(i);
    for (let n = 0; n < throttled; n++) {
      putDeadLetter(h, url, {
        domain: DOMAIN,
        objectTypeName: "CRM-Contact",
        errorMessage: THROTTLED,
        object: { AccountNumber: `ACC-${i}-${n}`, FirstName: `Place${i}` },
      });
    }
    if (missingKey) {
      putDeadLetter(h, url, {
        domain: DOMAIN,
        objectTypeName: "CRM-Contact",
        errorMessage: MISSING_KEY,
        object: { FirstName: "nokey" },
      });
    }
    // Bound as `/profiles alerts` binds: the tag on the domain in its own place, one channel each.
    await bindings.set({
      ...ref,
      channelId: `C0PLACE${i}`,
      teamId: "T0TEAM",
      queueUrl: url,
      boundBy: "U0ADMIN",
      boundAt: new Date().toISOString(),
    });
  }
});
afterEach(async () => {
  await queues?.close();
  await f?.close();
});

describe("dead-letter digests in two accounts × two regions", () => {
  it("rebuilds every place's binding from its own tags and schedules one scan per place", async () => {
    // Redis lost its data: the bindings come back from the four domains' tags.
    await home.redis.del(bindingsKey(home.prefix), bindingsRebuiltKey(home.prefix));
    const moved = await reconcile(reconcileDeps());
    expect(moved).toMatchObject({ unreachable: [] });
    const bound = await bindings.list();
    expect(bound.map((b) => [refId(b), b.channelId]).sort()).toEqual(
      refs.map((ref, i) => [refId(ref), `C0PLACE${i}`]).sort(),
    );
    const schedulers = (await queues.dlqScan.getJobSchedulers(0, -1)).map((s) => s.key).sort();
    expect(schedulers).toEqual(refs.map((ref) => `scan-${refId(ref)}`).sort());
    // Each place's tags were listed through that place's gateways, as the bot's scan.
    for (const place of f.places) {
      expect(f.asked).toContainEqual({ place: placeId(place), actor: SYSTEM });
    }
  });

  it("digests each place's own queue, naming its place, with no Redis key shared", async () => {
    const publisher = new MemoryDigestPublisher();
    for (const ref of refs) {
      expect(await runScan(scanDeps(publisher), ref)).toMatchObject({ status: "posted" });
    }
    const posted = publisher.events.filter((e) => e.type === "publish");
    expect(posted).toHaveLength(4);
    for (const [i, ref] of refs.entries()) {
      const { throttled, missingKey } = expected(i);
      const event = posted.find((e) => e.type === "publish" && e.channel === `C0PLACE${i}`);
      if (event?.type !== "publish") throw new Error(`no digest in C0PLACE${i}`);
      expect(event.digest.where).toBe(f.targets.describe(ref));
      expect(event.digest.place).toEqual({ account: ref.account, region: ref.region });
      expect(event.digest.summary.total).toBe(throttled + missingKey);
      expect(event.digest.summary.classes.throttled?.count).toBe(throttled);
      const state = await digests.get(ref);
      expect(state?.lastSummary?.total).toBe(throttled + missingKey);
    }
    expect(new Set(posted.map((e) => e.type === "publish" && e.digest.where)).size).toBe(4);
    // Every per-domain key holds one place's refId, never the bare domain name.
    // (The BullMQ queue's own keys, `dlq-scan:…`, are not per domain.)
    const keys = (await home.redis.keys(`${home.prefix}:dlq-*`)).filter((k) =>
      /:dlq-(digest|scans|scan-ids|scan-class|scan-tmp):/.test(k),
    );
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const owners = refs.filter((ref) => key.includes(refId(ref)));
      expect([key, owners.length]).toEqual([key, 1]);
    }
    expect(keys.some((k) => k.endsWith(`:dlq-digest:${DOMAIN}`))).toBe(false);
  });

  it("re-ingests in one place only: that place's queue and domain change, no other's", async () => {
    const publisher = new MemoryDigestPublisher();
    for (const ref of refs) await runScan(scanDeps(publisher), ref);
    const target = refs[3] as DomainRef;
    const before = await Promise.all(refs.map(depth));
    expect(before).toEqual(refs.map((_, i) => expected(i).throttled + expected(i).missingKey));
    const reporter = new MemoryReingestReporter();
    let worker: Worker | undefined;
    try {
      worker = startReingestWorker({
        connection: home.redis,
        prefix: home.prefix,
        targets: f.targets,
        bindings,
        digests,
        reporter: reporter.factory,
        limiter: home.limiter,
        config: { reingest: { rate: 50, profileIntervalMs: 1_000 } },
        log: home.log,
        passOptions: { leaseSeconds: 5, waitSeconds: 0, settleMs: 300 },
      });
      const scanId = (await digests.get(target))?.scanId;
      const outcome = await enqueueReingest(queues, {
        ...target,
        cls: "throttled",
        ...(scanId && { scanId }),
        requestedBy: "U0OPS",
        teamId: "T0TEAM",
      });
      expect(outcome.jobId).toBe(`reingest-${refId(target)}-class-throttled`);
      for (let i = 0; i < 200 && !reporter.events.some((e) => e.type === "reingested"); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const done = reporter.events.find((e) => e.type === "reingested");
      expect(done).toMatchObject({ result: { done: 4, failed: 0 } });
    } finally {
      await worker?.close();
    }
    // Read back through the SDK: only the fourth place's queue lost its throttled messages.
    const after = await Promise.all(refs.map(depth));
    expect(after).toEqual([before[0], before[1], before[2], expected(3).missingKey]);
    for (const [i, ref] of refs.entries()) {
      expect([i, storedObjects(f.harness(ref), DOMAIN).length]).toEqual([i, i === 3 ? 4 : 0]);
    }
    // It acted as the person who asked, in that place only.
    const asUser = f.asked.filter((a) => a.actor.type === "slack");
    expect(new Set(asUser.map((a) => a.place))).toEqual(new Set([placeId(target)]));
    expect(asUser[0]?.actor).toMatchObject({ userId: "U0OPS", teamId: "T0TEAM" });
    // PutProfileObject's quota is per account and region: the pace bucket is the place's.
    const paced = await home.redis.keys(`${home.prefix}:ratelimit:reingest:global*`);
    expect(paced).toEqual([`${home.prefix}:ratelimit:reingest:global:${placeId(target)}`]);
  });

  it("keeps a place whose role can't be assumed, and scans the others", async () => {
    const lost = refs[2] as DomainRef;
    f.unreachable.add(placeId(lost));
    const moved = await reconcile(reconcileDeps());
    expect(moved).toMatchObject({ unreachable: [placeId(lost)] });
    expect(unreachableSeen).toEqual([placeId(lost)]);
    // Its binding and its schedule stay: the role may be fixed within the hour.
    expect((await bindings.get(lost))?.channelId).toBe("C0PLACE2");
    const schedulers = (await queues.dlqScan.getJobSchedulers(0, -1)).map((s) => s.key);
    expect(schedulers).toContain(`scan-${refId(lost)}`);
    const publisher = new MemoryDigestPublisher();
    const outcomes = await Promise.allSettled(refs.map((ref) => runScan(scanDeps(publisher), ref)));
    expect(outcomes.map((o) => o.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/AssumeRole/);
    expect(publisher.events.filter((e) => e.type === "publish")).toHaveLength(3);
  });
});
