/**
 * Text that people or AWS control, made safe to show anywhere: without the invisible
 * characters that can make a name read as something else, and bounded. It lives here, not
 * under src/slack, because the rules (src/enable) and the error family (src/errors.ts) bound
 * their sentences too; src/slack/render/text.ts adds the Slack mrkdwn side.
 */

/** Bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) and zero-width characters. */
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;

/** Control characters (Unicode category Cc) other than tab and newline. */
const CONTROL = /[^\P{Cc}\t\n]/gu;

export const ELLIPSIS = "…";

/** The text without bidi-control, zero-width and control characters (newline and tab stay). */
export const cleanText = (s: string): string => s.replace(INVISIBLE, "").replace(CONTROL, "");

/** Cleaned, and at most `max` characters, the last being "…" when something was cut. */
export function clip(s: string, max: number): string {
  const clean = cleanText(s);
  if (clean.length <= max) return clean;
  if (max <= 0) return "";
  return `${cutAt(clean, max - 1)}${ELLIPSIS}`;
}

/** The first `n` UTF-16 units, one fewer when the cut would split a surrogate pair. */
function cutAt(s: string, n: number): string {
  const last = s.charCodeAt(n - 1);
  return last >= 0xd800 && last <= 0xdbff ? s.slice(0, n - 1) : s.slice(0, n);
}
