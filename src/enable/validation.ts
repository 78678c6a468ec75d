/** The outcome of checking one user-entered value; `error` is one sentence saying what to fix. */
export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

export const valid = <T>(value: T): Validation<T> => ({ ok: true, value });

export const invalid = <T = never>(error: string): Validation<T> => ({ ok: false, error });
