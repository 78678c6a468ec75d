/**
 * Bolt 5's respond() throws when the response_url does not answer 2xx (RespondError: the URL
 * expired after 30 minutes or 5 uses, Slack refused the message, or a 429), and rejects with a
 * fetch error when Slack cannot be reached. A listener that lets that escape loses the answer
 * and, worse, runs its own error path for a failure that was not its own (a status lookup that
 * worked would be reported as failed). So listeners get this respond instead: on failure it
 * logs why (status and error code only: the response_url lets anyone post, and the message may
 * carry user data) and shows the same message to the same person as an ephemeral through
 * chat.postEphemeral, which has no such expiry. It never rejects.
 */
import { type RespondArguments, RespondError, type RespondFn } from "@slack/bolt";
import type { KnownBlock } from "@slack/types";
import type { SlackDeps } from "./deps.js";

/** Who the answer is for: the person who typed or clicked, where they did. */
export interface RespondTarget {
  user: string;
  channel: string | undefined;
}

export function safeRespond(
  respond: RespondFn,
  target: RespondTarget,
  deps: Pick<SlackDeps, "notifier" | "log">,
): RespondFn {
  return async (message) => {
    try {
      return await respond(message);
    } catch (err) {
      const refused = err instanceof RespondError;
      const status = refused ? err.statusCode : undefined;
      // RespondError's code, or a network error's name (TypeError: fetch failed).
      const code = refused ? err.code : (err as Error).name;
      const log = deps.log.child({ userId: target.user, channelId: target.channel });
      log.warn(
        { status, code },
        "could not answer through the response_url; sending it as an ephemeral message instead",
      );
      await fallback(message, target, deps).catch((e: unknown) =>
        log.error({ err: e }, "could not send the answer as an ephemeral either"),
      );
      // Nobody reads it; Slack's own answer is gone, so this stands for the failed one.
      return new Response(null, { status: status ?? 502 });
    }
  };
}

async function fallback(
  message: string | RespondArguments,
  target: RespondTarget,
  deps: Pick<SlackDeps, "notifier" | "log">,
): Promise<void> {
  if (!target.channel) throw new Error("no channel to post the ephemeral in");
  const args: { text?: string; blocks?: unknown } =
    typeof message === "string" ? { text: message } : message;
  await deps.notifier.ephemeral(target.channel, target.user, {
    text: args.text ?? "",
    ...(Array.isArray(args.blocks) ? { blocks: args.blocks as KnownBlock[] } : {}),
  });
}
