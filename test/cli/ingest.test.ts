// `hookline ingest`: in-process through runCli (every branch), and once through the real bin as a
// user runs it. It must print one JSON object per input file and never store or post anything.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, helpText } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/command.ts';
import type { IngestLine } from '../../src/cli/ingest.ts';
import { sha256 } from '../../src/ingest/pipeline.ts';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
const FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'mail');
const BIN = path.join(projectRoot, 'bin', 'hookline.mjs');

function io(cwd: string, env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (l) => void out.push(l), err: (l) => void err.push(l), cwd, env };
  return { io: value, out, err };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-cli-'));
  mkdirSync(path.join(dir, 'in', 'nested'), { recursive: true });
  copyFileSync(path.join(FIXTURES, 'report-rfc822.eml'), path.join(dir, 'in', 'report.eml'));
  copyFileSync(path.join(FIXTURES, 'plain-phish.eml'), path.join(dir, 'in', 'nested', 'plain.EML'));
  writeFileSync(path.join(dir, 'in', 'garbage.msg'), Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0x00, 0x01]));
  writeFileSync(path.join(dir, 'in', 'readme.txt'), 'not mail');
});

describe('hookline ingest', () => {
  it('--json prints one object per report file (recursively, sorted), with report fields and indicators', async () => {
    const c = io(dir);
    expect(await runCli(['ingest', 'in', '--json'], c.io)).toBe(0);
    expect(c.err).toEqual([]);
    const lines = c.out.map((l) => JSON.parse(l) as IngestLine);
    expect(lines.map((l) => l.file)).toEqual([path.join('in', 'garbage.msg'), path.join('in', 'nested', 'plain.EML'), path.join('in', 'report.eml')]);
    const report = lines[2]!;
    const raw = readFileSync(path.join(dir, 'in', 'report.eml'));
    expect(report).toMatchObject({ status: 'parsed', originalAttached: true, bytes: raw.length, sha256: sha256(raw) });
    expect(report.original.subject).toBe('Mailbox quota warning');
    expect(report.indicators.urls.length).toBeGreaterThan(0);
    expect(report.indicators.domains.length).toBeGreaterThan(0);
    expect(lines[0]).toMatchObject({ status: 'unparseable' });
    expect(lines[0]!.parseError).toBeTruthy();
  });

  it('takes a file named on the command line whatever its extension; reports a missing one and exits 1 after the rest', async () => {
    const c = io(dir);
    expect(await runCli(['ingest', '--json', 'in/readme.txt', 'missing.eml', 'in/report.eml'], c.io)).toBe(1);
    const lines = c.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ file: 'in/readme.txt', status: 'unparseable' });
    expect(lines[1]).toEqual({ file: 'missing.eml', error: 'no such file or directory' });
    expect(lines[2]).toMatchObject({ file: 'in/report.eml', status: 'parsed' });
  });

  it('refuses a file over --max-bytes without reading it', async () => {
    const c = io(dir);
    expect(await runCli(['ingest', '--json', '--max-bytes', '1KiB', 'in/nested/plain.EML'], c.io)).toBe(1);
    expect(JSON.parse(c.out[0]!)).toEqual({ file: path.join('in', 'nested', 'plain.EML'), error: expect.stringMatching(/over the limit of 1024 bytes/) });
  });

  it('prints a one-line summary per file without --json, quoting the untrusted subject', async () => {
    writeFileSync(path.join(dir, 'ansi.eml'), 'From: x@evil.example\r\nSubject: \u001b[31mred\u001b[0m\r\n\r\nhello https://evil.example/x\r\n');
    const c = io(dir);
    expect(await runCli(['ingest', 'ansi.eml', 'in/report.eml'], c.io)).toBe(0);
    expect(c.out).toHaveLength(2);
    expect(c.out[0]).toMatch(/^ansi\.eml: parsed, subject "\\u001b\[31mred\\u001b\[0m", from "x@evil\.example"; 1 URLs/);
    expect(c.out.join('\n')).not.toContain('\u001b');
  });

  it('wrong arguments exit 2 with the usage; help exits 0', async () => {
    let c = io(dir);
    expect(await runCli(['ingest'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/name at least one FILE or DIR[\s\S]*Usage: hookline ingest/);
    c = io(dir);
    expect(await runCli(['ingest', '--bogus', 'x'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/Unknown option '--bogus'/);
    c = io(dir);
    expect(await runCli(['ingest', '--max-bytes', 'lots', 'x'], c.io)).toBe(2);
    c = io(dir);
    expect(await runCli(['ingest', '--help'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^Usage: hookline ingest/);
  });
});

describe('hookline dispatcher', () => {
  it('lists its commands in help, and explains an unknown command', async () => {
    expect(helpText()).toMatch(/ingest\s+parse \.eml\/\.msg files/);
    let c = io(dir);
    expect(await runCli(['help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toContain('Usage: hookline COMMAND');
    c = io(dir);
    expect(await runCli(['help', 'ingest'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^Usage: hookline ingest/);
    c = io(dir);
    expect(await runCli([], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain('Commands:');
    c = io(dir);
    expect(await runCli(['frobnicate'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/unknown command "frobnicate"/);
  });
});

describe('bin/hookline.mjs', () => {
  it('runs as a user runs it: JSON lines on stdout, exit 0, and no database anywhere', () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'hookline-cli-bin-'));
    const r = spawnSync(process.execPath, [BIN, 'ingest', path.join(dir, 'in'), '--json'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOOKLINE_DATABASE_URL: 'sqlite:data/hookline.db' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(existsSync(path.join(cwd, 'data'))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
