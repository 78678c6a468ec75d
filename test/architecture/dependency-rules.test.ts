// Shows that every rule in .dependency-cruiser.cjs (the file `npm run lint:deps` uses) fires on a
// violating fixture tree and stays quiet on a conforming one. The rules are loaded from that file,
// never restated here: the fixtures are written to a temporary directory and cruised with the
// same options the CLI would use.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  cruise,
  type ICruiseOptions,
  type ICruiseResult,
  type IViolation,
} from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const configFile = join(repoRoot, ".dependency-cruiser.cjs");

const SERVICES = [
  "enable",
  "provision",
  "dlq",
  "access",
  "audit",
  "domains",
  "home",
  "workflow",
] as const;

const RULES = [
  "no-slack-to-jobs-bullmq-aws",
  "no-jobs-to-slack",
  "no-services-to-slack-jobs-bullmq",
  "aws-sdk-only-in-src-aws",
  "no-production-to-sandbox",
  "no-production-to-test-or-bench",
  "bullmq-only-in-queues-jobs-runtime",
  "jobs-only-from-runtime",
  "no-circular",
] as const;

type Tree = Record<string, string[]>;

/** One file per key; each value lists the specifiers it imports (type-only for packages). */
function source(specifiers: string[]): string {
  const lines = specifiers.map((s, i) =>
    s.startsWith(".") ? `import * as m${i} from "${s}";` : `import type * as m${i} from "${s}";`,
  );
  const uses = specifiers.map((_, i) => `m${i}`).join(", ");
  return `${lines.join("\n")}\nexport const used: unknown[] = [${uses}];\n`;
}

// Every relative import carries the `.js` suffix, as in the real tree: the cruise must resolve it
// to the `.ts` file through the tsconfig, or the path rules would never match.
const violating: Tree = {
  "src/slack/render/view.ts": [],
  "src/slack/commands/bad.ts": [
    "../../../jobs/worker.js",
    "bullmq",
    "@aws-sdk/client-sqs",
    "../render/view.js",
  ],
  "jobs/worker.ts": ["../src/slack/render/view.js", "bullmq"],
  // Every service imports each thing services must not know about.
  ...Object.fromEntries(
    SERVICES.map((service) => [
      `src/${service}/bad.ts`,
      ["../slack/render/view.js", "../../jobs/worker.js", "bullmq", "@slack/web-api"],
    ]),
  ),
  "src/aws/gateway.ts": ["@aws-sdk/client-sqs"],
  "src/cli/aws.ts": ["@aws-sdk/client-sqs", "../aws/gateway.js"],
  // Not installed: caught by its bare name.
  "src/cli/aws-uninstalled.ts": ["@aws-sdk/client-not-installed"],
  "jobs/aws.ts": ["@aws-sdk/client-kms"],
  "src/cli/sandbox.ts": ["../../sandbox/stack.js"],
  "src/cli/test-and-bench.ts": ["../../test/support/helper.js", "../../bench/lib.js"],
  "src/cli/enqueue.ts": ["bullmq"],
  "src/cli/run-jobs.ts": ["../../jobs/worker.js"],
  "src/main.ts": ["../jobs/worker.js"],
  "src/provision/cycle-a.ts": ["./cycle-b.js"],
  "src/provision/cycle-b.ts": ["./cycle-a.js"],
  // Non-production code, reached from src/: it may import anything and must not be reported.
  "sandbox/stack.ts": ["@aws-sdk/client-sqs", "bullmq", "../src/slack/render/view.js"],
  "test/support/helper.ts": ["@aws-sdk/client-sqs", "bullmq", "../../jobs/worker.js"],
  "bench/lib.ts": ["@aws-sdk/client-sqs", "bullmq"],
};

const conforming: Tree = {
  "src/runtime.ts": [
    "./slack/app.js",
    "../jobs/worker.js",
    "./queues/index.js",
    "./aws/gateway.js",
    "bullmq",
    "@slack/web-api",
  ],
  "src/main.ts": ["./runtime.js"],
  "src/queues/index.ts": ["bullmq"],
  "src/aws/gateway.ts": ["@aws-sdk/client-sqs", "@aws-sdk/client-kms"],
  ...Object.fromEntries(
    SERVICES.map((service) => [`src/${service}/service.ts`, ["../aws/gateway.js", "../logger.js"]]),
  ),
  "src/logger.ts": [],
  "src/slack/app.ts": [
    "@slack/bolt",
    "@slack/web-api",
    "../enable/service.js",
    "../queues/index.js",
    "./render/view.js",
  ],
  "src/slack/render/view.ts": ["../../home/service.js"],
  "src/cli/main.ts": ["../aws/gateway.js", "../enable/service.js", "../provision/service.js"],
  "jobs/worker.ts": ["bullmq", "../src/provision/service.js", "../src/queues/index.js"],
  // Non-production code may import anything, production code included.
  "sandbox/stack.ts": ["@aws-sdk/client-sqs", "bullmq", "../src/slack/app.js", "../jobs/worker.js"],
  "test/support/helper.ts": ["@aws-sdk/client-sqs", "bullmq", "../../src/slack/app.js"],
  "bench/lib.ts": ["@aws-sdk/client-sqs", "bullmq", "../jobs/worker.js"],
};

let options: ICruiseOptions;
let tsConfig: ReturnType<typeof extractTSConfig>;
const tmpDirs: string[] = [];

async function writeTree(tree: Tree): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "depcruise-fixture-"));
  tmpDirs.push(dir);
  // Packages resolve from the repository's node_modules, as they do for `npm run lint:deps`.
  await symlink(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  for (const [file, specifiers] of Object.entries(tree)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), source(specifiers));
  }
  return dir;
}

async function cruiseTree(tree: Tree, roots: string[]): Promise<ICruiseResult> {
  const baseDir = await writeTree(tree);
  const result = await cruise(roots, { ...options, baseDir }, {}, { tsConfig });
  if (typeof result.output === "string") throw new Error("expected a cruise result object");
  return result.output;
}

function violationsOf(result: ICruiseResult, rule: string): IViolation[] {
  return result.summary.violations.filter((v) => v.rule.name === rule);
}

function pairs(violations: IViolation[]): string[] {
  return violations.map((v) => `${v.from} -> ${v.to}`);
}

beforeAll(async () => {
  options = await extractDepcruiseOptions(configFile);
  const tsConfigFile = options.tsConfig?.fileName;
  if (!tsConfigFile) throw new Error(".dependency-cruiser.cjs must set options.tsConfig.fileName");
  tsConfig = extractTSConfig(join(repoRoot, tsConfigFile));
});

afterAll(async () => {
  await Promise.all(tmpDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe(".dependency-cruiser.cjs", () => {
  it("is the config `npm run lint:deps` runs on src and jobs", async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8"));
    expect(pkg.scripts["lint:deps"]).toMatch(
      /^depcruise src jobs --config \.dependency-cruiser\.cjs/,
    );
  });

  it("defines exactly the rules these fixtures cover, each an error with a comment", () => {
    const forbidden = options.ruleSet?.forbidden ?? [];
    expect(forbidden.map((r) => r.name).sort()).toEqual([...RULES].sort());
    for (const rule of forbidden) {
      expect(rule.severity, rule.name).toBe("error");
      expect(rule.comment?.length ?? 0, rule.name).toBeGreaterThan(40);
    }
  });
});

describe("violating fixture", () => {
  let result: ICruiseResult;

  beforeAll(async () => {
    result = await cruiseTree(violating, ["src", "jobs"]);
  });

  it("resolves `.js` imports to the `.ts` sources and packages to node_modules", () => {
    const unresolved = result.modules
      .flatMap((m) => m.dependencies.filter((d) => d.couldNotResolve).map((d) => d.module))
      .sort();
    expect(unresolved).toEqual(["@aws-sdk/client-not-installed"]);
    const worker = result.modules.find((m) => m.source === "src/cli/run-jobs.ts");
    expect(worker?.dependencies.map((d) => d.resolved)).toEqual(["jobs/worker.ts"]);
  });

  it("every rule reports at least one violation, and only errors are reported", () => {
    const fired = new Set(result.summary.violations.map((v) => v.rule.name));
    expect([...fired].sort()).toEqual([...RULES].sort());
    expect(result.summary.warn).toBe(0);
    expect(result.summary.error).toBe(result.summary.violations.length);
  });

  it("no-slack-to-jobs-bullmq-aws: src/slack must not import jobs/, bullmq or @aws-sdk", () => {
    const found = pairs(violationsOf(result, "no-slack-to-jobs-bullmq-aws"));
    expect(found).toHaveLength(3);
    expect(found).toContain("src/slack/commands/bad.ts -> jobs/worker.ts");
    expect(found.some((p) => /bad\.ts -> .*node_modules\/bullmq\//.test(p))).toBe(true);
    expect(found.some((p) => /bad\.ts -> .*node_modules\/@aws-sdk\/client-sqs\//.test(p))).toBe(
      true,
    );
  });

  it("no-jobs-to-slack: jobs/ must not import src/slack", () => {
    expect(pairs(violationsOf(result, "no-jobs-to-slack"))).toEqual([
      "jobs/worker.ts -> src/slack/render/view.ts",
    ]);
  });

  it.each(SERVICES)(
    "no-services-to-slack-jobs-bullmq: src/%s must not import src/slack, jobs/, bullmq or @slack",
    (service) => {
      const found = pairs(violationsOf(result, "no-services-to-slack-jobs-bullmq")).filter((p) =>
        p.startsWith(`src/${service}/bad.ts -> `),
      );
      expect(found).toHaveLength(4);
      expect(found).toContain(`src/${service}/bad.ts -> src/slack/render/view.ts`);
      expect(found).toContain(`src/${service}/bad.ts -> jobs/worker.ts`);
      expect(found.some((p) => /node_modules\/bullmq\//.test(p))).toBe(true);
      expect(found.some((p) => /node_modules\/@slack\/web-api\//.test(p))).toBe(true);
    },
  );

  it("aws-sdk-only-in-src-aws: @aws-sdk outside src/aws is reported, src/aws itself is not", () => {
    const from = violationsOf(result, "aws-sdk-only-in-src-aws").map((v) => v.from);
    expect(new Set(from)).toEqual(
      new Set([
        "src/slack/commands/bad.ts",
        "src/cli/aws.ts",
        "src/cli/aws-uninstalled.ts",
        "jobs/aws.ts",
      ]),
    );
    const uninstalled = violationsOf(result, "aws-sdk-only-in-src-aws").find(
      (v) => v.from === "src/cli/aws-uninstalled.ts",
    );
    expect(uninstalled?.to).toBe("@aws-sdk/client-not-installed");
  });

  it("no-production-to-sandbox: src/ must not import sandbox/", () => {
    expect(pairs(violationsOf(result, "no-production-to-sandbox"))).toEqual([
      "src/cli/sandbox.ts -> sandbox/stack.ts",
    ]);
  });

  it("no-production-to-test-or-bench: src/ must not import test/ or bench/", () => {
    expect(pairs(violationsOf(result, "no-production-to-test-or-bench")).sort()).toEqual([
      "src/cli/test-and-bench.ts -> bench/lib.ts",
      "src/cli/test-and-bench.ts -> test/support/helper.ts",
    ]);
  });

  it("bullmq-only-in-queues-jobs-runtime: bullmq outside src/queues, jobs/ and src/runtime.ts", () => {
    const from = new Set(
      violationsOf(result, "bullmq-only-in-queues-jobs-runtime").map((v) => v.from),
    );
    expect(from).toEqual(
      new Set([
        "src/slack/commands/bad.ts",
        "src/cli/enqueue.ts",
        ...SERVICES.map((service) => `src/${service}/bad.ts`),
      ]),
    );
  });

  it("jobs-only-from-runtime: nothing in src/ but src/runtime.ts imports jobs/", () => {
    const from = new Set(violationsOf(result, "jobs-only-from-runtime").map((v) => v.from));
    expect(from).toEqual(
      new Set([
        "src/slack/commands/bad.ts",
        "src/cli/run-jobs.ts",
        "src/main.ts",
        ...SERVICES.map((service) => `src/${service}/bad.ts`),
      ]),
    );
  });

  it("no-circular: an import cycle is reported once, with the cycle", () => {
    const found = violationsOf(result, "no-circular");
    expect(found).toHaveLength(1);
    expect(found[0]?.cycle?.map((step) => step.name).sort()).toEqual([
      "src/provision/cycle-a.ts",
      "src/provision/cycle-b.ts",
    ]);
  });

  it("sandbox/, test/ and bench/ are followed but never reported as the importer", () => {
    const fromNonProduction = result.summary.violations.filter((v) =>
      /^(sandbox|test|bench)\//.test(v.from),
    );
    expect(fromNonProduction).toEqual([]);
    expect(result.modules.map((m) => m.source)).toContain("sandbox/stack.ts");
  });
});

describe("conforming fixture", () => {
  it("reports no violations, with sandbox/, test/ and bench/ cruised as well", async () => {
    const result = await cruiseTree(conforming, ["src", "jobs", "sandbox", "test", "bench"]);
    expect(pairs(result.summary.violations)).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThanOrEqual(Object.keys(conforming).length);
    const unresolved = result.modules.flatMap((m) =>
      m.dependencies.filter((d) => d.couldNotResolve),
    );
    expect(unresolved).toEqual([]);
  });
});
