import { clip } from "../text.js";

/** Slack shows a field's error under it; past this it is cut, with "…". */
export const MAX_FIELD_ERROR = 300;

/** The outcome of checking one user-entered value; `error` is one sentence saying what to fix. */
export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

export const valid = <T>(value: T): Validation<T> => ({ ok: true, value });

/** The sentence cleaned of invisible characters and bounded: it often quotes what was typed. */
export const invalid = <T = never>(error: string): Validation<T> => ({
  ok: false,
  error: clip(error, MAX_FIELD_ERROR),
});

/**
 * What someone typed, quoted inside an error sentence: cleaned and short, so the sentence's
 * own words (what to fix) survive the bound above.
 */
export const quoted = (typed: string, max = 60): string => `'${clip(typed, max)}'`;
