/**
 * The dead-letter digest as pure block builders: one message per domain (counts per class,
 * what each class means and its fix, oldest and newest, the trend since the last scan, a
 * redacted sample, and the class's buttons; the oldest message's age, a warning when messages
 * are about to expire, and why scans are paused when the queue's RedrivePolicy stops them), its resolved state, the thread replies, and the
 * Inspect modal. The scan job and the DLQ actions call these; tests check them against
 * Slack's Block Kit limits.
 */
import type { Button, KnownBlock, ModalView, Overflow, PlainTextOption } from "@slack/types";
import { z } from "zod";
import { type Place, parseRefId, placeId } from "../../aws/targets.js";
import { CLASS_INFO, DLQ_CLASSES, type DlqClass, isReingestable } from "../../dlq/classify.js";
import { type ExpiryWarning, expiryWarning, MAX_RETENTION_SECONDS } from "../../dlq/expiry.js";
import type { ScanPause } from "../../dlq/receive-budget.js";
import type { PreviewMode } from "../../dlq/redact.js";
import { redactText } from "../../dlq/redact.js";
import {
  type ClassSummary,
  type DlqSample,
  diffSummaries,
  type RenderedSample,
  renderSample,
  type ScanSummary,
} from "../../dlq/summary.js";
import type { SlackMessage } from "../notifier/notifier.js";
import { clip, code, esc } from "./text.js";

export const DLQ_REINGEST_ACTION = "dlq_reingest";
export const DLQ_REINGEST_ONE_ACTION = "dlq_reingest_one";
export const DLQ_INSPECT_ACTION = "dlq_inspect";
export const DLQ_DISCARD_ACTION = "dlq_discard";
export const DLQ_MUTE_ACTION = "dlq_mute";
export const DLQ_INSPECT_CALLBACK = "dlq_inspect_modal";

/** Block ids: one actions block per class, so each class's buttons may share action_ids. */
export const classBlockId = (cls: DlqClass) => `dlq-class-${cls}`;
export const DIGEST_SUMMARY_BLOCK = "dlq-summary";

// ---- button values ------------------------------------------------------------------------
//
// A value comes back from Slack in a request anyone holding the signing secret could forge, so
// each is read with a zod schema here, next to the code that writes it, and the actions check
// it against the message it was clicked on (src/slack/actions/dlq-buttons.ts).

/** Customer Profiles domain names: letters, digits, `_` and `-`, at most 64. */
const domainName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "is not a domain name");

/** `111122223333.us-east-1`: the account and region of the digest the button is on. */
const placeSchema = z
  .string()
  .max(40, "is not an account and region")
  .transform((text, ctx) => {
    const ref = parseRefId(`${text}.d`);
    if (ref) return { account: ref.account, region: ref.region };
    ctx.addIssue({ code: "custom", message: "is not an account and region" });
    return z.NEVER;
  })
  .optional();

const classSchema = z.object({
  d: domainName,
  /** Absent on digests posted before the bot served several places. */
  p: placeSchema,
  c: z.enum(DLQ_CLASSES, { error: "is not a dead-letter class" }),
  /** The scan whose messages Re-ingest and Discard act on (absent on older digests). */
  s: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, "is not a scan id")
    .optional(),
});

const messageSchema = z.object({
  d: domainName,
  p: placeSchema,
  m: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, "is not a message id"),
});

/** `{"d":domain,"p":place,"c":class,"s":scanId}`: what Re-ingest, Inspect and Discard carry. */
export interface ClassTarget {
  domain: string;
  /** The digest's account and region; absent on an older digest (the click's record says). */
  place?: Place;
  cls: DlqClass;
  scanId?: string;
}

/** What reading a value came to: the value, or what is wrong with it, for the clicker. */
export type ValueRead<T> = { ok: true; value: T } | { ok: false; problem: string };

const FIELD_NAMES: Record<string, string> = {
  d: "the domain",
  p: "the account and region",
  c: "the class",
  s: "the scan id",
  m: "the message id",
};

function readJson<S extends z.ZodType, T>(
  schema: S,
  raw: string | undefined,
  to: (v: z.infer<S>) => T,
): ValueRead<T> {
  if (raw === undefined || raw === "") return { ok: false, problem: "it is empty" };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, problem: "it is not JSON" };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: to(parsed.data) };
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? "");
  const field = FIELD_NAMES[key];
  if (!field) return { ok: false, problem: "it is not an object of the bot's" };
  return {
    ok: false,
    problem:
      issue?.code === "invalid_type"
        ? `${field} is missing or not text`
        : `${field} ${issue?.message}`,
  };
}

export const classActionValue = ({ domain, place, cls, scanId }: ClassTarget): string =>
  JSON.stringify({
    d: domain,
    ...(place && { p: placeId(place) }),
    c: cls,
    ...(scanId !== undefined && { s: scanId }),
  });

export const readClassActionValue = (raw: string | undefined): ValueRead<ClassTarget> =>
  readJson(classSchema, raw, ({ d, p, c, s }) => ({
    domain: d,
    ...(p && { place: p }),
    cls: c,
    ...(s !== undefined && { scanId: s }),
  }));

/** `{"d":domain,"p":place,"m":messageId}`: "Re-ingest this message" in the Inspect modal. */
export interface MessageTarget {
  domain: string;
  place?: Place;
  messageId: string;
}

export const messageActionValue = ({ domain, place, messageId }: MessageTarget): string =>
  JSON.stringify({ d: domain, ...(place && { p: placeId(place) }), m: messageId });

export const readMessageActionValue = (raw: string | undefined): ValueRead<MessageTarget> =>
  readJson(messageSchema, raw, ({ d, p, m }) => ({
    domain: d,
    ...(p && { place: p }),
    messageId: m,
  }));

export const MUTE_CHOICES = {
  "1h": { label: "Mute for 1 hour", ms: 3_600_000 },
  "8h": { label: "Mute for 8 hours", ms: 8 * 3_600_000 },
  "24h": { label: "Mute for 24 hours", ms: 24 * 3_600_000 },
  unmute: { label: "Unmute", ms: 0 },
} as const;
export type MuteChoice = keyof typeof MUTE_CHOICES;

/**
 * Overflow option values are capped at 75 characters, too few for JSON with a 64-character
 * domain name; `<choice>|<domain>` always fits (at most 71). There is no room for the place:
 * the Mute action finds it from the digest message it was chosen on (its server-side record).
 */
export const muteValue = (choice: MuteChoice, domain: string): string => `${choice}|${domain}`;

const muteSchema = z.tuple([
  z.enum(Object.keys(MUTE_CHOICES) as [MuteChoice, ...MuteChoice[]], {
    error: "is not a mute choice",
  }),
  domainName,
]);

export function readMuteValue(
  raw: string | undefined,
): ValueRead<{ choice: MuteChoice; domain: string }> {
  const parts = raw?.split("|") ?? [];
  if (parts.length !== 2) return { ok: false, problem: "it is not `<choice>|<domain>`" };
  const parsed = muteSchema.safeParse(parts);
  if (parsed.success)
    return { ok: true, value: { choice: parsed.data[0], domain: parsed.data[1] } };
  const issue = parsed.error.issues[0];
  const field = issue?.path[0] === 0 ? "the choice" : "the domain";
  return { ok: false, problem: `${field} ${issue?.message}` };
}

// ---- text helpers -------------------------------------------------------------------------

const LIMIT = {
  blocks: 50,
  modalBlocks: 100,
  text: 3000,
  header: 150,
  confirmTitle: 100,
  confirmText: 300,
  sampleChars: 1200,
} as const;

const plain = (text: string, max: number = LIMIT.text) => ({
  type: "plain_text" as const,
  text: clip(text, max),
  emoji: true,
});

const mrkdwn = (text: string) => ({ type: "mrkdwn" as const, text: clip(text, LIMIT.text) });

const n = (value: number) => value.toLocaleString("en-US");

const plural = (count: number, one: string, many = `${one}s`) =>
  `${n(count)} ${count === 1 ? one : many}`;

/** Slack renders it in the reader's time zone; the fallback is UTC. */
export function slackDate(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const fallback = new Date(ms).toISOString().replace("T", " ").slice(0, 16);
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback} UTC>`;
}

function trend(delta: number | undefined, isNew: boolean): string {
  if (isNew) return "new";
  if (delta === undefined) return "";
  if (delta > 0) return `↑ ${n(delta)}`;
  if (delta < 0) return `↓ ${n(-delta)}`;
  return "no change";
}

const atLeast = (count: number, complete: boolean) =>
  complete ? n(count) : `at least ${n(count)}`;

/** How long ago, in the largest whole unit that reads naturally: "3 days", "5 hours", "12 minutes". */
export function ageText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (days >= 2) return plural(days, "day");
  if (hours >= 1) return plural(hours, "hour");
  return minutes < 1 ? "less than a minute" : plural(minutes, "minute");
}

/** 345600 → "4 days"; a retention that is no whole number of days in hours. */
const retentionText = (seconds: number) =>
  seconds % 86_400 === 0
    ? plural(seconds / 86_400, "day")
    : plural(Math.round(seconds / 3600), "hour");

/** The queue's name from its ARN (the last part), for a reader who knows queues by name. */
const queueNameOfArn = (arn: string) => arn.split(":").pop() || arn;

/** The oldest message's age at the scan, from its SentTimestamp. */
export function oldestText(summary: ScanSummary, scannedAt: number): string | undefined {
  const oldest = summary.oldestSentAt;
  if (oldest === undefined) return undefined;
  return `The oldest has waited ${ageText(scannedAt - oldest)} (sent ${slackDate(oldest)}).`;
}

/** Messages about to be dropped by SQS: how many, when the first goes, and what to do. */
export function expiryText(warning: ExpiryWarning): string {
  const they = warning.count === 1 ? "It" : "They";
  const raise =
    warning.retentionSeconds < MAX_RETENTION_SECONDS
      ? ` To keep messages longer, raise the queue's \`MessageRetentionPeriod\` to 14 days (\`${MAX_RETENTION_SECONDS}\` seconds) with SetQueueAttributes.`
      : "";
  return `:hourglass_flowing_sand: *${plural(warning.count, "message")} ${warning.count === 1 ? "expires" : "expire"} within a day.* The queue keeps messages ${retentionText(warning.retentionSeconds)}, then SQS deletes them without notice; the first goes ${slackDate(warning.firstAt)}. ${they} cannot be recovered after that: re-ingest ${warning.count === 1 ? "it" : "them"}, or fix the cause and re-ingest, before ${slackDate(warning.firstAt)}.${raise}`;
}

/** Why scans are paused, and the way out. */
export function pausedText(pause: ScanPause): string {
  const target = code(queueNameOfArn(pause.targetArn), 100);
  const head = `:double_vertical_bar: *Scans paused:* the queue's RedrivePolicy moves a message to ${target} after ${plural(pause.maxReceiveCount, "receive")}`;
  const how =
    pause.atHighest !== undefined && pause.atHighest > 0
      ? `${plural(pause.atHighest, "message has", "messages have")} been received ${plural(pause.highest, "time")}`
      : `messages have been received up to ${plural(pause.highest, "time")}`;
  const counts = `${how}, and every scan is one more receive.`;
  if (pause.reingestPossible) {
    return `${head}; ${counts} Re-ingest them, or remove the RedrivePolicy from the dead-letter queue. Scans resume once they are gone or the policy is.`;
  }
  return `${head}; ${counts} Their next receive would move them, so Re-ingest cannot read them either: remove the RedrivePolicy from the dead-letter queue (or raise its \`maxReceiveCount\`), and scans resume at the next interval.`;
}

// ---- the digest ---------------------------------------------------------------------------

export interface DigestInput {
  domain: string;
  /** The domain's account and region, which the buttons carry. */
  place: Place;
  /** The place for people: the header and the text always say it. */
  where: string;
  summary: ScanSummary;
  /** False when the scan stopped at its bound: counts are lower bounds. */
  complete: boolean;
  /** The scan before, for the trend; absent on the first digest. */
  previous?: ScanSummary;
  scannedAt: number;
  /** The scan shown: class buttons carry it, so Re-ingest and Discard act on its messages. */
  scanId?: string;
  preview: PreviewMode;
  mutedUntil?: number;
  now?: number;
  /** The global re-ingest pace (objects per second), when configured. */
  reingestRate?: number;
  /** Scans are paused to keep within the queue's RedrivePolicy: why, and what to do. */
  paused?: ScanPause;
}

/** The pace sentence a Re-ingest confirmation states. */
export function paceSentence(rate: number | undefined): string {
  const perProfile = "at most one object per profile per second";
  return rate === undefined
    ? `paced, ${perProfile}`
    : `paced at ${n(rate)} objects per second overall and ${perProfile}`;
}

function sampleText(sample: RenderedSample | undefined): string | undefined {
  if (!sample) return undefined;
  const parts: string[] = [];
  // AWS's error text and the object are data: escaped or in a code span, never mrkdwn.
  if (sample.errorText) parts.push(`“${esc(clip(sample.errorText, 300))}”`);
  let body: string | undefined;
  if (sample.object !== undefined) body = JSON.stringify(sample.object);
  else if (sample.raw !== undefined) body = sample.raw;
  if (body !== undefined) parts.push(code(body, LIMIT.sampleChars));
  if (sample.reason) parts.push(`(${esc(clip(sample.reason, 300))})`);
  return parts.length ? `Sample: ${parts.join(" ")}` : undefined;
}

function confirm(title: string, text: string, yes: string, style?: "danger") {
  return {
    title: plain(title, LIMIT.confirmTitle),
    text: plain(text, LIMIT.confirmText),
    confirm: plain(yes, 30),
    deny: plain("Cancel", 30),
    ...(style ? { style } : {}),
  };
}

function classButtons(input: DigestInput, cls: DlqClass, entry: ClassSummary): Button[] {
  const { domain, place, complete, scanId } = input;
  const value = classActionValue({
    domain,
    place,
    cls,
    ...(scanId !== undefined && { scanId }),
  });
  const label = CLASS_INFO[cls].label.toLowerCase();
  const count = atLeast(entry.count, complete);
  const objects = entry.count === 1 && complete ? "object" : "objects";
  const buttons: Button[] = [];
  if (isReingestable(cls)) {
    buttons.push({
      type: "button",
      action_id: DLQ_REINGEST_ACTION,
      text: plain("Re-ingest", 75),
      style: "primary",
      value,
      confirm: confirm(
        `Re-ingest ${count} ${objects}?`,
        `Replays ${count} ${label} ${objects} from ${domain}'s dead-letter queue with PutProfileObject, ${paceSentence(input.reingestRate)}. A message is deleted only after its object was accepted.`,
        "Re-ingest",
      ),
    });
  }
  buttons.push({
    type: "button",
    action_id: DLQ_INSPECT_ACTION,
    text: plain("Inspect", 75),
    value,
  });
  // The bot never deletes what it could not read: that copy in SQS may be the only one.
  if (cls !== "unreadable") {
    buttons.push({
      type: "button",
      action_id: DLQ_DISCARD_ACTION,
      text: plain("Discard", 75),
      style: "danger",
      value,
      confirm: confirm(
        `Discard ${count} ${objects}?`,
        `Deletes ${count} ${label} messages from ${domain}'s dead-letter queue. Their objects are not re-ingested and cannot be recovered.`,
        "Discard",
        "danger",
      ),
    });
  }
  return buttons;
}

function classText(input: DigestInput, cls: DlqClass, entry: ClassSummary): string {
  const info = CLASS_INFO[cls];
  const diff = input.previous ? diffSummaries(input.previous, input.summary) : undefined;
  const change = diff?.classes.find((c) => c.cls === cls);
  const t = trend(change?.delta, diff?.newClasses.includes(cls) ?? false);
  const head = `*${info.label}*: ${atLeast(entry.count, input.complete)}${t ? ` (${t})` : ""}`;
  const lines = [head, info.explanation, `*Fix:* ${info.fix}`];
  const { oldestSentAt: oldest, newestSentAt: newest } = entry;
  if (oldest !== undefined && newest !== undefined) {
    lines.push(
      oldest === newest
        ? `Sent ${slackDate(oldest)}`
        : `Oldest ${slackDate(oldest)} · newest ${slackDate(newest)}`,
    );
  }
  return lines.join("\n");
}

function muteOverflow(domain: string, muted: boolean): Overflow {
  // Unmute is always offered: a mute clicked since the last scan isn't shown here yet.
  const choices: MuteChoice[] = muted
    ? ["unmute", "1h", "8h", "24h"]
    : ["1h", "8h", "24h", "unmute"];
  const options: PlainTextOption[] = choices.map((choice) => ({
    text: plain(MUTE_CHOICES[choice].label, 75),
    value: muteValue(choice, domain),
  }));
  return { type: "overflow", action_id: DLQ_MUTE_ACTION, options };
}

function fallbackText(input: DigestInput): string {
  const parts = DLQ_CLASSES.flatMap((cls) => {
    const entry = input.summary.classes[cls];
    return entry && entry.count > 0
      ? [`${CLASS_INFO[cls].label.toLowerCase()} ${n(entry.count)}`]
      : [];
  });
  return `Dead-letter queue of ${input.domain} (${input.where}): ${atLeast(input.summary.total, input.complete)} messages (${parts.join(", ")})`;
}

/** `Dead-letter queue: my-domain · prod (444455556666) · eu-west-2`. */
const digestHeader = (input: { domain: string; where: string }) =>
  `Dead-letter queue: ${input.domain} · ${input.where}`;

/** The digest while the queue holds messages. */
export function renderDigest(input: DigestInput): SlackMessage {
  const now = input.now ?? Date.now();
  const muted = input.mutedUntil !== undefined && input.mutedUntil > now;
  const { summary, previous } = input;
  const totalTrend = previous ? trend(summary.total - previous.total, false) : "";
  const present = DLQ_CLASSES.filter((cls) => (summary.classes[cls]?.count ?? 0) > 0);
  const head: KnownBlock[] = [
    { type: "header", text: plain(digestHeader(input), LIMIT.header) },
    {
      type: "section",
      block_id: DIGEST_SUMMARY_BLOCK,
      text: mrkdwn(
        `*${atLeast(summary.total, input.complete)}* failed ${summary.total === 1 ? "object" : "objects"} waiting in the dead-letter queue${totalTrend ? ` (${totalTrend} since the last scan)` : ""}, in ${plural(present.length, "class", "classes")}.`,
      ),
      accessory: muteOverflow(input.domain, muted),
    },
  ];
  const notes = [
    oldestText(summary, input.scannedAt),
    ...[expiryWarning(summary)].flatMap((w) => (w ? [expiryText(w)] : [])),
    input.paused && pausedText(input.paused),
  ].filter((text): text is string => typeof text === "string");
  if (notes.length > 0) head.push({ type: "section", text: mrkdwn(notes.join("\n\n")) });
  const status = [`Scanned ${slackDate(input.scannedAt)}`];
  if (!input.complete) status.push(`this scan stopped at ${n(summary.total)} messages`);
  if (muted && input.mutedUntil !== undefined) {
    status.push(`:no_bell: thread muted until ${slackDate(input.mutedUntil)}`);
  }
  const tail: KnownBlock[] = [{ type: "context", elements: [mrkdwn(status.join(" · "))] }];

  const perClass = (cls: DlqClass, withSample: boolean): KnownBlock[] => {
    const entry = summary.classes[cls] as ClassSummary;
    const blocks: KnownBlock[] = [
      { type: "divider" },
      { type: "section", text: mrkdwn(classText(input, cls, entry)) },
    ];
    const sample = withSample ? sampleLine(entry.samples[0], input.preview) : undefined;
    if (sample) blocks.push({ type: "context", elements: [mrkdwn(sample)] });
    blocks.push({
      type: "actions",
      block_id: classBlockId(cls),
      elements: classButtons(input, cls, entry),
    });
    return blocks;
  };

  // Stay within 50 blocks whatever the classes: drop samples first, then fold the tail.
  for (const withSample of [true, false]) {
    const body = present.flatMap((cls) => perClass(cls, withSample));
    if (head.length + body.length + tail.length <= LIMIT.blocks) {
      return { text: fallbackText(input), blocks: [...head, ...body, ...tail] };
    }
  }
  const room = Math.floor((LIMIT.blocks - head.length - tail.length - 1) / 3);
  const shown = present.slice(0, room);
  const rest = present.slice(room);
  const restText = rest
    .map((cls) => `${CLASS_INFO[cls].label}: ${n(summary.classes[cls]?.count ?? 0)}`)
    .join(" · ");
  const body = [
    ...shown.flatMap((cls) => perClass(cls, false)),
    { type: "section", text: mrkdwn(`*Also:* ${restText}`) } as KnownBlock,
  ];
  return { text: fallbackText(input), blocks: [...head, ...body, ...tail] };
}

function sampleLine(sample: DlqSample | undefined, preview: PreviewMode): string | undefined {
  return sample ? sampleText(renderSample(sample, preview)) : undefined;
}

/** The digest once the queue is empty: one line, no buttons, no noise. */
export function renderResolved(input: {
  domain: string;
  where: string;
  was: number;
  scannedAt: number;
}): SlackMessage {
  const line = `:white_check_mark: The dead-letter queue is empty (was ${n(input.was)}).`;
  return {
    text: `Dead-letter queue of ${input.domain} (${input.where}): empty (was ${n(input.was)})`,
    blocks: [
      { type: "header", text: plain(digestHeader(input), LIMIT.header) },
      { type: "section", block_id: DIGEST_SUMMARY_BLOCK, text: mrkdwn(line) },
      { type: "context", elements: [mrkdwn(`Scanned ${slackDate(input.scannedAt)}`)] },
    ],
  };
}

// ---- thread replies -----------------------------------------------------------------------

/** A class that was not in the last scan: its own reply in the digest's thread. */
export function renderNewClassReply(input: {
  domain: string;
  where: string;
  cls: DlqClass;
  count: number;
  complete: boolean;
}): SlackMessage {
  const info = CLASS_INFO[input.cls];
  const text = `New in the dead-letter queue of ${input.domain} (${esc(input.where)}): *${info.label}*, ${atLeast(input.count, input.complete)} ${input.count === 1 ? "message" : "messages"}.\n${info.explanation}\n*Fix:* ${info.fix}`;
  return { text: clip(text, LIMIT.text), blocks: [{ type: "section", text: mrkdwn(text) }] };
}

export function renderMuteReply(user: string, until: number | undefined): SlackMessage {
  const text =
    until === undefined
      ? `<@${user}> unmuted this digest: new classes are posted in this thread again.`
      : `<@${user}> muted this digest until ${slackDate(until)}. It is still kept up to date; new classes are not announced here until then.`;
  return { text };
}

// ---- the Inspect modal --------------------------------------------------------------------

export interface InspectInput {
  domain: string;
  place: Place;
  /** The place for people, named in the modal when the bot serves several. */
  where?: string;
  cls: DlqClass;
  entry?: ClassSummary;
  complete: boolean;
  preview: PreviewMode;
  scannedAt?: number;
}

/** Only a message the parser could read has an object to replay. */
const offersReingest = (sample: DlqSample): boolean =>
  sample.raw === undefined && sample.messageId !== "";

/** The message ids the Inspect modal offers "Re-ingest this message" for. */
export const offeredMessageIds = (entry: ClassSummary | undefined): string[] =>
  (entry?.samples ?? []).filter(offersReingest).map((sample) => sample.messageId);

function sampleBlocks(input: InspectInput, sample: DlqSample, index: number): KnownBlock[] {
  const rendered = renderSample(sample, input.preview);
  const meta = [code(sample.messageId || "(no id)", 120)];
  if (sample.sentAt !== undefined) meta.push(`sent ${slackDate(sample.sentAt)}`);
  if (sample.objectTypeName) meta.push(`type ${code(sample.objectTypeName, 100)}`);
  if (sample.receiveCount !== undefined)
    meta.push(`received ${plural(sample.receiveCount, "time")}`);
  // With previews off nothing from the message is shown but its id, time and error text.
  const errorText =
    rendered?.errorText ?? (sample.errorText ? redactText(sample.errorText) : undefined);
  const lines = [meta.join(" · ")];
  if (errorText) lines.push(`*Error:* ${esc(clip(errorText, 1000))}`);
  if (rendered?.reason) lines.push(`*Why unreadable:* ${esc(clip(rendered.reason, 300))}`);
  const blocks: KnownBlock[] = [
    { type: "divider" },
    { type: "section", text: mrkdwn(lines.join("\n")) },
  ];
  if (rendered?.object !== undefined) {
    const body = JSON.stringify(rendered.object, null, 2);
    blocks.push({
      type: "section",
      text: mrkdwn(`\`\`\`${esc(clip(body, 2800)).replace(/```/g, "'''")}\`\`\``),
    });
  } else if (rendered?.raw !== undefined) {
    blocks.push({ type: "section", text: mrkdwn(rawBlock(rendered.raw, sample)) });
  }
  if (offersReingest(sample)) {
    blocks.push({
      type: "actions",
      block_id: `dlq-sample-${index}`,
      elements: [
        {
          type: "button",
          action_id: DLQ_REINGEST_ONE_ACTION,
          text: plain("Re-ingest this message", 75),
          value: messageActionValue({
            domain: input.domain,
            place: input.place,
            messageId: sample.messageId,
          }),
        },
      ],
    });
  }
  return blocks;
}

/**
 * An unreadable message's body as it came (or, with previews redacted, its length), in a code
 * block that always closes: escaped first, then bounded, because escaping can make a hostile
 * body four times longer and a cut after it would drop the closing fence or split an entity.
 */
function rawBlock(raw: string, sample: DlqSample): string {
  const total = sample.rawLength ?? raw.length;
  const cut = raw === sample.raw && total > raw.length;
  const note = cut ? `Raw body, first ${n(raw.length)} of ${n(total)} characters:\n` : "";
  const room = LIMIT.text - note.length - 7;
  let escaped = esc(raw.replace(/```/g, "'''"));
  if (escaped.length > room) {
    escaped = escaped.slice(0, room - 1);
    const entity = escaped.lastIndexOf("&");
    if (entity > escaped.lastIndexOf(";")) escaped = escaped.slice(0, entity);
    if (/[\uD800-\uDBFF]$/.test(escaped)) escaped = escaped.slice(0, -1);
    escaped += "…";
  }
  // A backtick at either end would run into a fence.
  return `${note}\`\`\`${escaped.replace(/^`|`$/g, "ʼ")}\`\`\``;
}

export function renderInspectModal(input: InspectInput): ModalView {
  const info = CLASS_INFO[input.cls];
  const count = input.entry?.count ?? 0;
  const intro = [
    `*${info.label}* in ${code(input.domain, 70)}${input.where ? ` (${esc(input.where)})` : ""}: ${atLeast(count, input.complete)} ${count === 1 ? "message" : "messages"} at the last scan${input.scannedAt ? ` (${slackDate(input.scannedAt)})` : ""}.`,
    info.explanation,
    `*Fix:* ${info.fix}`,
  ].join("\n");
  const blocks: KnownBlock[] = [{ type: "section", text: mrkdwn(intro) }];
  const samples = input.entry?.samples ?? [];
  if (samples.length === 0) {
    blocks.push({
      type: "context",
      elements: [mrkdwn("No samples kept for this class yet: the next scan collects them.")],
    });
  } else {
    const note =
      input.preview === "off"
        ? "Previews are off (`DLQ_PREVIEW=off`): objects are not shown."
        : input.preview === "redacted"
          ? "Samples are redacted: field names and shapes are kept, customer values are masked."
          : "Previews are `full`: samples show customer data as received.";
    blocks.push({ type: "context", elements: [mrkdwn(note)] });
    samples.forEach((sample, i) => {
      const next = sampleBlocks(input, sample, i);
      if (blocks.length + next.length <= LIMIT.modalBlocks) blocks.push(...next);
    });
  }
  return {
    type: "modal",
    callback_id: DLQ_INSPECT_CALLBACK,
    title: plain("Dead-letter samples", 24),
    close: plain("Close", 24),
    blocks,
  };
}
