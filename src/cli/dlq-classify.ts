import { readFile } from "node:fs/promises";
import type { SqsMessage as Message } from "../aws/sqs-gateway.js";
import { CLASS_INFO, classify, DLQ_CLASSES } from "../dlq/classify.js";
import { isPlainObject } from "../dlq/json.js";
import { parseDlqMessage } from "../dlq/parse.js";
import { redactText } from "../dlq/redact.js";
import { createScanSummary } from "../dlq/summary.js";
import type { CliCommand, CliIo } from "./io.js";

const USAGE = `Usage: profiles-bot dlq classify FILE [--json]

Classifies Customer Profiles dead-letter messages without touching the queue.
FILE is the output of \`aws sqs receive-message\` ({"Messages":[...]}) or JSON lines, one SQS
message per line; "-" reads standard input.

  --json    one JSON line per message: messageId, class, objectTypeName, error (redacted)
  -h, --help  show this help

Exit codes: 0 done, 1 some input lines were not SQS messages (skipped), 2 bad usage or unreadable FILE.`;

interface Options {
  file: string;
  json: boolean;
}

type ParsedArgs = { ok: true; options: Options } | { ok: false; help: boolean; error?: string };

function parseArgs(argv: string[]): ParsedArgs {
  let file: string | undefined;
  let json = false;
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h") return { ok: false, help: true };
    if (arg === "--json") json = true;
    else if (arg.startsWith("-") && arg !== "-")
      return { ok: false, help: false, error: `unknown option ${arg}` };
    else if (file !== undefined)
      return { ok: false, help: false, error: `unexpected argument ${arg}` };
    else file = arg;
  }
  if (file === undefined)
    return { ok: false, help: false, error: "missing FILE (use - for standard input)" };
  return { ok: true, options: { file, json } };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

interface Input {
  messages: Message[];
  /** 1-based line numbers of JSON lines that were not SQS messages. */
  badLines: number[];
}

/** Whole-document shapes: receive-message output, an array of messages, or one message. */
function fromDocument(document: unknown): Message[] | undefined {
  if (isPlainObject(document) && Array.isArray(document.Messages))
    return document.Messages as Message[];
  if (Array.isArray(document)) return document as Message[];
  if (isPlainObject(document) && ("Body" in document || "MessageId" in document))
    return [document as Message];
  return undefined;
}

function parseInput(text: string): Input {
  try {
    const messages = fromDocument(JSON.parse(text));
    if (messages) return { messages, badLines: [] };
  } catch {
    // Not one JSON document: read it as JSON lines below.
  }
  const input: Input = { messages: [], badLines: [] };
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "") return;
    try {
      const value: unknown = JSON.parse(line);
      if (isPlainObject(value)) input.messages.push(value as Message);
      else input.badLines.push(index + 1);
    } catch {
      input.badLines.push(index + 1);
    }
  });
  return input;
}

const formatTime = (ms: number | undefined): string =>
  ms === undefined ? "-" : `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")}Z`;

function printTable(messages: readonly Message[], io: CliIo): void {
  const summary = createScanSummary({ samplesPerClass: 0 });
  for (const message of messages) {
    const parsed = parseDlqMessage(message);
    summary.add(parsed, classify(parsed));
  }
  const { total, classes } = summary.snapshot();
  if (total === 0) {
    io.out("No messages.");
    return;
  }
  const rows = DLQ_CLASSES.flatMap((cls) => {
    const entry = classes[cls];
    if (!entry) return [];
    const { oldestSentAt, newestSentAt, count } = entry;
    return [
      [
        cls,
        String(count),
        formatTime(oldestSentAt),
        formatTime(newestSentAt),
        CLASS_INFO[cls].explanation,
      ],
    ];
  });
  const table = [
    ["CLASS", "COUNT", "OLDEST", "NEWEST", "WHAT IT MEANS"],
    ...rows,
    ["total", String(total), "", "", ""],
  ];
  const widths = [0, 1, 2, 3].map((col) =>
    Math.max(...table.map((row) => (row[col] ?? "").length)),
  );
  for (const row of table) {
    const cells = row.map((cell, col) => {
      const width = widths[col] ?? 0;
      return col === 1 ? cell.padStart(width) : col < 4 ? cell.padEnd(width) : cell;
    });
    io.out(cells.join("  ").trimEnd());
  }
}

function printJsonLines(messages: readonly Message[], io: CliIo): void {
  for (const message of messages) {
    const parsed = parseDlqMessage(message);
    io.out(
      JSON.stringify({
        messageId: parsed.messageId,
        class: classify(parsed),
        objectTypeName: parsed.objectTypeName ?? null,
        error: parsed.errorText === undefined ? null : redactText(parsed.errorText),
        ...(parsed.kind === "unreadable" && { reason: parsed.reason }),
      }),
    );
  }
}

async function readSource(file: string, io: CliIo): Promise<string | undefined> {
  try {
    return file === "-" ? await readAll(io.stdin) : await readFile(file, "utf8");
  } catch (error) {
    const code = isPlainObject(error) && typeof error.code === "string" ? error.code : "";
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(error);
    io.err(`dlq classify: cannot read ${file}: ${why}`);
    return undefined;
  }
}

export const dlqClassify: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (!args.ok) {
    if (args.help) {
      io.out(USAGE);
      return 0;
    }
    io.err(`dlq classify: ${args.error}\n\n${USAGE}`);
    return 2;
  }
  const text = await readSource(args.options.file, io);
  if (text === undefined) return 2;
  const { messages, badLines } = parseInput(text);
  if (args.options.json) printJsonLines(messages, io);
  else printTable(messages, io);
  if (badLines.length === 0) return 0;
  const shown = badLines.slice(0, 10).join(", ");
  io.err(
    `dlq classify: skipped ${badLines.length} line(s) that are not SQS messages: ${shown}${badLines.length > 10 ? ", …" : ""}`,
  );
  return 1;
};
