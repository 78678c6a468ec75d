/**
 * `/profiles <subcommand> ...`: splits the text and hands it to the subcommand; a name that
 * is not one gets the list, built from the same subcommands, so help never lists something
 * that does not exist.
 */
import type { SlackDeps } from "../deps.js";
import { renderHelp } from "../render/help.js";
import { safeRespond } from "../respond.js";
import {
  type CommandArgs,
  PROFILES_COMMAND,
  type Subcommand,
  splitCommandText,
} from "./subcommand.js";

export function profilesCommand(subcommands: readonly Subcommand[], deps: SlackDeps) {
  const byName = new Map(subcommands.map((s) => [s.name, s]));
  return async (args: CommandArgs): Promise<void> => {
    const { name, argv } = splitCommandText(args.command.text);
    const sub = byName.get(name);
    if (!sub) {
      await args.ack({
        response_type: "ephemeral",
        ...renderHelp(PROFILES_COMMAND, subcommands, name),
      });
      return;
    }
    const target = { user: args.command.user_id, channel: args.command.channel_id };
    await sub.run({ ...args, respond: safeRespond(args.respond, target, deps), argv, deps });
  };
}
