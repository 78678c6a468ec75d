/**
 * `npm start` as a process: refuses to start without Slack config, serves /healthz, and
 * shuts down cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSeededEmulator } from "../../sandbox/aws/index.js";
import { startSlackStandIn } from "../../sandbox/slack/index.js";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { loadConfig } from "../../src/config.js";
import { freePort } from "../support/net.js";

const MAIN = ["--import", "tsx", "src/main.ts"];

function run(env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, MAIN, {
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

describe("npm start", () => {
  it("exits 1 with a sentence naming what is missing when no Slack config is set", async () => {
    const child = run({});
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    expect(child.output()).toContain("SLACK_BOT_TOKEN is missing");
  });

  describe("with config", () => {
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

    it("serves /healthz and stops cleanly on SIGTERM", async () => {
      const port = await freePort();
      const child = run({
        SLACK_BOT_TOKEN: "xoxb-process-test",
        SLACK_SIGNING_SECRET: "s",
        SLACK_API_URL: slack.apiUrl,
        AWS_ENDPOINT_URL: emulator.url,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        QUEUE_PREFIX: prefix,
        PORT: String(port),
        HOST: "127.0.0.1",
      });
      const exited = once(child, "exit");
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status, child.output()).toBe(200);
      child.kill("SIGTERM");
      const [code] = await exited;
      expect(code, child.output()).toBe(0);
      expect(child.output()).toContain("profiles-bot stopped");
      expect(child.output()).not.toContain("xoxb-process-test");
    });
  });
});
