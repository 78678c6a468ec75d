/**
 * Writes test/contract/models/*.json: AWS's published service models, cut down to the
 * operations the emulator serves and the shapes they reach, without documentation.
 *
 * The `aws-sdk` package (a devDependency) ships only the minified models, which keep
 * members, types and `required` but drop patterns, lengths, ranges, enums and the errors
 * each operation declares. Its source repository keeps the full ("normal") models of the
 * same release; this script reads them from a checkout of it:
 *
 *   npx tsx test/contract/extract-models.ts <aws-sdk-js checkout>/apis
 *   npx biome format --write test/contract/models
 *
 * test/contract/models.test.ts checks the result against the installed package's minified
 * models, so an upgrade of `aws-sdk` that changes a shape fails until this is run again.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MODEL_FILES, SERVED } from "./served.js";

interface Json {
  [key: string]: unknown;
}

function shapeNames(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) shapeNames(v, into);
    return;
  }
  if (!value || typeof value !== "object") return;
  for (const [key, v] of Object.entries(value)) {
    if (key === "shape" && typeof v === "string") into.add(v);
    else shapeNames(v, into);
  }
}

const withoutDocs = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (key, v) =>
      key === "documentation" || key === "documentationUrl" ? undefined : v,
    ),
  );

const [apis] = process.argv.slice(2);
if (!apis) {
  console.error("usage: npx tsx test/contract/extract-models.ts <aws-sdk-js checkout>/apis");
  process.exit(2);
}
const version = String(
  (JSON.parse(readFileSync(join(apis, "..", "package.json"), "utf8")) as Json).version,
);

for (const [service, uid] of Object.entries(MODEL_FILES)) {
  const full = JSON.parse(readFileSync(join(apis, `${uid}.normal.json`), "utf8")) as {
    metadata: Json;
    operations: Record<string, Json>;
    shapes: Record<string, Json>;
  };
  const operations: Record<string, Json> = {};
  for (const name of SERVED[service as keyof typeof SERVED]) {
    const op = full.operations[name];
    if (!op) throw new Error(`${uid} has no operation ${name}`);
    operations[name] = withoutDocs({
      http: op.http,
      input: op.input,
      output: op.output,
      errors: op.errors,
    }) as Json;
  }
  // Follow shape references until no new shape appears. Error shapes are named in
  // `errors` but not defined in these models; only their names are kept.
  const reached = new Set<string>();
  const pending = new Set<string>();
  for (const op of Object.values(operations)) shapeNames({ i: op.input, o: op.output }, pending);
  while (pending.size > 0) {
    const [next] = pending;
    pending.delete(next as string);
    if (reached.has(next as string)) continue;
    reached.add(next as string);
    const found = new Set<string>();
    shapeNames(full.shapes[next as string], found);
    for (const n of found) if (!reached.has(n)) pending.add(n);
  }
  const shapes = Object.fromEntries(
    [...reached].sort().map((n) => [n, withoutDocs(full.shapes[n])]),
  );
  const out = {
    source: `aws-sdk-js ${version}, apis/${uid}.normal.json: the operations the emulator serves, without documentation`,
    metadata: full.metadata,
    operations,
    shapes,
  };
  writeFileSync(
    new URL(`./models/${uid}.json`, import.meta.url),
    `${JSON.stringify(out, null, 1)}\n`,
  );
  console.log(`${uid}: ${Object.keys(operations).length} operations, ${reached.size} shapes`);
}
