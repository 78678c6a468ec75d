/**
 * `/profiles enable`: acks at once, creates the wizard's draft and opens the modal with the
 * trigger_id before any AWS call (a trigger_id lives 3 seconds). The instance list is
 * loaded after the modal is open. When Slack refuses to open it (expired trigger, rate
 * limit), the person is told through response_url: nothing was created, so running the
 * command again loses nothing.
 */
import type { WebClient } from "@slack/web-api";
import { loadInstances } from "../../enable/wizard.js";
import { asAppError } from "../../errors.js";
import { stepView } from "../views/enable/index.js";
import { draftStore } from "../views/enable/submit.js";
import type { Subcommand } from "./subcommand.js";

/** A trigger_id is dead 3 s after Slack sent the command; waiting longer helps nobody. */
export const OPEN_DEADLINE_MS = 3_000;

const AGAIN = "Nothing was created: run `/profiles enable` again.";

/** What the person is told when the modal didn't open, by Slack's error code. */
export function openFailureText(code: string | undefined): string {
  switch (code) {
    case "expired_trigger_id":
      return `:hourglass: Slack's request to open the form expired before the bot could open it (it lives 3 seconds). ${AGAIN}`;
    case "ratelimited":
    case "rate_limited":
    case "slack_webapi_rate_limited_error":
    case "timeout":
      return `:hourglass: Slack is rate limiting the bot right now, so the form didn't open. Nothing was created: run \`/profiles enable\` again in a minute.`;
    default:
      return `:warning: The form didn't open (Slack said \`${code ?? "unknown_error"}\`). ${AGAIN}`;
  }
}

const slackCode = (err: unknown): string | undefined => {
  const e = err as { data?: { error?: string }; code?: string };
  return e.data?.error ?? e.code;
};

class Timeout extends Error {
  readonly code = "timeout";
}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout("views.open took too long")), Math.max(ms, 0));
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export const enableSubcommand: Subcommand = {
  name: "enable",
  usage: "enable",
  summary: "Enable Customer Profiles for an Amazon Connect instance (opens a form).",
  run: async ({ ack, respond, client, command, deps }) => {
    const started = Date.now();
    await ack();
    const log = deps.log.child({ userId: command.user_id, teamId: command.team_id });
    const tell = (text: string) =>
      respond({ response_type: "ephemeral", text }).catch((err: unknown) =>
        log.warn({ err }, "could not answer through response_url"),
      );
    const drafts = draftStore(deps);
    let draftId: string | undefined;
    try {
      const draft = await drafts.create({
        userId: command.user_id,
        teamId: command.team_id,
        channelId: command.channel_id,
      });
      draftId = draft.id;
      // A 429 makes the WebClient wait and retry; past the trigger's life that can't succeed.
      const opened = within(
        (client as WebClient).views.open({ trigger_id: command.trigger_id, view: stepView(draft) }),
        OPEN_DEADLINE_MS - (Date.now() - started),
      );
      await opened;
    } catch (err) {
      const code = slackCode(err);
      log.warn({ err, code }, "could not open the enable wizard");
      // After a timeout the open may still land; keep the draft for it (it expires by itself).
      if (draftId && !(err instanceof Timeout)) await drafts.remove(draftId).catch(() => {});
      await tell(
        draftId ? openFailureText(code) : `:warning: ${asAppError(err).userMessage} ${AGAIN}`,
      );
      return;
    }
    // Warms the picker's list, so the options request answers from the draft at once.
    const instances = await loadInstances(deps.gateways);
    await drafts
      .patch(draftId, { instances })
      .catch((err: unknown) => log.warn({ err }, "could not store the instance list"));
  },
};
