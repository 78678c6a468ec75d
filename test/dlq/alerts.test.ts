/**
 * `/profiles alerts` as a service: a domain's digest is bound only when the domain exists
 * and has a dead-letter queue; binding again moves it; `off` removes the binding, the
 * schedule and the digest's state. Stores are the in-memory ones; AWS is a fixed answer.
 */
import { describe, expect, it } from "vitest";
import type { Domain } from "../../src/aws/profiles-gateway.js";
import { type AlertsCtx, setAlerts, stopAlerts } from "../../src/dlq/alerts.js";
import { MemoryDigestStore } from "../../src/dlq/digests.js";
import { createLogger } from "../../src/logger.js";
import { MemoryBindingStore } from "../../src/provision/bindings.js";
import { at } from "./support/place.js";

const QUEUE = "https://sqs.eu-west-1.amazonaws.com/111122223333/orders-dlq";

function domain(name: string, deadLetterQueueUrl?: string): Domain {
  return {
    name,
    expirationDays: 366,
    tags: {},
    ...(deadLetterQueueUrl && { deadLetterQueueUrl }),
    stats: { profileCount: 0, objectCount: 0, totalSize: 0 },
  };
}

function setUp(domains: Domain[]) {
  const scheduled = new Set<string>();
  const ctx: AlertsCtx = {
    actor: { type: "slack", userId: "U0ADMIN", teamId: "T0TEAM", channelId: "C0HERE" },
    log: createLogger("silent"),
    bindings: new MemoryBindingStore(),
    digests: new MemoryDigestStore(),
    profilesAt: () => ({ getDomain: async (name) => domains.find((d) => d.name === name) }),
    scans: {
      schedule: async (ref) => void scheduled.add(ref.domain),
      unschedule: async (ref) => void scheduled.delete(ref.domain),
    },
    now: () => new Date("2025-03-01T10:00:00Z"),
  };
  return { ctx, scheduled };
}

describe("setAlerts", () => {
  it("binds the domain's queue to the channel, by whom and when, and schedules its scans", async () => {
    const { ctx, scheduled } = setUp([domain("orders", QUEUE)]);
    const out = await setAlerts({ ctx, input: { ref: at("orders"), channelId: "C0OPS" } });
    expect(out).toEqual({ status: "bound", domain: "orders", channelId: "C0OPS", queueUrl: QUEUE });
    expect(await ctx.bindings.get(at("orders"))).toEqual({
      ...at("orders"),
      channelId: "C0OPS",
      teamId: "T0TEAM",
      queueUrl: QUEUE,
      boundBy: "U0ADMIN",
      boundAt: "2025-03-01T10:00:00.000Z",
    });
    expect([...scheduled]).toEqual(["orders"]);
  });

  it("moves a bound digest to another channel and says where it was", async () => {
    const { ctx, scheduled } = setUp([domain("orders", QUEUE)]);
    await setAlerts({ ctx, input: { ref: at("orders"), channelId: "C0OPS" } });
    const out = await setAlerts({ ctx, input: { ref: at("orders"), channelId: "C0NEW" } });
    expect(out).toMatchObject({ status: "bound", channelId: "C0NEW", movedFrom: "C0OPS" });
    expect((await ctx.bindings.list()).map((b) => b.channelId)).toEqual(["C0NEW"]);
    expect([...scheduled]).toEqual(["orders"]);
    // The same channel again is no move.
    const again = await setAlerts({ ctx, input: { ref: at("orders"), channelId: "C0NEW" } });
    expect(again).not.toHaveProperty("movedFrom");
  });

  it("binds nothing for a domain that does not exist", async () => {
    const { ctx, scheduled } = setUp([domain("orders", QUEUE)]);
    const out = await setAlerts({ ctx, input: { ref: at("ordrs"), channelId: "C0OPS" } });
    expect(out).toEqual({ status: "unknown-domain", domain: "ordrs" });
    expect(await ctx.bindings.list()).toEqual([]);
    expect(scheduled.size).toBe(0);
  });

  it("binds nothing for a domain without a dead-letter queue, and leaves an old binding alone", async () => {
    const { ctx, scheduled } = setUp([domain("legacy")]);
    await ctx.bindings.set({
      ...at("legacy"),
      channelId: "C0OLD",
      teamId: "T0TEAM",
      boundBy: "U0OTHER",
      boundAt: "2024-01-01T00:00:00.000Z",
    });
    const out = await setAlerts({ ctx, input: { ref: at("legacy"), channelId: "C0OPS" } });
    expect(out).toEqual({ status: "no-dlq", domain: "legacy" });
    expect((await ctx.bindings.get(at("legacy")))?.channelId).toBe("C0OLD");
    expect(scheduled.size).toBe(0);
  });

  it("passes an AWS failure on to the caller, with nothing bound", async () => {
    const { ctx, scheduled } = setUp([]);
    ctx.profilesAt = () => ({
      getDomain: async () => {
        throw new Error("AccessDeniedException");
      },
    });
    await expect(
      setAlerts({ ctx, input: { ref: at("orders"), channelId: "C0OPS" } }),
    ).rejects.toThrow("AccessDeniedException");
    expect(await ctx.bindings.list()).toEqual([]);
    expect(scheduled.size).toBe(0);
  });
});

describe("stopAlerts", () => {
  it("removes the binding, the schedule and the digest's state", async () => {
    const { ctx, scheduled } = setUp([domain("orders", QUEUE)]);
    await setAlerts({ ctx, input: { ref: at("orders"), channelId: "C0OPS" } });
    await ctx.digests.setMute(at("orders"), Date.now() + 60_000);
    const out = await stopAlerts({ ctx, input: { ref: at("orders") } });
    expect(out).toEqual({ status: "stopped", domain: "orders" });
    expect(await ctx.bindings.get(at("orders"))).toBeUndefined();
    expect(await ctx.digests.get(at("orders"))).toBeUndefined();
    expect(scheduled.size).toBe(0);
  });

  it("says a domain that had no digest was not bound, and still clears a stray schedule", async () => {
    const { ctx, scheduled } = setUp([]);
    scheduled.add("orders");
    const out = await stopAlerts({ ctx, input: { ref: at("orders") } });
    expect(out).toEqual({ status: "not-bound", domain: "orders" });
    expect(scheduled.size).toBe(0);
  });
});
