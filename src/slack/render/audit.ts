/** The audit trail as an ephemeral message: newest first, one line per action. */
import type { KnownBlock } from "@slack/types";
import type { AuditEntry } from "../../audit/audit.js";

const ICON: Record<AuditEntry["outcome"], string> = {
  refused: ":no_entry:",
  accepted: ":hourglass_flowing_sand:",
  succeeded: ":white_check_mark:",
  failed: ":x:",
};

export function auditLine(e: AuditEntry): string {
  const when = `<!date^${Math.floor(Date.parse(e.at) / 1000)}^{date_short_pretty} {time}|${e.at}>`;
  const target = e.target ? ` on \`${e.target}\`` : "";
  const job = e.jobId ? ` (job ${e.jobId})` : "";
  const role = e.role ? ` (${e.role})` : "";
  return `${ICON[e.outcome]} ${when} <@${e.userId}>${role} ${e.action}${target}: ${e.outcome}${job}`;
}

export function renderAudit(
  entries: AuditEntry[],
  target?: string,
): { text: string; blocks: KnownBlock[] } {
  const title = target ? `Latest audit entries for ${target}` : "Latest audit entries";
  if (entries.length === 0) {
    return {
      text: `${title}: none yet.`,
      blocks: [{ type: "section", text: { type: "mrkdwn", text: `*${title}*: none yet.` } }],
    };
  }
  // One section per ten lines keeps each text far under the 3,000-character limit.
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: title.slice(0, 150) } },
  ];
  for (let i = 0; i < entries.length; i += 10) {
    const text = entries
      .slice(i, i + 10)
      .map(auditLine)
      .join("\n")
      .slice(0, 3000);
    blocks.push({ type: "section", text: { type: "mrkdwn", text } });
  }
  return { text: `${title}: ${entries.length}`, blocks };
}
