/**
 * `npm run sandbox:aws`: the AWS emulator on its own.
 *
 *   --host H          listen address (env AWS_EMULATOR_HOST, default 127.0.0.1)
 *   --port P          port (env AWS_EMULATOR_PORT, default 4566; 0 picks a free one)
 *   --state FILE      load state from FILE if it exists, save it there on SIGINT/SIGTERM
 *   --no-seed         start from an empty account
 *   --latency MS      add MS to every call (env AWS_EMULATOR_LATENCY_MS)
 *   --faults JSON     e.g. '{"sqs:SendMessage":{"throttle":0.2}}' or
 *                     '{"profile:CreateDomain":{"code":"AccessDeniedException","count":1}}'
 *                     (env AWS_EMULATOR_FAULTS); change them later at /_emulator/faults
 *   --propagation JSON  per kind, ms a new or changed resource stays invisible to dependent
 *                     calls, e.g. '{"key":5000,"queue-policy":5000}' (env AWS_EMULATOR_PROPAGATION);
 *                     change them later at /_emulator/propagation
 *   --no-quotas       don't enforce the default TPS quotas
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { FaultInputError } from "./faults.js";
import { loadState, startSeededEmulator } from "./index.js";
import { type PropagationDelays, PropagationInputError } from "./propagation.js";
import type { FaultTable } from "./types.js";

function fail(message: string): never {
  process.stderr.write(`sandbox:aws: ${message}\n`);
  process.exit(2);
}

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`${name} must be a whole number, got "${value}".`);
  return n;
}

/** Parsed here, checked by the emulator as it starts (main's catch names the flag). */
function jsonFlag<T>(value: string | undefined, flag: string, example: string): T | undefined {
  if (!value) return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fail(`${flag} must be JSON like ${example}, got ${value}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string" },
      port: { type: "string" },
      state: { type: "string" },
      "no-seed": { type: "boolean", default: false },
      latency: { type: "string" },
      faults: { type: "string" },
      propagation: { type: "string" },
      "no-quotas": { type: "boolean", default: false },
    },
  });
  const env = process.env;
  const stateFile = values.state ?? env.AWS_EMULATOR_STATE;
  const loaded = stateFile && existsSync(stateFile) ? await loadState(stateFile) : undefined;
  const handle = await startSeededEmulator({
    host: values.host ?? env.AWS_EMULATOR_HOST ?? "127.0.0.1",
    port: number(values.port ?? env.AWS_EMULATOR_PORT, "--port", 4566),
    latencyMs: number(values.latency ?? env.AWS_EMULATOR_LATENCY_MS, "--latency", 0),
    faults:
      jsonFlag<FaultTable>(
        values.faults ?? env.AWS_EMULATOR_FAULTS,
        "--faults (or AWS_EMULATOR_FAULTS)",
        '{"sqs:SendMessage":{"throttle":0.2}}',
      ) ?? {},
    propagationMs:
      jsonFlag<PropagationDelays>(
        values.propagation ?? env.AWS_EMULATOR_PROPAGATION,
        "--propagation (or AWS_EMULATOR_PROPAGATION)",
        '{"key":5000}',
      ) ?? {},
    quotas: !values["no-quotas"],
    seed: !loaded && !values["no-seed"],
    ...(loaded ? { state: loaded } : {}),
  });
  process.stdout.write(
    `AWS emulator (SQS, KMS, Customer Profiles, Connect) listening on ${handle.url}` +
      `${loaded ? ` with state from ${stateFile}` : ""}; try: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${handle.url} --region us-east-1 sqs list-queues\n`,
  );
  const stop = async (signal: string) => {
    if (stateFile) await handle.save(stateFile);
    await handle.close();
    process.stdout.write(
      `AWS emulator stopped (${signal})${stateFile ? `; state saved to ${stateFile}` : ""}\n`,
    );
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: Error) =>
  fail(
    err instanceof FaultInputError
      ? `--faults (or AWS_EMULATOR_FAULTS): ${err.message}.`
      : err instanceof PropagationInputError
        ? `--propagation (or AWS_EMULATOR_PROPAGATION): ${err.message}.`
        : err.message,
  ),
);
