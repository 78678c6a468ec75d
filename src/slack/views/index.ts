/** View submissions, one folder per modal; wired by app.ts. */
import type { App } from "@slack/bolt";
import type { SlackDeps } from "../deps.js";
import { register as registerEnable } from "./enable/submit.js";

export function register(app: App, deps: SlackDeps): void {
  registerEnable(app, deps);
}
