// Shared pieces of the o365.* catalog actions (seed 000, "EWS for Office 365"): the backend choice,
// the seed's common parameters with their limits and help text, result tables, and dry runs.
//
// Two backends serve the same actions (shared/reference/microsoft.md §0-§2):
// - `graph`: Exchange Online through Microsoft Graph (M365_*). EWS in Exchange Online is being
//   switched off (tenant by tenant since 2026-10-01, for good on 2027-04-01), so Graph is the
//   Exchange Online path.
// - `ews`: Exchange Server on-prem through EWS (EWS_*), which Graph cannot reach.
// With both configured, `backend=` picks one (default graph). Where Graph cannot do what the EWS
// action did, the action says so in its result and uses the documented alternative.
import { z } from 'zod';
import type { ActionContext, ActionDef, ActionResult, TableData } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { VENDOR_VARIABLES } from '../../vendors/registry.ts';
import type { GraphClient } from '../../vendors/graph/client.ts';
import type { EwsClient, EwsCallOptions } from '../../vendors/ews/client.ts';
import { parseRange, impersonationFor, type ItemRange } from '../../vendors/ews/params.ts';

export type O365Action = ActionDef<any, any, Vendors>;
export type Backend = 'graph' | 'ews';

const O365_VARIABLES = [...(VENDOR_VARIABLES.graph ?? []), 'for Exchange Online; or', ...(VENDOR_VARIABLES.ews ?? []), 'for Exchange Server'];

/** Declares one action: id `o365.<name>`; "not configured" while neither Graph nor EWS is set. */
export function o365Action<S extends z.ZodType, T>(
  def: Omit<ActionDef<S, T, Vendors>, 'id' | 'vendor' | 'requires'>,
  needs: 'any' | 'graph' = 'any',
): ActionDef<S, T, Vendors> {
  return {
    ...def,
    id: `o365.${def.name}`,
    vendor: 'o365',
    requires: (vendors) => {
      if (needs === 'graph') return vendors.graph ? undefined : VENDOR_VARIABLES.graph;
      return vendors.graph || vendors.ews ? undefined : O365_VARIABLES;
    },
  };
}

export function o365NotConfigured(): string {
  return `o365 is not configured: set ${(VENDOR_VARIABLES.graph ?? []).join(', ')} (Exchange Online, through Microsoft Graph) or ${(VENDOR_VARIABLES.ews ?? []).join(', ')} (Exchange Server on-prem, through EWS)`;
}

/**
 * The backend an action runs on: the one asked for, else Graph when configured, else EWS. Asking
 * for one that is not configured is an error naming its variables (never a silent switch).
 */
export function pickBackend(ctx: ActionContext<Vendors>, requested: Backend | undefined): { kind: 'graph'; graph: GraphClient } | { kind: 'ews'; ews: EwsClient } {
  const { graph, ews } = ctx.vendors;
  if (requested === 'graph') {
    if (!graph) throw new Error(`backend=graph: Exchange Online through Microsoft Graph is not configured: set ${(VENDOR_VARIABLES.graph ?? []).join(', ')}`);
    return { kind: 'graph', graph };
  }
  if (requested === 'ews') {
    if (!ews) throw new Error(`backend=ews: Exchange Server through EWS is not configured: set ${(VENDOR_VARIABLES.ews ?? []).join(', ')}`);
    return { kind: 'ews', ews };
  }
  if (graph) return { kind: 'graph', graph };
  if (ews) return { kind: 'ews', ews };
  throw new Error(o365NotConfigured());
}

/** The EWS call options of one action: whom to impersonate (seed: email / impersonate_email / dont_impersonate + the policy's vendors.ews.impersonation). */
export function ewsCall(ctx: ActionContext<Vendors>, p: { email?: string; impersonate_email?: string; dont_impersonate?: boolean }): EwsCallOptions {
  const who = impersonationFor(
    { ...(p.email ? { email: p.email } : {}), ...(p.impersonate_email ? { impersonateEmail: p.impersonate_email } : {}), ...(p.dont_impersonate ? { dontImpersonate: true } : {}) },
    ctx.vendors.ewsImpersonation ?? true,
  );
  return { ...(who ? { impersonate: who } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) };
}

/**
 * The mailbox a Graph call works on: Graph message ids belong to one mailbox, so an id alone is
 * not enough (EWS resolves ids server-wide). Default: the reporting mailbox.
 */
export function graphMailbox(ctx: ActionContext<Vendors>, email: string | undefined, what = 'email'): string {
  const m = email?.trim() || ctx.vendors.reportMailbox;
  if (!m) throw new Error(`give ${what}=<mailbox address>: Microsoft Graph message ids belong to one mailbox (REPORT_MAILBOX is not set to default to)`);
  return m;
}

// ------------------------------------------------------------------ parameters

export const backendParam = () =>
  z
    .enum(['graph', 'ews'], { error: 'backend must be graph (Exchange Online) or ews (Exchange Server on-prem)' })
    .optional()
    .describe('Which Exchange to use when both are configured: graph (Exchange Online, through Microsoft Graph) or ews (Exchange Server on-prem); default graph');

const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

export const emailParam = (help: string) =>
  z
    .string()
    .trim()
    .refine((v) => EMAIL.test(v), { message: 'expected an e-mail address like user@contoso.com' })
    .describe(help);

export const optionalEmailParam = (help: string) =>
  z
    .string()
    .trim()
    .refine((v) => EMAIL.test(v), { message: 'expected an e-mail address like user@contoso.com' })
    .optional()
    .describe(help);

export const messageIdParam = (help: string) =>
  z
    .string()
    .trim()
    .min(1, 'id is required')
    .refine((v) => !/\s/.test(v), { message: 'id must be one message id, without spaces' })
    .describe(help);

/** Seed `folder`: `/` separates levels, `\/` is a slash inside a name (`Inbox/test\/exp`). */
export const folderParam = (help: string) =>
  z
    .string()
    .trim()
    .min(1, 'folder must name a folder, e.g. Inbox/phishing')
    .describe(`${help}; levels separated by /, a / inside a name written \\/ (e.g. Inbox/test\\/exp)`);

/** Seed `range`: "min_offset-max_offset", applied per folder (default 0-10). */
export const rangeParam = (help: string) =>
  z
    .string()
    .trim()
    .superRefine((v, c) => {
      try {
        parseRange(v);
      } catch (err) {
        c.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional()
    .describe(help);

export function rangeOf(v: string | undefined): ItemRange {
  return parseRange(v);
}

export const impersonateParam = () => optionalEmailParam('EWS only: impersonate this user instead (e.g. one with access to both mailboxes of a cross-mailbox copy); Graph app-only access needs no impersonation');
export const dontImpersonateParam = () => z.boolean().default(false).describe("EWS only: don't use impersonation for this call, whatever the deployment says (default false)");

/** Comma-separated values, trimmed, empty ones dropped. */
export function splitList(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

// ------------------------------------------------------------------ results

type Cell = string | number | boolean | null;

export function table(columns: [key: string, title: string][], rows: Record<string, Cell>[], extra: Partial<Pick<TableData, 'total' | 'nextPageToken'>> = {}): TableData {
  return { columns: columns.map(([key, title]) => ({ key, title })), rows, ...extra };
}

export const cell = (v: unknown): Cell => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x))).join(', ');
  return JSON.stringify(v);
};

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `Name <addr>` or just the address. */
export function formatAddress(a: { name?: string; address?: string; email?: string } | undefined): string {
  if (!a) return '';
  const addr = a.address ?? a.email ?? '';
  return a.name && a.name !== addr ? `${a.name} <${addr}>` : addr;
}

/**
 * HOOKLINE_DRY_RUN: a change is described (what it would call, on which backend), not sent.
 * Returns undefined when the call should really be made.
 */
export function dryRun(ctx: ActionContext<Vendors>, backend: Backend, what: string, request: Record<string, unknown>): ActionResult<Record<string, unknown>> | undefined {
  if (!ctx.dryRun) return undefined;
  ctx.log.info({ vendor: 'o365', backend, operation: request.operation, actor: ctx.actor.id }, 'dry run: o365 call not sent');
  return {
    summary: `Dry run: would ${what} (${backend === 'graph' ? 'Microsoft Graph' : 'EWS'}); nothing was sent`,
    kind: 'record',
    data: { dryRun: true, backend, ...request },
  };
}
