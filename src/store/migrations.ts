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

// 0002: the Graph change-notification subscription of each mailbox source (issue #3): one row per
// source, so a restart renews the same subscription instead of creating another. The clientState
// is kept only as its SHA-256: notifications are checked against the hash, the secret is never
// stored or logged in clear.
const m0002: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('graph_subscriptions')
      .addColumn('source', 'text', (c) => c.primaryKey())
      .addColumn('subscription_id', 'text', (c) => c.notNull().unique())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('notification_url', 'text', (c) => c.notNull())
      .addColumn('client_state_sha256', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};

// 0003: where the Teams bot is installed (team channel, group chat, personal chat), so cron jobs can
// post proactively with the conversation's own serviceUrl; `status` goes to 'gone' when Teams says
// the bot is no longer in the conversation (issue #9). `alerts` = 1 marks "set alerts here".
const m0003: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('teams_installations')
      .addColumn('conversation_id', 'text', (c) => c.primaryKey())
      .addColumn('service_url', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text')
      .addColumn('bot_id', 'text')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text')
      .addColumn('name', 'text')
      .addColumn('user_aad_id', 'text')
      .addColumn('user_mri', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('alerts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('gone_reason', 'text')
      .addColumn('installed_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('teams_installations_user').on('teams_installations').column('user_aad_id').execute();
  },
};

// 0004: command results kept for a day so a "more" button can page through a long result and
// ask the vendor for its next page (issue #8). JSON as text; times as ISO-8601 text.
const m0004: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('command_results')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('action_id', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('params', 'text')
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('command_results_expires').on('command_results').column('expires_at').execute();
  },
};

// 0005: dedupe and campaigns (issue #3 item 4, docs/decisions/0007). campaigns: one row per
// cluster key (unique: concurrent reports of one phish find the same row), with the report that
// opened it (its card is the campaign card) and running counts. report_reporters: one row per
// reporting (keyed by the source message, so a re-ingest counts once); a second reporter of the
// same original adds a row here, not a report. report_originals: which report holds an original
// (Message-ID or content hash). campaign_reporters makes the distinct-reporter count race-free.
// campaign_cards: how many reports each platform's campaign card has announced. reports gains a
// nullable campaign_id (ALTER TABLE ADD COLUMN: portable, existing rows stay NULL).
const m0005: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('campaigns')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cluster_key', 'text', (c) => c.notNull().unique())
      .addColumn('lead_report_id', 'text', (c) => c.notNull())
      .addColumn('first_seen', 'text', (c) => c.notNull())
      .addColumn('last_seen', 'text', (c) => c.notNull())
      .addColumn('report_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('reporter_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('campaigns_last_seen').on('campaigns').column('last_seen').execute();
    await db.schema.alterTable('reports').addColumn('campaign_id', 'text').execute();
    await db.schema.createIndex('reports_campaign').on('reports').column('campaign_id').execute();

    await db.schema
      .createTable('report_reporters')
      .addColumn('source_key', 'text', (c) => c.primaryKey())
      .addColumn('report_id', 'text', (c) => c.notNull())
      .addColumn('reporter', 'text')
      .addColumn('reported_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('report_reporters_report').on('report_reporters').columns(['report_id', 'reported_at']).execute();

    await db.schema
      .createTable('report_originals')
      .addColumn('original_key', 'text', (c) => c.primaryKey())
      .addColumn('report_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('campaign_reporters')
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('reporter', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('campaign_reporters_pk', ['campaign_id', 'reporter'])
      .execute();

    await db.schema
      .createTable('campaign_cards')
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('announced_count', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('campaign_cards_pk', ['campaign_id', 'platform'])
      .execute();
  },
};

// 0006: containment (issue #4). A report that nobody decided within the policy's SLA is escalated
// once: the row is the claim (INSERT .. ON CONFLICT DO NOTHING), so replicas never ping the
// on-call group twice. The index serves the approval-expiry sweep (pending requests by age).
// Approval requests, previews and undo records live in decisions.outcome (JSON), so each change of
// them is committed together with its audit entry (docs/decisions/0006).
const m0006: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('sla_escalations')
      .addColumn('report_id', 'text', (c) => c.primaryKey().references('reports.id'))
      .addColumn('due_at', 'text', (c) => c.notNull())
      .addColumn('sla_minutes', 'integer', (c) => c.notNull())
      .addColumn('escalated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('decisions_state').on('decisions').columns(['state', 'created_at']).execute();
  },
};

// 0007: events fetched on a schedule (issue #5). trace_events: Graph message trace rows, one per
// (trace id, recipient), so a re-fetched overlap is skipped by the primary key. activity_events:
// Office 365 Management Activity audit records by their Id; MailSubmission records (type 29) keep
// the Internet Message-ID they name (normalised: no brackets, lower case) and the network message
// id, so they are found from a report whichever of the two arrived first.
const m0007: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('trace_events')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('trace_id', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('sender', 'text')
      .addColumn('message_id', 'text')
      .addColumn('imid_key', 'text')
      .addColumn('subject', 'text')
      .addColumn('status', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('size', 'integer')
      .addColumn('from_ip', 'text')
      .addColumn('to_ip', 'text')
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('trace_events_received').on('trace_events').column('received_at').execute();
    await db.schema.createIndex('trace_events_imid').on('trace_events').column('imid_key').execute();

    await db.schema
      .createTable('activity_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('content_id', 'text', (c) => c.notNull())
      .addColumn('record_type', 'integer', (c) => c.notNull())
      .addColumn('workload', 'text')
      .addColumn('operation', 'text')
      .addColumn('user_id', 'text')
      .addColumn('creation_time', 'text', (c) => c.notNull())
      .addColumn('imid_key', 'text')
      .addColumn('network_message_id', 'text')
      .addColumn('report_id', 'text')
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('activity_events_type_time').on('activity_events').columns(['record_type', 'creation_time']).execute();
    await db.schema.createIndex('activity_events_imid').on('activity_events').column('imid_key').execute();
    await db.schema.createIndex('activity_events_nmid').on('activity_events').column('network_message_id').execute();
    await db.schema.createIndex('activity_events_report').on('activity_events').column('report_id').execute();
  },
};

// Short-lived downloads of file results (Teams cannot take an uploaded file from a bot in a channel).
const m0008: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('file_downloads')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('file_downloads_expiry').on('file_downloads').column('expires_at').execute();
  },
};

export const migrations: MigrationProvider = {
  async getMigrations() {
    return { '0001_initial': m0001, '0002_graph_subscriptions': m0002, '0003_teams_installations': m0003, '0004_command_results': m0004, '0005_campaigns': m0005, '0006_containment': m0006, '0007_fetched_events': m0007, '0008_file_downloads': m0008 };
  },
};
