/**
 * Slack's text formatting as Slack's client shows it, for the sandbox page: mrkdwn to
 * safe HTML (mentions by name, `<!date^…>` in the reader's time zone, links, emoji
 * shortcodes, escaping), and the other direction, a typed command line with `#channel`
 * and `@user` turned into the references Slack's client sends. Pure functions: the page
 * gets their output from ui.ts, and the tests call them directly.
 */

/** Who and what the text can name, and the reader's clock (Slack formats dates per reader). */
export interface Directory {
  userName(id: string): string | undefined;
  channelName(id: string): string | undefined;
  /** A user group's handle, e.g. "ops-leads"; Slack shows it as @handle. */
  groupHandle?(id: string): string | undefined;
  /** IANA zone of the reader, e.g. Europe/London. */
  tz: string;
  /** Milliseconds since the epoch; decides "Today" and "Yesterday". */
  now: number;
}

/**
 * Shortcodes Slack shows as emoji: every one the bot sends (grep src/ for `:[a-z_]+:`)
 * plus the common ones people type. An unknown shortcode stays as typed, as in Slack
 * (`arn:aws:sqs:…` must not lose its colons).
 */
export const EMOJI: Readonly<Record<string, string>> = {
  warning: "⚠️",
  white_check_mark: "✅",
  heavy_check_mark: "✔️",
  hourglass_flowing_sand: "⏳",
  hourglass: "⌛",
  double_vertical_bar: "⏸️",
  x: "❌",
  no_entry: "⛔",
  no_entry_sign: "🚫",
  arrows_counterclockwise: "🔄",
  repeat: "🔁",
  wastebasket: "🗑️",
  link: "🔗",
  zipper_mouth_face: "🤐",
  white_circle: "⚪",
  large_green_circle: "🟢",
  large_yellow_circle: "🟡",
  red_circle: "🔴",
  large_blue_circle: "🔵",
  heavy_minus_sign: "➖",
  heavy_plus_sign: "➕",
  pencil2: "✏️",
  pencil: "📝",
  memo: "📝",
  no_bell: "🔕",
  bell: "🔔",
  new: "🆕",
  lock: "🔒",
  unlock: "🔓",
  key: "🔑",
  information_source: "ℹ️",
  question: "❓",
  grey_question: "❔",
  exclamation: "❗",
  bangbang: "‼️",
  rotating_light: "🚨",
  fire: "🔥",
  tada: "🎉",
  rocket: "🚀",
  eyes: "👀",
  mag: "🔍",
  inbox_tray: "📥",
  outbox_tray: "📤",
  package: "📦",
  gear: "⚙️",
  wrench: "🔧",
  hammer_and_wrench: "🛠️",
  bar_chart: "📊",
  chart_with_upwards_trend: "📈",
  clock1: "🕐",
  stopwatch: "⏱️",
  calendar: "📆",
  bulb: "💡",
  thumbsup: "👍",
  "+1": "👍",
  thumbsdown: "👎",
  "-1": "👎",
  ok_hand: "👌",
  wave: "👋",
  pray: "🙏",
  raised_hands: "🙌",
  clap: "👏",
  smile: "😄",
  slightly_smiling_face: "🙂",
  thinking_face: "🤔",
  sweat_smile: "😅",
  heart: "❤️",
  star: "⭐",
  sparkles: "✨",
  zap: "⚡",
  stop_sign: "🛑",
  construction: "🚧",
  checkered_flag: "🏁",
  busts_in_silhouette: "👥",
  bust_in_silhouette: "👤",
  speech_balloon: "💬",
  email: "📧",
  clipboard: "📋",
  page_facing_up: "📄",
  card_index_dividers: "🗂️",
  file_folder: "📁",
  point_right: "👉",
  arrow_right: "➡️",
  arrow_forward: "▶️",
  leftwards_arrow_with_hook: "↩️",
  heavy_multiplication_x: "✖️",
  ballot_box_with_check: "☑️",
  large_orange_diamond: "🔶",
  small_blue_diamond: "🔹",
  shield: "🛡️",
  robot_face: "🤖",
  sos: "🆘",
  skull: "💀",
  broken_heart: "💔",
  snail: "🐌",
  turtle: "🐢",
  zzz: "💤",
};

/** `:warning:` → ⚠️ for every known shortcode; others are left as typed. */
export function emojify(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m);
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** Slack's own escaping (&amp; &lt; &gt;) undone: what the reader sees. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

// ---- dates -------------------------------------------------------------------------------

interface DayParts {
  year: number;
  month: number;
  day: number;
  weekday: string;
  monthName: string;
  monthShort: string;
}

function dayParts(ms: number, tz: string): DayParts {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    year: "numeric",
    month: "long",
    day: "numeric",
    weekday: "long",
  }).formatToParts(new Date(ms));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? "";
  const monthName = get("month");
  const month =
    Number(
      new Intl.DateTimeFormat("en-US", { timeZone: tz, month: "numeric" }).format(new Date(ms)),
    ) || 1;
  return {
    year: Number(get("year")),
    month,
    day: Number(get("day")),
    weekday: get("weekday"),
    monthName,
    monthShort: monthName.slice(0, 3),
  };
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

function clock(ms: number, tz: string, seconds: boolean): string {
  return new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hour: "numeric",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
    hour12: true,
  }).format(new Date(ms));
}

const DAY_MS = 86_400_000;

/** "Today", "Yesterday" or "Tomorrow" when the date is one of those days for the reader. */
function relativeDay(ms: number, tz: string, now: number): string | undefined {
  const key = (t: number): string => {
    const p = dayParts(t, tz);
    return `${p.year}-${p.month}-${p.day}`;
  };
  const day = key(ms);
  if (day === key(now)) return "Today";
  if (day === key(now - DAY_MS)) return "Yesterday";
  if (day === key(now + DAY_MS)) return "Tomorrow";
  return undefined;
}

/**
 * A `<!date^…>` format string with Slack's tokens filled in for the reader; undefined
 * when it holds a token Slack does not know (Slack then shows the fallback).
 */
export function formatSlackDate(
  epochSeconds: number,
  format: string,
  tz: string,
  now: number,
): string | undefined {
  if (!Number.isFinite(epochSeconds)) return undefined;
  const ms = epochSeconds * 1000;
  let p: DayParts;
  try {
    p = dayParts(ms, tz);
  } catch {
    return undefined; // an unknown time zone
  }
  const pad = (n: number): string => String(n).padStart(2, "0");
  const date = `${p.monthName} ${ordinal(p.day)}, ${p.year}`;
  const dateShort = `${p.monthShort} ${p.day}, ${p.year}`;
  const dateLong = `${p.weekday}, ${date}`;
  const rel = relativeDay(ms, tz, now);
  const tokens: Record<string, () => string> = {
    date_num: () => `${p.year}-${pad(p.month)}-${pad(p.day)}`,
    date_slash: () => `${pad(p.day)}/${pad(p.month)}/${p.year}`,
    date: () => date,
    date_short: () => dateShort,
    date_long: () => dateLong,
    date_long_full: () => `${p.monthName} ${p.day}, ${p.year}`,
    date_pretty: () => rel ?? date,
    date_short_pretty: () => rel ?? dateShort,
    date_long_pretty: () => rel ?? dateLong,
    day_divider_pretty: () =>
      rel ??
      (p.year === dayParts(now, tz).year
        ? `${p.weekday}, ${p.monthName} ${ordinal(p.day)}`
        : dateLong),
    time: () => clock(ms, tz, false),
    time_secs: () => clock(ms, tz, true),
  };
  let unknown = false;
  const out = format.replace(/\{([a-z_]+)\}/g, (m, name: string) => {
    const fill = tokens[name];
    if (!fill) {
      unknown = true;
      return m;
    }
    return fill();
  });
  return unknown ? undefined : out;
}

// ---- mrkdwn to HTML -------------------------------------------------------------------------

/** One `<…>` reference as the reader sees it: HTML, or plain text when `asText`. */
function reference(inner: string, dir: Directory, asText: boolean): string {
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : unescapeSlack(inner.slice(bar + 1));
  const mention = (text: string, attrs: string): string =>
    asText ? text : `<a class="mention"${attrs}>${escapeHtml(text)}</a>`;
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return mention(`@${dir.userName(id) ?? label ?? id}`, ` data-user="${escapeHtml(id)}"`);
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    return mention(`#${dir.channelName(id) ?? label ?? id}`, ` data-channel="${escapeHtml(id)}"`);
  }
  if (target.startsWith("!subteam^")) {
    const id = target.slice("!subteam^".length);
    const handle = label?.replace(/^@/, "") ?? dir.groupHandle?.(id) ?? id.toLowerCase();
    return mention(`@${handle}`, ` data-usergroup="${escapeHtml(id)}"`);
  }
  if (target.startsWith("!date^")) {
    const [, epoch = "", format = "", link] = target.split("^");
    const text =
      formatSlackDate(Number(epoch), unescapeSlack(format), dir.tz, dir.now) ?? label ?? "";
    if (asText) return text;
    const safe = link && /^(https?:|mailto:)/i.test(link) ? link : undefined;
    return safe
      ? `<a href="${escapeHtml(unescapeSlack(safe))}" target="_blank" rel="noreferrer">${escapeHtml(text)}</a>`
      : `<time datetime="${new Date(Number(epoch) * 1000).toISOString()}">${escapeHtml(text)}</time>`;
  }
  if (target.startsWith("!")) {
    const word = label ?? target.slice(1);
    return mention(`@${word.replace(/^@/, "")}`, "");
  }
  if (/^(https?:|mailto:)/i.test(target)) {
    const href = unescapeSlack(target);
    const text = label ?? href.replace(/^mailto:/i, "");
    return asText
      ? text
      : `<a href="${escapeHtml(href)}" target="_blank" rel="noreferrer">${escapeHtml(text)}</a>`;
  }
  // Anything else Slack shows by its label, or as written.
  return asText ? (label ?? unescapeSlack(inner)) : escapeHtml(label ?? unescapeSlack(inner));
}

const OPEN = "\uE000";
const CLOSE = "\uE001";

/** Bold, italic and strike only where Slack applies them: at word edges, not mid-word. */
function emphasis(html: string): string {
  const edgeBefore = `(^|[\\s(\\[{"'.,;:!?\\-${OPEN}${CLOSE}])`;
  const edgeAfter = `(?=$|[\\s)\\]}"'.,;:!?\\-&${OPEN}${CLOSE}])`;
  const wrap = (mark: string, tag: string, s: string): string =>
    s.replace(
      new RegExp(`${edgeBefore}\\${mark}(?=\\S)([^${mark}\\n]*?\\S)\\${mark}${edgeAfter}`, "g"),
      `$1<${tag}>$2</${tag}>`,
    );
  return wrap("~", "s", wrap("_", "i", wrap("*", "b", html)));
}

/**
 * Slack mrkdwn as the HTML Slack's client would show: `<…>` references by name, dates
 * formatted for the reader, code and preformatted text untouched by formatting, emoji,
 * quotes, and every character of the text HTML-escaped.
 */
export function mrkdwnToHtml(text: string, dir: Directory): string {
  const held: string[] = [];
  const hold = (html: string): string => {
    held.push(html);
    return `${OPEN}${held.length - 1}${CLOSE}`;
  };
  const refsAsText = (s: string): string =>
    unescapeSlack(s.replace(/<([^<>\n]+)>/g, (_m, inner: string) => reference(inner, dir, true)));
  let s = String(text ?? "");
  // Code first: nothing inside it is formatted, but references still read as names.
  s = s.replace(/```([\s\S]*?)```/g, (_m, body: string) =>
    hold(`<pre>${escapeHtml(refsAsText(body.replace(/^\n/, "")))}</pre>`),
  );
  s = s.replace(/`([^`\n]+)`/g, (_m, body: string) =>
    hold(`<code>${escapeHtml(refsAsText(body))}</code>`),
  );
  s = s.replace(/<([^<>\n]+)>/g, (_m, inner: string) => hold(reference(inner, dir, false)));
  s = emojify(escapeHtml(unescapeSlack(s)));
  s = emphasis(s);
  // Quotes: `>>>` quotes the rest; `>` quotes one line.
  const multi = s.indexOf("&gt;&gt;&gt;");
  let tail = "";
  if (multi >= 0 && (multi === 0 || s[multi - 1] === "\n")) {
    tail = `<blockquote>${s
      .slice(multi + "&gt;&gt;&gt;".length)
      .replace(/^ /, "")
      .replace(/\n/g, "<br>")}</blockquote>`;
    s = s.slice(0, multi);
  }
  s = s
    .split("\n")
    .map((line) => {
      const q = /^&gt; ?(.*)$/.exec(line);
      return q ? `<blockquote>${q[1]}</blockquote>` : `${line}<br>`;
    })
    .join("")
    .replace(/<br>$/, "");
  s += tail;
  const restore = (html: string): string =>
    html.replace(new RegExp(`${OPEN}(\\d+)${CLOSE}`, "g"), (_m, i: string) =>
      restore(held[Number(i)] ?? ""),
    );
  return restore(s);
}

/** mrkdwn as plain text a reader sees (names, dates, emoji), for labels and assertions. */
export function mrkdwnToText(text: string, dir: Directory): string {
  return emojify(
    unescapeSlack(
      String(text ?? "").replace(/<([^<>\n]+)>/g, (_m, inner: string) =>
        reference(inner, dir, true).replace(/[&<>]/g, (c) =>
          c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;",
        ),
      ),
    ),
  );
}

/** A plain_text object's text as Slack shows it: emoji converted unless `emoji: false`. */
export function plainToHtml(text: string, emoji = true): string {
  return escapeHtml(emoji ? emojify(text) : text);
}

// ---- the composer -------------------------------------------------------------------------

export interface Names {
  /** name → id, e.g. contact-centre-ops → C0OPS. */
  channelId(name: string): string | undefined;
  /** name (handle or display name) → id, e.g. sandbox-admin → U0ADMIN. */
  userId(name: string): string | undefined;
}

/**
 * What Slack's client sends for a typed slash command when the command escapes channels
 * and users (`should_escape: true` in the manifest): `#name` of a known channel becomes
 * `<#C…|name>`, `@name` of a known user `<@U…>`, and & < > are escaped. Unknown names stay
 * as typed, as in Slack.
 */
export function escapeCommandText(text: string, names: Names): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return escaped.replace(
    /(^|[\s(,])([#@])([a-z0-9][a-z0-9._-]*[a-z0-9]|[a-z0-9])(?=$|[\s),.;:!?])/gi,
    (m, before: string, sigil: string, name: string) => {
      if (sigil === "#") {
        const id = names.channelId(name.toLowerCase());
        return id ? `${before}<#${id}|${name.toLowerCase()}>` : m;
      }
      const id = names.userId(name.toLowerCase());
      return id ? `${before}<@${id}>` : m;
    },
  );
}
