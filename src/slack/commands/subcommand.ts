import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import type { SlackDeps } from "../deps.js";
import type { Requirement } from "../entries.js";

export const PROFILES_COMMAND = "/profiles";

/**
 * `<name> <args…>` as typed after `/profiles`: the subcommand's name (help when empty) and
 * its arguments. The guard and the dispatcher both read it, so they agree on the name.
 */
export function splitCommandText(text: string): { name: string; argv: string[] } {
  const [first, ...argv] = text.trim().split(/\s+/).filter(Boolean);
  return { name: (first ?? "help").toLowerCase(), argv };
}

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
