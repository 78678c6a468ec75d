/** `/profiles help`: the subcommand list, which anyone may read. */
import { renderHelp } from "../render/help.js";
import { PROFILES_COMMAND, type Subcommand } from "./subcommand.js";

/** `all` is read when help runs, so the list may include help itself. */
export function helpSubcommand(all: () => readonly Subcommand[]): Subcommand {
  return {
    name: "help",
    usage: "help",
    summary: "Show this list.",
    permission: "public",
    run: async ({ ack }) => {
      await ack({ response_type: "ephemeral", ...renderHelp(PROFILES_COMMAND, all()) });
    },
  };
}
