/**
 * What a person must never read on the sandbox page: Slack markup the page failed to render.
 * Slack shows `:warning:` as an emoji, `<#C0OPS>` as #contact-centre-ops, `&lt;` as <; a
 * leftover `[object …]` is a bug in the page's own script.
 */

const PATTERNS: { name: string; re: RegExp }[] = [
  // A shortcode stands alone (start, space or punctuation before it). ARNs
  // (arn:aws:kms:…), times (08:18:55) and URLs have a letter, digit or slash next to a colon.
  { name: "emoji shortcode", re: /(?<![\w:/.-]):[a-z0-9_+'-]+:(?![\w/])/g },
  { name: "mention or special token", re: /<[@#!][^>\s]*>?/g },
  { name: "link markup", re: /<(?:https?|mailto):[^>\s]*(?:\|[^>]*)?>/g },
  { name: "HTML entity", re: /&(?:lt|gt|amp|quot|#\d+);/g },
  { name: "object text", re: /\[object [A-Za-z]+\]/g },
];

export interface RawMarkup {
  kind: string;
  match: string;
  /** A few characters either side, to find it on the page. */
  around: string;
}

export function findRawMarkup(text: string): RawMarkup[] {
  const found: RawMarkup[] = [];
  for (const { name, re } of PATTERNS) {
    for (const m of text.matchAll(re)) {
      const at = m.index ?? 0;
      found.push({
        kind: name,
        match: m[0],
        around: text.slice(Math.max(0, at - 30), at + m[0].length + 30).replace(/\s+/g, " "),
      });
    }
  }
  return found;
}
