/**
 * `profiles-bot` (npm run cli --): the subcommands that work without Slack. Each lives in
 * its own file and takes (argv, io) so tests run it in-process.
 */
import { dlqClassify } from "./dlq-classify.js";
import { createDoctorCommand } from "./doctor.js";
import { createEnableCommand } from "./enable.js";
import { type CliCommand, processIo } from "./io.js";
import { createPlanCommand } from "./plan.js";
import { createStatusCommand } from "./status.js";

/** The CLI's edge: it reads the environment here, as main.ts does for the bot. */
const cliEnv = { env: process.env };

const COMMANDS: Record<string, { usage: string; run: CliCommand }> = {
  "dlq classify": {
    usage:
      "dlq classify FILE|- [--json]   classify dead-letter messages (aws sqs receive-message output or JSON lines)",
    run: dlqClassify,
  },
  plan: {
    usage:
      "plan --instance ID [--domain NAME] [--dlq …] [--key …] [--json]   show what enable would do; changes nothing",
    run: createPlanCommand(cliEnv),
  },
  enable: {
    usage:
      "enable --instance ID [--domain NAME] [--dlq …] [--key …] --yes   enable Customer Profiles",
    run: createEnableCommand(cliEnv),
  },
  status: {
    usage: "status [DOMAIN] [--json]   a domain's settings and counts, or the list of domains",
    run: createStatusCommand(cliEnv),
  },
  doctor: {
    usage:
      "doctor [--json]   check, changing nothing, the AWS identity and permissions, Slack scopes, Redis and queues",
    run: createDoctorCommand(cliEnv),
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
