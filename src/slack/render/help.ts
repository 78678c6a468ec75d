/** `/profiles help`: one line per subcommand, from the same list the dispatcher uses. */
import type { KnownBlock } from "@slack/types";
import { code } from "./text.js";

export interface HelpLine {
  /** e.g. "status [domain]" */
  usage: string;
  summary: string;
}

function helpBlocks(command: string, lines: readonly HelpLine[], note?: string): KnownBlock[] {
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

/** The list; under a warning when it answers `unknown`, a name that is not a subcommand. */
export function renderHelp(command: string, lines: readonly HelpLine[], unknown?: string) {
  const text = lines.map((s) => `${command} ${s.usage}: ${s.summary}`).join("\n");
  if (unknown === undefined) return { text, blocks: helpBlocks(command, lines) };
  return {
    text: `${code(unknown, 60)} is not a ${command} subcommand.\n${text}`,
    blocks: helpBlocks(
      command,
      lines,
      `:warning: ${code(unknown, 42)} is not a ${command} subcommand. Here is what works:`,
    ),
  };
}
