/**
 * The repository stands alone: no tracked file may cite the facts file or the shared folder
 * that live outside it. The facts the code relies on are in docs/ (see docs/README.md).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const SKIP = new Set(["package-lock.json"]);
// Built from parts so this file does not flag itself.
const FACTS_FILE = ["FACTS", "md"].join(".");
const SHARED_DIR = ["..", "shared"].join("/");
const OUTSIDE = new RegExp(
  `${FACTS_FILE.replace(".", "\\.")}|${SHARED_DIR.replaceAll(".", "\\.")}\\b`,
);

function trackedTextFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" });
  return out.split("\0").filter((path) => path !== "" && !SKIP.has(path.split("/").at(-1) ?? ""));
}

function outsideCitations(): string[] {
  const found: string[] = [];
  for (const path of trackedTextFiles()) {
    let buffer: Buffer;
    try {
      buffer = readFileSync(join(ROOT, path));
    } catch {
      continue; // tracked but deleted in the working tree
    }
    if (buffer.includes(0)) continue; // binary
    const lines = buffer.toString("utf8").split("\n");
    lines.forEach((line, i) => {
      if (OUTSIDE.test(line)) found.push(`${path}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

describe("the repository stands alone", () => {
  it(`no tracked file cites ${FACTS_FILE} or a path under ${SHARED_DIR}`, () => {
    expect(outsideCitations()).toEqual([]);
  });

  it("recognises a citation, and not one of docs/", () => {
    expect(OUTSIDE.test(`see ${FACTS_FILE}`)).toBe(true);
    expect(OUTSIDE.test(`limits in ${SHARED_DIR}/limits.md`)).toBe(true);
    expect(OUTSIDE.test("see docs/aws/sqs.md")).toBe(false);
  });
});
