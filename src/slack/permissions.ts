/**
 * What each Slack entry point needs. The guard middleware reads this table; an id that is
 * not here needs the admin role, so a new button is closed until someone opens it here.
 */
import type { Requirement } from "./middleware/guard.js";

export const SUBCOMMAND_PERMISSIONS: Record<string, Requirement> = {
  help: "public",
  enable: "enable",
  status: "status",
  alerts: "settings",
  audit: "audit",
};

export const ID_PERMISSIONS: Record<string, Requirement> = {
  provision_retry: "enable",
  provision_cleanup: "cleanup",
  dlq_reingest: "reingest",
  dlq_reingest_one: "reingest",
  dlq_inspect: "inspect",
  dlq_discard: "discard",
  dlq_mute: "mute",
  home_refresh: "public",
  home_scan_now: "inspect",
};
