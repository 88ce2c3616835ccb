// Shared pieces of the Cofense Vision catalog actions: the client lookup ("not configured"),
// the seed's common parameters (page / size / sort / source / ids / dates) with their limits and
// help text, table builders, and the dry-run answer for destructive calls.
import { z } from 'zod';
import type { ActionContext, ActionDef, ActionResult, TableData } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { notConfigured, VENDOR_VARIABLES } from '../../vendors/registry.ts';
import type { CofenseClient } from '../../vendors/cofense/client.ts';
import { checkIocSource, isMd5, parseSort, problemOf, splitList, toVisionDate } from '../../vendors/cofense/params.ts';
import { DEFAULT_PAGE, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page, type SortTarget } from '../../vendors/cofense/types.ts';

export type CofenseAction = ActionDef<any, any, Vendors>;

/** Declares one action: id `cofense.<name>`, and "not configured" while COFENSE_* is unset. */
export function cofenseAction<S extends z.ZodType, T>(def: Omit<ActionDef<S, T, Vendors>, 'id' | 'vendor' | 'requires'>): ActionDef<S, T, Vendors> {
  return {
    ...def,
    id: `cofense.${def.name}`,
    vendor: 'cofense',
    requires: (vendors) => (vendors.cofense ? undefined : VENDOR_VARIABLES.cofense),
  };
}

/** The configured client, or the "not configured: set ..." error. */
export function cofense(ctx: ActionContext<Vendors>): CofenseClient {
  const c = ctx.vendors.cofense;
  if (!c) throw new Error(notConfigured('cofense'));
  return c;
}

// ------------------------------------------------------------------ parameters

export const page = () =>
  z
    .number()
    .int('page must be a whole number')
    .min(0, 'page must be 0 or a positive whole number (pages start at 0)')
    .default(DEFAULT_PAGE)
    .describe('Start page of the results, from 0 (default 0)');

export const size = () =>
  z
    .number()
    .int('size must be a whole number')
    .min(1, `size must be from 1 to ${MAX_PAGE_SIZE}`)
    .max(MAX_PAGE_SIZE, `size must be at most ${MAX_PAGE_SIZE} (Cofense Vision's page size limit)`)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`Number of results per page, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`);

export const sort = (target: SortTarget, fields: readonly string[], example: string) =>
  z
    .string()
    .superRefine((v, ctx) => {
      const p = problemOf(() => parseSort(v, target));
      if (p) ctx.addIssue({ code: 'custom', message: p });
    })
    .optional()
    .describe(`Order of the results as field:asc or field:desc, comma-separated (e.g. ${example}); fields: ${fields.join(', ')}`);

export const id = (what: string) => z.number().int(`id must be a whole number`).min(0, 'id must be 0 or more').describe(`ID of the ${what} in Cofense Vision`);

export const iocId = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => isMd5(v), { message: 'id must be the IOC\'s MD5 id (32 hex characters)' })
    .describe(what);

export const source = () =>
  z
    .string()
    .trim()
    .superRefine((v, ctx) => {
      const p = problemOf(() => checkIocSource(v));
      if (p) ctx.addIssue({ code: 'custom', message: p });
    })
    .optional()
    .describe("A single IOC source (X-Cofense-IOC-Source), e.g. Triage-1; default: the bot's own source");

const dateSchema = (field: string) =>
  z
    .string()
    .trim()
    .superRefine((v, ctx) => {
      const p = problemOf(() => toVisionDate(v, field));
      if (p) ctx.addIssue({ code: 'custom', message: p });
    });
const dateHelp = (help: string) => `${help} (ISO-8601 UTC, e.g. 2025-11-22 or 2025-11-22T10:00:00Z)`;

/** A required UTC date parameter (sent as ISO-8601 by toVisionDate). */
export const date = (field: string, help: string) => dateSchema(field).describe(dateHelp(help));
/** An optional UTC date parameter; the description sits on the outer schema so help and modals see it. */
export const optionalDate = (field: string, help: string) => dateSchema(field).optional().describe(dateHelp(help));

export const messageId = () =>
  z
    .string()
    .trim()
    .min(1, 'internet_message_id is required')
    .refine((v) => !/\s/.test(v), { message: 'internet_message_id must not contain spaces' })
    .describe('Unique identifier of the email (Message-ID), enclosed in angle brackets, e.g. <abc123@mail.example.net>');

export const email = (help: string) => z.string().trim().email('recipient_address must be an email address').describe(help);

/** Internet message ids are sent with their angle brackets; add them when the analyst left them out. */
export function bracketed(imid: string): string {
  const v = imid.trim();
  return v.startsWith('<') && v.endsWith('>') ? v : `<${v.replace(/^<|>$/g, '')}>`;
}

/** A comma-separated list parameter whose items must pass `check` (else its message). */
export function listOf(field: string, check: (item: string) => string | undefined, help: string) {
  return z
    .string()
    .superRefine((v, ctx) => {
      for (const item of splitList(v)) {
        const p = check(item);
        if (p) {
          ctx.addIssue({ code: 'custom', message: `${field}: ${p}` });
          return;
        }
      }
    })
    .optional()
    .describe(help);
}

// ------------------------------------------------------------------ results

type Cell = string | number | boolean | null;

export function table(columns: [key: string, title: string][], rows: Record<string, Cell>[], p?: Page<unknown>): TableData {
  return {
    columns: columns.map(([key, title]) => ({ key, title })),
    rows,
    ...(p?.total !== undefined ? { total: p.total } : {}),
    ...(p?.hasMore ? { nextPageToken: String(p.page + 1) } : {}),
  };
}

export const cell = (v: unknown): Cell => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
};

/** Recipients' addresses sometimes come as `<a@x>` (search results): shown without brackets. */
export const plainAddress = (a: string | undefined | null): string => (a ?? '').trim().replace(/^<(.*)>$/, '$1');

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const pageNote = (p: Page<unknown>) => (p.hasMore ? ` (page ${p.page}; more on page ${p.page + 1})` : p.page > 0 ? ` (page ${p.page})` : '');

export function sizeOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** What a destructive action answers under HOOKLINE_DRY_RUN: the request it would send. */
export function dryRun(client: CofenseClient, summary: string, req: Parameters<CofenseClient['describe']>[0]): ActionResult<Record<string, unknown>> {
  return { summary: `Dry run: ${summary} (nothing was sent)`, kind: 'record', data: { dryRun: true, request: client.describe(req) } };
}

/** An ISO timestamp `now` for IOC dates the analyst left out. */
export const nowIso = () => new Date().toISOString();
