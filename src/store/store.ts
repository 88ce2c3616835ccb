// The store: every durable thing Hookline knows, on SQLite (one machine) or PostgreSQL (replicas).
// Every method is safe under concurrency across processes: claims are INSERT .. ON CONFLICT DO
// NOTHING, state changes are conditional UPDATEs (WHERE state IN ...), so a second click or a
// second replica simply loses the race instead of doing the work twice.
import { randomUUID, createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import type { Logger } from '../log/logger.ts';
import type { ParsedReport } from '../ingest/types.ts';
import type { MessageRef } from '../chat/port.ts';
import { migrations } from './migrations.ts';
import { nodeSqlite } from './sqlite-driver.ts';
import type { Database, ReportsTable, DecisionsTable, AuditLogTable } from './schema.ts';
import type {
  Actor,
  AuditEntry,
  DecisionAction,
  DecisionOutcome,
  DecisionRecord,
  DecisionState,
  ReportRecord,
} from './types.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface NewReport {
  dedupeKey: string;
  source: string;
  sourceRef: string;
  parsed: ParsedReport;
  receivedAt?: string;
}

export interface NewAuditEntry {
  actor: Actor;
  action: string;
  params?: unknown;
  result: AuditEntry['result'];
  detail?: unknown;
  vendorRequestIds?: string[];
  at?: string;
}

export const GENESIS_HASH = '0'.repeat(64);

const now = () => new Date().toISOString();
const json = (v: unknown) => JSON.stringify(v ?? null);
const parse = <T>(v: string | null | undefined): T | undefined => (v == null ? undefined : (JSON.parse(v) as T) ?? undefined);

/** The canonical text an audit hash covers: field order is fixed here, never by object key order. */
export function auditHash(prevHash: string, e: Omit<AuditEntry, 'hash' | 'prevHash'>): string {
  const canonical = JSON.stringify([e.seq, e.at, e.actor, e.action, e.params ?? null, e.result, e.detail ?? null, e.vendorRequestIds]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

function toReport(r: ReportsTable): ReportRecord {
  return {
    id: r.id,
    dedupeKey: r.dedupe_key,
    source: r.source,
    sourceRef: r.source_ref,
    status: r.status as ReportRecord['status'],
    ...(r.parse_error ? { parseError: r.parse_error } : {}),
    ...(r.reported_by ? { reportedBy: parse(r.reported_by) } : {}),
    originalAttached: Number(r.original_attached) === 1,
    original: parse(r.original)!,
    indicators: parse(r.indicators)!,
    receivedAt: r.received_at,
    createdAt: r.created_at,
  };
}

function toDecision(r: DecisionsTable): DecisionRecord {
  return {
    id: r.id,
    reportId: r.report_id,
    action: r.action as DecisionAction,
    idempotencyKey: r.idempotency_key,
    state: r.state as DecisionState,
    requestedBy: parse<Actor>(r.requested_by)!,
    ...(r.approved_by ? { approvedBy: parse<Actor>(r.approved_by) } : {}),
    attempts: Number(r.attempts),
    ...(r.outcome ? { outcome: parse<DecisionOutcome>(r.outcome) } : {}),
    ...(r.error ? { error: r.error } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toAudit(r: AuditLogTable): AuditEntry {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: parse<Actor>(r.actor)!,
    action: r.action,
    params: parse(r.params) ?? null,
    result: r.result as AuditEntry['result'],
    ...(r.detail ? { detail: parse(r.detail) } : {}),
    vendorRequestIds: parse<string[]>(r.vendor_request_ids) ?? [],
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export class Store {
  readonly db: Kysely<Database>;
  readonly kind: StoreKind;
  private readonly log: Logger;

  private constructor(db: Kysely<Database>, kind: StoreKind, log: Logger) {
    this.db = db;
    this.kind = kind;
    this.log = log;
  }

  /**
   * Opens the database named by HOOKLINE_DATABASE_URL (`sqlite:path`, `sqlite::memory:`,
   * `postgres://...`) and applies the migrations.
   */
  static async open(url: string, log: Logger, opts: { cwd?: string; poolSize?: number } = {}): Promise<Store> {
    let db: Kysely<Database>;
    let kind: StoreKind;
    if (url.startsWith('sqlite:')) {
      const rest = url.slice('sqlite:'.length);
      const file = rest === ':memory:' ? ':memory:' : path.resolve(opts.cwd ?? process.cwd(), rest);
      if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
      const raw = new DatabaseSync(file);
      // WAL lets readers run beside the writer; busy_timeout makes a second process wait instead of failing.
      raw.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
      db = new Kysely<Database>({ dialect: new SqliteDialect({ database: nodeSqlite(raw) }) });
      kind = 'sqlite';
    } else if (/^postgres(ql)?:/.test(url)) {
      const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
      // An idle client error (server restart) must not crash the process; the pool reconnects.
      pool.on('error', (err) => log.warn({ err: err.message }, 'postgres pool error'));
      db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
      kind = 'postgres';
    } else {
      throw new Error('HOOKLINE_DATABASE_URL must start with sqlite: or postgres://');
    }
    const store = new Store(db, kind, log);
    await store.migrate();
    return store;
  }

  async migrate(): Promise<void> {
    const { error, results } = await new Migrator({ db: this.db, provider: migrations }).migrateToLatest();
    for (const r of results ?? []) if (r.status === 'Success') this.log.info({ migration: r.migrationName }, 'migration applied');
    if (error) throw error instanceof Error ? error : new Error(String(error));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** A cheap round trip, for /readyz. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  // ---------------------------------------------------------------- reports

  /** Stores a report unless one with the same dedupe key exists; returns the stored one either way. */
  async insertReport(n: NewReport): Promise<{ report: ReportRecord; created: boolean }> {
    const p = n.parsed;
    const row: ReportsTable = {
      id: randomUUID(),
      dedupe_key: n.dedupeKey,
      source: n.source,
      source_ref: n.sourceRef,
      status: p.status,
      parse_error: p.parseError ?? null,
      reported_by: p.reportedBy ? json(p.reportedBy) : null,
      original_attached: p.originalAttached ? 1 : 0,
      original: json(p.original),
      indicators: json(p.indicators),
      subject: p.original.subject ?? '',
      from_address: p.original.from?.address?.toLowerCase() ?? null,
      internet_message_id: p.original.internetMessageId ?? null,
      network_message_id: p.original.networkMessageId ?? null,
      received_at: n.receivedAt ?? now(),
      created_at: now(),
    };
    const inserted = await this.db
      .insertInto('reports')
      .values(row)
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { report: toReport(inserted), created: true };
    const existing = await this.db.selectFrom('reports').selectAll().where('dedupe_key', '=', n.dedupeKey).executeTakeFirstOrThrow();
    return { report: toReport(existing), created: false };
  }

  async getReport(id: string): Promise<ReportRecord | undefined> {
    const r = await this.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toReport(r) : undefined;
  }

  async getReportByDedupeKey(key: string): Promise<ReportRecord | undefined> {
    const r = await this.db.selectFrom('reports').selectAll().where('dedupe_key', '=', key).executeTakeFirst();
    return r ? toReport(r) : undefined;
  }

  async countReports(): Promise<number> {
    const r = await this.db.selectFrom('reports').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Reports not yet posted (nor being posted) to a platform, oldest first. */
  async reportsToPost(platform: string, limit: number): Promise<ReportRecord[]> {
    const rows = await this.db
      .selectFrom('reports')
      .selectAll('reports')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('chat_posts')
              .select('chat_posts.report_id')
              .whereRef('chat_posts.report_id', '=', 'reports.id')
              .where('chat_posts.platform', '=', platform),
          ),
        ),
      )
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toReport);
  }

  // ---------------------------------------------------------------- chat posts

  /**
   * Claims the right to post a report to a platform. Exactly one caller across replicas wins.
   * A claim older than `staleMs` that never became a post (its poster died) may be taken over.
   */
  async claimPost(reportId: string, platform: string, holder: string, staleMs = 5 * 60_000): Promise<boolean> {
    const at = now();
    const ins = await this.db
      .insertInto('chat_posts')
      .values({ report_id: reportId, platform, state: 'claimed', channel: null, message_id: null, claimed_by: holder, claimed_at: at, posted_at: null })
      .onConflict((oc) => oc.columns(['report_id', 'platform']).doNothing())
      .returning('report_id')
      .executeTakeFirst();
    if (ins) return true;
    const staleBefore = new Date(Date.now() - staleMs).toISOString();
    const upd = await this.db
      .updateTable('chat_posts')
      .set({ claimed_by: holder, claimed_at: at })
      .where('report_id', '=', reportId)
      .where('platform', '=', platform)
      .where('state', '=', 'claimed')
      .where('claimed_at', '<', staleBefore)
      .returning('report_id')
      .executeTakeFirst();
    return upd !== undefined;
  }

  async markPosted(reportId: string, ref: MessageRef): Promise<void> {
    await this.db
      .updateTable('chat_posts')
      .set({ state: 'posted', channel: ref.channel, message_id: ref.messageId, posted_at: now() })
      .where('report_id', '=', reportId)
      .where('platform', '=', ref.platform)
      .execute();
  }

  /** Gives a claim back after a failed post, so the next tick tries again. */
  async releasePost(reportId: string, platform: string, holder: string): Promise<void> {
    await this.db
      .deleteFrom('chat_posts')
      .where('report_id', '=', reportId)
      .where('platform', '=', platform)
      .where('state', '=', 'claimed')
      .where('claimed_by', '=', holder)
      .execute();
  }

  /** Where a report's cards were posted (one per platform). */
  async postsOf(reportId: string): Promise<MessageRef[]> {
    const rows = await this.db.selectFrom('chat_posts').selectAll().where('report_id', '=', reportId).where('state', '=', 'posted').execute();
    return rows.map((r) => ({ platform: r.platform, channel: r.channel ?? '', messageId: r.message_id ?? '' }));
  }

  async reportByPost(platform: string, channel: string, messageId: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('chat_posts')
      .select('report_id')
      .where('platform', '=', platform)
      .where('channel', '=', channel)
      .where('message_id', '=', messageId)
      .executeTakeFirst();
    return r?.report_id;
  }

  // ---------------------------------------------------------------- cursors

  async getCursor(source: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('cursors').select('value').where('source', '=', source).executeTakeFirst();
    return r?.value;
  }

  async setCursor(source: string, value: string): Promise<void> {
    await this.db
      .insertInto('cursors')
      .values({ source, value, updated_at: now() })
      .onConflict((oc) => oc.column('source').doUpdateSet({ value, updated_at: now() }))
      .execute();
  }

  // ---------------------------------------------------------------- decisions

  /**
   * Claims the decision for an idempotency key. `claimed` is true only for the one caller whose
   * row was inserted; everyone else gets the existing decision and must not call a vendor.
   */
  async claimDecision(d: {
    reportId: string;
    action: DecisionAction;
    idempotencyKey: string;
    requestedBy: Actor;
    state: DecisionState;
  }): Promise<{ decision: DecisionRecord; claimed: boolean }> {
    const at = now();
    const ins = await this.db
      .insertInto('decisions')
      .values({
        id: randomUUID(),
        report_id: d.reportId,
        action: d.action,
        idempotency_key: d.idempotencyKey,
        state: d.state,
        requested_by: json(d.requestedBy),
        approved_by: null,
        attempts: d.state === 'executing' ? 1 : 0,
        outcome: null,
        error: null,
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (ins) return { decision: toDecision(ins), claimed: true };
    const existing = await this.db
      .selectFrom('decisions')
      .selectAll()
      .where('idempotency_key', '=', d.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { decision: toDecision(existing), claimed: false };
  }

  /**
   * Moves a decision to a new state only if it is currently in one of `from`. Returns the updated
   * decision, or undefined when another caller got there first (the caller must then do nothing).
   */
  async transitionDecision(
    id: string,
    from: DecisionState[],
    patch: {
      state: DecisionState;
      action?: DecisionAction;
      outcome?: DecisionOutcome | null;
      error?: string | null;
      approvedBy?: Actor;
      requestedBy?: Actor;
      incrementAttempts?: boolean;
    },
    /** Appended in the same transaction, only if the transition happens: never one without the other. */
    audit?: (d: DecisionRecord) => NewAuditEntry,
  ): Promise<DecisionRecord | undefined> {
    const set: Record<string, unknown> = { state: patch.state, updated_at: now() };
    if (patch.action) set.action = patch.action;
    if (patch.outcome !== undefined) set.outcome = patch.outcome === null ? null : json(patch.outcome);
    if (patch.error !== undefined) set.error = patch.error;
    if (patch.approvedBy) set.approved_by = json(patch.approvedBy);
    if (patch.requestedBy) set.requested_by = json(patch.requestedBy);
    const run = async (db: Kysely<Database>) => {
      let q = db.updateTable('decisions').set(set).where('id', '=', id).where('state', 'in', from);
      if (patch.incrementAttempts) q = q.set((eb) => ({ attempts: eb('attempts', '+', 1) }));
      const r = await q.returningAll().executeTakeFirst();
      return r ? toDecision(r) : undefined;
    };
    if (!audit) return run(this.db);
    return this.withAuditRetry(() =>
      this.db.transaction().execute(async (tx) => {
        const d = await run(tx);
        if (d) await this.appendAuditIn(tx, audit(d));
        return d;
      }),
    );
  }

  async getDecision(id: string): Promise<DecisionRecord | undefined> {
    const r = await this.db.selectFrom('decisions').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toDecision(r) : undefined;
  }

  async latestDecision(reportId: string): Promise<DecisionRecord | undefined> {
    const r = await this.db
      .selectFrom('decisions')
      .selectAll()
      .where('report_id', '=', reportId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return r ? toDecision(r) : undefined;
  }

  // ---------------------------------------------------------------- audit log

  /**
   * Appends an entry chained to the previous one by SHA-256. Appends are serialised (an advisory
   * lock on PostgreSQL; SQLite has one writer), and `seq` is the primary key, so two appenders
   * can never both extend the same head.
   */
  async appendAudit(e: NewAuditEntry): Promise<AuditEntry> {
    return this.withAuditRetry(() => this.db.transaction().execute((tx) => this.appendAuditIn(tx, e)));
  }

  /** A concurrent appender on another SQLite connection can take the same seq: retry on the new head. */
  private async withAuditRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt < 5 && /unique|constraint|duplicate/i.test(String((err as Error).message))) continue;
        throw err;
      }
    }
  }

  private async appendAuditIn(tx: Transaction<Database>, e: NewAuditEntry): Promise<AuditEntry> {
    if (this.kind === 'postgres') await sql`select pg_advisory_xact_lock(hashtext('hookline.audit'))`.execute(tx);
    const head = await tx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const seq = head ? Number(head.seq) + 1 : 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    const body = {
      seq,
      at: e.at ?? now(),
      actor: e.actor,
      action: e.action,
      params: e.params ?? null,
      result: e.result,
      detail: e.detail ?? null,
      vendorRequestIds: e.vendorRequestIds ?? [],
    };
    const hash = auditHash(prevHash, body);
    await tx
      .insertInto('audit_log')
      .values({
        seq,
        at: body.at,
        actor: json(body.actor),
        action: body.action,
        params: json(body.params),
        result: body.result,
        detail: body.detail === null ? null : json(body.detail),
        vendor_request_ids: json(body.vendorRequestIds),
        prev_hash: prevHash,
        hash,
      })
      .execute();
    return { ...body, prevHash, hash } as AuditEntry;
  }

  async listAudit(opts: { afterSeq?: number; since?: string; limit?: number; order?: 'asc' | 'desc' } = {}): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (opts.afterSeq !== undefined) q = q.where('seq', '>', opts.afterSeq);
    if (opts.since) q = q.where('at', '>=', opts.since);
    const rows = await q.orderBy('seq', opts.order ?? 'asc').limit(opts.limit ?? 1000).execute();
    return rows.map(toAudit);
  }

  // ---------------------------------------------------------------- locks and dedupe

  /**
   * A lease across replicas: true when `holder` now holds `name` until ttl runs out. Used so a cron
   * tick runs once across replicas even on SQLite (no advisory locks there).
   */
  async tryLock(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const at = now();
    const expires = new Date(Date.now() + ttlMs).toISOString();
    const r = await this.db
      .insertInto('locks')
      .values({ name, holder, expires_at: expires })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: expires })
          .where((eb) => eb.or([eb('locks.expires_at', '<', at), eb('locks.holder', '=', holder)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return r?.holder === holder;
  }

  async unlock(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('locks').where('name', '=', name).where('holder', '=', holder).execute();
  }

  /**
   * Records an inbound event key (Slack retry, Socket Mode redelivery, Graph notification) and says
   * whether it is new. Keys are kept for `ttlMs`.
   */
  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    const at = now();
    const expires = new Date(Date.now() + ttlMs).toISOString();
    const r = await this.db
      .insertInto('seen_events')
      .values({ key, expires_at: expires })
      .onConflict((oc) => oc.column('key').doUpdateSet({ expires_at: expires }).where('seen_events.expires_at', '<', at))
      .returning('key')
      .executeTakeFirst();
    return r !== undefined;
  }

  async pruneSeen(): Promise<void> {
    await this.db.deleteFrom('seen_events').where('expires_at', '<', now()).execute();
  }
}
