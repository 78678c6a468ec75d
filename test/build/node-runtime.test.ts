/**
 * CI (.ci/run) runs the suite twice, on Node 20 and on Node 22, by putting the Node 22 binary
 * first on PATH. The tests also start processes of their own: `process.execPath --import tsx`
 * (main-process.ts, the crash tests, the build tests) and `npx tsx` (the failures sandbox), which
 * finds node on PATH. If any of these ran another Node than the runner, the Node 22 run would
 * test Node 20 in part without saying so; these checks make it fail instead.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  engines: { node: string };
};

describe("the Node that runs the tests", () => {
  it("is in package.json's engines range (`^MAJOR.MINOR.PATCH` alternatives)", () => {
    const [major, minor] = process.versions.node.split(".").map(Number);
    const ranges = pkg.engines.node.split("||").map((r) => r.trim().replace(/^\^/, ""));
    expect(ranges.every((r) => /^\d+\.\d+\.\d+$/.test(r))).toBe(true);
    const lowest = ranges.map((r) => r.split(".").map(Number));
    expect(lowest.some(([m, n]) => m === major && (minor ?? 0) >= (n ?? 0))).toBe(true);
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

describe("the Docker image", () => {
  it("builds and runs on Node 22 or 24 LTS in every stage, which the AWS SDK's 2027 releases need", () => {
    const dockerfile = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");
    const images = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^node:(22|24)[-.]/);
  });
});
