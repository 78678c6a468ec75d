/**
 * Mutes a digest's thread for a while, or unmutes it (`forMs` 0). The scan keeps the digest
 * up to date meanwhile; only the thread replies about new classes are held back.
 *
 * The mute is a tag on the domain (`profiles-bot:muted-until`) before it is a field in
 * Redis, so a Redis that comes back empty gets it again at the next rebuild of the bindings
 * (src/provision/bindings.ts).
 */
import type { DomainRef } from "../aws/targets.js";
import { DOMAIN_TAGS, type DomainTagStore } from "../provision/bindings.js";
import type { DigestStore } from "./digests.js";

export async function muteDigest({
  ctx,
  input,
}: {
  ctx: {
    digests: DigestStore;
    /** The tags of the domain's own place. */
    tags: Pick<DomainTagStore, "tagDomain" | "untagDomain">;
    now?: () => number;
  };
  input: { ref: DomainRef; forMs: number };
}): Promise<{ until?: number }> {
  const until = input.forMs > 0 ? (ctx.now?.() ?? Date.now()) + input.forMs : undefined;
  const { ref } = input;
  if (until === undefined) await ctx.tags.untagDomain(ref.domain, [DOMAIN_TAGS.mutedUntil]);
  else {
    await ctx.tags.tagDomain(ref.domain, {
      [DOMAIN_TAGS.mutedUntil]: new Date(until).toISOString(),
    });
  }
  await ctx.digests.setMute(ref, until);
  return until === undefined ? {} : { until };
}
