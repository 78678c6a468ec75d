/**
 * `/profiles status` answers as blocks: one domain's settings, or the list of domains with
 * the instance each is linked to. Pure, so tests check them against Block Kit's limits.
 */
import type { KnownBlock } from "@slack/types";
import { type DomainRef, refId } from "../../aws/targets.js";
import type { KeyPolicyVerdict } from "../../domains/key-check.js";
import {
  type DomainListEntry,
  type DomainStatus,
  domainArnOf,
  type LinkedInstance,
  type PlaceListing,
} from "../../domains/status.js";
import type { SlackMessage } from "../notifier/notifier.js";
import { clip, code, esc, inert } from "./text.js";

/**
 * "Check again" on a key whose policy is unverified or lacks the statement; value: the
 * domain's refId (`111122223333.us-east-1.my-domain`), so the click checks the same place.
 */
export const KEY_CHECK_ACTION = "key_check_again";

const SECTION_TEXT = 3000;
const FIELD_TEXT = 2000;
/** Slack allows 50 blocks a message; the list leaves room for its header and footer. */
const MAX_LISTED = 45;

const count = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

const field = (title: string, value: string) => ({
  type: "mrkdwn" as const,
  text: clip(`*${title}*\n${value}`, FIELD_TEXT),
});

/** One line under the key: what its policy says about Customer Profiles. */
export const keyVerdictLine = (v: KeyPolicyVerdict): string =>
  v.verdict === "verified"
    ? ":white_check_mark: Its policy lets Customer Profiles use it."
    : v.verdict === "missing"
      ? ":warning: Its policy lacks the statement Customer Profiles needs (below)."
      : ":grey_question: Unverified: the bot cannot read its policy (below).";

/**
 * Why a key is not verified and what to do, with Check again: undefined for a verified key.
 * The statement is the one the enable wizard adds, shown to paste into the key policy.
 */
export function keyFindingBlock(
  ref: DomainRef,
  keyArn: string,
  v: KeyPolicyVerdict,
  actionId = KEY_CHECK_ACTION,
): KnownBlock | undefined {
  if (v.verdict === "verified") return undefined;
  const { domain } = ref;
  const statement = `\`\`\`${esc(v.statement.replace(/```/g, "'''"))}\`\`\``;
  const name = esc(clip(domain, 100));
  const text =
    v.verdict === "missing"
      ? `:warning: *The KMS key of ${name} lacks the Customer Profiles statement.* ${inert(v.problems.join(" "), 800)}\nAdd this statement to the key policy of ${code(keyArn)} (or send it to the key's administrator), then press Check again:\n${statement}`
      : `:grey_question: *The KMS key of ${name} is unverified.* ${inert(v.reason, 800)}\nThe key's administrator must make sure the key policy of ${code(keyArn)} has this statement (or let the bot call kms:GetKeyPolicy on the key); then press Check again:\n${statement}`;
  return {
    type: "section",
    block_id: `key-check-${refId(ref)}`.slice(0, 255),
    text: { type: "mrkdwn", text: clip(text, SECTION_TEXT) },
    accessory: {
      type: "button",
      action_id: actionId,
      value: refId(ref),
      text: { type: "plain_text", text: "Check again" },
    },
  };
}

const instanceText = (i: LinkedInstance): string =>
  i.alias ? `${esc(i.alias)} (${code(i.id)})` : code(i.id);

/** One domain's settings; `place` names where it is when the bot serves several places. */
export function renderDomainStatus(status: DomainStatus, place?: string): SlackMessage {
  const dlq = status.deadLetterQueue;
  const key = status.key;
  const dlqText = !dlq
    ? "None: objects that fail to ingest are not kept."
    : dlq.problem
      ? `${esc(dlq.url)}\n:warning: ${inert(dlq.problem, 1000)}`
      : `${esc(dlq.url)}\n${count(dlq.depth ?? 0, "message")} waiting${dlq.inFlight ? `, ${dlq.inFlight} in flight` : ""}`;
  const keyText = !key
    ? "AWS owned key"
    : [
        code(key.arn),
        key.aliases.length ? key.aliases.map((a) => code(a)).join(", ") : "no alias",
        key.state && key.state !== "Enabled" ? `:warning: ${esc(key.state)}` : "",
        key.problem ? `:warning: ${inert(key.problem, 1000)}` : "",
        key.policy ? keyVerdictLine(key.policy) : "",
      ]
        .filter(Boolean)
        .join("\n");
  const arn = domainArnOf(status);
  const fields = [
    field("Domain", code(status.name)),
    field("Data expires after", count(status.expirationDays, "day")),
    field("Dead-letter queue", dlqText),
    field("Dead-letter queue ARN", dlq?.arn ? code(dlq.arn) : "None"),
    field("KMS key", keyText),
    field(
      "Linked instance",
      status.instances.length ? status.instances.map(instanceText).join("\n") : "None",
    ),
    field("Profiles", count(status.profileCount, "profile")),
    field("Objects", count(status.objectCount, "object")),
  ];
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: clip(`Domain ${status.name}`, 150) } },
    ...(place ? [placeContext(place)] : []),
    { type: "section", block_id: "domain_status", fields },
  ];
  const ref = { account: status.account, region: status.region, domain: status.name };
  const finding = key?.policy && keyFindingBlock(ref, key.arn, key.policy);
  if (finding) blocks.push(finding);
  if (arn) {
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: clip(code(arn), FIELD_TEXT) }],
    });
  }
  const text = `Domain ${esc(clip(status.name, 100))}: ${count(status.profileCount, "profile")}, ${count(status.objectCount, "object")}, DLQ ${dlq ? `${dlq.depth ?? "?"} messages` : "none"}.`;
  return { text, blocks };
}

const placeContext = (place: string): KnownBlock => ({
  type: "context",
  elements: [{ type: "mrkdwn", text: clip(`Where: *${esc(place)}*`, FIELD_TEXT) }],
});

const domainLine = (d: DomainListEntry): string => {
  const linked = d.instances.length
    ? `linked to ${d.instances.map(instanceText).join(", ")}`
    : "no instance linked";
  return `• *${esc(d.name)}*: ${linked}`;
};

/** One section per 3000 characters: a long list splits instead of being cut off mid-line. */
function sectionsOf(lines: string[]): KnownBlock[] {
  const sections: string[] = [];
  for (const line of lines) {
    const last = sections.length - 1;
    const current = sections[last];
    if (current !== undefined && current.length + line.length + 1 <= SECTION_TEXT) {
      sections[last] = `${current}\n${line}`;
    } else sections.push(clip(line, SECTION_TEXT));
  }
  return sections.map((text) => ({ type: "section", text: { type: "mrkdwn", text } }));
}

export function renderDomainList(domains: DomainListEntry[]): SlackMessage {
  if (domains.length === 0) {
    const text =
      "There are no Customer Profiles domains in this region yet. `/profiles enable` creates one.";
    return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
  }
  const shown = domains.slice(0, MAX_LISTED);
  const blocks: KnownBlock[] = [
    {
      type: "header",
      text: { type: "plain_text", text: `Customer Profiles domains (${domains.length})` },
    },
    ...sectionsOf(shown.map(domainLine)),
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text:
            domains.length > shown.length
              ? `Showing ${shown.length} of ${domains.length}. \`/profiles status <domain>\` shows one domain.`
              : "`/profiles status <domain>` shows a domain's settings and counts.",
        },
      ],
    },
  ];
  return {
    text: clip(
      `${count(domains.length, "domain")}: ${esc(shown.map((d) => d.name).join(", "))}`,
      3000,
    ),
    blocks,
  };
}

/**
 * Every place's domains under a header naming the place (`targets.describe`); a place whose
 * look-up failed shows its error sentence in its group. Domains past what one message holds
 * are counted, not listed.
 */
export function renderPlaceList(places: PlaceListing[]): SlackMessage {
  const blocks: KnownBlock[] = [];
  let room = MAX_LISTED;
  let total = 0;
  let shownTotal = 0;
  for (const place of places) {
    blocks.push({ type: "header", text: { type: "plain_text", text: clip(place.label, 150) } });
    if (place.error) {
      blocks.push(
        section(`:warning: Couldn't list this place's domains: ${inert(place.error, 1500)}`),
      );
      continue;
    }
    const domains = place.domains ?? [];
    total += domains.length;
    if (domains.length === 0) {
      blocks.push(section("No Customer Profiles domains here yet."));
      continue;
    }
    const shown = domains.slice(0, Math.max(room, 0));
    room -= shown.length;
    shownTotal += shown.length;
    if (shown.length) blocks.push(...sectionsOf(shown.map(domainLine)));
    if (shown.length < domains.length) {
      blocks.push(section(`…and ${count(domains.length - shown.length, "more domain")}.`));
    }
  }
  blocks.push({
    type: "context",
    elements: [
      {
        type: "mrkdwn",
        text:
          shownTotal < total
            ? `Showing ${shownTotal} of ${total}. \`/profiles status <domain> [--target <target>[/<region>]]\` shows one domain.`
            : "`/profiles status <domain> [--target <target>[/<region>]]` shows a domain's settings and counts.",
      },
    ],
  });
  const summary = places
    .map(
      (p) =>
        `${p.label}: ${p.error ? "could not be listed" : count(p.domains?.length ?? 0, "domain")}`,
    )
    .join("; ");
  // Slack allows 50 blocks; the budget above keeps the domains within it, the headers too.
  return { text: clip(esc(summary), 3000), blocks: blocks.slice(0, 50) };
}

const section = (text: string): KnownBlock => ({
  type: "section",
  text: { type: "mrkdwn", text: clip(text, SECTION_TEXT) },
});

/** A Check again click whose value is not a domain name: nothing was looked up. */
export const renderKeyCheckRefused = (problem: string): string =>
  `:warning: This button carries a value the bot can't read (${esc(problem)}). Nothing was checked; type \`/profiles status <domain>\` to check the domain's key again.`;

/** The ack, shown while the AWS calls run. */
/** A second domain, or the old `<domain> <target> <region>` form: what to type instead. */
export const renderStatusUsage = (): string =>
  "Usage: `/profiles status [domain] [--target <target>[/<region>]]`: one domain, or none to list them; `--target prod` or `--target prod/eu-west-2` looks in that account (and region) only.";

export const renderLookingUp = (domain: string | undefined): string =>
  domain ? `Looking up domain ${code(domain, 100)}…` : "Looking up the domains…";
