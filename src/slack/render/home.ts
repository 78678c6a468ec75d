/**
 * The App Home: domains (DLQ depth, last scan, muted, whether their KMS key policy lets
 * Customer Profiles use the key), jobs, and for admins the audit trail. Long lists are summarised so the view stays far inside Slack's 100-block limit.
 */
import type { KnownBlock } from "@slack/types";
import { refId } from "../../aws/targets.js";
import type { Overview } from "../../home/overview.js";
import { auditLine } from "./audit.js";
import { keyFindingBlock, keyVerdictLine } from "./status.js";
import { clip, code, esc } from "./text.js";

export const HOME_REFRESH_ACTION = "home_refresh";
export const HOME_SCAN_ACTION = "home_scan_now";
export const HOME_KEY_CHECK_ACTION = "home_key_check";
export const MAX_DOMAINS = 20;
export const MAX_JOBS = 10;

const date = (ms: number) =>
  `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;

const JOB_ICON: Record<string, string> = {
  active: ":arrows_counterclockwise:",
  waiting: ":hourglass:",
  delayed: ":hourglass:",
  failed: ":x:",
  completed: ":white_check_mark:",
};

export function renderHome(overview: Overview, role: string | undefined, now = Date.now()) {
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: "Customer Profiles" } },
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: role
            ? `Your role: *${role}*. Commands: \`/profiles help\`.`
            : "You have no profiles-bot role yet: ask an admin of this bot. `/profiles help` lists the commands.",
        },
      ],
    },
    {
      type: "actions",
      block_id: "home-actions",
      elements: [
        {
          type: "button",
          action_id: HOME_REFRESH_ACTION,
          text: { type: "plain_text", text: "Refresh" },
        },
      ],
    },
    { type: "divider" },
    { type: "section", text: { type: "mrkdwn", text: `*Domains* (${overview.domains.length})` } },
  ];

  if (overview.domains.length === 0) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: "No domains yet: `/profiles enable`, or `/profiles alerts <domain>` for one that exists.",
        },
      ],
    });
  }
  let group: string | undefined;
  for (const d of overview.domains.slice(0, MAX_DOMAINS)) {
    if (d.placeLabel && d.placeLabel !== group) {
      group = d.placeLabel;
      blocks.push({
        type: "context",
        elements: [{ type: "mrkdwn", text: clip(`*${esc(group)}*`, 3000) }],
      });
    }
    const depth = !d.hasQueue
      ? "no DLQ"
      : d.depth === undefined
        ? "not scanned yet"
        : `${d.depth} in the DLQ`;
    const scanned = d.lastScanAt ? `, scanned ${date(d.lastScanAt)}` : "";
    const muted =
      d.mutedUntil && d.mutedUntil > now
        ? `, :zipper_mouth_face: muted until ${date(d.mutedUntil)}`
        : "";
    const key = d.keyCheck?.key;
    const keyLine = key ? `\nKMS key ${code(key.arn)}: ${keyVerdictLine(key.policy)}` : "";
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*${esc(clip(d.domain, 100))}*  ${depth}${scanned}${muted}\nDigests in <#${d.channelId}>${keyLine}`,
      },
      ...(d.hasQueue
        ? {
            accessory: {
              type: "button",
              action_id: HOME_SCAN_ACTION,
              value: refId(d),
              text: { type: "plain_text", text: "Scan now" },
            },
          }
        : {}),
    });
    const finding = key && keyFindingBlock(d, key.arn, key.policy, HOME_KEY_CHECK_ACTION);
    if (finding) blocks.push(finding);
  }
  if (overview.domains.length > MAX_DOMAINS) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `…and ${overview.domains.length - MAX_DOMAINS} more (fewest failures last): \`/profiles status <domain>\` shows any of them.`,
        },
      ],
    });
  }

  blocks.push({ type: "divider" }, { type: "section", text: { type: "mrkdwn", text: "*Jobs*" } });
  const jobs = overview.jobs.slice(0, MAX_JOBS);
  blocks.push({
    type: "section",
    text: {
      type: "mrkdwn",
      text: jobs.length
        ? clip(
            jobs
              .map(
                (j) =>
                  `${JOB_ICON[j.state] ?? "•"} ${j.queue} ${j.name}${j.subject ? ` ${code(j.subject, 200)}` : ""}: ${j.state}, ${date(j.at)}`,
              )
              .join("\n"),
            3000,
          )
        : "No recent jobs.",
    },
  });

  if (overview.audit) {
    blocks.push(
      { type: "divider" },
      { type: "section", text: { type: "mrkdwn", text: "*Latest audit entries* (admins)" } },
    );
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: clip(overview.audit.map(auditLine).join("\n") || "None yet.", 3000),
      },
    });
  }
  return { type: "home" as const, blocks };
}
