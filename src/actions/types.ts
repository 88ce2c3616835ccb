// The action catalog's types: one declaration per action drives commands, help, modals/input
// cards, result rendering, manifests, role checks and audit (shared/DESIGN.md §3).
import type { z } from 'zod';
import type { Actor, DecisionAction } from '../store/types.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../log/logger.ts';

export type Risk = 'read' | 'change' | 'destructive';
export type Role = 'viewer' | 'analyst' | 'responder' | 'admin';

/** How a result is best shown: cards/ has one renderer per kind. */
export type ResultKind = 'text' | 'record' | 'table' | 'file';

/** `kind: 'table'` results carry this: cards render it as a table, paginated within platform limits. */
export interface TableData {
  columns: { key: string; title: string }[];
  rows: Record<string, string | number | boolean | null>[];
  /** The vendor's total when it says, for "showing 50 of 1,234". */
  total?: number;
  /** More pages exist at the vendor (the page token to continue from). */
  nextPageToken?: string;
}

/** `kind: 'record'` results: one object, shown as labelled fields (nested values summarised). */
export type RecordData = Record<string, unknown>;

/** `kind: 'file'` results: uploaded to the conversation (Slack files.uploadV2, Teams attachment). */
export interface FileData {
  filename: string;
  contentType: string;
  bytes: Buffer;
  /** Shown with the upload, e.g. "zip password: infected". */
  comment?: string;
}

export interface ActionResult<T = unknown> {
  /** One line for the card / audit ("soft-deleted in 35 of 35 mailboxes"). */
  summary: string;
  kind: ResultKind;
  data: T;
  /** Some items succeeded and some failed: shown as such, never as a plain success. */
  partial?: boolean;
  /** Request ids the vendors returned, for the audit log. */
  vendorRequestIds?: string[];
}

export interface ActionContext<V = unknown> {
  actor: Actor;
  /** The configured vendor clients (src/vendors/registry.ts); an absent vendor is undefined. */
  vendors: V;
  store: Store;
  log: Logger;
  /** HOOKLINE_DRY_RUN: destructive vendor calls are described, not sent. */
  dryRun: boolean;
  signal?: AbortSignal;
}

export interface ActionDef<S extends z.ZodType = z.ZodType, T = unknown, V = unknown> {
  /** `vendor.verb-noun`, e.g. `o365.quarantine-report`, `mimecast.release-message`. */
  id: string;
  /** The command word for the vendor (`o365`, `mimecast`, `cofense`, `report`). */
  vendor: string;
  /** The command word for the action (`release-message`). */
  name: string;
  title: string;
  summary: string;
  params: S;
  risk: Risk;
  role: Role;
  /**
   * Set on the card buttons' actions (report.approve / quarantine / block): invoking them from a
   * command goes through the decision state machine (claim, four-eyes, audit), never straight to run().
   */
  decision?: DecisionAction;
  /** Environment variables the action needs; absent ones make it answer "not configured: set ...". */
  requires?: (vendors: V) => string[] | undefined;
  run(ctx: ActionContext<V>, params: z.infer<S>): Promise<ActionResult<T>>;
}
