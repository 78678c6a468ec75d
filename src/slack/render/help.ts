/** `/profiles help`: one line per subcommand, from the same list the dispatcher uses. */
import type { KnownBlock } from "@slack/types";

export interface HelpLine {
  /** e.g. "status [domain]" */
  usage: string;
  summary: string;
}

export function helpBlocks(
  command: string,
  lines: readonly HelpLine[],
  note?: string,
): KnownBlock[] {
  const list = lines.map((s) => `• \`${command} ${s.usage}\`  ${s.summary}`);
  const blocks: KnownBlock[] = [];
  if (note) blocks.push({ type: "section", text: { type: "mrkdwn", text: note } });
  blocks.push(
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*profiles-bot* runs Amazon Connect Customer Profiles from Slack.\n${list.join("\n")}`,
      },
    },
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: "Only you can see this message." }],
    },
  );
  return blocks;
}

export function helpText(command: string, lines: readonly HelpLine[]): string {
  return lines.map((s) => `${command} ${s.usage}: ${s.summary}`).join("\n");
}

/** The answer to a subcommand that does not exist: the list, under a warning. */
export function renderUnknownSubcommand(command: string, name: string, lines: readonly HelpLine[]) {
  return {
    text: `\`${name}\` is not a ${command} subcommand.\n${helpText(command, lines)}`,
    blocks: helpBlocks(
      command,
      lines,
      `:warning: \`${name.slice(0, 40)}\` is not a ${command} subcommand. Here is what works:`,
    ),
  };
}

export const renderHelp = (command: string, lines: readonly HelpLine[]) => ({
  text: helpText(command, lines),
  blocks: helpBlocks(command, lines),
});
