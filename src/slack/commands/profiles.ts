/**
 * `/profiles <subcommand> ...`: splits the text and hands it to the subcommand. Help is
 * built from the same table, so it never lists something that does not exist.
 */
import type { SlackDeps } from "../deps.js";
import { helpBlocks, helpText } from "./help.js";
import type { CommandArgs, Subcommand } from "./subcommand.js";

export const PROFILES_COMMAND = "/profiles";

export function profilesCommand(subcommands: Subcommand[], deps: SlackDeps) {
  const help: Subcommand = {
    name: "help",
    usage: "help",
    summary: "Show this list.",
    run: async ({ ack }) => {
      await ack({
        response_type: "ephemeral",
        text: helpText(PROFILES_COMMAND, all),
        blocks: helpBlocks(PROFILES_COMMAND, all),
      });
    },
  };
  const all = [...subcommands, help];
  const byName = new Map(all.map((s) => [s.name, s]));

  return async (args: CommandArgs): Promise<void> => {
    const argv = args.command.text.trim().split(/\s+/).filter(Boolean);
    const name = (argv[0] ?? "help").toLowerCase();
    const sub = byName.get(name);
    if (!sub) {
      await args.ack({
        response_type: "ephemeral",
        text: `\`${name}\` is not a ${PROFILES_COMMAND} subcommand.\n${helpText(PROFILES_COMMAND, all)}`,
        blocks: helpBlocks(
          PROFILES_COMMAND,
          all,
          `:warning: \`${name.slice(0, 40)}\` is not a ${PROFILES_COMMAND} subcommand. Here is what works:`,
        ),
      });
      return;
    }
    await sub.run({ ...args, argv: argv.slice(1), deps });
  };
}
