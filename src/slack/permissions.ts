/**
 * What each Slack entry point needs. The guard middleware reads this table; an id that is
 * not here needs the admin role, so a new button is closed until someone opens it here.
 */
import type { Requirement } from "./middleware/guard.js";
import { ENABLE_ID_PERMISSIONS, ENABLE_NAVIGATION_IDS } from "./views/enable/common.js";

export const SUBCOMMAND_PERMISSIONS: Record<string, Requirement> = {
  help: "public",
  enable: "enable",
  status: "status",
  alerts: "settings",
  audit: "audit",
};

export const ID_PERMISSIONS: Record<string, Requirement> = {
  ...ENABLE_ID_PERMISSIONS,
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

/** Authorised, but not audited one by one: steps on the way to an audited submission. */
export const UNAUDITED_IDS = new Set<string>(ENABLE_NAVIGATION_IDS);
