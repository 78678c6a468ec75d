/**
 * `profiles-bot` (npm run cli --): the subcommands that work without Slack. Each lives in
 * its own file and takes (argv, io) so tests run it in-process.
 */
import { dlqClassify } from "./dlq-classify.js";
import { type CliCommand, processIo } from "./io.js";

const COMMANDS: Record<string, { usage: string; run: CliCommand }> = {
  "dlq classify": {
    usage:
      "dlq classify FILE|- [--json]   classify dead-letter messages (aws sqs receive-message output or JSON lines)",
    run: dlqClassify,
  },
};

function usage(): string {
  return [
    "Usage: profiles-bot <command>",
    "",
    ...Object.values(COMMANDS).map((c) => `  profiles-bot ${c.usage}`),
  ].join("\n");
}

export async function runCli(argv: string[], io = processIo()): Promise<number> {
  for (const [name, command] of Object.entries(COMMANDS)) {
    const words = name.split(" ");
    if (words.every((w, i) => argv[i] === w)) return command.run(argv.slice(words.length), io);
  }
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    io.out(usage());
    return 0;
  }
  io.err(`Unknown command: ${argv.join(" ")}\n\n${usage()}`);
  return 2;
}
