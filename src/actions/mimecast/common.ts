// Shared pieces of the Mimecast catalog actions: the client lookup ("not configured"), dry runs,
// parameter helpers (dates, limits, e-mail lists) and table/summary helpers.
import { z } from 'zod';
import type { ActionContext, ActionDef, ActionResult, TableData } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { VENDOR_VARIABLES, notConfigured } from '../../vendors/registry.ts';
import type { MimecastClient } from '../../vendors/mimecast/client.ts';
import { failureLabel } from '../../vendors/mimecast/client.ts';
import { DATE_HINT, isUserDate, mimecastDate } from '../../vendors/mimecast/dates.ts';
import { requestBody } from '../../vendors/mimecast/requests.ts';
import type { MimecastAddress, MimecastFailure, MimecastRequest } from '../../vendors/mimecast/types.ts';

export type MimecastActionDef<S extends z.ZodType = z.ZodType, T = unknown> = ActionDef<S, T, Vendors>;

/** Fills in id, vendor and `requires` for a Mimecast action. */
export function mimecastAction<S extends z.ZodType, T>(def: Omit<MimecastActionDef<S, T>, 'id' | 'vendor' | 'requires'>): MimecastActionDef<S, T> {
  return {
    ...def,
    id: `mimecast.${def.name}`,
    vendor: 'mimecast',
    requires: (vendors) => (vendors.mimecast ? undefined : VENDOR_VARIABLES.mimecast),
  };
}

/** The configured client, or an Error whose message is notConfigured('mimecast'). */
export function mimecastClient(ctx: ActionContext<Vendors>): MimecastClient {
  const c = ctx.vendors.mimecast;
  if (!c) throw new Error(notConfigured('mimecast'));
  return c;
}

/**
 * HOOKLINE_DRY_RUN: a change is described (the exact call it would make), not sent. Returns
 * undefined when the call should really be made.
 */
export function dryRun(ctx: ActionContext<Vendors>, client: MimecastClient, req: MimecastRequest, what: string): ActionResult<Record<string, unknown>> | undefined {
  if (!ctx.dryRun) return undefined;
  ctx.log.info({ vendor: 'mimecast', operation: req.operation, path: req.path, actor: ctx.actor.id }, 'dry run: mimecast call not sent');
  return {
    summary: `Dry run: would ${what} (POST ${req.path}); nothing was sent to Mimecast`,
    kind: 'record',
    data: { dryRun: true, vendor: 'mimecast', method: 'POST', url: `${client.baseUrl}${req.path}`, body: requestBody(req) },
  };
}

// ------------------------------------------------------------------ parameters

const dateString = () => z.string().trim().refine(isUserDate, { message: `expected ${DATE_HINT}` });

/** A required date parameter (a string, converted with mimecastDate()). */
export function dateParam(description: string) {
  return dateString().describe(description);
}

/** An optional date parameter (described on the optional wrapper, where help/modals read it). */
export function optionalDateParam(description: string) {
  return dateString().optional().describe(description);
}

export function toMc(value: string | undefined, now = new Date()): string | undefined {
  return value === undefined || value === '' ? undefined : mimecastDate(value, now);
}

export const emailParam = z.email({ message: 'expected an e-mail address like user@example.com' });

/** How many items to fetch across pages. */
export function limitParam(def: number, max: number, what: string) {
  return z.coerce.number().int().min(1).max(max).default(def).describe(`How many ${what} to return at most (default ${def}, at most ${max}); pages are followed up to this number`);
}

// ------------------------------------------------------------------ results

type Cell = string | number | boolean | null;

export function cell(v: unknown): Cell {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? address(x as MimecastAddress) : String(x))).join(', ');
  if (typeof v === 'object') {
    const a = address(v as MimecastAddress);
    return a || JSON.stringify(v);
  }
  return String(v);
}

export function address(a: MimecastAddress | undefined): string {
  if (!a) return '';
  return a.emailAddress ?? a.displayableName ?? '';
}

export function table(columns: [key: string, title: string][], rows: Record<string, unknown>[], extra: { total?: number; nextPageToken?: string } = {}): TableData {
  return {
    columns: columns.map(([key, title]) => ({ key, title })),
    rows: rows.map((r) => Object.fromEntries(columns.map(([key]) => [key, cell(r[key])]))),
    ...(extra.total !== undefined ? { total: extra.total } : {}),
    ...(extra.nextPageToken ? { nextPageToken: extra.nextPageToken } : {}),
  };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "showing 25 of 120" / "(more available)" suffix for list summaries. */
export function moreSuffix(shown: number, truncated: boolean, total?: number): string {
  if (total !== undefined && total > shown) return ` (showing ${shown} of ${total})`;
  return truncated ? ' (more available; raise limit to see more)' : '';
}

/** "a@example.com: already a member; b@example.com: not found". */
export function describeFailures(failures: readonly MimecastFailure[], max = 3): string {
  const parts = failures.slice(0, max).map((f) => {
    const label = failureLabel(f);
    const why = f.code && f.code !== f.message ? `${f.message} (${f.code})` : f.message;
    return label ? `${label}: ${why}` : why;
  });
  const more = failures.length > max ? `; and ${failures.length - max} more` : '';
  return `${parts.join('; ')}${more}`;
}

export function requestIds(...ids: (string | undefined)[]): string[] | undefined {
  const out = ids.filter((x): x is string => typeof x === 'string' && x.length > 0);
  return out.length ? out : undefined;
}
