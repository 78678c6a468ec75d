/**
 * What the dead-letter buttons (Re-ingest, Discard, Inspect, Mute) tell only the person who
 * clicked: a value the bot can't read or that was not clicked where the bot put it, a class
 * it won't touch, a job someone already runs.
 * The jobs themselves report in the digest's thread (render/reingest.ts).
 */
import { CLASS_INFO, type DlqClass } from "../../dlq/classify.js";
import type { ReingestKind } from "../../queues/reingest.js";
import { code } from "./text.js";

/** A value that is not one the bot writes: `problem` says what is wrong with it. */
export const renderMalformedValue = (problem: string): string =>
  `:warning: This button carries a value the bot can't read (${problem}). Nothing was changed; use the buttons on the latest digest.`;

/** A class button without the scan it was shown for: from a digest older than scan ids. */
export const NO_SCAN_ID =
  ":warning: This button is from an older digest that does not say which scan it showed, so the bot can't tell which messages you confirmed. Nothing was changed; wait for the next scan and use the new digest's buttons.";

/** The value names a domain whose current digest is not the message that was clicked. */
export const renderNotThisDigest = (domain: string): string =>
  `:no_entry: This button names ${code(domain, 70)}, but it was not clicked on that domain's current digest. Nothing was changed; use the buttons on ${code(domain, 70)}'s latest digest.`;

/** A modal button the bot did not offer in an Inspect window for that domain. */
export const renderNotThisView = (domain: string): string =>
  `:no_entry: This button is not one the bot showed in an Inspect window for ${code(domain, 70)}. Nothing was changed; click Inspect on that domain's latest digest and use the button there.`;

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
