// bench/ingest: how fast and how lean report parsing is (issue #3, item 8).
//
//   npx node bench/ingest/run.ts
//
// 1. Corpus: every file of shared/corpus/phishing and shared/corpus/mime (recursively), parsed by
//    parseReport (parse + indicators) and by mailparser's simpleParser alone, in the same run.
//    Reported: reports per second, the ratio ingest / parse-only (target >= 0.7) and peak RSS.
//    Each measurement runs in a child process of its own (peak RSS isolated); the modes alternate
//    three times and the best of each is kept. The ratio is taken on CPU time (reports per CPU
//    second of the child), which other processes on a shared machine barely disturb; wall-clock
//    rates are printed too.
// 2. A generated 100 MB message (text, HTML and a large base64 attachment), parsed once by
//    parseReport and once by simpleParser alone: peak RSS against the message size (target <= 4x).
// The corpus is optional: without it, part 1 is skipped with a message.

import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';

interface Measurement {
  mode: string;
  files: number;
  rounds: number;
  ms: number;
  cpuMs: number;
  perSecond: number;
  perCpuSecond: number;
  maxRssBytes: number;
}

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
const corpus = path.resolve(projectRoot, '..', 'shared', 'corpus');
const child = path.join(import.meta.dirname, 'child.ts');
const MB = 1024 * 1024;

function measure(mode: string, input: string): Measurement {
  const r = spawnSync(process.execPath, [child, mode, input], { encoding: 'utf8', maxBuffer: 16 * MB });
  if (r.status !== 0) throw new Error(`${mode} failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Measurement;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listFiles(p));
    else if (st.isFile()) out.push(p);
  }
  return out.sort();
}

const fmtMb = (b: number): string => `${(b / MB).toFixed(0)} MB`;

/** A deterministic ~100 MB message: a text part, an HTML part with links, and a base64 attachment. */
async function writeBigMessage(file: string, targetBytes: number): Promise<number> {
  const out = createWriteStream(file);
  const write = async (s: string | Buffer): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  const b = 'bench-boundary-7f3a';
  await write(
    [
      'Received: from mail.bench-sender.test (mail.bench-sender.test [198.51.100.9]) by mx.corp.example.net; Mon, 2 Mar 2026 09:00:00 +0000',
      'From: "Payroll" <payroll@bench-sender.test>',
      'To: staff@corp.example.net',
      'Subject: Large message benchmark',
      'Date: Mon, 2 Mar 2026 09:00:00 +0000',
      'Message-ID: <bench-100mb@bench-sender.test>',
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${b}"`,
      '',
      `--${b}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      '',
    ].join('\r\n'),
  );
  for (let i = 0; i < 4000; i++) await write(`Line ${i}: please review https://portal${i % 50}.bench-links.test/doc?id=${i} before Friday.\r\n`);
  await write(`--${b}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>\r\n`);
  for (let i = 0; i < 20000; i++) await write(`<p>Item ${i} <a href="https://files${i % 80}.bench-links.test/f/${i}">download</a></p>\r\n`);
  await write(`</body></html>\r\n--${b}\r\nContent-Type: application/pdf; name="statement.pdf"\r\nContent-Disposition: attachment; filename="statement.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n`);
  // pseudo-random bytes (xorshift32): incompressible, like a real binary attachment
  let x = 2463534242;
  const line = Buffer.alloc(57);
  let written = 0;
  const headEstimate = 4000 * 75 + 20000 * 75;
  const budget = targetBytes - headEstimate - 200;
  let chunk: string[] = [];
  while (written + 78 <= budget) {
    for (let i = 0; i < 57; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      line[i] = x & 0xff;
    }
    chunk.push(line.toString('base64'));
    written += 78;
    if (chunk.length === 2000) {
      await write(`${chunk.join('\r\n')}\r\n`);
      chunk = [];
    }
  }
  if (chunk.length) await write(`${chunk.join('\r\n')}\r\n`);
  await write(`--${b}--\r\n`);
  out.end();
  await once(out, 'finish');
  return statSync(file).size;
}

const work = mkdtempSync(path.join(tmpdir(), 'hookline-bench-'));
const summary: Record<string, unknown> = { bench: 'ingest' };
let missed = false;
try {
  console.log(`bench/ingest on Node ${process.version}, ${process.platform}/${process.arch}`);
  if (!existsSync(corpus)) {
    console.log(`corpus part skipped: ${corpus} not found`);
  } else {
    const files = [...listFiles(path.join(corpus, 'phishing')), ...listFiles(path.join(corpus, 'mime'))];
    const list = path.join(work, 'files.json');
    writeFileSync(list, JSON.stringify(files));
    const best: Record<string, Measurement> = {};
    for (let i = 0; i < 3; i++) {
      for (const mode of ['corpus-parse-only', 'corpus-parse-lean', 'corpus-ingest']) {
        const m = measure(mode, list);
        const prev = best[mode];
        if (!prev || m.perCpuSecond > prev.perCpuSecond) best[mode] = m;
      }
    }
    const only = best['corpus-parse-only'] as Measurement;
    const lean = best['corpus-parse-lean'] as Measurement;
    const ingest = best['corpus-ingest'] as Measurement;
    const line = (label: string, m: Measurement, unit: string): string =>
      `  ${label.padEnd(38)} ${m.perCpuSecond} ${unit}/CPU-s (${m.perSecond} ${unit}/s wall), peak RSS ${fmtMb(m.maxRssBytes)}`;
    console.log(`corpus: ${ingest.files} files (phishing + mime), ${ingest.rounds} rounds each after a warm-up round, best of 3 runs`);
    console.log(line('simpleParser alone (default options)', only, 'msg'));
    console.log(line('simpleParser alone (our options)', lean, 'msg'));
    console.log(line('parseReport (parse + indicators)', ingest, 'reports'));
    const ratio = ingest.perCpuSecond / only.perCpuSecond;
    const ratioLean = ingest.perCpuSecond / lean.perCpuSecond;
    console.log(`  ratio vs simpleParser, default options: ${ratio.toFixed(2)} (target >= 0.7)`);
    console.log(`  ratio vs simpleParser, same options:    ${ratioLean.toFixed(2)}`);
    summary.corpus = { files: ingest.files, parseOnly: only, parseLean: lean, ingest, ratio: Number(ratio.toFixed(3)), ratioSameOptions: Number(ratioLean.toFixed(3)) };
    if (ratio < 0.7) missed = true;
  }

  const big = path.join(work, 'big.eml');
  const size = await writeBigMessage(big, 100 * MB);
  const bigOnly = measure('big-parse-only', big);
  const bigIngest = measure('big-ingest', big);
  console.log(`large message: ${fmtMb(size)} (${size} bytes; text, HTML with 20000 links, base64 attachment)`);
  console.log(`  simpleParser alone: ${(bigOnly.cpuMs / 1000).toFixed(1)} CPU-s, peak RSS ${fmtMb(bigOnly.maxRssBytes)} (${(bigOnly.maxRssBytes / size).toFixed(2)}x)`);
  console.log(`  parseReport:        ${(bigIngest.cpuMs / 1000).toFixed(1)} CPU-s, peak RSS ${fmtMb(bigIngest.maxRssBytes)} (${(bigIngest.maxRssBytes / size).toFixed(2)}x, target <= 4x)`);
  const rssRatio = bigIngest.maxRssBytes / size;
  summary.large = { bytes: size, parseOnly: bigOnly, ingest: bigIngest, rssRatio: Number(rssRatio.toFixed(3)) };
  if (rssRatio > 4) missed = true;
  console.log(JSON.stringify(summary));
  if (missed) {
    console.log('a target was missed');
    process.exitCode = 1;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
