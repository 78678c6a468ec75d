/**
 * How CLI subcommands reach AWS: the AWS part of the configuration (loadAwsConfig, so no
 * Slack variables are needed), the same client factory and gateways the bot uses, and a
 * logger on standard error so it never mixes with what the command prints.
 */
import pino from "pino";
import { type AwsClientConfig, createAwsClients } from "../aws/clients.js";
import { createGateways, type Gateways } from "../aws/gateways.js";
import { type Config, loadAwsConfig } from "../config.js";
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
  close(): void;
}

export function openAws(cli: CliEnv): CliAws {
  const config = loadAwsConfig(cli.env);
  // LOG_LEVEL defaults to info for the bot; a CLI should only speak up when asked.
  const level = cli.env.LOG_LEVEL ? config.logLevel : "warn";
  const log = createLogger(level, pino.destination(2), { component: "cli" });
  const clients = createAwsClients({ ...config.aws, credentials: cli.awsCredentials });
  return { config, gateways: createGateways(clients), log, close: () => clients.destroy() };
}
