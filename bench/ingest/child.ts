// One measurement of bench/ingest, in a process of its own so that its peak RSS is its own.
// Usage (from run.ts): node bench/ingest/child.ts <mode> <file-list.json | message-file>
//   corpus-parse-only  mailparser's simpleParser alone over every file (default options)
//   corpus-parse-lean  simpleParser with the options parse/mime.ts uses (no html-to-text etc.)
//   corpus-ingest      parseReport (parse + indicators) over every file
//   big-parse-only     simpleParser on one large message
//   big-ingest         parseReport on one large message
// Prints one JSON line: { mode, files, rounds, ms, cpuMs, perSecond, perCpuSecond, maxRssBytes }.
// Rates are given per CPU second as well as per wall-clock second: on a shared machine the CPU time
// of the process is what its own work costs, while wall-clock time also counts waiting for a core.

import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import type { SimpleParserOptions } from 'mailparser';
import { parseReport } from '../../src/ingest/parse/report.ts';

const [mode, input] = process.argv.slice(2);
if (!mode || !input) {
  console.error('usage: child.ts <mode> <input>');
  process.exit(2);
}

const LEAN = { ignoreEmbedded: true, skipHtmlToText: true, skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true } as SimpleParserOptions;
const BIG = 200 * 1024 * 1024;

async function run(mode: string, input: string): Promise<void> {
  const corpus = mode.startsWith('corpus-');
  const buffers = corpus ? (JSON.parse(readFileSync(input, 'utf8')) as string[]).map((f) => readFileSync(f)) : [readFileSync(input)];
  const once = async (b: Buffer): Promise<void> => {
    if (mode.endsWith('parse-only')) await simpleParser(b);
    else if (mode.endsWith('parse-lean')) await simpleParser(b, LEAN);
    else await parseReport(b, corpus ? {} : { maxBytes: BIG });
  };
  // Corpus: one warm-up round (JIT, lazy requires), then the measured rounds. Large message: once.
  const rounds = corpus ? 3 : 1;
  if (corpus) for (const b of buffers) await once(b);
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let r = 0; r < rounds; r++) for (const b of buffers) await once(b);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const files = buffers.length;
  const rate = (t: number): number => Math.round(((files * rounds) / t) * 1000 * 10) / 10;
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ mode, files, rounds, ms: Math.round(ms), cpuMs: Math.round(cpuMs), perSecond: rate(ms), perCpuSecond: rate(cpuMs), maxRssBytes }));
}

await run(mode, input);
