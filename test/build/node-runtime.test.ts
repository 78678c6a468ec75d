/**
 * CI (.ci/run) runs the suite twice, on Node 20 and on Node 22, by putting the Node 22 binary
 * first on PATH. The tests also start processes of their own: `process.execPath --import tsx`
 * (main-process.ts, the crash tests, the build tests) and `npx tsx` (the failures sandbox), which
 * finds node on PATH. If any of these ran another Node than the runner, the Node 22 run would
 * test Node 20 in part without saying so; these checks make it fail instead.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const SUPPORTED_MAJORS = [20, 22];

describe("the Node that runs the tests", () => {
  it("is a supported major version (package.json engines, README)", () => {
    expect(SUPPORTED_MAJORS).toContain(Number(process.versions.node.split(".")[0]));
  });

  it("is the node found on PATH, so `npx` and `#!/usr/bin/env node` children run it too", async () => {
    const { stdout } = await run("node", ["--version"]);
    expect(stdout.trim()).toBe(process.version);
  });

  it("runs the children started through tsx, as `node --import tsx` and as `npx tsx`", async () => {
    const script = "console.log(process.version)";
    const direct = await run(process.execPath, ["--import", "tsx", "-e", script]);
    const viaNpx = await run("npx", ["tsx", "-e", script]);
    expect(direct.stdout.trim()).toBe(process.version);
    expect(viaNpx.stdout.trim()).toBe(process.version);
  });
});
