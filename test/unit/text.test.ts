import { describe, expect, it } from "vitest";
import { cleanText, clip, code, esc, inert } from "../../src/slack/render/text.js";

/** Every character the module must remove: bidi controls, zero-width ones, other controls. */
const UNSAFE = [
  "\u202A",
  "\u202B",
  "\u202C",
  "\u202D",
  "\u202E",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200E",
  "\u200F",
  "\u061C",
  "\u200B",
  "\u200C",
  "\u200D",
  "\u2060",
  "\uFEFF",
  "\u0000",
  "\u0007",
  "\u001B",
  "\r",
  "\u007F",
  "\u0085",
];
const UNSAFE_RE = new RegExp(`[${UNSAFE.join("")}]`);

describe("cleanText", () => {
  it("removes every bidi-control, zero-width and control character but keeps newline and tab", () => {
    const dirty = UNSAFE.map((c, i) => `${c}${i}`).join("");
    const clean = cleanText(`a\tb\n${dirty}`);
    expect(clean).toBe(`a\tb\n${UNSAFE.map((_, i) => i).join("")}`);
    expect(clean).not.toMatch(UNSAFE_RE);
  });

  it("keeps ordinary text, accents and emoji as they are", () => {
    expect(cleanText("Zoë’s queue 🚀 — ok")).toBe("Zoë’s queue 🚀 — ok");
  });
});

describe("clip", () => {
  it("leaves text that fits alone, once cleaned", () => {
    expect(clip("abc\u200B", 3)).toBe("abc");
  });

  it("cuts long text to exactly max characters, the last being …", () => {
    const out = clip("x".repeat(5000), 300);
    expect(out).toHaveLength(300);
    expect(out.endsWith("…")).toBe(true);
    expect(out.slice(0, -1)).toBe("x".repeat(299));
  });

  it("never leaves half of a surrogate pair before the …", () => {
    const out = clip("ab🚀cd", 4);
    expect(out).toBe("ab…");
    expect(out.length).toBeLessThanOrEqual(4);
  });
});

describe("esc", () => {
  it("escapes what Slack reads as control sequences, after cleaning", () => {
    expect(esc("<!channel> & <@U123>\u202E")).toBe("&lt;!channel&gt; &amp; &lt;@U123&gt;");
  });
});

describe("code", () => {
  it("wraps text in one inline code span", () => {
    expect(code("AccessDenied")).toBe("`AccessDenied`");
  });

  it("gives an empty span a space so Slack still draws it", () => {
    expect(code("")).toBe("` `");
    expect(code("\u200B\u202E")).toBe("` `");
  });

  it("replaces backticks so the span cannot be closed early", () => {
    const out = code("a`*bold*`b");
    expect(out).toBe("`aʼ*bold*ʼb`");
    expect(out.slice(1, -1)).not.toContain("`");
  });

  it("escapes control sequences inside the span and keeps it on one line", () => {
    expect(code("<!channel>\nnext")).toBe("`&lt;!channel&gt; next`");
  });

  it("is at most max characters, backticks and escapes included, ending in … when cut", () => {
    const input = `${"<&>\u202E\u200B".repeat(1000)}`;
    const out = code(input, 300);
    expect(out.length).toBeLessThanOrEqual(300);
    expect(out.startsWith("`")).toBe(true);
    expect(out.endsWith("…`")).toBe(true);
    expect(out).not.toMatch(UNSAFE_RE);
    // No escape is cut in half: every & starts a whole entity.
    expect(out.slice(1, -2).replace(/&(amp|lt|gt);/g, "")).not.toMatch(/[&<>]/);
  });
});

describe("inert", () => {
  it("keeps our code spans, escapes the rest, and puts words with mrkdwn markers in code", () => {
    expect(inert("allow `kms:Decrypt` for <!channel> & *bold* _it_ ~s~ now")).toBe(
      "allow `kms:Decrypt` for &lt;!channel&gt; &amp; `*bold*` `_it_` `~s~` now",
    );
  });

  it("shows an unmatched backtick as ʼ instead of opening a span", () => {
    expect(inert("a `b` c `d *e*")).toBe("a `b` c ʼd `*e*`");
  });

  it("clips and cleans what it is given", () => {
    const out = inert(`\u202E${"x".repeat(5000)}`, 100);
    expect(out).toBe(`${"x".repeat(99)}…`);
  });
});
