/**
 * The `/profiles` subcommands, in the order help lists them. The guard reads each one's
 * permission from this list; app.ts registers the command with it.
 */
import type { App } from "@slack/bolt";
import type { SlackDeps } from "../deps.js";
import { alertsSubcommand } from "./alerts.js";
import { auditSubcommand } from "./audit.js";
import { doctorSubcommand } from "./doctor.js";
import { enableSubcommand } from "./enable.js";
import { helpSubcommand } from "./help.js";
import { profilesCommand } from "./profiles.js";
import { statusSubcommand } from "./status.js";
import { PROFILES_COMMAND, type Subcommand } from "./subcommand.js";

export const SUBCOMMANDS: readonly Subcommand[] = [
  statusSubcommand,
  alertsSubcommand,
  auditSubcommand,
  enableSubcommand,
  doctorSubcommand,
  helpSubcommand(() => SUBCOMMANDS),
];

export function register(app: App, deps: SlackDeps): void {
  app.command(PROFILES_COMMAND, profilesCommand(SUBCOMMANDS, deps));
}
