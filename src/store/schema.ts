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
  /** The campaign (migration 0005); optional here because Store.insertReport leaves it NULL. */
  campaign_id?: string | null;
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

/** A command result kept for paging ("more" buttons); see src/store/command-results.ts. */
export interface CommandResultsTable {
  id: string;
  action_id: string;
  /** JSON Actor of the person who ran it. */
  actor: string;
  /** JSON parameters to ask the vendor for the next page; null when they held a secret. */
  params: string | null;
  /** JSON ActionResult (file bytes are never stored). */
  result: string;
  created_at: string;
  expires_at: string;
}

/** Where the Teams bot is installed; see src/store/teams-installations.ts. */
export interface TeamsInstallationsTable {
  conversation_id: string;
  service_url: string;
  tenant_id: string | null;
  /** The bot's id in the conversation (`28:<app id>`). */
  bot_id: string | null;
  /** personal | groupChat | channel */
  scope: string;
  team_id: string | null;
  /** Team / channel / chat name when Teams sent one (display only). */
  name: string | null;
  /** Personal scope: the user's Entra object id and Teams MRI (29:…). */
  user_aad_id: string | null;
  user_mri: string | null;
  /** active | gone */
  status: string;
  /** 1: "set alerts here" was said in this conversation. */
  alerts: number;
  gone_reason: string | null;
  installed_at: string;
  updated_at: string;
}

/** A Graph change-notification subscription per mailbox source; see src/store/graph-subscriptions.ts. */
export interface GraphSubscriptionsTable {
  /** The source name (`graph:<mailbox>:<folder>`): one subscription per source. */
  source: string;
  subscription_id: string;
  resource: string;
  notification_url: string;
  /** Hex SHA-256 of the clientState secret (the secret itself is never stored). */
  client_state_sha256: string;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

/** One row per report escalated for missing its decision SLA; see src/store/sla-escalations.ts. */
export interface SlaEscalationsTable {
  report_id: string;
  /** When the decision was due (report created + sla minutes). */
  due_at: string;
  sla_minutes: number;
  escalated_at: string;
}

/** A Graph message trace row fetched on a schedule; see src/store/trace-events.ts. */
export interface TraceEventsTable {
  /** `<trace id>|<recipient, lower case>`: one row per recipient of a traced message. */
  key: string;
  trace_id: string;
  recipient: string;
  sender: string | null;
  /** The Internet Message-ID as Graph gives it (with brackets). */
  message_id: string | null;
  /** message_id without brackets, lower case (for matching reports). */
  imid_key: string | null;
  subject: string | null;
  status: string | null;
  received_at: string;
  size: number | null;
  from_ip: string | null;
  to_ip: string | null;
  fetched_at: string;
}

/** An Office 365 Management Activity audit record; see src/store/activity-events.ts. */
export interface ActivityEventsTable {
  /** The record's Id. */
  id: string;
  content_type: string;
  content_id: string;
  record_type: number;
  workload: string | null;
  operation: string | null;
  user_id: string | null;
  creation_time: string;
  /** Internet Message-ID named by the record, without brackets, lower case. */
  imid_key: string | null;
  network_message_id: string | null;
  /** The report it was linked to (MailSubmission), once one matched. */
  report_id: string | null;
  /** The whole record as JSON. */
  record: string;
  fetched_at: string;
}

/** One campaign per cluster key (src/ingest/campaigns.ts); see src/store/campaigns.ts. */
export interface CampaignsTable {
  id: string;
  cluster_key: string;
  /** The report that opened the campaign: its card is the campaign card. */
  lead_report_id: string;
  first_seen: string;
  last_seen: string;
  /** Reportings (report_reporters rows) of all the campaign's reports. */
  report_count: number;
  /** Distinct reporter addresses (campaign_reporters rows). */
  reporter_count: number;
  created_at: string;
}

/** One row per reporting: a source message that reported a report (the first one, or a later reporter). */
export interface ReportReportersTable {
  /** The source's dedupe key (`graph:<id>`, `http:<sha256>`): a re-ingest counts once. */
  source_key: string;
  report_id: string;
  /** The reporter's address, lower case; null when the report does not say who sent it. */
  reporter: string | null;
  reported_at: string;
}

/** Which report holds an original message (`imid:...` or `content:...`). */
export interface ReportOriginalsTable {
  original_key: string;
  report_id: string;
  created_at: string;
}

export interface CampaignReportersTable {
  campaign_id: string;
  reporter: string;
}

/** How many reports the campaign card on a platform has announced (thread replies say the rest). */
export interface CampaignCardsTable {
  campaign_id: string;
  platform: string;
  announced_count: number;
  updated_at: string;
}

export interface FileDownloadsTable {
  /** SHA-256 of the link token: the token itself is never stored. */
  token_hash: string;
  filename: string;
  content_type: string;
  /** base64 (portable across both databases). */
  data: string;
  size: number;
  created_by: string;
  expires_at: string;
}

export interface Database {
  file_downloads: FileDownloadsTable;
  reports: ReportsTable;
  decisions: DecisionsTable;
  chat_posts: ChatPostsTable;
  cursors: CursorsTable;
  audit_log: AuditLogTable;
  locks: LocksTable;
  seen_events: SeenEventsTable;
  graph_subscriptions: GraphSubscriptionsTable;
  command_results: CommandResultsTable;
  teams_installations: TeamsInstallationsTable;
  sla_escalations: SlaEscalationsTable;
  trace_events: TraceEventsTable;
  activity_events: ActivityEventsTable;
  campaigns: CampaignsTable;
  report_reporters: ReportReportersTable;
  report_originals: ReportOriginalsTable;
  campaign_reporters: CampaignReportersTable;
  campaign_cards: CampaignCardsTable;
}
