/**
 * How CLI subcommands reach AWS: the AWS part of the configuration (loadAwsConfig, so no
 * Slack variables are needed), the same client factory and gateways the bot uses, and a
 * logger on standard error so it never mixes with what the command prints.
 */
import pino from "pino";
import { type AwsClientConfig, createAwsClients } from "../aws/clients.js";
import { createGateways, type Gateways } from "../aws/gateways.js";
import { createTargets, type TargetRegistry } from "../aws/target-registry.js";
import type { Place, Targets } from "../aws/targets.js";
import { type Config, loadAwsConfig } from "../config.js";
import type { Actor } from "../context.js";
import { pickPlace } from "../domains/places.js";
import { AppError } from "../errors.js";
import { createLogger, type Logger } from "../logger.js";

/** What a subcommand that calls AWS is built with; tests pass their own. */
export interface CliEnv {
  env: Record<string, string | undefined>;
  /** Static credentials (tests); otherwise the SDK's default chain. */
  awsCredentials?: AwsClientConfig["credentials"];
}

export interface CliAws {
  config: Pick<Config, "aws" | "logLevel" | "provision">;
  gateways: Gateways;
  log: Logger;
  /** The targets the configuration names (AWS_TARGETS, or the one default target). */
  targets(): Promise<Targets>;
  close(): void;
}

/** One place to work in, and its gateways for the CLI's session. */
export interface CliPlace {
  place: Place;
  gateways: Gateways;
  targets: Targets;
}

/** The CLI acts as itself: an assumed role's session is `profiles-bot-cli`. */
export const CLI_ACTOR: Actor = { type: "system", reason: "cli" };

/**
 * `--target NAME [--region R]` or `--target NAME/R` (R one of the target's regions, its first
 * by default), or without them the default place. A name or region the configuration doesn't hold is an
 * invalid_input error listing the configured targets (exit 2).
 */
export async function placeOf(aws: CliAws, target?: string, region?: string): Promise<CliPlace> {
  const targets = await aws.targets();
  let place = targets.defaultPlace();
  if (target !== undefined || region !== undefined) {
    const name = target ?? targets.targetOf(place)?.name ?? "default";
    const picked = pickPlace(targets, name, region);
    if (!picked.ok) throw new AppError("invalid_input", picked.error);
    place = picked.place;
  }
  return { place, gateways: targets.gateways(place, CLI_ACTOR), targets };
}

/** `--target` and `--region` out of argv, for the commands that parse the rest themselves. */
export function takePlaceFlags(
  argv: string[],
): { ok: true; rest: string[]; target?: string; region?: string } | { ok: false; error: string } {
  const rest: string[] = [];
  const found: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const flag = ["--target", "--region"].find((f) => arg === f || arg.startsWith(`${f}=`));
    if (!flag) {
      rest.push(arg);
      continue;
    }
    const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
    if (!value) return { ok: false, error: `${flag} needs a value` };
    found[flag] = value;
  }
  return {
    ok: true,
    rest,
    ...(found["--target"] ? { target: found["--target"] } : {}),
    ...(found["--region"] ? { region: found["--region"] } : {}),
  };
}

export function openAws(cli: CliEnv): CliAws {
  const config = loadAwsConfig(cli.env);
  // LOG_LEVEL defaults to info for the bot; a CLI should only speak up when asked.
  const level = cli.env.LOG_LEVEL ? config.logLevel : "warn";
  const log = createLogger(level, pino.destination(2), { component: "cli" });
  const { targets: configured, ...aws } = config.aws;
  const clients = createAwsClients({ ...aws, credentials: cli.awsCredentials });
  let targets: Promise<TargetRegistry> | undefined;
  return {
    config,
    gateways: createGateways(clients),
    log,
    // Built on first use: the commands that name no place never call STS for it.
    targets: () => {
      targets ??= createTargets({
        targets: configured,
        aws: { ...aws, credentials: cli.awsCredentials },
      });
      return targets;
    },
    close: () => {
      clients.destroy();
      void targets?.then((t) => t.stop()).catch(() => {});
    },
  };
}
