/**
 * `npm start` (src/main.ts) as a real process, for the tests that start it: the process with
 * only the environment given, and an emulator and a Slack stand-in to point it at.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll } from "vitest";
import { startSeededEmulator } from "../../sandbox/aws/index.js";
import { startSlackStandIn } from "../../sandbox/slack/index.js";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { loadConfig } from "../../src/config.js";

/**
 * src/main.ts through tsx with PATH and `env` only; its stdout and stderr together in output().
 * `command` runs another main instead (node's arguments, e.g. a compiled one), from `cwd`.
 */
export function runMain(
  env: Record<string, string>,
  command: { args: string[]; cwd?: string } = { args: ["--import", "tsx", "src/main.ts"] },
): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, command.args, {
    cwd: command.cwd,
    env: {
      PATH: process.env.PATH ?? "",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  return Object.assign(child, { output: () => out });
}

/**
 * Starts an emulator and a Slack stand-in before the enclosing describe block's tests and stops
 * them after, deleting the queues' keys under its own prefix. env() is the environment that
 * points src/main.ts at them, with the given bot token and port.
 */
export function useMainSandbox(): { env(token: string, port: number): Record<string, string> } {
  let emulator: Awaited<ReturnType<typeof startSeededEmulator>>;
  let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
  const prefix = testPrefix();
  beforeAll(async () => {
    emulator = await startSeededEmulator({ port: 0, quotas: false });
    slack = await startSlackStandIn({ port: 0, signingSecret: "s" });
  });
  afterAll(async () => {
    await slack?.close();
    await emulator?.close();
    await deletePrefix(loadConfig({ SLACK_BOT_TOKEN: "xoxb-x", ROLE: "worker" }), prefix);
  });
  return {
    env: (token, port) => ({
      SLACK_BOT_TOKEN: token,
      SLACK_SIGNING_SECRET: "s",
      SLACK_API_URL: slack.apiUrl,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      QUEUE_PREFIX: prefix,
      PORT: String(port),
      HOST: "127.0.0.1",
    }),
  };
}
