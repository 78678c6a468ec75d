/** What a CLI subcommand reads from and writes to, so tests can run it in-process. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  out(line: string): void;
  err(line: string): void;
}

/** A subcommand: takes its own arguments (after its name), returns the exit code. */
export type CliCommand = (argv: string[], io: CliIo) => Promise<number>;

export const processIo = (): CliIo => ({
  stdin: process.stdin,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
