// REPORT_DIR: a folder whose .eml / .msg files are ingested (local pipelines, the sandbox).
// Implements the Source contract (../source.ts). The folder itself is the cursor: a file still in
// REPORT_DIR is not done. Each file is read, committed with ingestRaw() (sourceRef = SHA-256 of
// its bytes, so the same mail dropped twice is one report), and only THEN moved to processed/.
// A crash between the commit and the move leaves the file in place; the next round recognises it
// (dedupe), stores nothing new and moves it. A file that cannot even be read, or is over the size
// limit, goes to failed/ with <name>.reason.txt beside it; a readable file that is not mail becomes
// an unparseable report like any other (and goes to processed/).
//
// Partially written files are never read: a file is taken once neither its size nor its mtime has
// changed for `settleMs` (by its mtime, or, when the mtime is in the future, by how long this
// process has seen it unchanged). Writers should still write `name.eml.part` and rename it.
//
// fs.watch is lossy (events are dropped under load, on network file systems, when the watcher
// dies), so it only asks for an earlier round: the scheduled poll rescans the whole folder as
// the safety net, and a round that saw an unsettled file schedules its own re-check.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../log/logger.ts';
import { ingestRaw, sha256, type IngestDeps } from '../pipeline.ts';
import { SharedRound, emptyPollResult, type PollResult, type Source } from '../source.ts';
import { RoundTrigger } from './round-trigger.ts';

export const REPORT_FILE = /\.(eml|msg)$/i;
export const DEFAULT_SETTLE_MS = 2000;

export interface FolderSourceOptions {
  /** REPORT_DIR, absolute. */
  dir: string;
  /** Larger files go to failed/ unread (HOOKLINE_MAX_REPORT_BYTES). */
  maxBytes: number;
  /** How long a file must stay unchanged before it is read (default 2000 ms). */
  settleMs?: number;
  /** The clock (ms since the epoch); tests pass a fixed one. */
  now?: () => number;
}

interface Candidate {
  name: string;
  file: string;
  size: number;
  mtimeMs: number;
}

export class FolderSource implements Source {
  readonly name: string;
  readonly kind = 'folder';
  readonly dir: string;
  readonly processedDir: string;
  readonly failedDir: string;
  private readonly deps: IngestDeps;
  private readonly log: Logger;
  private readonly maxBytes: number;
  private readonly settleMs: number;
  private readonly now: () => number;
  private readonly shared = new SharedRound(() => this.round());
  private readonly trigger: RoundTrigger;
  /** Last (size, mtime) seen per file name, and since when. */
  private readonly observed = new Map<string, { size: number; mtimeMs: number; since: number }>();
  /** Files that could not be moved to failed/ either: logged once, not every round. */
  private readonly stuck = new Set<string>();
  private watcher: FSWatcher | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private dirsReady = false;
  private closed = false;

  constructor(deps: IngestDeps, opts: FolderSourceOptions) {
    this.deps = deps;
    this.log = deps.log;
    this.dir = path.resolve(opts.dir);
    this.processedDir = path.join(this.dir, 'processed');
    this.failedDir = path.join(this.dir, 'failed');
    this.maxBytes = opts.maxBytes;
    this.settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
    this.now = opts.now ?? Date.now;
    this.name = `folder:${this.dir}`;
    this.trigger = new RoundTrigger(this.name, () => this.poll(), this.log);
  }

  poll(): Promise<PollResult> {
    return this.shared.start();
  }

  /** Creates the folders, watches REPORT_DIR and runs a first round. */
  async start(): Promise<void> {
    await this.ensureDirs();
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => this.trigger.request());
      this.watcher.on('error', (err) => {
        this.log.warn({ source: this.name, err: err.message }, 'watching REPORT_DIR failed; the scheduled rescan still picks files up');
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.log.warn({ source: this.name, err: (err as Error).message }, 'cannot watch REPORT_DIR; relying on the scheduled rescan');
    }
    this.trigger.request();
  }

  /** Resolves when no watch-triggered round is running or queued (tests). */
  settled(): Promise<void> {
    return this.trigger.settled();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.recheck) clearTimeout(this.recheck);
    await this.trigger.settled();
    await this.shared.settled();
  }

  private async ensureDirs(): Promise<void> {
    if (this.dirsReady) return;
    try {
      await mkdir(this.processedDir, { recursive: true });
      await mkdir(this.failedDir, { recursive: true });
    } catch (err) {
      throw new Error(`REPORT_DIR ${this.dir} cannot be used: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    this.dirsReady = true;
  }

  private async round(): Promise<PollResult> {
    await this.ensureDirs();
    const result = emptyPollResult();
    const candidates = await this.list();
    for (const f of candidates) {
      if (!this.isSettled(f)) {
        result.pending++;
        continue;
      }
      if (f.size > this.maxBytes) {
        await this.fail(f, `the file is ${f.size} bytes, over the limit of ${this.maxBytes} bytes (HOOKLINE_MAX_REPORT_BYTES)`);
        result.skipped++;
        continue;
      }
      let raw: Buffer;
      try {
        raw = await readFile(f.file);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue; // taken away meanwhile: nothing to do
        await this.fail(f, `the file cannot be read (${code ?? (err as Error).message})`);
        result.skipped++;
        continue;
      }
      if (raw.length !== f.size) {
        // Still being written after all: look again once it settles.
        this.observed.delete(f.name);
        result.pending++;
        continue;
      }
      const ref = sha256(raw);
      const { report, created } = await ingestRaw(this.deps, { source: this.kind, sourceRef: ref, raw, receivedAt: new Date(f.mtimeMs).toISOString() });
      // Committed: only now may the file leave REPORT_DIR. If the move fails, the file stays and
      // the next round recognises it (dedupe) and tries the move again.
      try {
        await this.move(f, this.processedDir, ref);
      } catch (err) {
        this.log.warn({ source: this.name, file: f.name, reportId: report.id, err: (err as Error).message }, 'report stored, but the file could not be moved to processed/');
      }
      if (created) result.ingested++;
      else this.log.info({ source: this.name, reportId: report.id }, 'file was already ingested; moved to processed/');
    }
    if (result.pending) this.scheduleRecheck();
    if (result.ingested || result.skipped) this.log.info({ source: this.name, ...result }, 'REPORT_DIR scanned');
    return result;
  }

  /** Report files directly in REPORT_DIR, oldest first. */
  private async list(): Promise<Candidate[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const out: Candidate[] = [];
    const present = new Set<string>();
    for (const e of entries) {
      if (!e.isFile() || e.name.startsWith('.') || !REPORT_FILE.test(e.name)) continue;
      present.add(e.name);
      const file = path.join(this.dir, e.name);
      try {
        const st = await stat(file);
        out.push({ name: e.name, file, size: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // vanished between readdir and stat
      }
    }
    for (const name of this.observed.keys()) if (!present.has(name)) this.observed.delete(name);
    return out.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  }

  /** True once the file has not changed for settleMs. */
  private isSettled(f: Candidate): boolean {
    const t = this.now();
    const prev = this.observed.get(f.name);
    if (!prev || prev.size !== f.size || prev.mtimeMs !== f.mtimeMs) {
      this.observed.set(f.name, { size: f.size, mtimeMs: f.mtimeMs, since: t });
      return t - f.mtimeMs >= this.settleMs;
    }
    return t - f.mtimeMs >= this.settleMs || t - prev.since >= this.settleMs;
  }

  private scheduleRecheck(): void {
    if (this.recheck || this.closed) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      this.trigger.request();
    }, this.settleMs + 50);
    this.recheck.unref();
  }

  private async fail(f: Candidate, reason: string): Promise<void> {
    try {
      const target = await this.move(f, this.failedDir, String(Math.floor(this.now())));
      await writeFile(`${target}.reason.txt`, `${reason}\nfile: ${f.name}\nsize: ${f.size} bytes\nat: ${new Date(this.now()).toISOString()}\n`);
      this.log.warn({ source: this.name, file: f.name, reason }, 'file moved to failed/');
    } catch (err) {
      if (!this.stuck.has(f.name)) this.log.error({ source: this.name, file: f.name, reason, err: (err as Error).message }, 'file cannot be ingested and cannot be moved to failed/');
      this.stuck.add(f.name);
    }
  }

  /** Moves a file into `dir` without overwriting anything there; returns the new path. */
  private async move(f: Candidate, dir: string, tag: string): Promise<string> {
    const ext = path.extname(f.name);
    const stem = f.name.slice(0, f.name.length - ext.length);
    for (const name of [f.name, `${stem}.${tag.slice(0, 12)}${ext}`, `${stem}.${tag.slice(0, 12)}.${this.now()}${ext}`]) {
      const target = path.join(dir, name);
      if (await exists(target)) continue;
      await rename(f.file, target);
      this.observed.delete(f.name);
      return target;
    }
    throw new Error(`no free name for ${f.name} in ${dir}`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
