/**
 * The Dockerfile and docker-compose.yml, which cannot be built or run here: the files the image
 * copies exist, it runs what `npm start` runs, and every compose service has a health check
 * whose command exists in the image.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (file: string) => readFileSync(join(root, file), "utf8");
const startArgs = (
  JSON.parse(read("package.json")) as { scripts: { start: string } }
).scripts.start.split(" ");

type Yaml = string | Yaml[] | { [key: string]: Yaml };

/**
 * The block YAML that docker-compose.yml is written in: nested mappings by indentation,
 * `- ` lists, `[...]` lists and `"..."` strings in JSON form, plain scalars and `#` comments.
 * Anything else (tabs, anchors, multi-line strings, a bad indent) throws, naming the line.
 */
function parseYaml(text: string): Yaml {
  const lines = text
    .split("\n")
    .map((raw, i) => ({ n: i + 1, raw: raw.replace(/\s+#.*$|^\s*#.*$/, "") }))
    .filter((l) => l.raw.trim() !== "");
  let at = 0;
  const fail = (n: number, why: string): never => {
    throw new Error(`docker-compose.yml line ${n}: ${why}`);
  };
  const indentOf = (raw: string) => raw.length - raw.trimStart().length;
  const scalar = (value: string, n: number): Yaml => {
    if (/^[&*!|>{]/.test(value)) fail(n, `unsupported value ${value}`);
    if (value.startsWith("[") || value.startsWith('"')) {
      try {
        return JSON.parse(value) as Yaml;
      } catch {
        return fail(n, `malformed ${value}`);
      }
    }
    return value;
  };
  const block = (indent: number): Yaml => {
    const first = lines[at];
    if (!first) return "";
    const isList = first.raw.trimStart().startsWith("- ");
    const out: Yaml = isList ? [] : {};
    while (at < lines.length) {
      const { n, raw } = lines[at] as { n: number; raw: string };
      if (raw.includes("\t")) fail(n, "a tab in the indentation");
      const ind = indentOf(raw);
      if (ind < indent) break;
      if (ind > indent) fail(n, "unexpected indentation");
      const item = raw.trim();
      at++;
      if (isList) {
        if (!item.startsWith("- ")) fail(n, "a list item was expected");
        (out as Yaml[]).push(scalar(item.slice(2).trim(), n));
        continue;
      }
      const m = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(item);
      if (!m) fail(n, `not a "key: value" line: ${item}`);
      const [, key, value] = m as unknown as [string, string, string | undefined];
      if (key in out) fail(n, `${key} appears twice`);
      const next = lines[at];
      (out as Record<string, Yaml>)[key] =
        value !== undefined
          ? scalar(value, n)
          : next && indentOf(next.raw) > indent
            ? block(indentOf(next.raw))
            : "";
    }
    return out;
  };
  const doc = block(0);
  if (at < lines.length) fail(lines[at]?.n ?? 0, "unexpected indentation");
  return doc;
}

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it("copies only files that exist in the repository", () => {
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].map((m) =>
      (m[1] as string).trim().split(/\s+/).slice(0, -1),
    );
    expect(copies.length).toBeGreaterThan(3);
    for (const source of copies.flat()) expect(existsSync(join(root, source)), source).toBe(true);
  });

  it("compiles in a build stage and runs npm start's command on production dependencies only", () => {
    expect(stages).toHaveLength(2);
    const [build, runtime] = stages as [string, string];
    expect(build).toContain("RUN npm run build");
    expect(runtime).toContain("npm ci --omit=dev");
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).not.toMatch(/tsx|COPY src/);
    const cmd = /^CMD (.+)$/m.exec(runtime)?.[1] ?? "[]";
    expect(JSON.parse(cmd)).toEqual(startArgs);
    const healthcheck = /^HEALTHCHECK .*CMD (\[.+\])$/m.exec(runtime)?.[1] ?? "[]";
    expect(existsSync(join(root, (JSON.parse(healthcheck) as string[])[1] ?? "-"))).toBe(true);
  });
});

describe("docker-compose.yml", () => {
  const compose = parseYaml(read("docker-compose.yml")) as {
    services: Record<string, { healthcheck?: { test?: string[] }; build?: string }>;
  };

  it("reads as YAML with the bot, a worker and Redis", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["bot", "redis", "worker"]);
  });

  it("gives every service a health check; the bot's and the worker's run a script of the image", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const test = service.healthcheck?.test;
      expect(test?.[0], name).toBe("CMD");
      if (service.build !== ".") continue;
      expect(test?.slice(1, 2), name).toEqual(["node"]);
      expect(existsSync(join(root, test?.[2] ?? "-")), `${name}: ${test?.[2]}`).toBe(true);
    }
  });

  it("the reader refuses what it does not understand", () => {
    expect(() => parseYaml("a:\n  b: 1\n   c: 2\n")).toThrow(/line 3/);
    expect(() => parseYaml('a: ["x", \n')).toThrow(/line 1/);
    expect(() => parseYaml("a: 1\na: 2\n")).toThrow(/twice/);
  });
});
