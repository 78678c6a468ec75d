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
  /**
   * The place an AWS check looked at (`prod (444455556666) · eu-west-2`), when the bot serves
   * several; with one, it is left out and the report reads as it always has.
   */
  place?: string;
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

/**
 * One line per check: status, title, what was found and, when needed, the fix; a place's
 * checks under a line naming it.
 */
export function reportLines(report: DoctorReport): string[] {
  return report.checks.flatMap((c, i) => {
    const fix = c.fix ? ` Fix: ${c.fix}` : "";
    const line = `${LABEL[c.status]}  ${c.title}: ${c.summary}${fix}`;
    return c.place !== undefined && c.place !== report.checks[i - 1]?.place
      ? [`${c.place}:`, line]
      : [line];
  });
}

/** The checks in runs of one place each (`place` undefined: the checks of no place). */
export function byPlace(checks: CheckResult[]): { place?: string; checks: CheckResult[] }[] {
  const runs: { place?: string; checks: CheckResult[] }[] = [];
  for (const check of checks) {
    const last = runs.at(-1);
    if (last && last.place === check.place) last.checks.push(check);
    else
      runs.push({ ...(check.place !== undefined ? { place: check.place } : {}), checks: [check] });
  }
  return runs;
}
