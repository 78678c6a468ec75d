import type { App } from "@slack/bolt";
import type { SlackDeps } from "../deps.js";
import { alertsSubcommand } from "./alerts.js";
import { auditSubcommand } from "./audit.js";
import { enableSubcommand } from "./enable.js";
import { PROFILES_COMMAND, profilesCommand } from "./profiles.js";
import { statusSubcommand } from "./status.js";
import type { Subcommand } from "./subcommand.js";

/** The subcommands, in the order help lists them. */
export const SUBCOMMANDS: Subcommand[] = [
  statusSubcommand,
  alertsSubcommand,
  auditSubcommand,
  enableSubcommand,
];

export function register(app: App, deps: SlackDeps): void {
  app.command(PROFILES_COMMAND, profilesCommand(SUBCOMMANDS, deps));
}
