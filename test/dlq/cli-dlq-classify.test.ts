import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { dlqClassify } from "../../src/cli/dlq-classify.js";
import type { CliIo } from "../../src/cli/io.js";
import { FIXTURE_NAMES, fixture } from "./fixtures.js";

interface Run {
  code: number;
  out: string[];
  err: string[];
}

async function run(argv: string[], stdin = ""): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdin: Readable.from([stdin]),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  const code = await dlqClassify(argv, io);
  return { code, out: out.flatMap((l) => l.split("\n")), err: err.flatMap((l) => l.split("\n")) };
}

const dir = mkdtempSync(join(tmpdir(), "dlq-classify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const fixtures = FIXTURE_NAMES.map((name) => fixture(name));
const extraThrottled = {
  ...fixture("throttled-pascal"),
  MessageId: "dup-1",
  Attributes: { SentTimestamp: "1764400000000" },
};
const receiveOutput = JSON.stringify({ Messages: [...fixtures, extraThrottled] }, null, 2);
const jsonLines = fixtures.map((m) => JSON.stringify(m)).join("\n");

/** Table rows by class name: [count, oldest, newest, meaning]. */
function rows(lines: string[]): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const line of lines) {
    const [cls, count, ...rest] = line.split(/\s{2,}/);
    if (cls !== undefined && count !== undefined) table.set(cls, [count, ...rest]);
  }
  return table;
}

describe("profiles-bot dlq classify", () => {
  it("prints a table of classes with counts from receive-message output", async () => {
    const result = await run([write("receive.json", receiveOutput)]);
    expect(result.code).toBe(0);
    const table = rows(result.out);
    expect(table.get("CLASS")?.[0]).toBe("COUNT");
    expect(table.get("throttled")).toEqual([
      "2",
      "2025-11-28 03:20:00Z",
      "2025-11-29 07:06:40Z",
      expect.stringMatching(/too many objects/),
    ]);
    for (const cls of [
      "missing-key",
      "kms",
      "too-large",
      "multi-profile",
      "schema",
      "unreadable",
    ]) {
      expect(table.get(cls)?.[0]).toBe("1");
    }
    expect(table.has("other")).toBe(false);
    expect(table.get("total")?.[0]).toBe("8");
  });

  it("aligns the columns", async () => {
    const { out } = await run([write("aligned.json", receiveOutput)]);
    const starts = out
      .filter((l) => !l.startsWith("total"))
      .map((line) => line.indexOf(line.split(/\s{2,}/)[4] ?? "?"));
    expect(new Set(starts).size).toBe(1);
  });

  it("reads JSON lines from standard input and prints one JSON line per message with --json", async () => {
    const withPii = {
      MessageId: "pii",
      Body: JSON.stringify({
        ErrorMessage: "Bad object for maria.garcia@example.com, +1 425 555 0123",
        Object: { A: 1 },
      }),
    };
    const result = await run(["-", "--json"], `${jsonLines}\n\n${JSON.stringify(withPii)}\n`);
    expect(result.code).toBe(0);
    const lines = result.out.map((line) => JSON.parse(line));
    expect(lines).toHaveLength(8);
    expect(lines[0]).toEqual({
      messageId: "5f1c0e2a-0001-4c1e-9a61-000000000001",
      class: "throttled",
      objectTypeName: "CRM-Contact",
      error: "Too many objects ingested on the profile per second",
    });
    expect(lines.map((l) => l.class)).toEqual([
      "throttled",
      "missing-key",
      "kms",
      "multi-profile",
      "too-large",
      "schema",
      "unreadable",
      "other",
    ]);
    expect(lines[6]).toMatchObject({
      objectTypeName: null,
      error: null,
      reason: "body is not valid JSON",
    });
    expect(lines[7].error).toBe("Bad object for «email», «phone»");
  });

  it("skips lines that are not messages, says which, and exits 1", async () => {
    const result = await run(["-"], `${jsonLines}\nnot json\n[1]\n`);
    expect(result.code).toBe(1);
    expect(rows(result.out).get("total")?.[0]).toBe("7");
    expect(result.err.join("\n")).toMatch(/skipped 2 line\(s\).*: 8, 9/);
  });

  it("says so when there are no messages", async () => {
    const result = await run(["-"], '{"Messages":[]}');
    expect(result).toEqual({ code: 0, out: ["No messages."], err: [] });
  });

  it("exits 2 with a clear error for a missing file", async () => {
    const result = await run([join(dir, "nope.json")]);
    expect(result.code).toBe(2);
    expect(result.err[0]).toMatch(/cannot read .*nope\.json: no such file/);
    expect(result.out).toEqual([]);
  });

  it.each([
    [["--verbose", "f.json"], /unknown option --verbose/],
    [[], /missing FILE/],
    [["a.json", "b.json"], /unexpected argument b\.json/],
  ])("exits 2 for bad usage %j", async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.err[0]).toMatch(message);
    expect(result.err.join("\n")).toMatch(/Usage: profiles-bot dlq classify/);
  });

  it("prints help with --help", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    expect(result.out[0]).toMatch(/^Usage: profiles-bot dlq classify FILE/);
  });
});
