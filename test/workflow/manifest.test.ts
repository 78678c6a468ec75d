/**
 * manifest.yml declares the custom steps the bot listens for, with the outputs it completes
 * them with: a step or output missing there would fail every run in Workflow Builder.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderReingestOutputs, renderSummaryOutputs } from "../../src/slack/render/workflow.js";
import { REINGEST_STEP, SUMMARY_STEP } from "../../src/workflow/steps.js";

const manifest = readFileSync(new URL("../../manifest.yml", import.meta.url), "utf8");

/** The names under one function's input or output parameters (two-space YAML indents). */
function parameters(step: string, kind: "input_parameters" | "output_parameters"): string[] {
  const fn = new RegExp(`\\n  ${step}:\\n((?:    .*\\n|\\s*\\n)+)`).exec(manifest)?.[1] ?? "";
  const block = new RegExp(`\\n    ${kind}:\\n((?:      .*\\n)+)`).exec(`\n${fn}`)?.[1] ?? "";
  return [...block.matchAll(/^ {6}([a-z_]+):$/gm)].map((m) => m[1] ?? "");
}

describe("manifest.yml functions", () => {
  it("runs on our server, and the app hears function_executed", () => {
    expect(manifest).toMatch(/\n {2}function_runtime: remote\n/);
    expect(manifest).toMatch(/\n {2}org_deploy_enabled: true\n/);
    expect(manifest).toMatch(/\n {6}- function_executed\b/);
  });

  it("declares each step with the inputs it reads and the outputs it completes with", () => {
    expect(parameters(SUMMARY_STEP, "input_parameters")).toEqual([
      "domain",
      "target",
      "interactivity",
    ]);
    expect(parameters(REINGEST_STEP, "input_parameters")).toEqual([
      "domain",
      "class",
      "target",
      "interactivity",
    ]);
    const summary = renderSummaryOutputs({ total: 0, classes: {}, complete: true });
    expect(parameters(SUMMARY_STEP, "output_parameters")).toEqual(Object.keys(summary));
    const reingest = renderReingestOutputs({ accepted: 0, failed: 0, cameBack: 0 });
    expect(parameters(REINGEST_STEP, "output_parameters")).toEqual(Object.keys(reingest));
  });
});
