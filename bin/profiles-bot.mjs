#!/usr/bin/env node
// The package's command. It runs the compiled CLI (`npm run build`, dist/) when there is one,
// as in the Docker image, which has no tsx; otherwise the TypeScript sources through tsx, a
// development dependency, so a fresh clone works without building first. After changing the
// sources, build again (or delete dist/): a dist/ that is there is always used.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const compiled = join(root, "dist/src/cli/main.js");
if (existsSync(compiled)) {
  // In this process: it reads its arguments from process.argv.slice(2), as when spawned.
  await import(pathToFileURL(compiled).href);
} else {
  let tsx;
  try {
    tsx = createRequire(import.meta.url).resolve("tsx/cli");
  } catch {
    process.stderr.write(
      "profiles-bot: there is no build (dist/) and no tsx to run the sources: run `npm run build`, or `npm ci` for tsx.\n",
    );
    process.exit(2);
  }
  const result = spawnSync(
    process.execPath,
    [tsx, join(root, "src/cli/main.ts"), ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  process.exit(result.status ?? 1);
}
