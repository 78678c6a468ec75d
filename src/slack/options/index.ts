/** Options requests (external selects), one file per surface; wired by app.ts. */
import type { App } from "@slack/bolt";
import type { SlackDeps } from "../deps.js";
import { register as registerEnable } from "./enable.js";

export function register(app: App, deps: SlackDeps): void {
  registerEnable(app, deps);
}
