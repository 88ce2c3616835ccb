// `hookline ingest FILE|DIR... [--json]`: parses reported mail exactly as ingestion does (same
// parser, same limits, same indicators) and prints the result, for pipelines and debugging. It
// opens no database and calls no chat platform or vendor: nothing is stored or posted.
// A directory is walked recursively for .eml / .msg files; a file named on the command line is
// taken whatever its extension. Mail that cannot be parsed is not an error: it prints as an
// unparseable report with its reason (as it would be stored). A path that cannot be read is
// reported as {"file", "error"} and makes the exit code 1, after every other input is printed.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseSize } from '../config/formats.ts';
import { sha256 } from '../ingest/pipeline.ts';
import { DEFAULT_MAX_BYTES, parseReport } from '../ingest/parse/report.ts';
import { REPORT_FILE } from '../ingest/sources/folder-source.ts';
import type { ParsedReport } from '../ingest/types.ts';
import { EXIT, UsageError, type CliCommand, type CliIo } from './command.ts';

const USAGE = `Usage: hookline ingest [--json] [--max-bytes SIZE] FILE|DIR...

Parses reported mail (.eml, .msg) the way Hookline ingests it and prints, for each input file,
its report fields and indicators. Nothing is stored and nothing is posted.

  --json             one JSON object per input file, one per line (JSON Lines)
  --max-bytes SIZE   largest file parsed, e.g. 25MiB (default: HOOKLINE_MAX_REPORT_BYTES or 25MiB)
  -h, --help         this help

Directories are searched recursively for .eml and .msg files. Exit code: 0 when every input was
read (unparseable mail included), 1 when some input could not be read, 2 on wrong arguments.`;

/** One line of `--json` output. */
export interface IngestLine extends ParsedReport {
  file: string;
  bytes: number;
  /** What the folder source and POST /ingest use as the report's sourceRef. */
  sha256: string;
}

export const ingestCommand: CliCommand = {
  name: 'ingest',
  summary: 'parse .eml/.msg files and print their report fields and indicators (stores nothing)',
  usage: USAGE,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: { json: { type: 'boolean' }, 'max-bytes': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (parsed.values.help) {
      io.out(USAGE);
      return EXIT.ok;
    }
    if (parsed.positionals.length === 0) throw new UsageError('name at least one FILE or DIR');
    const sizeText = parsed.values['max-bytes'] ?? io.env.HOOKLINE_MAX_REPORT_BYTES;
    const maxBytes = sizeText === undefined ? DEFAULT_MAX_BYTES : parseSize(sizeText);
    if (maxBytes === undefined || maxBytes < 1) throw new UsageError(`--max-bytes: expected a size like 26214400 or 25MiB, got ${JSON.stringify(sizeText)}`);

    let failed = false;
    for (const input of parsed.positionals) {
      for await (const item of expand(path.resolve(io.cwd, input), input)) {
        const line = 'error' in item ? item : await parseFile(item.file, item.shown, maxBytes);
        if ('error' in line) failed = true;
        print(io, line, parsed.values.json === true);
      }
    }
    return failed ? EXIT.failed : EXIT.ok;
  },
};

type Expanded = { file: string; shown: string } | { file: string; error: string };

/** The files an input names: itself, or the report files under a directory (sorted, recursive). */
async function* expand(abs: string, shown: string): AsyncGenerator<Expanded> {
  let st;
  try {
    st = await stat(abs);
  } catch (err) {
    yield { file: shown, error: describe(err) };
    return;
  }
  if (!st.isDirectory()) {
    yield { file: abs, shown };
    return;
  }
  let entries;
  try {
    entries = (await readdir(abs, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    yield { file: shown, error: describe(err) };
    return;
  }
  for (const e of entries) {
    const child = path.join(abs, e.name);
    const childShown = path.join(shown, e.name);
    if (e.isDirectory()) yield* expand(child, childShown);
    else if (e.isFile() && REPORT_FILE.test(e.name)) yield { file: child, shown: childShown };
  }
}

async function parseFile(abs: string, shown: string, maxBytes: number): Promise<IngestLine | { file: string; error: string }> {
  try {
    const st = await stat(abs);
    // Checked before reading: a huge file is refused without being loaded into memory.
    if (st.size > maxBytes) return { file: shown, error: `the file is ${st.size} bytes, over the limit of ${maxBytes} bytes (--max-bytes)` };
    const raw = await readFile(abs);
    const report = await parseReport(raw, { maxBytes });
    return { file: shown, bytes: raw.length, sha256: sha256(raw), ...report };
  } catch (err) {
    return { file: shown, error: describe(err) };
  }
}

function print(io: CliIo, line: IngestLine | { file: string; error: string }, json: boolean): void {
  if (json) return io.out(JSON.stringify(line));
  if ('error' in line) return io.err(`${line.file}: error: ${line.error}`);
  const i = line.indicators;
  // JSON.stringify quotes the attacker-controlled subject and escapes control characters, so a
  // crafted subject cannot move the cursor or recolour the terminal.
  const head = line.status === 'parsed' ? `parsed, subject ${JSON.stringify(line.original.subject)}` : `unparseable: ${line.parseError ?? 'unknown reason'}`;
  const from = line.original.from ? `, from ${JSON.stringify(line.original.from.address)}` : '';
  io.out(`${line.file}: ${head}${from}; ${i.urls.length} URLs, ${i.domains.length} domains, ${i.ips.length} IPs, ${i.hashes.length} hashes, ${i.attachments.length} attachments`);
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? (err as Error).message;
}
