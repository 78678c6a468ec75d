/**
 * The shape of the one table of Slack entry points: every action_id, view callback_id and
 * options action_id the app answers, with the handler that answers it and the permission it
 * needs. app.ts registers the handlers from the table (src/slack/table.ts) and the guard
 * authorises from it, so a handler can't exist without a permission; an id that is not in
 * the table needs the admin role (deny by default).
 */
import type {
  AllMiddlewareArgs,
  BlockAction,
  SlackActionMiddlewareArgs,
  SlackOptionsMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from "@slack/bolt";
import type { Permission } from "../access/roles.js";
import type { SlackDeps } from "./deps.js";

/** "public" needs no role (help, App Home refresh, nothing that changes or reveals anything). */
export type Requirement = Permission | "public";

export type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
export type OptionsArgs = SlackOptionsMiddlewareArgs<"block_suggestion"> & AllMiddlewareArgs;

interface Common {
  id: string;
  permission: Requirement;
  /**
   * False for steps on the way to an audited action (wizard navigation): authorised as
   * usual, but not written to the audit trail one by one.
   */
  audited: boolean;
}

export type Entry =
  | (Common & { kind: "action"; handler: (args: ActionArgs, deps: SlackDeps) => Promise<void> })
  | (Common & { kind: "view"; handler: (args: ViewArgs, deps: SlackDeps) => Promise<void> })
  | (Common & { kind: "options"; handler: (args: OptionsArgs, deps: SlackDeps) => Promise<void> });

/**
 * What the guard reads of an entry. One id may name an action, a view and an options
 * request at once (a wizard's select), so the guard looks the kind up too.
 */
export type Rule = Pick<Entry, "kind" | "id" | "permission" | "audited">;

/** The value a clicked button carries; undefined for anything that is not a button. */
export const buttonValue = (args: ActionArgs): string | undefined =>
  args.action.type === "button" ? args.action.value : undefined;
