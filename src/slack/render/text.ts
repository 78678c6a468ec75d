/**
 * Text that people or AWS control (names typed into a form, error messages, object fields) on
 * its way into a Slack message. Slack reads `&`, `<` and `>` as the start of control sequences
 * (`<!channel>`, `<@U…>`, links) even inside code spans, and bidi-control or zero-width
 * characters can make a name read as something else; so such text is cleaned, bounded, and
 * either escaped or put in a code span (docs/slack/platform.md, "Text from outside").
 */

/** Bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) and zero-width characters. */
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;

/** Control characters (Unicode category Cc) other than tab and newline. */
const CONTROL = /[^\P{Cc}\t\n]/gu;

const ELLIPSIS = "…";

/** The text without bidi-control, zero-width and control characters (newline and tab stay). */
export const cleanText = (s: string): string => s.replace(INVISIBLE, "").replace(CONTROL, "");

/** Cleaned, and at most `max` characters, the last being "…" when something was cut. */
export function clip(s: string, max: number): string {
  const clean = cleanText(s);
  if (clean.length <= max) return clean;
  if (max <= 0) return "";
  return `${cutAt(clean, max - 1)}${ELLIPSIS}`;
}

/** Cleaned, with Slack's mrkdwn escaping of `&`, `<` and `>`, so it shows as typed. */
export const esc = (s: string): string => escapeClean(cleanText(s));

/**
 * An inline code span of at most `max` characters, backticks included, showing the cleaned text
 * (clipped with "…" when longer). A backtick inside becomes ʼ so the span cannot close early,
 * line breaks become spaces so it stays one span, and `&`, `<`, `>` are escaped because Slack
 * reads control sequences inside code spans too. Empty text gives "` `".
 */
export function code(s: string, max = 300): string {
  const text = cleanText(s)
    .replace(/`/g, "ʼ")
    .replace(/[\r\n\t]+/g, " ");
  const room = Math.max(max - 2, 1);
  const inside = fitEscaped(text, room);
  return `\`${inside.trim() === "" ? " " : inside}\``;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

const escapeClean = (s: string): string => s.replace(/[&<>]/g, (c) => ESCAPES[c] as string);

/** The escaped text when it fits in `room` characters; else as much as fits, then "…". */
function fitEscaped(text: string, room: number): string {
  const whole = escapeClean(text);
  if (whole.length <= room) return whole;
  let out = "";
  for (const ch of text) {
    const piece = ESCAPES[ch] ?? ch;
    if (out.length + piece.length > room - 1) break;
    out += piece;
  }
  return `${out}${ELLIPSIS}`;
}

/** The first `n` UTF-16 units, one fewer when the cut would split a surrogate pair. */
function cutAt(s: string, n: number): string {
  const last = s.charCodeAt(n - 1);
  return last >= 0xd800 && last <= 0xdbff ? s.slice(0, n - 1) : s.slice(0, n);
}
