/** The audit trail as an ephemeral message: newest first, one line per action, refusals and failures with their reason. */
import type { KnownBlock } from "@slack/types";
import type { AuditEntry } from "../../audit/audit.js";
import { clip, code, esc } from "./text.js";

const ICON: Record<AuditEntry["outcome"], string> = {
  refused: ":no_entry:",
  accepted: ":hourglass_flowing_sand:",
  succeeded: ":white_check_mark:",
  failed: ":x:",
};

/** Slack user ids only become mentions; "(none)" or "(system)" are shown as they are. */
const who = (userId: string): string =>
  /^[UW][A-Z0-9]{2,30}$/.test(userId) ? `<@${userId}>` : code(userId, 40);

/**
 * One entry. Everything a request could carry (the action id, the target, the reason) is
 * data, so it goes in code spans: a forged action id cannot ping a channel or fake a link.
 */
export function auditLine(e: AuditEntry): string {
  const when = `<!date^${Math.floor(Date.parse(e.at) / 1000)}^{date_short_pretty} {time}|${esc(e.at)}>`;
  const target = e.target ? ` on ${code(e.target, 120)}` : "";
  const job = e.jobId ? ` (job ${code(e.jobId, 120)})` : "";
  const role = e.role ? ` (${esc(e.role)})` : "";
  const why =
    e.detail && (e.outcome === "refused" || e.outcome === "failed")
      ? ` ${code(e.detail, 200)}`
      : "";
  const counts = e.action.startsWith("job:") && e.params ? countsText(e.params) : "";
  return `${ICON[e.outcome] ?? ""} ${when} ${who(e.userId)}${role} ${code(e.action, 120)}${target}: ${e.outcome}${why}${counts}${job}`;
}

/** A job's counts, e.g. "accepted 18, failed 2". */
function countsText(params: Record<string, string | number | boolean>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => `${k} ${v}`);
  return parts.length ? ` (${esc(parts.join(", ")).slice(0, 300)})` : "";
}

export function renderAudit(
  entries: AuditEntry[],
  target?: string,
): { text: string; blocks: KnownBlock[] } {
  const title = target ? `Latest audit entries for ${clip(target, 100)}` : "Latest audit entries";
  if (entries.length === 0) {
    return {
      text: `${title}: none yet.`,
      blocks: [{ type: "section", text: { type: "mrkdwn", text: `*${esc(title)}*: none yet.` } }],
    };
  }
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: clip(title, 150) } },
  ];
  for (const text of sections(entries.map(auditLine))) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text } });
  }
  return { text: `${title}: ${entries.length}`, blocks };
}

/** Whole lines per section, each section under Slack's 3,000 characters: no span cut in two. */
function sections(lines: string[]): string[] {
  const out: string[] = [];
  let current = "";
  for (const line of lines) {
    const bounded = line.slice(0, 2_900);
    if (current && current.length + 1 + bounded.length > 3_000) {
      out.push(current);
      current = "";
    }
    current = current ? `${current}\n${bounded}` : bounded;
  }
  if (current) out.push(current);
  return out;
}
