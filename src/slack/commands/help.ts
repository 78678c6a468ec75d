import type { KnownBlock } from "@slack/types";
import type { Subcommand } from "./subcommand.js";

export function helpBlocks(
  command: string,
  subcommands: Subcommand[],
  note?: string,
): KnownBlock[] {
  const lines = subcommands.map((s) => `• \`${command} ${s.usage}\`  ${s.summary}`);
  const blocks: KnownBlock[] = [];
  if (note) blocks.push({ type: "section", text: { type: "mrkdwn", text: note } });
  blocks.push(
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*profiles-bot* runs Amazon Connect Customer Profiles from Slack.\n${lines.join("\n")}`,
      },
    },
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: "Only you can see this message." }],
    },
  );
  return blocks;
}

export function helpText(command: string, subcommands: Subcommand[]): string {
  return subcommands.map((s) => `${command} ${s.usage}: ${s.summary}`).join("\n");
}
