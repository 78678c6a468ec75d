/**
 * What `doctor` answers: one result per check, each with what it found and, when something
 * is wrong, the fix. The CLI prints it as lines (or JSON); Slack renders the same results.
 */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export type CheckId =
  | "aws-identity"
  | "aws-permissions"
  | "aws-services"
  | "slack-scopes"
  | "redis"
  | "queues";

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** What was found, in one sentence. */
  summary: string;
  /** What to do; set for warn, fail and skip. */
  fix?: string;
  /** The facts behind the summary, for --json (missing actions, scopes, counts…). */
  details?: Record<string, unknown>;
}

export interface DoctorReport {
  /** False when any check failed; warnings and skipped checks do not fail the run. */
  ok: boolean;
  checks: CheckResult[];
}

const TITLES: Record<CheckId, string> = {
  "aws-identity": "AWS identity and region",
  "aws-permissions": "IAM permissions (iam-policy.json)",
  "aws-services": "Amazon Connect and Customer Profiles",
  "slack-scopes": "Slack token scopes (manifest.yml)",
  redis: "Redis",
  queues: "Job queues",
};

export function result(
  id: CheckId,
  status: CheckStatus,
  summary: string,
  extra: { fix?: string; details?: Record<string, unknown> } = {},
): CheckResult {
  return { id, title: TITLES[id], status, summary, ...extra };
}

export const reportOf = (checks: CheckResult[]): DoctorReport => ({
  ok: checks.every((c) => c.status !== "fail"),
  checks,
});

const LABEL: Record<CheckStatus, string> = { ok: "ok  ", warn: "WARN", fail: "FAIL", skip: "skip" };

/** One line per check: status, title, what was found and, when needed, the fix. */
export function reportLines(report: DoctorReport): string[] {
  return report.checks.map((c) => {
    const fix = c.fix ? ` Fix: ${c.fix}` : "";
    return `${LABEL[c.status]}  ${c.title}: ${c.summary}${fix}`;
  });
}
