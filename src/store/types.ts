// Records as the store hands them out, the same on SQLite and PostgreSQL (the store normalises
// booleans, timestamps and JSON columns so callers never see a dialect difference).
import type { Indicators, MailSummary, ParseStatus } from '../ingest/types.ts';

export type Platform = 'slack' | 'teams' | 'console' | 'cli' | 'system';

/** Who did something. `groups` are the platform's user-group / Entra group ids, for role mapping. */
export interface Actor {
  platform: Platform;
  id: string;
  name?: string;
  groups?: string[];
}

export interface ReportRecord {
  id: string;
  /** Unique: the source's immutable id, so the same message ingested twice is one report. */
  dedupeKey: string;
  source: string;
  sourceRef: string;
  status: ParseStatus;
  parseError?: string;
  reportedBy?: { address: string; name?: string };
  originalAttached: boolean;
  original: MailSummary;
  indicators: Indicators;
  receivedAt: string;
  createdAt: string;
}

export type DecisionAction = 'approve' | 'quarantine' | 'block';

export type DecisionState =
  | 'pending_second_approval'
  | 'executing'
  | 'done'
  | 'failed'
  | 'dismissed'
  | 'expired'
  | 'escalated';

export interface DecisionRecord {
  id: string;
  reportId: string;
  action: DecisionAction;
  /** Unique: concurrent clicks on one card compute the same key, so only one claims it. */
  idempotencyKey: string;
  state: DecisionState;
  requestedBy: Actor;
  approvedBy?: Actor;
  attempts: number;
  /** Vendor outcome (per vendor, per recipient), as the playbook reported it. */
  outcome?: DecisionOutcome;
  /** Why it failed, in words for the card (never a secret). */
  error?: string;
  createdAt: string;
  updatedAt: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: Actor;
  action: string;
  /** Parameters with secrets removed. */
  params: unknown;
  result: 'ok' | 'denied' | 'failed' | 'info';
  detail?: unknown;
  vendorRequestIds: string[];
  prevHash: string;
  hash: string;
}

export type StepStatus = 'ok' | 'partial' | 'failed' | 'skipped' | 'dry-run';

/** What one vendor call of a playbook did. */
export interface VendorStepOutcome {
  vendor: string;
  /** `graph.remediate`, `mimecast.release-message`, ... */
  step: string;
  status: StepStatus;
  /** One line for the card ("soft-delete submitted for 3 mailboxes"). */
  detail: string;
  recipients?: { address: string; status: 'ok' | 'failed'; error?: string }[];
  requestId?: string;
}

export interface DecisionOutcome {
  steps: VendorStepOutcome[];
}
