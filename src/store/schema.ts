// Table types as Kysely sees them. Every column is dialect-neutral: ids are text (UUIDs), times are
// ISO-8601 text (sortable, identical on both databases), JSON is text, booleans are 0/1 integers.
export interface ReportsTable {
  id: string;
  dedupe_key: string;
  source: string;
  source_ref: string;
  status: string;
  parse_error: string | null;
  reported_by: string | null;
  original_attached: number;
  original: string;
  indicators: string;
  subject: string;
  from_address: string | null;
  internet_message_id: string | null;
  network_message_id: string | null;
  received_at: string;
  created_at: string;
}

export interface DecisionsTable {
  id: string;
  report_id: string;
  action: string;
  idempotency_key: string;
  state: string;
  requested_by: string;
  approved_by: string | null;
  attempts: number;
  outcome: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChatPostsTable {
  report_id: string;
  platform: string;
  state: string;
  channel: string | null;
  message_id: string | null;
  claimed_by: string | null;
  claimed_at: string;
  posted_at: string | null;
}

export interface CursorsTable {
  source: string;
  value: string;
  updated_at: string;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  params: string;
  result: string;
  detail: string | null;
  vendor_request_ids: string;
  prev_hash: string;
  hash: string;
}

export interface LocksTable {
  name: string;
  holder: string;
  expires_at: string;
}

export interface SeenEventsTable {
  key: string;
  expires_at: string;
}

export interface Database {
  reports: ReportsTable;
  decisions: DecisionsTable;
  chat_posts: ChatPostsTable;
  cursors: CursorsTable;
  audit_log: AuditLogTable;
  locks: LocksTable;
  seen_events: SeenEventsTable;
}
