/**
 * Mutes a digest's thread for a while, or unmutes it (`forMs` 0). The scan keeps the digest
 * up to date meanwhile; only the thread replies about new classes are held back.
 */
import type { DigestStore } from "./digests.js";

export async function muteDigest({
  ctx,
  input,
}: {
  ctx: { digests: DigestStore; now?: () => number };
  input: { domain: string; forMs: number };
}): Promise<{ until?: number }> {
  const until = input.forMs > 0 ? (ctx.now?.() ?? Date.now()) + input.forMs : undefined;
  await ctx.digests.setMute(input.domain, until);
  return until === undefined ? {} : { until };
}
