import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type Directory,
  EMOJI,
  emojify,
  escapeCommandText,
  formatSlackDate,
  mrkdwnToHtml,
  mrkdwnToText,
  plainToHtml,
} from "../../sandbox/slack/mrkdwn.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Every .ts file under dir. */
const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );

// 2026-11-30 10:00 UTC, a Monday; London is on UTC in winter, New York 5 hours behind.
const NOW = Date.UTC(2026, 10, 30, 10, 0, 0);
const dir: Directory = {
  userName: (id) => ({ U0ADMIN: "sandbox-admin" })[id],
  channelName: (id) => ({ C0OPS: "contact-centre-ops" })[id],
  groupHandle: (id) => ({ S0LEADS: "ops-leads" })[id],
  tz: "Europe/London",
  now: NOW,
};
const at = (iso: string): number => Date.parse(iso) / 1000;

/** What a person reads in the HTML: tags dropped, entities decoded. */
const read = (html: string): string =>
  html
    .replace(/<br>/g, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

describe("formatSlackDate", () => {
  const t = at("2014-02-18T14:39:42Z");

  it("fills every token Slack documents, in the reader's zone", () => {
    const all =
      "{date_num}|{date}|{date_short}|{date_long}|{date_long_full}|{date_slash}|{time}|{time_secs}";
    expect(formatSlackDate(t, all, "UTC", NOW)).toBe(
      "2014-02-18|February 18th, 2014|Feb 18, 2014|Tuesday, February 18th, 2014|February 18, 2014|18/02/2014|2:39 PM|2:39:42 PM",
    );
    expect(formatSlackDate(t, "{date_num} {time}", "America/New_York", NOW)).toBe(
      "2014-02-18 9:39 AM",
    );
  });

  it("says Today, Yesterday and Tomorrow in the pretty forms, else the plain form", () => {
    const pretty = "{date_pretty}/{date_short_pretty}/{date_long_pretty}";
    expect(formatSlackDate(at("2026-11-30T08:18:55Z"), pretty, "UTC", NOW)).toBe(
      "Today/Today/Today",
    );
    expect(formatSlackDate(at("2026-11-29T23:00:00Z"), "{date_pretty}", "UTC", NOW)).toBe(
      "Yesterday",
    );
    expect(formatSlackDate(at("2026-12-01T01:00:00Z"), "{date_pretty}", "UTC", NOW)).toBe(
      "Tomorrow",
    );
    expect(formatSlackDate(t, pretty, "UTC", NOW)).toBe(
      "February 18th, 2014/Feb 18, 2014/Tuesday, February 18th, 2014",
    );
    // 23:30 UTC on the 29th is already the 30th in Tokyo.
    expect(formatSlackDate(at("2026-11-29T23:30:00Z"), "{date_pretty}", "Asia/Tokyo", NOW)).toBe(
      "Today",
    );
  });

  it("uses the ordinal Slack writes (1st, 2nd, 3rd, 11th, 22nd)", () => {
    const day = (d: string) => formatSlackDate(at(`2026-03-${d}T12:00:00Z`), "{date}", "UTC", NOW);
    expect([day("01"), day("02"), day("03"), day("11"), day("22"), day("23")]).toEqual([
      "March 1st, 2026",
      "March 2nd, 2026",
      "March 3rd, 2026",
      "March 11th, 2026",
      "March 22nd, 2026",
      "March 23rd, 2026",
    ]);
  });

  it("gives up (so the fallback shows) on an unknown token or zone", () => {
    expect(formatSlackDate(t, "{date_num} {nonsense}", "UTC", NOW)).toBeUndefined();
    expect(formatSlackDate(t, "{date_num}", "Not/AZone", NOW)).toBeUndefined();
  });
});

describe("mrkdwnToHtml", () => {
  it("shows mentions by name, as links", () => {
    const html = mrkdwnToHtml(
      "By <@U0ADMIN> in <#C0OPS> and <#C0OTHER|elsewhere>, cc <!subteam^S0LEADS> <!here>",
      dir,
    );
    expect(read(html)).toBe(
      "By @sandbox-admin in #contact-centre-ops and #elsewhere, cc @ops-leads @here",
    );
    expect(html).toContain('<a class="mention" data-channel="C0OPS">#contact-centre-ops</a>');
    expect(html).toContain('<a class="mention" data-user="U0ADMIN">@sandbox-admin</a>');
  });

  it("formats <!date^…> for the reader, links it when asked, and falls back when it can't", () => {
    const when = at("2026-11-30T08:18:55Z");
    expect(
      read(mrkdwnToHtml(`Checked at <!date^${when}^{date_short_pretty} {time}|fallback>.`, dir)),
    ).toBe("Checked at Today 8:18 AM.");
    const linked = mrkdwnToHtml(`<!date^${when}^{date_num}^https://example.com/x|fb>`, dir);
    expect(linked).toBe(
      '<a href="https://example.com/x" target="_blank" rel="noreferrer">2026-11-30</a>',
    );
    expect(read(mrkdwnToHtml(`<!date^${when}^{bogus}|2026-11-30T08:18:55Z>`, dir))).toBe(
      "2026-11-30T08:18:55Z",
    );
  });

  it("decodes Slack's escaping once and escapes for HTML, so nothing can inject markup", () => {
    const html = mrkdwnToHtml("a &amp; b &lt;corp&gt; <script>x</script>", dir);
    expect(html).not.toMatch(/<\/?script/);
    // An unknown <…> reads as its text, never as a tag.
    expect(read(html)).toBe("a & b <corp> scriptx/script");
    expect(read(mrkdwnToHtml("R&amp;D &amp;lt; stays", dir))).toBe("R&D &lt; stays");
  });

  it("shows links by label and only for safe schemes", () => {
    expect(mrkdwnToHtml("<https://a.example/?a=1&amp;b=2|the console>", dir)).toBe(
      '<a href="https://a.example/?a=1&amp;b=2" target="_blank" rel="noreferrer">the console</a>',
    );
    expect(mrkdwnToHtml("<javascript:alert(1)|click>", dir)).toBe("click");
  });

  it("applies bold, italic, strike, code, pre and quotes where Slack does", () => {
    expect(mrkdwnToHtml("*bold* _it_ ~gone~ `a_b*c*`", dir)).toBe(
      "<b>bold</b> <i>it</i> <s>gone</s> <code>a_b*c*</code>",
    );
    expect(mrkdwnToHtml("snake_case_name and 2*3*4", dir)).toBe("snake_case_name and 2*3*4");
    expect(mrkdwnToHtml('```\n{"a": "<#C0OPS>"}```', dir)).toBe(
      "<pre>{&quot;a&quot;: &quot;#contact-centre-ops&quot;}</pre>",
    );
    expect(mrkdwnToHtml("&gt; quoted\nplain", dir)).toBe("<blockquote>quoted</blockquote>plain");
  });

  it("shows the bot's emoji, leaves unknown shortcodes, ARNs and code alone", () => {
    const html = mrkdwnToHtml(
      ":white_check_mark: done :warning: arn:aws:sqs:us-east-1:1:q `:x:` :not_an_emoji:",
      dir,
    );
    expect(read(html)).toBe("✅ done ⚠️ arn:aws:sqs:us-east-1:1:q :x: :not_an_emoji:");
  });
});

describe("emoji", () => {
  it("knows every shortcode the bot sends", () => {
    // Every `:name:` in src/ that stands as a word: not inside an ARN (`arn:aws:sqs:`) or a
    // Redis key (`${prefix}:ratelimit:`), where a letter, digit or `}` comes right before it.
    const used = new Set<string>();
    for (const file of sourceFiles(join(ROOT, "src"))) {
      for (const m of readFileSync(file, "utf8").matchAll(
        /(?<![\w}$:]):([a-z0-9_+]+):(?=[\s*_`'"]|$)/gm,
      )) {
        used.add(m[1] as string);
      }
    }
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !EMOJI[name])).toEqual([]);
    expect(emojify([...used].map((n) => `:${n}:`).join(" "))).not.toMatch(/:[a-z_0-9+]+:/);
  });

  it("plain_text shows emoji unless emoji is false, and is HTML-escaped", () => {
    expect(plainToHtml(":lock: <b>")).toBe("🔒 &lt;b&gt;");
    expect(plainToHtml(":lock:", false)).toBe(":lock:");
  });
});

describe("mrkdwnToText", () => {
  it("reads as a person does: names, dates, emoji, decoded entities", () => {
    const when = at("2026-11-30T08:18:55Z");
    expect(
      mrkdwnToText(
        `:warning: <@U0ADMIN> &amp; <#C0OPS> at <!date^${when}^{time}|x> <https://a.example|docs>`,
        dir,
      ),
    ).toBe("⚠️ @sandbox-admin & #contact-centre-ops at 8:18 AM docs");
  });
});

describe("escapeCommandText", () => {
  const names = {
    channelId: (n: string) => ({ "contact-centre-ops": "C0OPS" })[n],
    userId: (n: string) => ({ "sandbox-admin": "U0ADMIN" })[n],
  };

  it("turns #channel and @user into the references Slack's client sends", () => {
    expect(
      escapeCommandText("alerts examplecorp #contact-centre-ops, ask @sandbox-admin", names),
    ).toBe("alerts examplecorp <#C0OPS|contact-centre-ops>, ask <@U0ADMIN>");
  });

  it("leaves unknown names, e-mail addresses and mid-word signs as typed, and escapes & < >", () => {
    expect(escapeCommandText("#nowhere @nobody a@b.example x#y <&>", names)).toBe(
      "#nowhere @nobody a@b.example x#y &lt;&amp;&gt;",
    );
  });
});
