/**
 * `/profiles doctor`'s answer: one section per check, its status, what it found and the fix.
 * What a check found comes from AWS, Redis and Slack (ARNs, error messages), so it is
 * escaped, never formatted; each section stays under Slack's 3,000 characters.
 */
import type { KnownBlock } from "@slack/types";
import {
  byPlace,
  type CheckResult,
  type CheckStatus,
  type DoctorReport,
} from "../../doctor/report.js";
import { clip, esc } from "./text.js";

const ICON: Record<CheckStatus, string> = {
  ok: ":white_check_mark:",
  warn: ":warning:",
  fail: ":x:",
  skip: ":heavy_minus_sign:",
};

export const DOCTOR_CHECKING =
  "Checking the AWS account, the Slack token, Redis and the queues… (this changes nothing)";

const checkText = (c: CheckResult, bound: number) =>
  `${ICON[c.status]} *${esc(c.title)}*: ${esc(clip(c.summary, bound))}${c.fix ? `\n_Fix:_ ${esc(clip(c.fix, bound))}` : ""}`;

/**
 * A check alone, or a place's checks together under its name: one section per place keeps
 * a dozen places within Slack's 50 blocks.
 */
const sectionOf = (run: { place?: string; checks: CheckResult[] }): KnownBlock => ({
  type: "section",
  text: {
    type: "mrkdwn",
    text: clip(
      run.place === undefined
        ? run.checks.map((c) => checkText(c, 1400)).join("\n")
        : [`*${esc(run.place)}*`, ...run.checks.map((c) => checkText(c, 600))].join("\n"),
      2900,
    ),
  },
});

export function renderDoctor(report: DoctorReport): { text: string; blocks: KnownBlock[] } {
  const failed = report.checks.filter((c) => c.status === "fail").length;
  const warned = report.checks.filter((c) => c.status === "warn").length;
  const headline = report.ok
    ? `Doctor: every check passed${warned ? ` (${warned} warning${warned === 1 ? "" : "s"})` : ""}.`
    : `Doctor: ${failed} check${failed === 1 ? "" : "s"} failed.`;
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: `*${esc(headline)}*` } },
    ...byPlace(report.checks).flatMap((run) =>
      run.place === undefined
        ? run.checks.map((c) => sectionOf({ checks: [c] }))
        : [sectionOf(run)],
    ),
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: "Only you can see this message. `npm run cli -- doctor --json` gives the same checks with their details.",
        },
      ],
    },
  ];
  const text = [
    headline,
    ...report.checks.map(
      (c) =>
        `${c.status.toUpperCase()} ${c.place !== undefined ? `${c.place} ` : ""}${c.title}: ${c.summary}${c.fix ? ` Fix: ${c.fix}` : ""}`,
    ),
  ].join("\n");
  return { text: clip(text, 3900), blocks };
}
