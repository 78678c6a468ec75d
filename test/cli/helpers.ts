/** Runs CLI subcommands in-process against a seeded emulator, capturing what they print. */
import { Readable } from "node:stream";
import { ACCOUNT_ID, type EmulatorHandle, startSeededEmulator } from "../../sandbox/aws/index.js";
import type { CliEnv } from "../../src/cli/aws.js";
import type { CliCommand, CliIo } from "../../src/cli/io.js";

export const REGION = "us-east-1";
export const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
export const LEGACY_SUPPORT = "8d3e6b2c-7a41-4f5e-b0c9-2e7f9a1d3c52";
export const instanceArn = (id: string) => `arn:aws:connect:${REGION}:${ACCOUNT_ID}:instance/${id}`;

export interface Run {
  code: number;
  out: string;
  err: string;
}

export const startEmulator = (): Promise<EmulatorHandle> =>
  startSeededEmulator({ port: 0, quotas: false });

/** Only the AWS variables: the CLI must not need Slack's. */
export const cliEnv = (emulator: EmulatorHandle): CliEnv => ({
  env: { AWS_ENDPOINT_URL: emulator.url, AWS_REGION: REGION, AWS_MAX_ATTEMPTS: "2" },
  awsCredentials: { accessKeyId: "test", secretAccessKey: "test" },
});

export async function run(command: CliCommand, argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdin: Readable.from([]),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  const code = await command(argv, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** What the emulator holds, as JSON, to compare before and after a read-only command. */
export const snapshot = (emulator: EmulatorHandle): string => {
  const { sqs, kms, profile } = emulator.ctx.state as unknown as Record<string, unknown>;
  return JSON.stringify({ sqs, kms, profile });
};
