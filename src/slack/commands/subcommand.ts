import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import type { SlackDeps } from "../deps.js";

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** One `/profiles <name>` subcommand. It acks itself, since each answers differently. */
export interface Subcommand {
  name: string;
  /** e.g. "status [domain]" */
  usage: string;
  summary: string;
  run(args: CommandArgs & { argv: string[]; deps: SlackDeps }): Promise<void>;
}
