/**
 * The rules of the bindings' durable copy, against real Redis and the emulator through the
 * real SDK: a binding written through the store is a tag on the domain; a rebuild follows
 * tags set, changed or removed outside the bot (as Terraform would), copies a binding the
 * cache held before tags existed into them, and restores mutes; a reconcile schedules a
 * domain bound only by its tag, and /healthz's check names what is missing until then.
 */
import { TagResourceCommand, UntagResourceCommand } from "@aws-sdk/client-customer-profiles";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reconcile } from "../../jobs/dlq-scan.js";
import { findDomain } from "../../sandbox/aws/services/profiles.js";
import { ACCOUNT_ID } from "../../sandbox/aws/state.js";
import { refId } from "../../src/aws/targets.js";
import { MemoryDigestStore } from "../../src/dlq/digests.js";
import {
  type AlertBinding,
  RedisBindingStore,
  TaggedBindingStore,
} from "../../src/provision/bindings.js";
import { scanScheduleProblems } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import {
  createDomainWithDlq,
  type DlqHarness,
  REGION,
  startDlqHarness,
} from "../dlq/support/harness.js";
import { at, tagsIn } from "../dlq/support/place.js";

const A = "amazon-connect-tags-a";
const B = "amazon-connect-tags-b";
const arn = (domain: string) => `arn:aws:profile:${REGION}:${ACCOUNT_ID}:domains/${domain}`;

let h: DlqHarness;
let queues: JobQueues;
let mutes: MemoryDigestStore;
let store: TaggedBindingStore;
let cache: RedisBindingStore;

const tagsOf = (domain: string) => findDomain(h.emulator.ctx.state, domain, REGION)?.tags ?? {};
const binding = (domain: string, channelId: string): AlertBinding => ({
  ...at(domain),
  channelId,
  teamId: "T0TEAM",
  boundBy: "U0ADMIN",
  boundAt: "2026-11-30T09:00:00.000Z",
});

beforeEach(async () => {
  h = await startDlqHarness();
  await createDomainWithDlq(h, A);
  await createDomainWithDlq(h, B);
  queues = createQueues(h.redis, h.prefix);
  mutes = new MemoryDigestStore();
  store = new TaggedBindingStore(h.redis, h.prefix, tagsIn(h.gateways.profiles), {
    mutes,
    log: h.log,
  });
  cache = new RedisBindingStore(h.redis, h.prefix);
});
afterEach(async () => {
  await queues?.close();
  await h?.close();
});

describe("bindings kept as domain tags", () => {
  it("writes the tag before the cache, and removes tags and mute together", async () => {
    await store.set(binding(A, "C0AAA"));
    expect(tagsOf(A)).toMatchObject({
      "profiles-bot:channel": "C0AAA",
      "profiles-bot:team": "T0TEAM",
    });
    expect(await cache.get(at(A))).toMatchObject({ channelId: "C0AAA", tagged: true });

    await h.clients.profiles.send(
      new TagResourceCommand({
        resourceArn: arn(A),
        tags: { "profiles-bot:muted-until": "2099-01-01T00:00:00.000Z", owner: "ops" },
      }),
    );
    // Someone moved it meanwhile: a removal for the old channel leaves it alone.
    expect(await store.remove(at(A), "C0OTHER")).toBe(false);
    expect(tagsOf(A)["profiles-bot:channel"]).toBe("C0AAA");
    expect(await store.remove(at(A), "C0AAA")).toBe(true);
    expect(tagsOf(A)).toEqual({ owner: "ops" });
    expect(await cache.get(at(A))).toBeUndefined();
  });

  it("follows tags set, changed and removed outside the bot, and restores mutes", async () => {
    await h.clients.profiles.send(
      new TagResourceCommand({
        resourceArn: arn(B),
        tags: {
          "profiles-bot:channel": "C0TERRAFORM",
          "profiles-bot:muted-until": "2099-01-01T00:00:00.000Z",
        },
      }),
    );
    // An empty cache (a Redis that lost its data) is rebuilt on the first read.
    expect((await store.get(at(B)))?.channelId).toBe("C0TERRAFORM");
    expect((await mutes.get(at(B)))?.mutedUntil).toBe(Date.parse("2099-01-01T00:00:00.000Z"));

    await h.clients.profiles.send(
      new TagResourceCommand({ resourceArn: arn(B), tags: { "profiles-bot:channel": "C0MOVED" } }),
    );
    await store.rebuild();
    expect((await store.get(at(B)))?.channelId).toBe("C0MOVED");

    await h.clients.profiles.send(
      new UntagResourceCommand({ resourceArn: arn(B), tagKeys: ["profiles-bot:channel"] }),
    );
    expect((await store.rebuild()).dropped).toEqual([refId(at(B))]);
    expect(await store.get(at(B))).toBeUndefined();
  });

  it("copies a binding the cache held before tags existed into the tags", async () => {
    await cache.set(binding(A, "C0LEGACY"));
    const rebuilt = await store.rebuild();
    expect(rebuilt.migrated).toEqual([refId(at(A))]);
    expect(tagsOf(A)["profiles-bot:channel"]).toBe("C0LEGACY");
    expect(await cache.get(at(A))).toMatchObject({ channelId: "C0LEGACY", tagged: true });
  });

  it("ignores a channel tag that is not a channel id", async () => {
    await h.clients.profiles.send(
      new TagResourceCommand({ resourceArn: arn(A), tags: { "profiles-bot:channel": "#ops" } }),
    );
    expect(await store.list()).toEqual([]);
  });

  it("schedules a domain bound only by its tag at the next reconcile; the health check names it until then", async () => {
    await h.clients.profiles.send(
      new TagResourceCommand({ resourceArn: arn(A), tags: { "profiles-bot:channel": "C0AAA" } }),
    );
    expect(await scanScheduleProblems(queues, h.redis, h.prefix)).toEqual([
      "the digest bindings are not in Redis yet (it was emptied or is new): a worker rebuilds them from the domains' tags at its next reconcile",
    ]);
    await store.list();
    expect(await scanScheduleProblems(queues, h.redis, h.prefix)).toEqual([
      `domain ${A} (account ${ACCOUNT_ID}, ${REGION}) is bound to channel C0AAA but has no scan schedule: a worker re-creates it at its next reconcile`,
    ]);

    const deps = {
      bindings: store,
      queues,
      redis: h.redis,
      prefix: h.prefix,
      scanIntervalMs: 3_600_000,
      log: h.log,
    };
    expect(await reconcile(deps)).toMatchObject({ added: [refId(at(A))], removed: [] });
    expect(await scanScheduleProblems(queues, h.redis, h.prefix)).toEqual([]);
    const schedulers = await queues.dlqScan.getJobSchedulers(0, -1);
    expect(schedulers.map((s) => s.key)).toEqual([`scan-${refId(at(A))}`]);
  });
});
