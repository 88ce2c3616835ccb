// Catalog results as Slack messages, one renderer per result kind (text, record, table, file), and
// the outcomes that are not results (denied, not configured, second approver needed, failed).
// Pure functions: every vendor string goes through cards/text.ts, every block through limits.ts.
//
// Long results are paged, never rejected: a page holds as many rows / fields / text as fit in
// Block Kit's limits (50 blocks, 3000 characters a section, our text budget), and "Next" / "Back"
// buttons carry `<saved result id>:<offset>` (the adapter keeps the result in the store). Rows
// beyond the policy's limits.maxTableRows are summarised, and a vendor's own next page is a
// separate "Next page from <vendor>" button that runs the action again.
import type { KnownBlock, Button } from './block-kit.ts';
import type { ActionResult, TableData } from '../../src/actions/types.ts';
import type { Actor } from '../../src/store/types.ts';
import { isDigestStats } from '../../src/reports/digest.ts';
import { graphemes, slackCode, slackPlain, slackText } from '../text.ts';
import { SLACK_LIMITS, actionsBlock, blocksTextLength, button, contextBlock, fieldsBlock, headerBlock, sectionBlock } from './limits.ts';
import { slackActor, type SlackCard } from './report-card.ts';
import { digestBlocks, digestText } from './digest.ts';

export const PAGE_ACTION_IDS = { next: 'page:next', back: 'page:back', vendor: 'page:vendor' } as const;

/** Target for one page's block text (under SLACK_LIMITS.blocksTextBudget with room for the frame). */
export const PAGE_TEXT_BUDGET = 9_000;
/** Rows a page shows at most, even when they would fit (a wall of rows is not readable). */
export const MAX_ROWS_PER_PAGE = 15;
const MAX_CELL = 300;
const MAX_RECORD_VALUE = 600;
/** Raw characters of a text result per section and per page. */
const TEXT_CHUNK = 2_400;
const TEXT_PAGE = 3 * TEXT_CHUNK;

export interface ResultView {
  actionId: string;
  title: string;
  result: ActionResult;
  /** Who ran it (shown in the footer). */
  actor?: Actor;
  dryRun?: boolean;
  /** The saved result the page buttons point at; without it no page buttons are offered. */
  resultId?: string;
  /** First row / field / character of this page. */
  offset?: number;
  /** Table rows shown at most across all pages (policy limits.maxTableRows). */
  maxRows?: number;
  /** Offer "next page from the vendor" (the table has a nextPageToken and the action can take it). */
  vendorNext?: boolean;
  /** The vendor's name for that button. */
  vendorName?: string;
}

export interface ResultPage {
  card: SlackCard;
  /** Offset of the next page, when there is one. */
  nextOffset?: number;
  /** Offset of the previous page, when this is not the first. */
  prevOffset?: number;
}

export function pageValue(resultId: string, offset: number): string {
  return `${resultId}:${offset}`;
}

export function parsePageValue(value: string): { resultId: string; offset: number } | undefined {
  const m = /^([0-9a-f-]{36}):(\d{1,9})$/.exec(value);
  return m ? { resultId: m[1]!, offset: Number(m[2]) } : undefined;
}

/** Renders one page of a result. Call it again with `nextOffset` for the next page. */
export function resultMessage(v: ResultView): ResultPage {
  const r = v.result;
  const offset = Math.max(0, Math.floor(v.offset ?? 0));
  const head: KnownBlock[] = [headerBlock(`${r.partial ? '⚠️ ' : ''}${slackPlain(v.title, { max: 120 }) || 'Result'}`)];
  const summary = slackText(r.summary, { max: 1500, singleLine: false });
  if (summary && !(r.kind === 'record' && isDigestStats(r.data))) head.push(sectionBlock(summary));
  if (r.partial) head.push(contextBlock([':warning: _Partly done: some items failed (see above)._']));

  const body = bodyOf(v, offset);

  const footer = [`${idCode(v.actionId)}${v.actor ? ` · run by ${slackActor(v.actor)}` : ''}${v.dryRun ? ' · :test_tube: _dry run: nothing was changed at the vendor_' : ''}`];
  if (body.note) footer.unshift(body.note);
  const tail: KnownBlock[] = [contextBlock(footer)];

  const prev = offset > 0 ? prevOffset(v, offset) : undefined;
  const buttons: Button[] = [];
  if (v.resultId) {
    if (prev !== undefined) buttons.push(button({ text: '◀ Back', actionId: PAGE_ACTION_IDS.back, value: pageValue(v.resultId, prev) }));
    if (body.next !== undefined) buttons.push(button({ text: 'Next ▶', actionId: PAGE_ACTION_IDS.next, value: pageValue(v.resultId, body.next), style: 'primary' }));
    if (v.vendorNext && body.next === undefined) {
      buttons.push(button({ text: `Next page from ${slackPlain(v.vendorName ?? 'the vendor', { max: 30 })}`, actionId: PAGE_ACTION_IDS.vendor, value: v.resultId }));
    }
  }
  if (buttons.length) tail.push(actionsBlock(buttons));

  const blocks = [...head, ...body.blocks, ...tail];
  const text = r.kind === 'record' && isDigestStats(r.data) ? digestText(r.data) : `${slackText(v.title, { max: 100 })}: ${slackText(r.summary, { max: 900 }) || 'done'}`;
  return {
    card: { text, blocks },
    ...(body.next !== undefined ? { nextOffset: body.next } : {}),
    ...(prev !== undefined ? { prevOffset: prev } : {}),
  };
}

type Body = { blocks: KnownBlock[]; next?: number; note?: string };

function bodyOf(v: ResultView, offset: number): Body {
  const r = v.result;
  switch (r.kind) {
    case 'table':
      return tableBody(r.data as TableData, offset, v.maxRows);
    case 'record':
      return isDigestStats(r.data) ? { blocks: digestBlocks(r.data) } : recordBody(r.data, offset);
    case 'file':
      return { blocks: fileBlocks(r.data) };
    default:
      return textBody(r.data, offset);
  }
}

/** Whether a result needs more than one page (so the adapter must save it for the buttons). */
export function needsPaging(v: Omit<ResultView, 'resultId' | 'offset'>): boolean {
  return bodyOf(v, 0).next !== undefined;
}

/** The previous page's offset: pages are packed greedily from 0, so walk them. */
function prevOffset(v: ResultView, offset: number): number | undefined {
  let at = 0;
  let last = 0;
  for (let guard = 0; guard < 10_000 && at < offset; guard++) {
    last = at;
    const next = bodyOf(v, at).next;
    if (next === undefined || next <= at) break;
    at = next;
  }
  return last < offset ? last : undefined;
}

function idCode(id: string): string {
  return slackCode(id, { max: 120, defang: !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(id) });
}

// ---------------------------------------------------------------------------------------------
// Cells and values
// ---------------------------------------------------------------------------------------------

/** A table cell or record value as short escaped mrkdwn. */
export function cellText(v: unknown, max = MAX_CELL): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '—';
  return slackText(typeof v === 'string' ? v : summarise(v, 0), { max }) || '—';
}

/** Nested values summarised to one line: arrays by count and first items, objects by their first keys. */
export function summarise(v: unknown, depth: number): string {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '(none)';
    if (depth >= 2) return `${v.length} item${v.length === 1 ? '' : 's'}`;
    const shown = v.slice(0, 5).map((x) => summarise(x, depth + 1));
    return `${shown.join(', ')}${v.length > 5 ? ` (+${v.length - 5} more)` : ''}`;
  }
  if (Buffer.isBuffer(v)) return `${v.length} bytes`;
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '(empty)';
  if (depth >= 2) return `{${entries.length} fields}`;
  const shown = entries.slice(0, 4).map(([k, x]) => `${k}: ${summarise(x, depth + 1)}`);
  return `${shown.join('; ')}${entries.length > 4 ? ` (+${entries.length - 4} more)` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

/** Adds blocks from `units` while the page stays within the block count and the text budget. */
function pack<U>(units: readonly U[], from: number, render: (u: U) => KnownBlock, opts: { maxUnits: number; reserveBlocks: number }): { blocks: KnownBlock[]; next?: number } {
  const blocks: KnownBlock[] = [];
  let text = 0;
  let i = from;
  for (; i < units.length && blocks.length < opts.maxUnits; i++) {
    const b = render(units[i]!);
    const size = blocksTextLength([b]);
    if (blocks.length > 0 && (text + size > PAGE_TEXT_BUDGET || blocks.length + 1 > SLACK_LIMITS.blocksPerMessage - opts.reserveBlocks)) break;
    blocks.push(b);
    text += size;
  }
  return i < units.length ? { blocks, next: i } : { blocks };
}

function tableBody(t: TableData, offset: number, maxRows?: number): Body {
  const columns = Array.isArray(t?.columns) ? t.columns : [];
  const all = Array.isArray(t?.rows) ? t.rows : [];
  const limit = maxRows !== undefined ? Math.max(1, maxRows) : all.length;
  const rows = all.slice(0, limit);
  if (rows.length === 0) return { blocks: [sectionBlock('_No rows._')], note: totalNote(0, 0, 0, t) };
  const cols = columns.length ? columns : Object.keys(rows[0] ?? {}).map((key) => ({ key, title: key }));
  const renderRow = (row: Record<string, unknown>) => {
    const fields = cols.map((c) => `*${slackText(c.title, { max: 80 }) || slackText(c.key, { max: 80 })}*\n${cellText(row[c.key])}`);
    if (fields.length <= SLACK_LIMITS.sectionFields) return fieldsBlock(fields);
    // More columns than a section holds: the first nine, then the rest in one field.
    const rest = cols.slice(SLACK_LIMITS.sectionFields - 1).map((c) => `${slackText(c.title, { max: 40 })}: ${cellText(row[c.key], 120)}`);
    return fieldsBlock([...fields.slice(0, SLACK_LIMITS.sectionFields - 1), `*More*\n${rest.join('\n')}`]);
  };
  const page = pack(rows, Math.min(offset, rows.length - 1), renderRow, { maxUnits: MAX_ROWS_PER_PAGE, reserveBlocks: 6 });
  const first = Math.min(offset, rows.length - 1) + 1;
  const last = page.next ?? rows.length;
  return { ...page, note: totalNote(first, last, all.length, t, limit < all.length ? limit : undefined) };
}

function totalNote(first: number, last: number, have: number, t: TableData, capped?: number): string {
  const total = typeof t?.total === 'number' ? Math.max(t.total, have) : have;
  const parts = [have === 0 ? 'No rows' : `Rows ${first}–${last} of ${total.toLocaleString('en-US')}${typeof t?.total === 'number' || !t?.nextPageToken ? '' : '+'}`];
  if (capped !== undefined) parts.push(`only the first ${capped} are shown in chat (policy limits.maxTableRows): narrow the query for the rest`);
  return `_${parts.join('; ')}_`;
}

function recordBody(data: unknown, offset: number): Body {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return textBody(summarise(data, 0), offset);
  const entries = Object.entries(data as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return { blocks: [sectionBlock('_Nothing to show._')] };
  // Ten fields a section: a unit is a group of ten entries.
  const groups: [string, unknown][][] = [];
  for (let i = 0; i < entries.length; i += SLACK_LIMITS.sectionFields) groups.push(entries.slice(i, i + SLACK_LIMITS.sectionFields));
  const render = (g: [string, unknown][]) => fieldsBlock(g.map(([k, v]) => `*${slackText(labelOfKey(k), { max: 80 })}*\n${cellText(v, MAX_RECORD_VALUE)}`));
  const start = Math.min(Math.floor(offset / SLACK_LIMITS.sectionFields), groups.length - 1);
  const page = pack(groups, start, render, { maxUnits: 20, reserveBlocks: 6 });
  const shownTo = Math.min(entries.length, (page.next ?? groups.length) * SLACK_LIMITS.sectionFields);
  return {
    blocks: page.blocks,
    ...(page.next !== undefined ? { next: page.next * SLACK_LIMITS.sectionFields } : {}),
    ...(groups.length > 1 ? { note: `_Fields ${start * SLACK_LIMITS.sectionFields + 1}–${shownTo} of ${entries.length}_` } : {}),
  };
}

function labelOfKey(k: string): string {
  const words = k.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : k;
}

function textBody(data: unknown, offset: number): Body {
  const raw = typeof data === 'string' ? data : data === undefined || data === null ? '' : summarise(data, 0);
  if (!raw.trim()) return { blocks: [] };
  // Cut the raw text into chunks by grapheme (never inside an emoji), escape each chunk after.
  const chunks: string[] = [];
  let cur = '';
  let consumed = 0;
  const starts: number[] = [];
  for (const g of graphemes(raw)) {
    if (cur.length + g.length > TEXT_CHUNK) {
      starts.push(consumed - cur.length);
      chunks.push(cur);
      cur = '';
    }
    cur += g;
    consumed += g.length;
  }
  if (cur) {
    starts.push(consumed - cur.length);
    chunks.push(cur);
  }
  let first = starts.findIndex((s) => s >= offset);
  if (first < 0) first = chunks.length - 1;
  const perPage = Math.max(1, Math.floor(TEXT_PAGE / TEXT_CHUNK));
  const shown = chunks.slice(first, first + perPage);
  const blocks = shown.map((c) => sectionBlock(slackText(c, { singleLine: false, max: SLACK_LIMITS.sectionText })));
  const nextIdx = first + shown.length;
  return nextIdx < chunks.length
    ? { blocks, next: starts[nextIdx]!, note: `_Characters ${(starts[first] ?? 0) + 1}–${starts[nextIdx]!} of ${raw.length}_` }
    : { blocks, ...(first > 0 ? { note: `_Characters ${(starts[first] ?? 0) + 1}–${raw.length} of ${raw.length}_` } : {}) };
}

function fileBlocks(data: unknown): KnownBlock[] {
  const f = (data ?? {}) as { filename?: string; contentType?: string; bytes?: { length: number }; comment?: string };
  if (!f.filename) return [];
  const size = f.bytes?.length;
  const lines = [`:page_facing_up: ${slackCode(f.filename, { max: 200 })}${f.contentType ? ` _(${slackText(f.contentType, { max: 80 })}${size !== undefined ? `, ${formatBytes(size)}` : ''})_` : ''} is attached to this conversation.`];
  if (f.comment) lines.push(slackText(f.comment, { max: 500 }));
  return [sectionBlock(lines.join('\n'))];
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

// ---------------------------------------------------------------------------------------------
// Outcomes that are not results, and plain notices
// ---------------------------------------------------------------------------------------------

export type NoticeTone = 'info' | 'denied' | 'not-configured' | 'second-approver' | 'failed' | 'ok';

const TONE_ICON: Record<NoticeTone, string> = {
  info: ':information_source:',
  denied: ':no_entry:',
  'not-configured': ':gear:',
  'second-approver': ':busts_in_silhouette:',
  failed: ':x:',
  ok: ':white_check_mark:',
};

/** A short private message: `message` is untrusted text (vendor errors, report ids) and is escaped. */
export function noticeMessage(tone: NoticeTone, message: string, title?: string): SlackCard {
  const body = slackText(message, { max: 2500, singleLine: false }) || '-';
  const head = title ? `*${slackText(title, { max: 150 })}*\n` : '';
  return { text: slackText(message, { max: 900 }) || title || 'Hookline', blocks: [sectionBlock(`${TONE_ICON[tone]} ${head}${body}`)] };
}
