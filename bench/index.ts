/**
 * `npm run bench -- [NAME...]`: runs benchmarks from this folder (all when none is named).
 * Each compares against a baseline measured in the same run and returns its figures; the
 * last line printed is one JSON object holding them all.
 */
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

export type Figures = Record<string, number | string | boolean>;
export interface Benchmark {
  description: string;
  run(log: (line: string) => void): Promise<Figures>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && !["index.ts", "lib.ts"].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();

const names = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length) {
  process.stderr.write(
    `Unknown benchmark: ${unknown.join(", ")}. Available: ${available.join(", ")}\n`,
  );
  process.exit(2);
}

const results: Record<string, Figures> = {};
for (const name of names.length ? names : available) {
  const bench = (await import(`./${name}.js`)).default as Benchmark;
  console.log(`# ${name}: ${bench.description}`);
  results[name] = await bench.run((line) => console.log(`  ${line}`));
}
console.log(JSON.stringify(names.length === 1 ? results[names[0] as string] : results));
process.exit(0);
