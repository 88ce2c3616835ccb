// The Teams alert card for one reported message: an Adaptive Card 1.5, a pure function of the
// same ReportSnapshot as the Slack card (cards/slack/report-card.ts) with the same content. The
// decision part (phases, texts, buttons and their values) comes from the platform-neutral model
// cards/model.ts: open (Approve / Quarantine / Block sender / Block domain), a dry-run preview
// with Confirm / Cancel, a four-eyes request with its justification and Approve request / Deny,
// in progress, done with the per-vendor, per-recipient outcome and Undo in the undo window,
// failed with the reason and Retry, and the SLA banner while undecided.
//
// Teams-specific:
// - Buttons are Action.Execute (Universal Actions; the verb is the model's button name, e.g.
//   `quarantine`, `block-sender`, `confirm`, `undo`) with an Action.Submit fallback for old clients.
// - The card has a `refresh` action (verb `refresh`). The card everybody sees in a channel is the
//   "shared" view; with `refresh.userIds` listing the responders (their Teams user MRIs, at most
//   60) Teams fetches a personal view for them, with the buttons. When the responders are not
//   known (roster unreadable) the shared view keeps the buttons: clicks are authorised anyway.
// - Every untrusted string goes through cards/text.ts teamsText / teamsPlain. The card's JSON is
//   kept under TEAMS_LIMITS.cardBytesBudget by showing fewer indicators (5 -> 3 -> 1 -> 0 per kind).
import { expiryText, flaggedFirst, formatSize, sameAddress, verdictKind, type VerdictKind } from '../format.ts';
import type { ReportSnapshot } from '../../src/chat/port.ts';
import type { Actor, DecisionAction, StepStatus } from '../../src/store/types.ts';
import type { StepOutcome, StepPlan } from '../../src/actions/steps/types.ts';
import type { Indicators } from '../../src/ingest/types.ts';
import { fileOf } from '../../src/actions/steps/record.ts';
import { decisionView, type ClosedNote, type DecisionButton, type DecisionView } from '../model.ts';
import { defangDomain, defangEmail, defangIp, defangUrl, teamsText } from '../text.ts';
import {
  TEAMS_LIMITS,
  bulletLines,
  card,
  cardBytes,
  container,
  execute,
  facts,
  paragraphs,
  text,
  type AdaptiveCard,
  type CardAction,
  type CardElement,
  type ContainerStyle,
} from './adaptive.ts';

/** The card's refresh verb; every other Action.Execute verb is a DecisionButton (cards/model.ts). */
export const TEAMS_VERBS = { refresh: 'refresh' } as const;

/** `data.hookline` of our actions: tells our buttons from anything else that reaches the bot. */
export const DECIDE_DATA = 'decide';
export const REFRESH_DATA = 'refresh';

export type TeamsButton = DecisionButton;

export interface TeamsReportCardOptions {
  /** "Now", for relative times; without it only absolute UTC times are shown. */
  now?: Date;
  /** Indicators shown per kind before "+K more" (default 5). */
  perKind?: number;
  /**
   * `shared`: the card in the conversation, as everybody sees it. `personal`: the view for one
   * user (the answer to a refresh or a click), with buttons only when `canDecide`.
   */
  view?: 'shared' | 'personal';
  /** Personal view: whether this user may decide (holds the role the decision actions need). */
  canDecide?: boolean;
  /**
   * Shared view: the Teams user MRIs (29:…) of the responders in the conversation; the first 60
   * go to `refresh.userIds`. Undefined: unknown, so the shared view shows the buttons itself.
   */
  responderMris?: string[];
}

const MAX_STEPS = 8;

const ACTION_WORDS: Record<DecisionAction, { verb: string; past: string }> = {
  approve: { verb: 'Approve', past: 'Approved' },
  quarantine: { verb: 'Quarantine', past: 'Quarantined' },
  block: { verb: 'Block', past: 'Blocked' },
};

const STEP_ICON: Record<StepStatus, string> = {
  ok: '✅',
  partial: '⚠️',
  failed: '❌',
  skipped: '➖',
  'dry-run': '🧪',
};

export function teamsReportCard(s: ReportSnapshot, opts: TeamsReportCardOptions = {}): AdaptiveCard {
  const first = Math.max(0, Math.floor(opts.perKind ?? 5));
  const tries = [first, ...[3, 1, 0].filter((n) => n < first)];
  let built: AdaptiveCard | undefined;
  for (const perKind of tries) {
    built = build(s, opts, perKind);
    if (cardBytes(built) <= TEAMS_LIMITS.cardBytesBudget) break;
  }
  return built!;
}

/** Whether the card offers buttons in this state (someone can still act on it). */
export function decidable(s: ReportSnapshot, now?: Date): boolean {
  return decisionView(s, now).buttons.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Pieces
// ---------------------------------------------------------------------------------------------

function words(action: DecisionAction): { verb: string; past: string } {
  const w = ACTION_WORDS[action];
  if (w) return w;
  const t = teamsText(String(action), { max: 30 });
  return { verb: t, past: t };
}

/** An actor by (escaped) name; people from another platform are labelled with it. */
export function teamsActor(a: Actor | undefined): string {
  if (!a) return '_someone_';
  const name = teamsText(a.name ?? a.id, { max: 80 }) || '_someone_';
  return a.platform === 'teams' ? `**${name}**` : `**${name}** (${teamsText(a.platform, { max: 20 })})`;
}

/** `2026-05-04 10:42 UTC (12 min ago)`. */
export function teamsTime(iso: string | undefined, now?: Date): string {
  if (!iso) return '_unknown time_';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return teamsText(iso, { max: 40 });
  const abs = `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  if (!now || Number.isNaN(now.getTime())) return abs;
  const mins = Math.floor((now.getTime() - d.getTime()) / 60_000);
  let rel = '';
  if (mins < 0) rel = '';
  else if (mins < 1) rel = 'just now';
  else if (mins < 60) rel = `${mins} min ago`;
  else if (mins < 48 * 60) rel = `${Math.floor(mins / 60)} h ago`;
  else rel = `${Math.floor(mins / 1440)} d ago`;
  return rel ? `${abs} (${rel})` : abs;
}

/** One of our identifiers (report id, step id) shown as is when it looks like one, else escaped. */
function idText(id: string, max: number): string {
  return /^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(id) && id.length <= max ? id : teamsText(id, { max });
}

function person(p: { address: string; name?: string } | undefined): string {
  if (!p) return '_unknown_';
  const name = teamsText(p.name, { max: 80 });
  const addr = teamsText(defangEmail(p.address), { max: 160, defang: false });
  return name ? `${name} ‹${addr}›` : addr;
}



const AUTH_ICON: Record<VerdictKind, string> = { pass: '✅', fail: '❌', warn: '⚠️', none: '➖', unknown: '❔' };

function authIcon(verdict: string): string {
  return AUTH_ICON[verdictKind(verdict)];
}

function authLine(auth: Indicators['authentication']): string | undefined {
  if (!auth) return undefined;
  const parts: string[] = [];
  for (const [label, v] of [
    ['SPF', auth.spf],
    ['DKIM', auth.dkim],
    ['DMARC', auth.dmarc],
  ] as const) {
    if (v === undefined) continue;
    parts.push(`${authIcon(v)} ${label} ${teamsText(v, { max: 24 }) || 'none'}`);
  }
  return parts.length ? parts.join(' · ') : undefined;
}



function listSection(title: string, total: number, lines: string[]): CardElement[] {
  const hidden = total - lines.length;
  const body = hidden > 0 ? [...lines, `_+${hidden} more_`] : lines;
  return [text(`**${title}** (${total})`, { spacing: 'Medium' }), text(bulletLines(body), { spacing: 'Small' })];
}

// ---------------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------------

function indicatorElements(ind: Indicators, perKind: number): CardElement[] {
  const urls = ind.urls ?? [];
  const domains = ind.domains ?? [];
  const ips = ind.ips ?? [];
  const attachments = ind.attachments ?? [];
  const bodyHashes = (ind.hashes ?? []).filter((h) => h.source === 'body');

  if (perKind === 0) {
    const counts = [
      [urls.length, 'URLs'],
      [domains.length, 'domains'],
      [ips.length, 'IPs'],
      [attachments.length, 'attachments'],
      [bodyHashes.length, 'hashes'],
    ]
      .filter(([n]) => (n as number) > 0)
      .map(([n, w]) => `${n} ${w}`);
    return counts.length ? [text(`**Indicators:** ${counts.join(' · ')} _(too many to show here)_`, { spacing: 'Medium' })] : [];
  }

  const out: CardElement[] = [];
  if (urls.length) {
    const lines = flaggedFirst(urls, (u) => !!u.mismatch)
      .slice(0, perKind)
      .map((u) => {
        let line = teamsText(defangUrl(u.url), { max: 200, defang: false });
        if (u.mismatch) line += ` ⚠️ _link text shows_ ${u.displayText ? teamsText(u.displayText, { max: 80 }) : '_another domain_'}`;
        if (u.source === 'qr') line += ' _(QR code)_';
        else if (u.source === 'attachment') line += ' _(in an attachment)_';
        if (u.wrappedUrl) line += ' _(unwrapped)_';
        return line;
      });
    out.push(...listSection('URLs', urls.length, lines));
  }
  if (domains.length) {
    const lines = flaggedFirst(domains, (d) => !!d.punycode)
      .slice(0, perKind)
      .map((d) => {
        let line = teamsText(defangDomain(d.domain), { max: 120, defang: false });
        if (d.punycode || d.unicode) {
          line += ' ⚠️ _punycode_';
          if (d.unicode) line += ` → ${teamsText(defangDomain(d.unicode), { max: 120, defang: false })}`;
        }
        return line;
      });
    out.push(...listSection('Domains', domains.length, lines));
  }
  if (ips.length) {
    const lines = flaggedFirst(ips, (i) => !!i.firstExternalHop)
      .slice(0, perKind)
      .map((i) => {
        let line = teamsText(defangIp(i.ip), { max: 60, defang: false });
        if (i.firstExternalHop) line += ' 📍 _first external hop_';
        line += i.source === 'received' ? ' _(Received header)_' : ' _(body)_';
        return line;
      });
    out.push(...listSection('IP addresses', ips.length, lines));
  }
  if (attachments.length) {
    const lines = attachments.slice(0, perKind).map((a) => {
      const type = teamsText(a.contentType, { max: 60 }) || 'unknown type';
      return `${teamsText(a.filename, { max: 100 })} _(${type}, ${formatSize(a.size)})_ sha256 ${teamsText(a.sha256, { max: 70, defang: false })}`;
    });
    out.push(...listSection('Attachments', attachments.length, lines));
  }
  if (bodyHashes.length) {
    const lines = bodyHashes.slice(0, perKind).map((h) => `${teamsText(h.type, { max: 10 })} ${teamsText(h.value, { max: 140, defang: false })}`);
    out.push(...listSection('Hashes in the body', bodyHashes.length, lines));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decision (the phases and buttons come from cards/model.ts, the same as Slack's)
// ---------------------------------------------------------------------------------------------

/** Failed recipients named under a step line (the rest are counted). */
const MAX_FAILED_SHOWN = 3;

function stepLine(st: StepOutcome): string {
  const icon = STEP_ICON[st.status] ?? '❔';
  const vendor = teamsText(st.vendor, { max: 40 }) || 'vendor';
  let line = `${icon} **${vendor}** ${idText(st.step, 60)}`;
  const detail = teamsText(st.detail, { max: 200 });
  if (detail) line += ` ${detail}`;
  if (st.status === 'dry-run') line += ' _(dry run: not sent)_';
  const r = st.recipients;
  if (r && r.length > 0) {
    const ok = r.filter((x) => x.status === 'ok').length;
    const failed = r.length - ok;
    const [one, many] = st.unit ?? ['mailbox', 'mailboxes'];
    const noun = teamsText(r.length === 1 ? one : many, { max: 30 });
    line += failed > 0 ? ` _(${ok} of ${r.length} ${noun} ok, ${failed} failed)_` : ` _(${ok} of ${r.length} ${noun} ok)_`;
  }
  return line;
}

function linesText(lines: string[]): string | undefined {
  if (lines.length === 0) return undefined;
  const shown = lines.slice(0, MAX_STEPS);
  const hidden = lines.length - shown.length;
  if (hidden > 0) shown.push(`_+${hidden} more steps_`);
  return bulletLines(shown);
}

function stepsText(steps: readonly StepOutcome[]): string | undefined {
  return linesText(steps.map(stepLine));
}

/** Which targets failed, per step (the first few, defanged), so a partial result can be acted on. */
function failuresText(steps: readonly StepOutcome[]): string | undefined {
  const lines: string[] = [];
  for (const st of steps) {
    const bad = (st.recipients ?? []).filter((x) => x.status === 'failed');
    if (bad.length === 0) continue;
    const shown = bad.slice(0, MAX_FAILED_SHOWN).map((x) => `${teamsText(x.address, { max: 80 })}${x.error ? ` ${teamsText(x.error, { max: 80 })}` : ''}`);
    lines.push(`${idText(st.step, 60)} failed for ${shown.join(' · ')}${bad.length > shown.length ? ` _+${bad.length - shown.length} more_` : ''}`);
  }
  return linesText(lines);
}

/** One line of the dry-run preview. */
function planLine(p: StepPlan): string {
  const head = `**${teamsText(p.vendor, { max: 40 }) || 'vendor'}** ${idText(p.step, 60)}`;
  if (p.blocked) return `⛔ ${head} cannot run: ${teamsText(p.blocked, { max: 220 })}`;
  if (p.nothing) return `➖ ${head} ${teamsText(p.nothing, { max: 220 })}`;
  return `🔎 ${head} ${teamsText(p.summary, { max: 260 })}`;
}

const CLOSED_ICON: Record<ClosedNote['how'], string> = { cancelled: '🚫', denied: '⛔', expired: '⌛', undone: '↩️', superseded: '🔄' };

function closedLine(c: ClosedNote, now: Date | undefined): string {
  const w = words(c.action);
  const req = teamsActor(c.requestedBy);
  const at = teamsTime(c.at, now);
  switch (c.how) {
    case 'undone':
      return `${CLOSED_ICON.undone} **${w.past}** by ${req}, then **undone** by ${teamsActor(c.by)} · ${at} · the report is open again`;
    case 'expired':
      return `${CLOSED_ICON.expired} **Expired**: ${w.verb.toLowerCase()} requested by ${req} was not approved in time · ${at}`;
    case 'denied':
      return `${CLOSED_ICON.denied} **${w.verb} request denied** by ${teamsActor(c.by)} (requested by ${req}) · ${at}`;
    case 'cancelled':
      return `${CLOSED_ICON.cancelled} **${w.verb} request cancelled** by ${teamsActor(c.by ?? c.requestedBy)} · ${at}`;
    case 'superseded':
      return `${CLOSED_ICON.superseded} A failed ${w.verb.toLowerCase()} (requested by ${req}) was replaced by a new request · ${at}`;
  }
}


/** The decision part of the card: escalation banner, the phase's text, steps, preview, undo. */
function decisionElements(v: DecisionView, now: Date | undefined): CardElement[] {
  const d = v.decision;
  const out: CardElement[] = [];
  if (v.escalation) {
    out.push(container([text(`🚨 **SLA missed**: not decided within ${v.escalation.slaMinutes} min · escalated to on-call ${teamsTime(v.escalation.at, now)}`)], { style: 'attention', spacing: 'Medium' }));
  }
  const items: CardElement[] = [];
  let style: ContainerStyle = 'emphasis';
  const add = (t: string | undefined, opts: Parameters<typeof text>[1] = {}) => {
    if (t) items.push(text(t, items.length ? { spacing: 'Small', ...opts } : opts));
  };
  switch (v.phase) {
    case 'open':
      if (v.closed) {
        add(closedLine(v.closed, now));
        if (v.closed.how === 'undone') add(stepsText(v.closed.undo?.steps ?? []));
      }
      break;
    case 'preparing':
      add(`⏳ **${words(d!.action).verb}** requested by ${teamsActor(d!.requestedBy)} · ${teamsTime(d!.createdAt, now)} · preparing the preview…`);
      break;
    case 'awaiting-confirmation':
    case 'awaiting-approval': {
      const w = words(d!.action);
      const req = v.request!;
      const scope = req.scope ? ` (${req.scope === 'domain' ? 'sender domain' : 'sender address'})` : '';
      const by = teamsActor(d!.requestedBy);
      if (v.phase === 'awaiting-approval') {
        add(`👥 **${w.verb}**${scope} requested by ${by} · ${teamsTime(req.requestedAt, now)} · waiting for a second approver (someone with the ${teamsText(req.approverRole, { max: 20 }) || 'responder'} role other than ${by})`);
        add(`**Justification:** ${teamsText(req.justification, { max: 500 }) || '_none given_'}`);
      } else {
        add(`🔎 **Preview: ${w.verb}**${scope} requested by ${by} · ${teamsTime(req.requestedAt, now)} · nothing runs until it is confirmed`);
      }
      add(`_Expires ${expiryText(req.expiresAt, now)} if nobody ${v.phase === 'awaiting-approval' ? 'approves' : 'confirms'} it._`, { isSubtle: true });
      add(linesText(v.preview.map(planLine)) ?? '_No step to run._');
      style = 'warning';
      break;
    }
    case 'executing': {
      const second = d!.approvedBy ? ` · second approval ${teamsActor(d!.approvedBy)}` : '';
      const steps = d!.attempts > 1 ? stepsText(v.steps) : undefined;
      add(`⏳ **${words(d!.action).verb}** requested by ${teamsActor(d!.requestedBy)}${second} · ${teamsTime(d!.updatedAt, now)} · in progress…${steps ? ' _(previous attempt below)_' : ''}`);
      add(steps);
      break;
    }
    case 'undoing':
      add(`⏳ **Undo** of ${words(d!.action).verb.toLowerCase()} requested by ${teamsActor(v.undo?.by)} · ${teamsTime(v.undo?.at, now)} · in progress…`);
      break;
    case 'done':
    case 'failed': {
      const w = words(d!.action);
      const by = teamsActor(d!.requestedBy);
      const second = d!.approvedBy ? ` · second approval ${teamsActor(d!.approvedBy)}` : '';
      const at = teamsTime(d!.updatedAt, now);
      if (v.phase === 'done') {
        const bad = v.steps.some((x) => x.status === 'failed' || x.status === 'partial');
        add(`${bad ? '⚠️' : '✅'} **${w.past}**${bad ? ' _(with problems)_' : ''} by ${by}${second} · ${at}`);
        style = bad ? 'warning' : 'good';
      } else {
        add(`❌ **${w.verb} failed** (attempt ${d!.attempts}) · requested by ${by}${second} · ${at}`);
        add(`**Reason:** ${teamsText(d!.error, { max: 500 }) || '_no reason recorded_'}`);
        style = 'attention';
      }
      add(stepsText(v.steps));
      add(failuresText(v.steps), { isSubtle: true });
      if (v.undo?.state === 'failed') {
        add(`❌ **Undo failed** (by ${teamsActor(v.undo.by)} · ${teamsTime(v.undo.at, now)}): ${teamsText(v.undo.error, { max: 300 }) || '_no reason recorded_'}`);
        add(stepsText(v.undo.steps));
      }
      if (v.buttons.some((b) => b.button === 'undo') && v.undoUntil) add(`Undo is available until ${expiryText(v.undoUntil, now)}.`, { isSubtle: true });
      break;
    }
  }
  if (items.length) out.push(container(items, { style, separator: true, spacing: 'Medium' }));
  return out;
}

function decisionData(button: TeamsButton, value: string): Record<string, string> {
  return { hookline: DECIDE_DATA, button, value };
}

/** The model's buttons as Universal Actions (verb = the button), each with its Action.Submit fallback. */
function buttons(v: DecisionView): CardAction[] {
  return v.buttons.map((b) => execute(b.label, b.button, decisionData(b.button, b.value), b.style === 'danger' ? 'destructive' : b.style === 'primary' ? 'positive' : undefined));
}

// ---------------------------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------------------------

function build(s: ReportSnapshot, opts: TeamsReportCardOptions, perKind: number): AdaptiveCard {
  const r = s.report;
  const d = s.decision;
  const now = opts.now;
  const o = r.original ?? { subject: '', to: [], cc: [] };
  const ind: Indicators = r.indicators ?? { urls: [], domains: [], ips: [], hashes: [], addresses: [], attachments: [] };
  const body: CardElement[] = [];

  const state = d?.state === 'done' && !fileOf(d).undo ? ` · ${words(d.action).past.toLowerCase()}` : '';
  body.push(text(`🎣 Reported phish${state}`, { size: 'Medium', weight: 'Bolder', style: 'heading' }));
  if (s.notice) body.push(text(`ℹ️ ${teamsText(s.notice, { max: 300 }) || '-'}`, { isSubtle: true, spacing: 'Small' }));

  if (r.status === 'unparseable') {
    const why = teamsText(r.parseError, { max: 600 }) || '_no reason given_';
    body.push(container([text('⚠️ **Could not parse this report.**', { color: 'Attention' }), text(why, { spacing: 'Small' })], { style: 'attention' }));
  }

  const subject = teamsText(o.subject, { max: 300 });
  body.push(text(`**Subject:** ${subject || '_(no subject)_'}`));

  const list: { title: string; value: string }[] = [
    { title: 'From', value: person(o.from) },
    { title: 'Reported by', value: person(r.reportedBy) },
    { title: 'Received', value: teamsTime(r.receivedAt, now) },
  ];
  const auth = authLine(ind.authentication);
  if (auth) list.push({ title: 'Authentication', value: auth });
  const nTo = o.to?.length ?? 0;
  const nCc = o.cc?.length ?? 0;
  if (nTo + nCc > 0) list.push({ title: 'Recipients', value: `${nTo} to${nCc ? `, ${nCc} cc` : ''}` });
  const fromAddr = o.from?.address;
  const replyTo = [...(o.replyTo ?? []).map((a) => a.address), ...(ind.addresses ?? []).filter((a) => a.role === 'reply-to').map((a) => a.address)];
  const returnPath = (ind.addresses ?? []).filter((a) => a.role === 'return-path').map((a) => a.address);
  for (const [label, addrs] of [
    ['Reply-To', replyTo],
    ['Return-Path', returnPath],
  ] as const) {
    const differ = [...new Set(addrs.map((a) => a.trim().toLowerCase()))].filter((a) => a && !sameAddress(a, fromAddr));
    if (differ.length === 0) continue;
    const shown = differ.slice(0, 2).map((a) => teamsText(defangEmail(a), { max: 160, defang: false }));
    const more = differ.length > 2 ? ` _+${differ.length - 2} more_` : '';
    list.push({ title: label, value: `⚠️ _differs from From:_ ${shown.join(', ')}${more}` });
  }
  body.push(facts(list));

  const indicators = indicatorElements(ind, perKind);
  if (indicators.length) body.push(...indicators);
  else if (r.status === 'parsed') body.push(text('_No indicators extracted._', { isSubtle: true }));

  const v = decisionView(s, now);
  body.push(...decisionElements(v, now));

  const view = opts.view ?? 'shared';
  const responders = opts.responderMris?.slice(0, TEAMS_LIMITS.refreshUserIds);
  const actionable = v.buttons.length > 0;
  const showButtons = actionable && (view === 'personal' ? opts.canDecide === true : responders === undefined);
  if (actionable && !showButtons) {
    body.push(
      text(view === 'personal' ? '_You can see this report; acting on it needs the responder role._' : `_Waiting for a responder: responders see the ${v.buttons.map((b) => teamsText(b.label, { max: 30 })).join(' / ')} buttons._`, {
        isSubtle: true,
        spacing: 'Medium',
      }),
    );
  }

  const footer = [`Report ${idText(r.id, 80)} · source ${teamsText(r.source, { max: 40 }) || '?'} · ingested ${teamsTime(r.createdAt, now)}`];
  if (!r.originalAttached && r.status === 'parsed') footer.push('_The phish was not attached: showing the report itself._');
  body.push(text(paragraphs(footer), { isSubtle: true, size: 'Small', spacing: 'Medium', separator: true }));

  const refresh: AdaptiveCard['refresh'] = {
    action: { type: 'Action.Execute', title: 'Refresh', verb: TEAMS_VERBS.refresh, data: { hookline: REFRESH_DATA, reportId: r.id } },
    ...(view === 'shared' && responders ? { userIds: responders } : {}),
  };
  return card(body, {
    fallbackText: fallbackText(s),
    msteams: { width: 'Full' },
    ...(actionable ? { refresh } : {}),
    ...(showButtons ? { actions: buttons(v) } : {}),
  });
}

/**
 * Notification / fallback text: escaped like card text (some Teams surfaces render it as markdown),
 * defanged, never a mention.
 */
export function fallbackText(s: ReportSnapshot): string {
  const r = s.report;
  const o = r.original;
  const from = o?.from?.address ? teamsText(defangEmail(o.from.address), { max: 100, defang: false }) : 'unknown sender';
  const subject = teamsText(o?.subject, { max: 150 }) || '(no subject)';
  let t = r.status === 'unparseable' ? `Reported phish (could not be parsed): ${teamsText(r.parseError, { max: 150 }) || 'no reason given'}` : `Reported phish from ${from}: ${subject}`;
  const d = s.decision;
  const v = decisionView(s);
  if (d) {
    const w = words(d.action);
    const verb = w.verb.toLowerCase();
    const who = teamsText(d.requestedBy?.name ?? d.requestedBy?.id, { max: 60 }) || 'someone';
    switch (v.phase) {
      case 'done':
        t += ` (${w.past.toLowerCase()} by ${who})`;
        break;
      case 'failed':
        t += ` (${verb} failed)`;
        break;
      case 'executing':
        t += ` (${verb} in progress)`;
        break;
      case 'undoing':
        t += ` (undoing the ${verb})`;
        break;
      case 'preparing':
      case 'awaiting-confirmation':
        t += ` (${verb} waiting for confirmation)`;
        break;
      case 'awaiting-approval':
        t += ` (${verb} waiting for a second approver)`;
        break;
      case 'open':
        if (v.closed) t += ` (${verb} ${v.closed.how === 'superseded' ? 'replaced' : v.closed.how}; open again)`;
        break;
    }
  }
  if (v.escalation && v.phase !== 'done') t += ' (SLA missed)';
  return t;
}
