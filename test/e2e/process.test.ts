/**
 * `npm start` as a process: refuses to start without Slack config, serves /healthz, and
 * shuts down cleanly on SIGTERM.
 */
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { runMain, useMainSandbox } from "../support/main-process.js";
import { freePort } from "../support/net.js";

describe("npm start", () => {
  it("exits 1 with a sentence naming what is missing when no Slack config is set", async () => {
    const child = runMain({});
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    expect(child.output()).toContain("SLACK_BOT_TOKEN is missing");
  });

  describe("with config", () => {
    const sandbox = useMainSandbox();

    it("serves /healthz and stops cleanly on SIGTERM", async () => {
      const port = await freePort();
      const child = runMain(sandbox.env("xoxb-process-test", port));
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
