/**
 * Opens the wizard on a trigger_id: the draft first, then views.open before any AWS call,
 * within the trigger's 3 seconds. When Slack refuses (expired trigger, rate limit) or the
 * deadline passes, nothing was created, so running the command again loses nothing.
 */
import type { WebClient } from "@slack/web-api";
import { beforeDeadline, TIMED_OUT } from "../../../deadline.js";
import type { DraftStore, NewDraft } from "../../../enable/drafts.js";
import { asAppError } from "../../../errors.js";
import type { Logger } from "../../../logger.js";
import { noDraftText, openFailureText } from "../../render/enable/common.js";
import { stepView } from "../../render/enable/index.js";

/** A trigger_id is dead 3 s after Slack sent the command; waiting longer helps nobody. */
const OPEN_DEADLINE_MS = 3_000;

class Timeout extends Error {
  readonly code = "timeout";
}

async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  const done = await beforeDeadline(work, ms);
  if (done === TIMED_OUT) throw new Timeout("views.open took too long");
  return done;
}

const slackCode = (err: unknown): string | undefined => {
  const e = err as { data?: { error?: string }; code?: string };
  return e.data?.error ?? e.code;
};

export type Opened = { ok: true; draftId: string } | { ok: false; text: string };

export async function openWizard(args: {
  drafts: DraftStore;
  client: WebClient;
  triggerId: string;
  owner: NewDraft;
  /** When Slack sent the command: the trigger's life counts from then. */
  receivedAt: number;
  log: Logger;
}): Promise<Opened> {
  const { drafts, client, log } = args;
  let draftId: string | undefined;
  try {
    const draft = await drafts.create(args.owner);
    draftId = draft.id;
    // A 429 makes the WebClient wait and retry; past the trigger's life that can't succeed.
    const open = client.views.open({ trigger_id: args.triggerId, view: stepView(draft) });
    await within(open, OPEN_DEADLINE_MS - (Date.now() - args.receivedAt));
    return { ok: true, draftId };
  } catch (err) {
    const code = slackCode(err);
    log.warn({ err, code }, "could not open the enable wizard");
    // After a timeout the open may still land; keep the draft for it (it expires by itself).
    if (draftId && !(err instanceof Timeout)) await drafts.remove(draftId).catch(() => {});
    const text = draftId ? openFailureText(code) : noDraftText(asAppError(err).userMessage);
    return { ok: false, text };
  }
}
