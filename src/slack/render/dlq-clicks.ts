/**
 * What the dead-letter buttons (Re-ingest, Discard, Inspect) tell only the person who
 * clicked: a value the bot can't read, a class it won't touch, a job someone already runs.
 * The jobs themselves report in the digest's thread (render/reingest.ts).
 */
import { CLASS_INFO, type DlqClass } from "../../dlq/classify.js";
import type { ReingestKind } from "../../queues/reingest.js";

export const MALFORMED_VALUE =
  ":warning: This button carries a value the bot can't read (it may be from an older digest). Wait for the next scan and use the new digest's buttons.";

export const OLDER_DIGEST =
  ":warning: This button is from an older digest; wait for the next scan and try again.";

export const UNREADABLE_NOT_DISCARDED =
  ":no_entry: The bot never deletes unreadable messages: it could not read them, so it can't tell what would be lost. Inspect and delete them in SQS if you are sure.";

export function renderNotReingestable(cls: DlqClass): string {
  const info = CLASS_INFO[cls];
  return `:no_entry: ${info.label} messages can't be re-ingested as they are: ${info.fix}`;
}

/** `by` started the job that runs; `clicker` is who is told. */
export function renderAlreadyRunning(kind: ReingestKind, by: string, clicker: string): string {
  const who = by === clicker ? "you" : `<@${by}>`;
  return kind === "reingest"
    ? `:hourglass_flowing_sand: That re-ingest is already running (started by ${who}); its progress is in the digest's thread.`
    : `:hourglass_flowing_sand: That discard is already running (started by ${who}).`;
}

export const renderQueueDown = (kind: ReingestKind): string =>
  kind === "reingest"
    ? ":x: The bot could not start the re-ingest (its job queue did not answer). Nothing was changed; try again in a minute."
    : ":x: The bot could not start the discard (its job queue did not answer). Nothing was deleted.";
