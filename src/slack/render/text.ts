/**
 * Text that people or AWS control (names typed into a form, error messages, object fields) on
 * its way into a Slack message. Slack reads `&`, `<` and `>` as the start of control sequences
 * (`<!channel>`, `<@U…>`, links) even inside code spans, and bidi-control or zero-width
 * characters can make a name read as something else; so such text is cleaned, bounded, and
 * either escaped or put in a code span (docs/slack/platform.md, "Text from outside").
 */

import { cleanText, clip, ELLIPSIS } from "../../text.js";

export { cleanText, clip } from "../../text.js";

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

/**
 * Text we wrote around words that may be AWS's or a person's (an error's fix), as mrkdwn that
 * shows every word as written: a `code` span stays one, a word carrying mrkdwn markers
 * (`*`, `_`, `~`) becomes a code span of its own, and the rest is escaped. The input is
 * clipped to `max` first; escaping can make the result somewhat longer.
 */
export function inert(s: string, max = 2000): string {
  const parts = clip(s, max).split("`");
  const whole = (t: string) => code(t, t.length * 5 + 2);
  return parts
    .map((part, i) => {
      if (i % 2 === 1 && i < parts.length - 1) return whole(part);
      // After an unmatched backtick: plain text, the backtick shown as ʼ.
      const text = i % 2 === 1 ? `ʼ${part}` : part;
      return text
        .split(/(\s+)/)
        .map((word) => (/[*_~]/.test(word) ? whole(word) : esc(word)))
        .join("");
    })
    .join("");
}
