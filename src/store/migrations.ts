// The one migration set, applied at start-up on SQLite and PostgreSQL alike. Only portable column
// types are used (text, integer) so the same migration runs on both. Never edit a released
// migration: add a new one.
import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';

const m0001: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('reports')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('source_ref', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('parse_error', 'text')
      .addColumn('reported_by', 'text')
      .addColumn('original_attached', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('original', 'text', (c) => c.notNull())
      .addColumn('indicators', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('from_address', 'text')
      .addColumn('internet_message_id', 'text')
      .addColumn('network_message_id', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('reports_created_at').on('reports').column('created_at').execute();
    await db.schema.createIndex('reports_imid').on('reports').column('internet_message_id').execute();

    await db.schema
      .createTable('decisions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('approved_by', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('outcome', 'text')
      .addColumn('error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('decisions_report').on('decisions').columns(['report_id', 'created_at']).execute();

    await db.schema
      .createTable('chat_posts')
      .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('channel', 'text')
      .addColumn('message_id', 'text')
      .addColumn('claimed_by', 'text')
      .addColumn('claimed_at', 'text', (c) => c.notNull())
      .addColumn('posted_at', 'text')
      .addPrimaryKeyConstraint('chat_posts_pk', ['report_id', 'platform'])
      .execute();

    await db.schema
      .createTable('cursors')
      .addColumn('source', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('vendor_request_ids', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('locks')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('seen_events')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
  },
};

export const migrations: MigrationProvider = {
  async getMigrations() {
    return { '0001_initial': m0001 };
  },
};
