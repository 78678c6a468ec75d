/**
 * `/profiles <subcommand> ...`: splits the text and hands it to the subcommand; a name that
 * is not one gets the list, built from the same subcommands, so help never lists something
 * that does not exist.
 */
import type { SlackDeps } from "../deps.js";
import { renderUnknownSubcommand } from "../render/help.js";
import { type CommandArgs, PROFILES_COMMAND, type Subcommand } from "./subcommand.js";

export function profilesCommand(subcommands: readonly Subcommand[], deps: SlackDeps) {
  const byName = new Map(subcommands.map((s) => [s.name, s]));
  return async (args: CommandArgs): Promise<void> => {
    const argv = args.command.text.trim().split(/\s+/).filter(Boolean);
    const name = (argv[0] ?? "help").toLowerCase();
    const sub = byName.get(name);
    if (!sub) {
      await args.ack({
        response_type: "ephemeral",
        ...renderUnknownSubcommand(PROFILES_COMMAND, name, subcommands),
      });
      return;
    }
    await sub.run({ ...args, argv: argv.slice(1), deps });
  };
}
