// The shape of a `hookline` subcommand. Each subcommand is one module exporting a CliCommand, and
// src/cli/main.ts lists them: adding one (e.g. `hookline audit ...`) is one module plus one line.
// Commands write through CliIo instead of process.stdout, so tests run them in-process.

export interface CliIo {
  /** Writes one line to standard output (a newline is added). */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

export interface CliCommand {
  name: string;
  /** One line for `hookline help`. */
  summary: string;
  /** The full help of the command (`hookline help NAME`, `hookline NAME --help`). */
  usage: string;
  /** Returns the exit code (see EXIT). */
  run(args: string[], io: CliIo): Promise<number>;
}

export const EXIT = {
  ok: 0,
  /** The command ran, but some input could not be processed (each one is reported). */
  failed: 1,
  /** Wrong arguments: nothing was done. */
  usage: 2,
} as const;

/** Thrown for wrong arguments; the dispatcher prints the message and the command's usage. */
export class UsageError extends Error {}

export function processIo(): CliIo {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    cwd: process.cwd(),
    env: process.env,
  };
}
