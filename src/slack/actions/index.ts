/** Block actions (buttons, selects), one handler file per surface; wired by app.ts. */
import type { App } from "@slack/bolt";
import type { SlackDeps } from "../deps.js";
import { register as registerDlq } from "./dlq.js";
import { register as registerReingest } from "./dlq-reingest.js";
import { register as registerEnable } from "./enable.js";
import { register as registerProvision } from "./provision.js";

export function register(app: App, deps: SlackDeps): void {
  registerProvision(app, deps);
  registerDlq(app, deps);
  registerReingest(app, deps);
  // The enable wizard: Back and the elements that re-shape a step.
  registerEnable(app, deps);
}
