// Commands as Adaptive Cards, generated from the catalog through handlers/commands (help, one
// action's syntax, the input card for its parameters, its result) and the same notices as Slack.
// Pure functions; catalog text is ours but escaped like anything else, vendor text is untrusted.
//
// Input cards: one Input.* per FormField (text, number, toggle, choice set, list as text), prefilled
// with what was typed, with the problems of the last attempt next to their fields. "Run" is an
// Action.Execute (verb `command`) with an Action.Submit fallback, both carrying the action id;
// Teams adds the inputs' values to the action data.
//
// Results are not paged in Teams yet: a table shows its first rows (as many as fit the card
// budget) and says how many more there are.
import type { ActionDef, ActionResult, TableData } from '../../src/actions/types.ts';
import type { Actor } from '../../src/store/types.ts';
import type { HelpIndex } from '../../handlers/commands/help.ts';
import { parameterLines, usageOf } from '../../handlers/commands/help.ts';
import type { FormField } from '../../handlers/commands/fields.ts';
import type { FieldProblem, RawValues } from '../../handlers/commands/values.ts';
import { teamsPlain, teamsText } from '../text.ts';
import {
  TEAMS_LIMITS,
  bulletLines,
  card,
  cardBytes,
  container,
  execute,
  facts,
  text,
  type AdaptiveCard,
  type CardElement,
  type InputElement,
} from './adaptive.ts';
import { teamsActor } from './report-card.ts';
import { teamsDigestElements } from './digest.ts';
import { isDigestStats } from '../../src/reports/digest.ts';

/** Action.Execute verb and data marker of the input cards' Run button. */
export const COMMAND_VERB = 'command';
export const COMMAND_DATA = 'command';
/** Input ids are `p.<parameter>` so they cannot collide with our own data keys. */
export const INPUT_PREFIX = 'p.';

const RISK_ICON: Record<string, string> = { read: '🔎', change: '✏️', destructive: '⚠️' };
/** Our own catalog text (titles, summaries, ids): escaped, not defanged (`docs/configuration.md` stays readable). */
const t = (s: unknown, max = 200) => teamsText(typeof s === 'string' ? s : String(s ?? ''), { max, defang: false });
/** Text that may echo what someone typed or a vendor said: escaped and defanged. */
const untrusted = (s: unknown, max = 300) => teamsText(typeof s === 'string' ? s : String(s ?? ''), { max });

function marks(a: { configured: boolean; allowed?: boolean }): string {
  const m: string[] = [];
  if (!a.configured) m.push('⚙️ _not configured_');
  if (a.allowed === false) m.push('🔒 _not allowed for you_');
  return m.length ? ` ${m.join(' ')}` : '';
}

/** Fits a card under the byte budget by dropping body elements from the end (with a note). */
function withinBudget(c: AdaptiveCard, note: string): AdaptiveCard {
  let out = c;
  while (cardBytes(out) > TEAMS_LIMITS.cardBytesBudget && out.body.length > 2) {
    out = { ...out, body: [...out.body.slice(0, -2), text(note, { isSubtle: true })] };
  }
  return out;
}

export function teamsHelpCard(index: HelpIndex, vendor?: string): AdaptiveCard {
  const body: CardElement[] = [];
  if (!vendor) {
    body.push(text('Hookline commands', { size: 'Medium', weight: 'Bolder', style: 'heading' }));
    body.push(
      text(
        bulletLines([
          '**‹vendor› ‹action› key=value …** run an action (quote values with spaces: key="two words"; lists are comma-separated)',
          '**‹vendor› ‹action›** open a form for its parameters',
          '**help ‹vendor›** the actions of a vendor · **help ‹vendor› ‹action›** one action in detail',
          ...index.aliases.map((a) => `**${t(a.word, 40)}** shorthand for ${t(`${a.vendor} ${a.action}`, 80)}`),
          '**set alerts here** (admins) post new reports to this conversation',
        ]),
      ),
    );
    for (const v of index.vendors) {
      body.push(text(`**${t(v.vendor, 40)}**${v.configured ? '' : ' ⚙️ _not configured_'} (${v.actions.length}): ${v.actions.map((a) => t(a.name, 60)).join(', ')}`, { spacing: 'Medium' }));
    }
    body.push(text('🔎 read · ✏️ change · ⚠️ destructive · ⚙️ vendor not configured · 🔒 you lack the role', { isSubtle: true, size: 'Small' }));
  } else {
    body.push(text(`Hookline: ${t(vendor, 60)} actions`, { size: 'Medium', weight: 'Bolder', style: 'heading' }));
    for (const v of index.vendors.filter((x) => x.vendor === vendor)) {
      body.push(text(bulletLines(v.actions.map((a) => `${RISK_ICON[a.risk] ?? ''} **${t(a.name, 60)}** ${t(a.summary, 110)}${marks(a)}`))));
    }
    body.push(text(`help ${t(vendor, 40)} ‹action› for its parameters`, { isSubtle: true, size: 'Small' }));
  }
  return withinBudget(card(body, { fallbackText: vendor ? `Hookline: ${teamsText(vendor, { max: 60 })} actions` : 'Hookline commands' }), '_More not shown: ask for one vendor or action._');
}

export function teamsActionHelpCard(
  def: Pick<ActionDef, 'id' | 'vendor' | 'name' | 'title' | 'summary' | 'risk' | 'role' | 'params' | 'decision'>,
  fields: readonly FormField[],
  status: { configured: boolean; missingVariables?: string[]; allowed?: boolean } = { configured: true },
): AdaptiveCard {
  const body: CardElement[] = [text(t(def.title, 120), { size: 'Medium', weight: 'Bolder', style: 'heading' }), text(t(def.summary, 600))];
  body.push(text(t(usageOf(def, fields), 1500), { fontType: 'Monospace' }));
  const info = [`${RISK_ICON[def.risk] ?? ''} ${def.risk}`, `needs the **${t(def.role, 20)}** role`, t(def.id, 100)];
  if (def.decision) info.push('runs as a decision on the report card');
  body.push(text(info.join(' · '), { isSubtle: true }));
  const params = parameterLines(fields).map((p) => `**${t(p.name, 80)}**${p.required ? ' _(required)_' : ''} ${t(p.text, 400)}`);
  body.push(text(params.length ? bulletLines(params) : '_No parameters._'));
  if (!status.configured) body.push(text(`⚙️ Not configured: set ${(status.missingVariables ?? []).map((v) => t(v, 120)).join(', ') || 'the vendor variables'}.`));
  if (status.allowed === false) body.push(text(`🔒 You do not hold the **${t(def.role, 20)}** role this action needs.`));
  return withinBudget(card(body, { fallbackText: `${teamsText(def.title, { max: 100 })}: ${teamsText(def.summary, { max: 300 })}` }), '_More not shown._');
}

function inputFor(f: FormField, raw: string | undefined): InputElement {
  const id = `${INPUT_PREFIX}${f.name}`;
  const label = `${teamsPlain(f.label || f.name, { max: 100, defang: false })}${f.required ? '' : ' (optional)'}`;
  const placeholder = f.secret ? undefined : teamsPlain(f.description ?? '', { max: 150, defang: false }) || undefined;
  // A secret is never prefilled (the card stays in the conversation).
  const value = f.secret ? undefined : (raw ?? (f.default !== undefined ? (Array.isArray(f.default) ? f.default.join(',') : String(f.default)) : undefined));
  const required = f.required ? { isRequired: true, errorMessage: `${teamsPlain(f.label || f.name, { max: 80, defang: false })} is required` } : {};
  switch (f.kind) {
    case 'boolean':
      return { type: 'Input.Toggle', id, title: label, label, value: value === 'true' ? 'true' : 'false', valueOn: 'true', valueOff: 'false' };
    case 'enum':
      return {
        type: 'Input.ChoiceSet',
        id,
        label,
        style: 'compact',
        choices: (f.options ?? []).map((o) => ({ title: teamsPlain(o, { max: 80, defang: false }), value: o })),
        ...(value !== undefined ? { value } : {}),
        ...required,
      };
    case 'number': {
      const n = value !== undefined && value !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined;
      return {
        type: 'Input.Number',
        id,
        label,
        ...(placeholder ? { placeholder } : {}),
        ...(n !== undefined ? { value: n } : {}),
        ...(f.min !== undefined ? { min: f.min } : {}),
        ...(f.max !== undefined ? { max: f.max } : {}),
        ...required,
      };
    }
    default:
      return {
        type: 'Input.Text',
        id,
        label: f.kind === 'list' ? `${label}, comma-separated` : label,
        ...(placeholder ? { placeholder } : {}),
        ...(value !== undefined ? { value } : {}),
        ...(f.kind === 'text' && f.max !== undefined ? { maxLength: f.max } : {}),
        ...(f.kind === 'list' ? { isMultiline: true } : {}),
        ...required,
      };
  }
}

/** The input card for an action's parameters, prefilled with `raw`, listing `problems`. */
export function teamsFormCard(def: Pick<ActionDef, 'id' | 'title' | 'summary' | 'risk'>, fields: readonly FormField[], raw: RawValues = {}, problems: readonly FieldProblem[] = []): AdaptiveCard {
  const body: CardElement[] = [text(`${RISK_ICON[def.risk] ?? ''} ${t(def.title, 120)}`, { size: 'Medium', weight: 'Bolder', style: 'heading' }), text(t(def.summary, 600), { isSubtle: true })];
  const general = problems.filter((p) => !p.field || !fields.some((f) => f.name === p.field));
  if (general.length) body.push(container([text(bulletLines(general.map((p) => `❌ ${untrusted(p.message)}`)))], { style: 'attention' }));
  for (const f of fields) {
    body.push(inputFor(f, raw[f.name]));
    const mine = problems.filter((p) => p.field === f.name);
    if (mine.length) body.push(text(mine.map((p) => `❌ ${untrusted(p.message)}`).join(' · '), { color: 'Attention', size: 'Small', spacing: 'None' }));
  }
  if (fields.length === 0) body.push(text('_No parameters._'));
  return card(body, {
    fallbackText: `${teamsText(def.title, { max: 100 })}: fill in the parameters`,
    actions: [execute(def.risk === 'destructive' ? `Run ${teamsPlain(def.title, { max: 30, defang: false })}` : 'Run', COMMAND_VERB, { hookline: COMMAND_DATA, action: def.id }, def.risk === 'destructive' ? 'destructive' : 'positive')],
  });
}

/** The text a form input sent back, per parameter (`p.<name>` keys of the action data). */
export function formValues(data: Record<string, unknown>, fields: readonly FormField[]): RawValues {
  const raw: RawValues = {};
  for (const f of fields) {
    const v = data[`${INPUT_PREFIX}${f.name}`];
    if (v === undefined || v === null) continue;
    const s = typeof v === 'string' ? v : String(v);
    // An empty input means "not given" (the schema's default applies), except a toggle's false.
    if (s.trim() === '' && f.kind !== 'boolean') continue;
    raw[f.name] = s;
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------
// Results and notices
// ---------------------------------------------------------------------------------------------

const MAX_CELL = 200;

/** A table cell / record value as short escaped markdown. */
export function valueText(v: unknown, max = MAX_CELL): string {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v === 'string') return teamsText(v, { max }) || '–';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return teamsText(v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', '), { max }) || '–';
  return teamsText(JSON.stringify(v), { max }) || '–';
}

function tableElements(d: TableData, maxRows: number): { items: CardElement[]; shown: number } {
  const cols = (d.columns ?? []).slice(0, 8);
  const rows = (d.rows ?? []).slice(0, maxRows);
  // One FactSet per row keeps every client readable (Table is not rendered by every Teams client).
  const items: CardElement[] = rows.map((row, i) =>
    facts(
      cols.map((c) => ({ title: t(c.title || c.key, 60), value: valueText(row[c.key]) })),
      i === 0 ? 'Medium' : 'Small',
    ),
  );
  return { items, shown: rows.length };
}

export interface TeamsResultView {
  actionId: string;
  title: string;
  result: ActionResult;
  actor?: Actor;
  dryRun?: boolean;
  /** Rows shown at most (policy limits.maxTableRows). */
  maxRows?: number;
  /** For a file result: Hookline's own short-lived download link (Teams bots cannot upload to a channel). */
  download?: { url: string; expiresAt: string };
}

export function teamsResultCard(v: TeamsResultView): AdaptiveCard {
  const r = v.result;
  const head: CardElement[] = [text(`${r.partial ? '⚠️ ' : ''}${t(v.title, 120) || 'Result'}`, { size: 'Medium', weight: 'Bolder', style: 'heading' })];
  const summary = teamsText(r.summary, { max: 1500 });
  if (summary && !(r.kind === 'record' && isDigestStats(r.data))) head.push(text(summary));
  if (r.partial) head.push(text('⚠️ _Partly done: some items failed._', { color: 'Warning' }));
  const footer = text(`${t(v.actionId, 120)}${v.actor ? ` · run by ${teamsActor(v.actor)}` : ''}${v.dryRun ? ' · 🧪 _dry run: nothing was changed at the vendor_' : ''}`, { isSubtle: true, size: 'Small', separator: true });

  const build = (rows: number): AdaptiveCard => {
    const body: CardElement[] = [...head];
    switch (r.kind) {
      case 'table': {
        const d = r.data as TableData;
        const { items, shown } = tableElements(d, rows);
        body.push(...items);
        const total = d.total ?? d.rows?.length ?? 0;
        if (total > shown) body.push(text(`_Showing ${shown} of ${total} rows._`, { isSubtle: true }));
        if (shown === 0) body.push(text('_No rows._', { isSubtle: true }));
        break;
      }
      case 'record': {
        if (isDigestStats(r.data)) {
          body.push(...teamsDigestElements(r.data));
          break;
        }
        const rec = (r.data ?? {}) as Record<string, unknown>;
        const entries = Object.entries(rec).slice(0, 30);
        if (entries.length) body.push(facts(entries.map(([k, val]) => ({ title: t(k, 60), value: valueText(val, 600) }))));
        break;
      }
      case 'file': {
        const f = r.data as { filename?: string; contentType?: string; bytes?: { length?: number }; comment?: string } | null;
        const what = `📎 ${t(f?.filename ?? 'file', 120)} _(${t(f?.contentType ?? 'unknown type', 60)}, ${f?.bytes?.length ?? 0} bytes)_`;
        if (v.download) {
          body.push(text(`${what}: download it with the button below until ${t(v.download.expiresAt.replace('T', ' ').slice(0, 16), 40)} UTC.`));
          if (f?.comment) body.push(text(t(f.comment, 300), { isSubtle: true }));
        } else {
          body.push(text(`${what}: set HOOKLINE_PUBLIC_URL so that Hookline can offer it as a download here, or run this from Slack or the console.`));
        }
        break;
      }
      default: {
        const textData = typeof r.data === 'string' ? r.data : r.data === undefined || r.data === null ? '' : JSON.stringify(r.data, null, 1);
        if (textData) body.push(text(teamsText(textData, { max: 6000, singleLine: false }).replace(/\n/g, '\n\n')));
      }
    }
    body.push(footer);
    return card(body, {
      fallbackText: `${teamsText(v.title, { max: 100 })}: ${teamsText(r.summary, { max: 300 }) || 'done'}`,
      ...(r.kind === 'file' && v.download ? { actions: [{ type: 'Action.OpenUrl' as const, title: 'Download', url: v.download.url }] } : {}),
    });
  };
  let rows = Math.max(0, v.maxRows ?? 50);
  let out = build(rows);
  while (cardBytes(out) > TEAMS_LIMITS.cardBytesBudget && rows > 0) {
    rows = Math.floor(rows / 2);
    out = build(rows);
  }
  return out;
}

export type NoticeTone = 'info' | 'denied' | 'not-configured' | 'second-approver' | 'failed' | 'ok';

const TONE_ICON: Record<NoticeTone, string> = {
  info: 'ℹ️',
  denied: '⛔',
  'not-configured': '⚙️',
  'second-approver': '👥',
  failed: '❌',
  ok: '✅',
};

/** A short notice; `message` is untrusted (vendor errors, ids) and escaped. */
export function teamsNoticeCard(tone: NoticeTone, message: string, title?: string): AdaptiveCard {
  const body: CardElement[] = [];
  if (title) body.push(text(`${TONE_ICON[tone]} **${t(title, 150)}**`));
  body.push(text(`${title ? '' : `${TONE_ICON[tone]} `}${untrusted(message, 2500) || '-'}`));
  return card(body, { fallbackText: untrusted(message, 300) || title || 'Hookline' });
}
