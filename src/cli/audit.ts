// `hookline audit verify` and `hookline audit export --since ...`, on the database named by
// HOOKLINE_DATABASE_URL (the same .env and defaults as the bot). verify checks the hash chain and
// names the first broken entry (exit 1); export writes one JSON object per entry (JSON Lines) for
// a SIEM, secrets removed, to standard output or --out FILE.
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { silentLogger } from '../log/logger.ts';
import { Store } from '../store/store.ts';
import { auditSince, exportLine, verifyAuditChain } from '../policy/audit-chain.ts';
import { EXIT, UsageError, type CliCommand, type CliIo } from './command.ts';

const USAGE = `Usage: hookline audit verify
       hookline audit export --since WHEN [--until WHEN] [--out FILE]

  verify   checks the audit log's hash chain from the first entry to the last and names the
           first entry that was changed, deleted or inserted (exit 1), or says it is intact.
  export   writes the entries from WHEN on as JSON Lines (one entry per line, secrets removed,
           hashes kept) to standard output, or to FILE with --out.

WHEN is an ISO-8601 date or time (2026-05-01, 2026-05-01T08:00:00Z) or an age: 30m, 24h, 7d.
The database is HOOKLINE_DATABASE_URL (from the environment or .env; default sqlite:data/hookline.db).
Exit code: 0 intact / exported, 1 the chain is broken or the export failed, 2 wrong arguments.`;

/** `2026-05-01`, `2026-05-01T08:00:00Z`, `24h`, `7d`, `30m` -> ISO-8601 (UTC). */
export function parseWhen(value: string, now: Date = new Date()): string {
  const rel = /^(\d+)\s*([mhd])$/i.exec(value.trim());
  if (rel) {
    const ms = Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[(rel[2] as string).toLowerCase() as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - ms).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const v = value.trim();
    const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  throw new UsageError(`expected a date like 2026-05-01, a time like 2026-05-01T08:00:00Z or an age like 24h or 7d, got ${JSON.stringify(value)}`);
}

export interface AuditCommandDeps {
  /** Opens the store (tests pass their own); default: HOOKLINE_DATABASE_URL via the configuration. */
  openStore?: (io: CliIo) => Promise<Store>;
  now?: () => Date;
}

async function defaultStore(io: CliIo): Promise<Store> {
  const { config } = loadConfig(io.env as NodeJS.ProcessEnv, { cwd: io.cwd });
  return Store.open(config.database.url, silentLogger(), { cwd: io.cwd });
}

export async function runAuditCommand(argv: readonly string[], io: CliIo, deps: AuditCommandDeps = {}): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(USAGE);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub !== 'verify' && sub !== 'export') throw new UsageError(`unknown audit command ${JSON.stringify(sub)} (expected verify or export)`);
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], strict: true, allowPositionals: false, options: { since: { type: 'string' }, until: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  const now = deps.now?.() ?? new Date();
  let since: string | undefined;
  let until: string | undefined;
  if (sub === 'export') {
    if (!parsed.values.since) throw new UsageError('export needs --since (e.g. --since 24h or --since 2026-05-01)');
    since = parseWhen(parsed.values.since, now);
    if (parsed.values.until) until = parseWhen(parsed.values.until, now);
  } else if (parsed.values.since || parsed.values.until || parsed.values.out) {
    throw new UsageError('verify takes no options: it always checks the whole chain');
  }

  const store = await (deps.openStore ?? defaultStore)(io);
  try {
    if (sub === 'verify') {
      const r = await verifyAuditChain(store);
      if (r.ok) {
        io.out(r.entries === 0 ? 'The audit log is empty.' : `The audit log is intact: ${r.entries} entries, last #${r.head!.seq} (hash ${r.head!.hash.slice(0, 16)}…).`);
        return EXIT.ok;
      }
      io.err(`The audit log is BROKEN at entry #${r.broken.seq}: ${r.broken.reason}. The ${r.entries} entries before it are intact.`);
      return EXIT.failed;
    }
    // wx: never overwrite an earlier export.
    const out = parsed.values.out ? createWriteStream(path.resolve(io.cwd, parsed.values.out), { flags: 'wx' }) : undefined;
    if (out) {
      try {
        await once(out, 'open');
      } catch (err) {
        io.err(`Cannot write ${parsed.values.out}: ${(err as Error).message}`);
        return EXIT.failed;
      }
    }
    let n = 0;
    try {
      for await (const e of auditSince(store, since!, until)) {
        const line = exportLine(e);
        if (out) {
          if (!out.write(`${line}\n`)) await once(out, 'drain');
        } else io.out(line);
        n++;
      }
    } finally {
      if (out) {
        out.end();
        await once(out, 'close');
      }
    }
    if (out) io.err(`Wrote ${n} audit entries since ${since} to ${parsed.values.out}.`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'verify the audit log hash chain, or export entries as JSON Lines for a SIEM',
  usage: USAGE,
  run: (args, io) => runAuditCommand(args, io),
};
