/**
 * `npm run build` and what runs its output (docs/adr/0008): the compiled main as `npm start`
 * and the Docker image run it, and the `profiles-bot` command, each with the production
 * dependencies only. The build goes to a directory of its own, laid out as the image's /app
 * (package.json, dist/, bin/, node_modules/), whose node_modules holds links to package.json's
 * `dependencies` and nothing else: no tsx, no TypeScript. So `npm test` needs no prior build,
 * and a compiled module that imported a development dependency, or that needed tsx, fails here.
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMain, useMainSandbox } from "../support/main-process.js";
import { freePort } from "../support/net.js";
import { childrenOf, threadsNamed } from "../support/proc.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
/** `npm start`'s node arguments (package.json), run from the app's directory. */
const startArgs = (pkg.scripts.start ?? "").split(" ").slice(1);

/** A directory laid out as the image's /app: package.json and bin/, node_modules to fill. */
function appDir(prefix: string): string {
  const app = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(root, "package.json"), join(app, "package.json"));
  cpSync(join(root, "bin"), join(app, "bin"), { recursive: true });
  mkdirSync(join(app, "node_modules"));
  return app;
}

/** node_modules with the production dependencies only, linked to the installed ones. */
function linkProductionDependencies(app: string): void {
  for (const name of Object.keys(pkg.dependencies)) {
    const target = join(app, "node_modules", name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(root, "node_modules", name), target, "dir");
  }
}

/** The process's command line, from the kernel. */
const cmdline = (pid: number): string[] =>
  readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);

describe("npm run build", () => {
  let app: string;
  beforeAll(() => {
    app = appDir("profiles-bot-build-");
    // npm run build's own command, into this app's dist/.
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const build = spawnSync(
      process.execPath,
      [tsc, "-p", "tsconfig.build.json", "--outDir", join(app, "dist")],
      { cwd: root, encoding: "utf8" },
    );
    expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
    linkProductionDependencies(app);
  }, 180_000);
  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it("compiles src/ and jobs/, and nothing of the tests, the sandbox or the benchmarks", () => {
    for (const file of ["src/main.js", "src/runtime.js", "src/cli/main.js", "jobs/index.js"]) {
      expect(existsSync(join(app, "dist", file)), file).toBe(true);
    }
    for (const dir of ["test", "sandbox", "bench"]) {
      expect(existsSync(join(app, "dist", dir)), dir).toBe(false);
    }
  });

  it("npm start's command without Slack configuration exits 1 naming what is missing", async () => {
    const child = runMain({}, { args: startArgs, cwd: app });
    const [code] = await once(child, "exit");
    expect(code, child.output()).toBe(1);
    expect(child.output()).toContain("SLACK_BOT_TOKEN is missing");
  });

  describe("with config", () => {
    const sandbox = useMainSandbox();

    it("npm start's command runs ROLE=all compiled: /healthz ok, the worker thread in the same process, SIGTERM stops both", async () => {
      expect(startArgs).toContain("dist/src/main.js");
      const port = await freePort();
      const bot = runMain(sandbox.env("xoxb-build-test", port), { args: startArgs, cwd: app });
      const exited = once(bot, "exit");
      let body: { status?: string } = {};
      for (let i = 0; i < 300 && body.status !== "ok"; i++) {
        body = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.json() as Promise<{ status?: string }>,
          () => ({}),
        );
        if (body.status !== "ok") await new Promise((r) => setTimeout(r, 100));
      }
      expect(body.status, bot.output()).toBe("ok");
      for (let i = 0; i < 300 && !bot.output().includes('"role":"worker"'); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(bot.output()).toContain('"role":"worker"');
      // The compiled program and npm start's flags, with no loader, and no second process.
      expect(cmdline(bot.pid as number).slice(1)).toEqual(startArgs);
      expect(childrenOf(bot.pid)).toEqual([]);
      expect(threadsNamed(bot.pid, "profiles-worker")).toHaveLength(1);
      bot.kill("SIGTERM");
      const [code] = await exited;
      expect(code, bot.output()).toBe(0);
      expect(bot.output().split("profiles-bot stopped").length - 1, bot.output()).toBe(2);
    }, 60_000);
  });

  it("bin/profiles-bot.mjs runs the compiled CLI", () => {
    const fixture = join(root, "test/fixtures/dlq/throttled-error-list.json");
    const run = spawnSync(
      process.execPath,
      [join(app, "bin/profiles-bot.mjs"), "dlq", "classify", fixture],
      {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "" },
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^throttled\s+1\s/m);
  });
});

describe("bin/profiles-bot.mjs without a build", () => {
  let app: string;
  beforeAll(() => {
    app = appDir("profiles-bot-nobuild-");
  });
  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });
  const help = () =>
    spawnSync(process.execPath, [join(app, "bin/profiles-bot.mjs"), "help"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
    });

  it("says to build when there is no dist/ and no tsx to run the sources", () => {
    const run = help();
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("npm run build");
  });

  it("runs the sources through tsx when tsx is installed, as in a fresh clone", () => {
    symlinkSync(join(root, "src"), join(app, "src"), "dir");
    symlinkSync(join(root, "node_modules/tsx"), join(app, "node_modules/tsx"), "dir");
    const run = help();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("profiles-bot dlq classify");
  });
});
