/** Mute holds back a digest's thread replies until a time; 0 unmutes. */
import { describe, expect, it } from "vitest";
import { MemoryDigestStore } from "../../src/dlq/digests.js";
import { muteDigest } from "../../src/dlq/mute.js";

describe("muteDigest", () => {
  it("mutes until now plus the chosen time, and unmutes with 0", async () => {
    const digests = new MemoryDigestStore();
    const ctx = { digests, now: () => 1_000 };
    expect(await muteDigest({ ctx, input: { domain: "orders", forMs: 3_600_000 } })).toEqual({
      until: 3_601_000,
    });
    expect((await digests.get("orders"))?.mutedUntil).toBe(3_601_000);
    expect(await muteDigest({ ctx, input: { domain: "orders", forMs: 0 } })).toEqual({});
    expect((await digests.get("orders"))?.mutedUntil).toBeUndefined();
  });
});
