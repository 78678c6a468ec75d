/**
 * Upgrading from the single-place bot on real Redis (one node and the local cluster): the
 * records it kept under bare domain names (test/upgrade/support/old-layout.ts) move to the
 * refIds of the place it served, read back through this version's own stores; a second run
 * does nothing; a run over a state a crash left half-way ends where a whole run does; two
 * processes starting together move each record once; a place this version does not serve
 * leaves everything where it was.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { MemoryAuditLog } from "../../src/audit/audit.js";
import type { Gateways } from "../../src/aws/gateways.js";
import { type DomainRef, refId, type Target } from "../../src/aws/targets.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { RedisKeyCheckStore } from "../../src/domains/key-check.js";
import { createLogger } from "../../src/logger.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import { scanSchedulers } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { createRedis, keysMatching, type Redis } from "../../src/redis.js";
import {
  legacyPlace,
  type MigrationDeps,
  migrateBareDomains,
} from "../../src/upgrade/bare-domains.js";
import { registryOf } from "../dlq/support/places.js";
import { REDIS_KINDS, redisConfig } from "../support/redis-cluster.js";
import {
  OLD_SCAN_EVERY_MS,
  type OldDomain,
  oldDomain,
  seedOldDomain,
} from "./support/old-layout.js";

const OWN: Target = {
  name: "default",
  account: "111122223333",
  regions: ["eu-west-2", "us-east-1"],
};
const PARTNER: Target = {
  name: "partner",
  account: "444455556666",
  regions: ["eu-west-1"],
  roleArn: "arn:aws:iam::444455556666:role/profiles-bot-target",
  externalId: "profiles-bot-sandbox-external-id",
};
const noGateways = (): Gateways => {
  throw new Error("the migration calls no AWS");
};
const at = (domain: string, region = "eu-west-2"): DomainRef => ({
  account: OWN.account,
  region,
  domain,
});

describe.each(REDIS_KINDS)("upgrade from bare domain names on a %s", (kind) => {
  let redis: Redis;
  let prefix: string;
  let queues: JobQueues;
  let audit: MemoryAuditLog;
  const used: string[] = [];

  beforeAll(() => {
    redis = createRedis(redisConfig(kind, "unused"), "client");
  });
  beforeEach(() => {
    prefix = testPrefix();
    used.push(prefix);
    queues = createQueues(redis, prefix);
    audit = new MemoryAuditLog();
  });
  afterEach(async () => {
    await queues.close();
  });
  afterAll(async () => {
    redis.disconnect();
    for (const p of used) await deletePrefix(redisConfig(kind, p), p);
  });

  const deps = (over: Partial<MigrationDeps> = {}): MigrationDeps => ({
    redis,
    prefix,
    queues,
    targets: registryOf([OWN, PARTNER], noGateways),
    awsRegion: "eu-west-2",
    audit,
    log: createLogger("silent"),
    ...over,
  });

  /** Every key under the prefix, the BullMQ queues' own aside. */
  async function botKeys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const batch of keysMatching(redis, `${prefix}:*`)) keys.push(...batch);
    return keys.filter((k) => !k.startsWith(`${prefix}:dlq-scan:`) && !k.includes(":bull:")).sort();
  }

  /** The domain as this version reads it, through its own stores and queues. */
  async function readBack(old: OldDomain, ref = at(old.domain)) {
    const digests = new RedisDigestStore(redis, prefix);
    const digest = await digests.get(ref);
    const [newest, older] = old.scans;
    return {
      binding: await new RedisBindingStore(redis, prefix).get(ref),
      digest: digest && {
        channel: digest.channel,
        ts: digest.ts,
        scanId: digest.scanId,
        mutedUntil: digest.mutedUntil,
      },
      newestThrottled: await digests.scanIds(ref, newest?.scanId ?? "", "throttled"),
      newestMissingKey: await digests.scanIds(ref, newest?.scanId ?? "", "missing-key"),
      olderThrottled: await digests.scanIds(ref, older?.scanId ?? "", "throttled"),
      keyCheck: await new RedisKeyCheckStore(redis, prefix).get(ref),
      keyCheckTtl: await redis.ttl(`${prefix}:key-check:${refId(ref)}`),
      markerTtl: await redis.ttl(`${prefix}:dlq-scan-ids:${refId(ref)}:${newest?.scanId}`),
    };
  }

  const expected = (old: OldDomain, ref = at(old.domain)) => ({
    binding: expect.objectContaining({
      ...ref,
      channelId: old.channelId,
      teamId: "T0TEAM",
      boundBy: "U0ADMIN",
      tagged: true,
    }),
    digest: {
      channel: old.channelId,
      ts: old.ts,
      scanId: old.scans[0]?.scanId,
      mutedUntil: old.mutedUntil,
    },
    newestThrottled: ["m-3", "m-4"],
    newestMissingKey: ["m-5"],
    olderThrottled: ["m-1"],
    keyCheck: expect.objectContaining({
      ...ref,
      key: expect.objectContaining({ arn: old.keyArn }),
    }),
    keyCheckTtl: expect.toSatisfy((ttl: number) => ttl > 0 && ttl <= 7 * 24 * 3600),
    markerTtl: expect.toSatisfy((ttl: number) => ttl > 0 && ttl <= 26 * 3600),
  });

  it("moves every record of the old layout to the refId, and a second run does nothing", async () => {
    const a = oldDomain("amazon-connect-a");
    const b = oldDomain("amazon-connect-b", "C0OTHER");
    await seedOldDomain(redis, prefix, queues, a);
    await seedOldDomain(redis, prefix, queues, b);

    const report = await migrateBareDomains(deps());

    expect(report).toMatchObject({
      status: "moved",
      place: { account: OWN.account, region: "eu-west-2" },
    });
    const all = ["binding", "digest", "key check", "scan schedule"];
    expect(report.status === "moved" && report.domains.map((d) => [d.domain, d.moved])).toEqual([
      ["amazon-connect-a", all],
      ["amazon-connect-b", all],
    ]);
    // The digests go to the channels they went to, on the same messages, with the mute and
    // the scans their buttons name.
    expect(await readBack(a)).toEqual(expected(a));
    expect(await readBack(b)).toEqual(expected(b));
    expect((await scanSchedulers(queues)).map((s) => [s.id, s.every]).sort()).toEqual([
      [refId(at("amazon-connect-a")), OLD_SCAN_EVERY_MS],
      [refId(at("amazon-connect-b")), OLD_SCAN_EVERY_MS],
    ]);
    // Nothing left under a bare name.
    expect(await redis.hkeys(`${prefix}:alert-bindings`)).toEqual(
      expect.not.arrayContaining(["amazon-connect-a", "amazon-connect-b"]),
    );
    expect((await botKeys()).filter((k) => /:amazon-connect-[ab](?::|$)/.test(k))).toEqual([]);
    expect(audit.entries.map((e) => [e.action, e.target, e.userId, e.outcome, e.params])).toEqual([
      [
        "upgrade:bare-domain",
        refId(at("amazon-connect-a")),
        "(system)",
        "succeeded",
        { domain: "amazon-connect-a", moved: "binding, digest, key check, scan schedule" },
      ],
      [
        "upgrade:bare-domain",
        refId(at("amazon-connect-b")),
        "(system)",
        "succeeded",
        { domain: "amazon-connect-b", moved: "binding, digest, key check, scan schedule" },
      ],
    ]);

    const before = await botKeys();
    expect(await migrateBareDomains(deps())).toEqual({ status: "nothing" });
    expect(await botKeys()).toEqual(before);
    expect(audit.entries).toHaveLength(2);
    expect(await readBack(a)).toEqual(expected(a));
  });

  it("ends where a whole run ends when a crash left it half-way", async () => {
    const a = oldDomain("amazon-connect-a");
    const b = oldDomain("amazon-connect-b");
    await seedOldDomain(redis, prefix, queues, a);
    await seedOldDomain(redis, prefix, queues, b);
    // A run that died after moving a's binding and digest and re-creating its scheduler
    // under the refId, before removing the old one; b untouched.
    const ref = at("amazon-connect-a");
    const bindings = `${prefix}:alert-bindings`;
    const binding = JSON.parse((await redis.hget(bindings, "amazon-connect-a")) as string);
    await redis
      .multi()
      .hdel(bindings, "amazon-connect-a")
      .hset(bindings, refId(ref), JSON.stringify({ ...binding, ...ref }))
      .exec();
    for (const [kind, rest] of [
      ["dlq-digest", ""],
      ["dlq-scans", ""],
      ...a.scans.flatMap((s) => [
        ["dlq-scan-ids", `:${s.scanId}`],
        ...Object.keys(s.ids).map((cls) => ["dlq-scan-class", `:${s.scanId}:${cls}`]),
      ]),
    ] as [string, string][]) {
      await redis.rename(
        `${prefix}:${kind}:amazon-connect-a${rest}`,
        `${prefix}:${kind}:${refId(ref)}${rest}`,
      );
    }
    await queues.dlqScan.upsertJobScheduler(
      `scan-${refId(ref)}`,
      { every: OLD_SCAN_EVERY_MS },
      { name: "scan", data: ref },
    );

    const report = await migrateBareDomains(deps());

    expect(
      report.status === "moved" && report.domains.map((d) => [d.domain, d.moved, d.superseded]),
    ).toEqual([
      // The scheduler under the refId was there already: the old one only goes.
      ["amazon-connect-a", ["key check"], ["scan schedule"]],
      ["amazon-connect-b", ["binding", "digest", "key check", "scan schedule"], []],
    ]);
    expect(await readBack(a)).toEqual(expected(a));
    expect(await readBack(b)).toEqual(expected(b));
    expect((await scanSchedulers(queues)).map((s) => s.id).sort()).toEqual([
      refId(ref),
      refId(at("amazon-connect-b")),
    ]);
    expect((await botKeys()).filter((k) => /:amazon-connect-[ab](?::|$)/.test(k))).toEqual([]);
    expect(await migrateBareDomains(deps())).toEqual({ status: "nothing" });
  });

  it("keeps what this version wrote under the refId first, filling in the digest's missing fields", async () => {
    const a = oldDomain("amazon-connect-a");
    await seedOldDomain(redis, prefix, queues, a);
    // A rebuild from the domain's tags ran first: the binding (tag-born) and the mute.
    const ref = at("amazon-connect-a");
    const newer = Date.parse("2031-01-01T00:00:00Z");
    await new RedisBindingStore(redis, prefix).set({
      ...ref,
      channelId: "C0OPS",
      teamId: "T0TEAM",
      boundBy: "tag profiles-bot:channel",
      boundAt: "2026-12-01T00:00:00.000Z",
      tagged: true,
    });
    await new RedisDigestStore(redis, prefix).setMute(ref, newer);

    const report = await migrateBareDomains(deps());

    expect(report.status === "moved" && report.domains.map((d) => [d.moved, d.superseded])).toEqual(
      [
        [
          ["key check", "scan schedule"],
          ["binding", "digest"],
        ],
      ],
    );
    const read = await readBack(a);
    expect(read.binding?.boundBy).toBe("tag profiles-bot:channel");
    // The message and scans come from the old digest; the newer mute stays.
    expect(read.digest).toEqual({
      channel: "C0OPS",
      ts: a.ts,
      scanId: a.scans[0]?.scanId,
      mutedUntil: newer,
    });
    expect(read.newestThrottled).toEqual(["m-3", "m-4"]);
    expect(await redis.hkeys(`${prefix}:alert-bindings`)).toEqual([refId(ref)]);
  });

  it("moves each record once when two processes start together", async () => {
    const domains = ["amazon-connect-a", "amazon-connect-b", "amazon-connect-c"].map((d) =>
      oldDomain(d),
    );
    for (const d of domains) await seedOldDomain(redis, prefix, queues, d);

    const reports = await Promise.all([migrateBareDomains(deps()), migrateBareDomains(deps())]);

    const moved = reports.flatMap((r) =>
      r.status === "moved" ? r.domains.flatMap((d) => d.moved.map((k) => `${d.domain} ${k}`)) : [],
    );
    // The schedulers may be re-created by both, but each binding, digest and key check moves once.
    expect(moved.filter((m) => !m.endsWith("scan schedule")).sort()).toEqual(
      domains
        .flatMap((d) => [`${d.domain} binding`, `${d.domain} digest`, `${d.domain} key check`])
        .sort(),
    );
    for (const d of domains) expect(await readBack(d)).toEqual(expected(d));
    expect((await scanSchedulers(queues)).map((s) => s.id).sort()).toEqual(
      domains.map((d) => refId(at(d.domain))),
    );
  });

  it("leaves every record where it was when this version does not serve the old place", async () => {
    const a = oldDomain("amazon-connect-a");
    await seedOldDomain(redis, prefix, queues, a);
    const before = await botKeys();

    const report = await migrateBareDomains(deps({ awsRegion: "ap-south-1" }));

    expect(report).toEqual({
      status: "skipped",
      domains: ["amazon-connect-a"],
      reason:
        "the single-place bot worked in ap-south-1 of account 111122223333, which AWS_TARGETS does not serve: add ap-south-1 to the regions of target default",
    });
    expect(await botKeys()).toEqual(before);
    expect((await scanSchedulers(queues)).map((s) => s.id)).toEqual(["amazon-connect-a"]);
    expect(audit.entries).toEqual([]);
  });
});

describe("legacyPlace", () => {
  const targets = registryOf([OWN, PARTNER], noGateways);

  it("is the bot's own account in AWS_REGION, or in that target's first region without it", () => {
    expect(legacyPlace(targets, "us-east-1")).toEqual({
      place: { account: OWN.account, region: "us-east-1" },
    });
    expect(legacyPlace(targets, undefined)).toEqual({
      place: { account: OWN.account, region: "eu-west-2" },
    });
  });

  it("says what to configure when no target has the bot's own credentials", () => {
    expect(legacyPlace(registryOf([PARTNER], noGateways), "eu-west-1")).toEqual({
      reason:
        "AWS_TARGETS has no target with the bot's own credentials, where the single-place bot worked: add one (a target without roleArn) with AWS_REGION among its regions",
    });
  });
});
