/**
 * Discard on a digest class (`dlq_discard`, danger style, confirmed in Slack): acks, reads the
 * value, checks it was clicked on that domain's digest (dlq-buttons.ts), and starts a
 * `discard` job for the messages of the scan the digest showed; the job deletes those and says
 * in the thread who discarded how many. Unreadable messages are never discarded by the bot: it
 * could not read them, so it can't say what would be lost (the digest offers no Discard for
 * them; a crafted value is refused here and in the job).
 */
import type { SlackDeps } from "../deps.js";
import type { ActionArgs } from "../entries.js";
import { UNREADABLE_NOT_DISCARDED } from "../render/dlq-clicks.js";
import { startClassJob } from "./dlq-buttons.js";

export const onDiscard = (args: ActionArgs, deps: SlackDeps): Promise<void> =>
  startClassJob(args, deps, "discard", (cls) =>
    cls === "unreadable"
      ? {
          reason: "unreadable messages are never discarded by the bot",
          text: UNREADABLE_NOT_DISCARDED,
        }
      : undefined,
  );
