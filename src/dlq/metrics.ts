/**
 * Each bound domain's dead-letter queue as its last scan's digest recorded it, for the
 * metrics' scrape-time gauges (src/metrics.ts): read from Redis, no AWS call per scrape.
 */
import type { DlqDepth } from "../metrics.js";
import type { BindingStore } from "../provision/bindings.js";
import type { DigestStore } from "./digests.js";

export async function dlqDepths(
  bindings: Pick<BindingStore, "list">,
  digests: Pick<DigestStore, "get">,
  now = Date.now(),
): Promise<DlqDepth[]> {
  const bound = await bindings.list();
  const states = await Promise.all(bound.map((b) => digests.get(b)));
  return states.flatMap((state) => {
    const summary = state?.lastSummary;
    if (!summary) return []; // Not scanned yet: no figure is better than a made-up zero.
    const oldest = summary.oldestSentAt;
    return [
      {
        account: state.account,
        region: state.region,
        domain: state.domain,
        messages: summary.total,
        ...(summary.total > 0 && oldest !== undefined
          ? { oldestAgeSeconds: Math.max(0, (now - oldest) / 1000) }
          : {}),
      },
    ];
  });
}
