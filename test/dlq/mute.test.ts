/** Mute holds back a digest's thread replies until a time; 0 unmutes. The domain's tag holds it too. */
import { describe, expect, it } from "vitest";
import { MemoryDigestStore } from "../../src/dlq/digests.js";
import { muteDigest } from "../../src/dlq/mute.js";
import { at } from "./support/place.js";

/** A domain's tags, kept in memory. */
function memoryTags() {
  const tags: Record<string, string> = { team: "ops" };
  return {
    tags,
    tagDomain: async (_domain: string, add: Record<string, string>) => {
      Object.assign(tags, add);
    },
    untagDomain: async (_domain: string, keys: string[]) => {
      for (const key of keys) delete tags[key];
    },
  };
}

describe("muteDigest", () => {
  it("mutes until now plus the chosen time, and unmutes with 0", async () => {
    const digests = new MemoryDigestStore();
    const tags = memoryTags();
    const ctx = { digests, tags, now: () => 1_000 };
    expect(await muteDigest({ ctx, input: { ref: at("orders"), forMs: 3_600_000 } })).toEqual({
      until: 3_601_000,
    });
    expect((await digests.get(at("orders")))?.mutedUntil).toBe(3_601_000);
    expect(tags.tags).toEqual({
      team: "ops",
      "profiles-bot:muted-until": new Date(3_601_000).toISOString(),
    });
    expect(await muteDigest({ ctx, input: { ref: at("orders"), forMs: 0 } })).toEqual({});
    expect((await digests.get(at("orders")))?.mutedUntil).toBeUndefined();
    expect(tags.tags).toEqual({ team: "ops" });
  });
});
