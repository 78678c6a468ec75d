/**
 * Pacing rules on a fake clock: the per-profile interval is never broken, the global rate is
 * respected, and throttling halves the pace and lets it climb back.
 */
import { describe, expect, it } from "vitest";
import { createPacer, profileKeyOf, profilePaceKey } from "../../src/dlq/pacing.js";
import { MemoryRateLimiter } from "../../src/ratelimit.js";

/** A clock that only moves when someone sleeps: many workers sleeping interleave correctly. */
function fakeClock() {
  let now = 0;
  const timers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        timers.push({ at: now + ms, resolve });
      }),
    /** Runs until every worker finished: advances to the next timer when all are asleep. */
    async run(work: Promise<unknown>) {
      let finished = false;
      void work.then(() => {
        finished = true;
      });
      while (!finished) {
        // Let every runnable promise settle before moving time.
        for (let i = 0; i < 20; i++) await Promise.resolve();
        if (finished) break;
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift();
        if (!next) {
          await new Promise((r) => setImmediate(r));
          continue;
        }
        now = Math.max(now, next.at);
        next.resolve();
      }
      await work;
    },
  };
}

describe("createPacer", () => {
  it("never lets two objects of one profile go within the interval, and keeps the global rate", async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter(clock.now);
    const pacer = createPacer({
      limiter,
      globalRate: 20,
      profileIntervalMs: 1100,
      sleep: clock.sleep,
      now: clock.now,
    });
    // 8 workers; 120 objects over 6 profiles, in bursts per profile as a DLQ holds them.
    const jobs = Array.from({ length: 120 }, (_, i) => `p${Math.floor(i / 20)}`);
    const sent: { profile: string; at: number }[] = [];
    const worker = async () => {
      for (let job = jobs.shift(); job !== undefined; job = jobs.shift()) {
        await pacer.wait(profilePaceKey("d", job));
        sent.push({ profile: job, at: clock.now() });
      }
    };
    await clock.run(Promise.all(Array.from({ length: 8 }, worker)));

    expect(sent).toHaveLength(120);
    const byProfile = new Map<string, number[]>();
    for (const s of sent) byProfile.set(s.profile, [...(byProfile.get(s.profile) ?? []), s.at]);
    for (const times of byProfile.values()) {
      for (let i = 1; i < times.length; i++) {
        expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(1100);
      }
    }
    // Global: in any 1 s window at most rate + burst (2) objects.
    const times = sent.map((s) => s.at).sort((a, b) => a - b);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter(
        (t) => t >= (times[i] as number) && t < (times[i] as number) + 1000,
      );
      expect(inWindow.length).toBeLessThanOrEqual(22);
    }
  });

  it("paces at the global rate when profiles don't collide", async () => {
    const clock = fakeClock();
    const pacer = createPacer({
      limiter: new MemoryRateLimiter(clock.now),
      globalRate: 50,
      profileIntervalMs: 1100,
      sleep: clock.sleep,
      now: clock.now,
    });
    let n = 0;
    const worker = async () => {
      while (n < 500) {
        n++;
        await pacer.wait(`d:${n}`);
      }
    };
    await clock.run(Promise.all(Array.from({ length: 4 }, worker)));
    // 500 objects at 50/s (burst 5): about 10 s, never faster.
    expect(clock.now()).toBeGreaterThanOrEqual(9_800);
    expect(clock.now()).toBeLessThanOrEqual(10_500);
  });

  it("halves the pace on throttling and climbs back while calls succeed", () => {
    let now = 0;
    const pacer = createPacer({
      limiter: new MemoryRateLimiter(() => now),
      globalRate: 40,
      profileIntervalMs: 1100,
      now: () => now,
      cooldownMs: 5_000,
    });
    pacer.throttled();
    pacer.throttled(); // the same second: one signal
    expect(pacer.rate).toBe(20);
    now = 1_000;
    pacer.throttled();
    expect(pacer.rate).toBe(10);
    pacer.succeeded();
    expect(pacer.rate).toBe(10); // still cooling down
    now = 6_000;
    pacer.succeeded();
    expect(pacer.rate).toBe(14);
    for (let t = 7_000; t < 30_000; t += 1_000) {
      now = t;
      pacer.succeeded();
    }
    expect(pacer.rate).toBe(40);
    for (let i = 0; i < 20; i++) {
      now += 1_000;
      pacer.throttled();
    }
    expect(pacer.rate).toBeGreaterThanOrEqual(2); // a floor: never stops
  });
});

describe("profileKeyOf", () => {
  const crmKeys = {
    _account: [{ standardIdentifiers: ["PROFILE", "UNIQUE"], fieldNames: ["AccountNumber"] }],
    _email: [{ standardIdentifiers: ["PROFILE"], fieldNames: ["Email"] }],
  };
  const orderKeys = {
    _orderId: [{ standardIdentifiers: ["UNIQUE"], fieldNames: ["OrderId"] }],
    _account: [{ standardIdentifiers: ["PROFILE"], fieldNames: ["AccountNumber"] }],
  };

  it("uses the object type's PROFILE keys first", () => {
    expect(profileKeyOf({ AccountNumber: "1001", Email: "A@x.com" }, crmKeys)).toBe(
      "_account=1001",
    );
    expect(profileKeyOf({ Email: "A@x.com" }, crmKeys)).toBe("_email=a@x.com");
    // Two orders of one account share the profile, not the order id.
    expect(profileKeyOf({ OrderId: "o-1", AccountNumber: "7" }, orderKeys)).toBe(
      profileKeyOf({ OrderId: "o-2", AccountNumber: "7" }, orderKeys),
    );
  });

  it("falls back to identifying fields, then to the object itself", () => {
    expect(profileKeyOf({ accountNumber: "42", Name: "x" })).toBe("accountnumber=42");
    expect(profileKeyOf({ EmailAddress: "Ana@Example.com" })).toBe("emailaddress=ana@example.com");
    const a = profileKeyOf({ b: 1, a: { c: 2 } });
    expect(a).toMatch(/^object=/);
    expect(profileKeyOf({ a: { c: 2 }, b: 1 })).toBe(a);
    expect(profileKeyOf({ a: 1 })).not.toBe(a);
  });

  it("hashes the key into the limiter key: no PII in Redis key names", () => {
    const key = profilePaceKey("amazon-connect-x", "_email=ana@example.com");
    expect(key).toMatch(/^amazon-connect-x:[A-Za-z0-9_-]{22}$/);
    expect(key).not.toContain("ana");
  });
});
