// The action catalog's types: one declaration per action drives commands, help, modals/input
// cards, result rendering, manifests, role checks and audit (shared/DESIGN.md §3).
import type { z } from 'zod';
import type { Actor } from '../store/types.ts';
import type { Logger } from '../log/logger.ts';

export type Risk = 'read' | 'change' | 'destructive';
export type Role = 'viewer' | 'analyst' | 'responder' | 'admin';

/** How a result is best shown: cards/ has one renderer per kind. */
export type ResultKind = 'text' | 'record' | 'table' | 'file';

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
  /** Environment variables the action needs; absent ones make it answer "not configured: set ...". */
  requires?: (vendors: V) => string[] | undefined;
  run(ctx: ActionContext<V>, params: z.infer<S>): Promise<ActionResult<T>>;
}
