/**
 * Counts a WebClient's calls by method and outcome, and its HTTP 429s, for every client the
 * bot uses: the notifier's (src/runtime.ts) and the ones Bolt makes per workspace (a
 * middleware in src/slack/app.ts). A client is hooked once, however often it is seen.
 *
 * The hook is on `makeRequest`, each HTTP attempt: the typed methods (`chat.postMessage`)
 * were bound to `apiCall` when the client was built, so wrapping `apiCall` would miss them.
 */
import { ErrorCode, type WebClient, WebClientEvent } from "@slack/web-api";
import type { Metrics } from "../metrics.js";

type SlackMetrics = Pick<Metrics, "slackCalls" | "slackRateLimited">;

const hooked = new WeakSet<WebClient>();

export function instrumentSlackClient(client: WebClient, metrics: SlackMetrics): void {
  if (hooked.has(client)) return;
  hooked.add(client);
  const target = client as unknown as { makeRequest: MakeRequest };
  const makeRequest = target.makeRequest.bind(client);
  target.makeRequest = async (url, ...rest) => {
    const method = methodOf(url);
    try {
      const response = await makeRequest(url, ...rest);
      const ok = (response as { data?: { ok?: unknown } })?.data?.ok !== false;
      metrics.slackCalls.inc({ method, outcome: ok ? "ok" : "error" });
      return response;
    } catch (err) {
      const rateLimited = (err as { code?: string }).code === ErrorCode.RateLimitedError;
      metrics.slackCalls.inc({ method, outcome: rateLimited ? "rate_limited" : "error" });
      throw err;
    }
  };
  // Emitted on every 429, also those the client waits out and retries by itself.
  client.on(WebClientEvent.RATE_LIMITED, (_retrySec: number, request: { url?: string }) => {
    metrics.slackRateLimited.inc({ method: methodOf(request?.url ?? "") });
  });
}

type MakeRequest = (url: string, ...rest: unknown[]) => Promise<unknown>;

/** `https://slack.com/api/chat.postMessage` → `chat.postMessage`: a method name, bounded. */
const methodOf = (url: string): string => {
  const last = url.split("?")[0]?.split("/").pop() ?? "";
  return /^[a-zA-Z.]{1,60}$/.test(last) ? last : "unknown";
};
