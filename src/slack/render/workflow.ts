/**
 * The Workflow Builder steps' outputs (src/workflow/steps.ts), as manifest.yml declares them.
 * Text outputs are plain words: a later step may put them in a message, where they must read
 * well without formatting.
 */
import { CLASS_INFO, DLQ_CLASSES } from "../../dlq/classify.js";
import type { ReingestOutputs, SummaryOutputs } from "../../workflow/steps.js";
import { ageText } from "./digest.js";

export function renderSummaryOutputs(o: SummaryOutputs) {
  const listed = DLQ_CLASSES.filter((c) => o.classes[c]).map(
    (c) => `${CLASS_INFO[c].label}: ${o.classes[c]}`,
  );
  const bound = o.complete ? "" : " (at least: the scan stopped at DLQ_SCAN_MAX_MESSAGES)";
  return {
    total: o.total,
    classes: listed.length ? `${listed.join(", ")}${bound}` : "none",
    oldest_age: o.oldestAgeSeconds === undefined ? "none" : ageText(o.oldestAgeSeconds * 1000),
    oldest_age_seconds: o.oldestAgeSeconds ?? 0,
  };
}

export const renderReingestOutputs = (o: ReingestOutputs) => ({
  accepted: o.accepted,
  failed: o.failed,
  came_back: o.cameBack,
});
