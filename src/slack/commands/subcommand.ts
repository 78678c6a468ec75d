import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import type { SlackDeps } from "../deps.js";
import type { Requirement } from "../entries.js";

export const PROFILES_COMMAND = "/profiles";

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** One `/profiles <name>` subcommand. It acks itself, since each answers differently. */
export interface Subcommand {
  name: string;
  /** e.g. "status [domain]" */
  usage: string;
  summary: string;
  /** What the guard requires before `run` is called. */
  permission: Requirement;
  run(args: CommandArgs & { argv: string[]; deps: SlackDeps }): Promise<void>;
}
