// The Slack alert card for one reported message: a pure function of the snapshot (the card is
// re-rendered from state after every decision, so stale buttons disappear by construction).
//
// Every string that came from the mail or a vendor goes through cards/text.ts (escaped, defanged,
// hidden characters made visible) and every block through cards/slack/limits.ts (clamped). The
// whole card targets CARD_TEXT_BUDGET characters of block text; when a report has very many or
// very long indicators it degrades (5 -> 3 -> 1 -> 0 shown per kind) instead of failing.
//
// The decision part (phases, buttons, their action_ids and values) comes from cards/model.ts,
// which documents every state for the Teams card too: a dry-run preview with Confirm / Cancel, a
// four-eyes request with the justification, Approve request / Deny and its expiry, the outcome
// per vendor and per recipient (partial shown as such) with Undo inside the undo window, Retry
// after a failure, and the SLA banner while the report is undecided.
import { expiryText, flaggedFirst, formatSize, sameAddress, verdictKind, type VerdictKind } from '../format.ts';
import type { KnownBlock, Button } from './block-kit.ts';
import type { ReportSnapshot } from '../../src/chat/port.ts';
import type { Actor, DecisionAction, DecisionRecord, ReportRecord, StepStatus } from '../../src/store/types.ts';
import type { StepOutcome, StepPlan } from '../../src/actions/steps/types.ts';
import { BUTTON_IDS, decisionView, type ClosedNote, type DecisionView } from '../model.ts';
import { fileOf } from '../../src/actions/steps/record.ts';
import type { Indicators } from '../../src/ingest/types.ts';
import { defangDomain, defangEmail, defangIp, defangUrl, slackCode, slackText } from '../text.ts';
import {
  SLACK_LIMITS,
  actionsBlock,
  blocksTextLength,
  button,
  clampBlocks,
  clampMrkdwn,
  contextBlock,
  dividerBlock,
  fieldsBlock,
  fitLines,
  headerBlock,
  sectionBlock,
} from './limits.ts';

/** action_ids of the card's buttons (adapters/slack routes /^decide:/); see cards/model.ts. */
export const DECISION_ACTION_IDS = BUTTON_IDS;

export interface ReportCardOptions {
  /** "Now", for relative times ("12 min ago"); without it only absolute UTC times are shown. */
  now?: Date;
  /** Indicators shown per kind before "+K more" (default 5). */
  perKind?: number;
}

export interface SlackCard {
  /** Notification / fallback text (mrkdwn, escaped; never contains a mention). */
  text: string;
  blocks: KnownBlock[];
}

/** Target for the sum of block text, under SLACK_LIMITS.blocksTextBudget with a margin. */
export const CARD_TEXT_BUDGET = 10_000;

const MAX_STEPS = 8;
/** Failed recipients named under a step line (the rest are counted). */
const MAX_FAILED_SHOWN = 3;

const ACTION_WORDS: Record<DecisionAction, { verb: string; past: string }> = {
  approve: { verb: 'Approve', past: 'Approved' },
  quarantine: { verb: 'Quarantine', past: 'Quarantined' },
  block: { verb: 'Block', past: 'Blocked' },
};

const STEP_ICON: Record<StepStatus, string> = {
  ok: ':white_check_mark:',
  partial: ':warning:',
  failed: ':x:',
  skipped: ':heavy_minus_sign:',
  'dry-run': ':test_tube:',
};

export function reportCard(s: ReportSnapshot, opts: ReportCardOptions = {}): SlackCard {
  const text = fallbackText(s);
  const first = Math.max(0, Math.floor(opts.perKind ?? 5));
  const tries = [first, ...[3, 1, 0].filter((n) => n < first)];
  let blocks: KnownBlock[] = [];
  for (const perKind of tries) {
    blocks = clampBlocks(buildBlocks(s, opts.now, perKind));
    if (blocksTextLength(blocks) <= CARD_TEXT_BUDGET) break;
  }
  return { text, blocks };
}

// ---------------------------------------------------------------------------------------------
// Pieces
// ---------------------------------------------------------------------------------------------

function words(action: DecisionAction): { verb: string; past: string } {
  // A value outside the type (bad row) still renders, escaped.
  return ACTION_WORDS[action] ?? { verb: slackText(String(action), { max: 30 }), past: slackText(String(action), { max: 30 }) };
}

const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;

/**
 * An actor for mrkdwn: a Slack mention `<@U…>` only for a Slack actor whose id is a real user id
 * (so no attacker-chosen id can become `<!channel>` or a link); anyone else by escaped name.
 */
export function slackActor(a: Actor | undefined): string {
  if (!a) return '_someone_';
  if (a.platform === 'slack' && a.id.length <= 32 && SLACK_USER_ID.test(a.id)) return `<@${a.id}>`;
  const name = slackText(a.name ?? a.id, { max: 80 }) || '_someone_';
  return a.platform === 'slack' ? name : `${name} (${slackText(a.platform, { max: 20 })})`;
}

/** An actor for the notification text: never a mention (no ping on every card update). */
function actorName(a: Actor | undefined): string {
  return (a && slackText(a.name ?? a.id, { max: 60 })) || 'someone';
}

/** `2026-05-04 10:42 UTC (12 min ago)`. */
export function formatTime(iso: string | undefined, now?: Date): string {
  if (!iso) return '_unknown time_';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return slackText(iso, { max: 40 });
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

/**
 * One of our identifiers (report id, step id like `graph.remediate`) as code: shown as is when it
 * looks like an identifier, defanged like any untrusted text otherwise.
 */
function idCode(id: string, max: number): string {
  return slackCode(id, { max, defang: !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(id) });
}

function person(p: { address: string; name?: string } | undefined): string {
  if (!p) return '_unknown_';
  const name = slackText(p.name, { max: 80 });
  const addr = slackCode(defangEmail(p.address), { max: 160 });
  return name ? `${name} ${addr}` : addr;
}



const AUTH_ICON: Record<VerdictKind, string> = { pass: ':white_check_mark:', fail: ':x:', warn: ':warning:', none: ':heavy_minus_sign:', unknown: ':grey_question:' };

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
    parts.push(`${authIcon(v)} ${label} ${slackText(v, { max: 24 }) || 'none'}`);
  }
  return parts.length ? parts.join(' · ') : undefined;
}



function listSection(title: string, total: number, lines: string[]): KnownBlock {
  const hidden = total - lines.length;
  const body = hidden > 0 ? [...lines, `_+${hidden} more_`] : lines;
  return sectionBlock(fitLines([`*${title}* (${total})`, ...body], SLACK_LIMITS.sectionText, (k) => `_+${k + Math.max(hidden, 0) - (hidden > 0 ? 1 : 0)} more_`));
}

// ---------------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------------

function indicatorBlocks(ind: Indicators, perKind: number): KnownBlock[] {
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
    return counts.length ? [sectionBlock(`*Indicators:* ${counts.join(' · ')} _(too many to show here)_`)] : [];
  }

  const out: KnownBlock[] = [];
  if (urls.length) {
    const lines = flaggedFirst(urls, (u) => !!u.mismatch)
      .slice(0, perKind)
      .map((u) => {
        let line = `• ${slackCode(defangUrl(u.url), { max: 200 })}`;
        if (u.mismatch) {
          line += ' :warning: _link text shows_ ';
          line += u.displayText ? slackCode(u.displayText, { max: 80 }) : '_another domain_';
        }
        if (u.source === 'qr') line += ' _(QR code)_';
        else if (u.source === 'attachment') line += ' _(in an attachment)_';
        if (u.wrappedUrl) line += ' _(unwrapped)_';
        return line;
      });
    out.push(listSection('URLs', urls.length, lines));
  }
  if (domains.length) {
    const lines = flaggedFirst(domains, (d) => !!d.punycode)
      .slice(0, perKind)
      .map((d) => {
        let line = `• ${slackCode(defangDomain(d.domain), { max: 120 })}`;
        if (d.punycode || d.unicode) {
          line += ' :warning: _punycode_';
          if (d.unicode) line += ` → ${slackCode(defangDomain(d.unicode), { max: 120 })}`;
        }
        return line;
      });
    out.push(listSection('Domains', domains.length, lines));
  }
  if (ips.length) {
    const lines = flaggedFirst(ips, (i) => !!i.firstExternalHop)
      .slice(0, perKind)
      .map((i) => {
        let line = `• ${slackCode(defangIp(i.ip), { max: 60 })}`;
        if (i.firstExternalHop) line += ' :round_pushpin: _first external hop_';
        line += i.source === 'received' ? ' _(Received header)_' : ' _(body)_';
        return line;
      });
    out.push(listSection('IP addresses', ips.length, lines));
  }
  if (attachments.length) {
    const lines = attachments.slice(0, perKind).map((a) => {
      const type = slackText(a.contentType, { max: 60 }) || 'unknown type';
      return `• ${slackCode(a.filename, { max: 100 })} _(${type}, ${formatSize(a.size)})_ sha256 ${slackCode(a.sha256, { max: 70 })}`;
    });
    out.push(listSection('Attachments', attachments.length, lines));
  }
  if (bodyHashes.length) {
    const lines = bodyHashes
      .slice(0, perKind)
      .map((h) => `• ${slackText(h.type, { max: 10 })} ${slackCode(h.value, { max: 140 })}`);
    out.push(listSection('Hashes in the body', bodyHashes.length, lines));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decision (the phases and buttons come from cards/model.ts)
// ---------------------------------------------------------------------------------------------

function stepLine(st: StepOutcome): string {
  const icon = STEP_ICON[st.status] ?? ':grey_question:';
  const vendor = slackText(st.vendor, { max: 40 }) || 'vendor';
  let line = `${icon} *${vendor}* ${idCode(st.step, 60)}`;
  const detail = slackText(st.detail, { max: 200 });
  if (detail) line += ` ${detail}`;
  if (st.status === 'dry-run') line += ' _(dry run: not sent)_';
  const r = st.recipients;
  if (r && r.length > 0) {
    const ok = r.filter((x) => x.status === 'ok').length;
    const failed = r.length - ok;
    const [one, many] = st.unit ?? ['mailbox', 'mailboxes'];
    const noun = slackText(r.length === 1 ? one : many, { max: 30 });
    line += failed > 0 ? ` _(${ok} of ${r.length} ${noun} ok, ${failed} failed)_` : ` _(${ok} of ${r.length} ${noun} ok)_`;
  }
  return line;
}

/** Which targets failed, per step (the first few, defanged), so a partial result can be acted on. */
function failuresText(steps: readonly StepOutcome[]): string | undefined {
  const lines: string[] = [];
  for (const st of steps) {
    const bad = (st.recipients ?? []).filter((x) => x.status === 'failed');
    if (bad.length === 0) continue;
    const shown = bad.slice(0, MAX_FAILED_SHOWN).map((x) => `${slackCode(x.address, { max: 80 })}${x.error ? ` ${slackText(x.error, { max: 80 })}` : ''}`);
    lines.push(`${idCode(st.step, 60)} failed for ${shown.join(' · ')}${bad.length > shown.length ? ` _+${bad.length - shown.length} more_` : ''}`);
  }
  return lines.length ? fitLines(lines, SLACK_LIMITS.sectionText - 200, (k) => `_+${k} more steps with failures_`) : undefined;
}

function linesText(lines: string[]): string | undefined {
  if (lines.length === 0) return undefined;
  const shown = lines.slice(0, MAX_STEPS);
  const hidden = lines.length - shown.length;
  if (hidden > 0) shown.push(`_+${hidden} more steps_`);
  return fitLines(shown, SLACK_LIMITS.sectionText - 200, (k) => `_+${k + hidden - (hidden > 0 ? 1 : 0)} more steps_`);
}

function stepsText(steps: readonly StepOutcome[]): string | undefined {
  return linesText(steps.map(stepLine));
}

/** One line of the dry-run preview. */
function planLine(p: StepPlan): string {
  const vendor = slackText(p.vendor, { max: 40 }) || 'vendor';
  const head = `*${vendor}* ${idCode(p.step, 60)}`;
  if (p.blocked) return `:no_entry: ${head} cannot run: ${slackText(p.blocked, { max: 220 })}`;
  if (p.nothing) return `:heavy_minus_sign: ${head} ${slackText(p.nothing, { max: 220 })}`;
  return `:mag: ${head} ${slackText(p.summary, { max: 260 })}`;
}

function previewText(plans: readonly StepPlan[]): string | undefined {
  return linesText(plans.map(planLine));
}

/** A short, stable tag for this iteration of the card (fresh block_ids after every update). */
function iterationTag(r: ReportRecord, d: DecisionRecord | undefined, extra = ''): string {
  const key = [r.id, d?.id ?? '-', d?.state ?? 'new', d?.attempts ?? 0, d?.updatedAt ?? '', extra].join('|');
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

function slackButtons(v: DecisionView): Button[] {
  return v.buttons.map((b) => button({ text: b.label, actionId: b.actionId, value: b.value, ...(b.style ? { style: b.style } : {}) }));
}

const CLOSED_ICON: Record<ClosedNote['how'], string> = { cancelled: ':no_entry_sign:', denied: ':no_entry:', expired: ':hourglass:', undone: ':leftwards_arrow_with_hook:', superseded: ':arrows_counterclockwise:' };

function closedLine(c: ClosedNote, now: Date | undefined): string {
  const w = words(c.action);
  const req = slackActor(c.requestedBy);
  const at = formatTime(c.at, now);
  switch (c.how) {
    case 'undone':
      return `${CLOSED_ICON.undone} *${w.past}* by ${req}, then *undone* by ${slackActor(c.by)} · ${at} · the report is open again`;
    case 'expired':
      return `${CLOSED_ICON.expired} *Expired*: ${w.verb.toLowerCase()} requested by ${req} was not approved in time · ${at}`;
    case 'denied':
      return `${CLOSED_ICON.denied} *${w.verb} request denied* by ${slackActor(c.by)} (requested by ${req}) · ${at}`;
    case 'cancelled':
      return `${CLOSED_ICON.cancelled} *${w.verb} request cancelled* by ${slackActor(c.by ?? c.requestedBy)} · ${at}`;
    case 'superseded':
      return `${CLOSED_ICON.superseded} A failed ${w.verb.toLowerCase()} (requested by ${req}) was replaced by a new request · ${at}`;
  }
}


function roleWords(role: string): string {
  return slackText(role, { max: 20 }) || 'responder';
}

function decisionBlocks(s: ReportSnapshot, now: Date | undefined): KnownBlock[] {
  const r = s.report;
  const v = decisionView(s, now);
  const d = v.decision;
  const tag = iterationTag(r, d, v.phase);
  const out: KnownBlock[] = [];
  const head = (text: string, asContext = false) => out.push(asContext ? contextBlock([text], `decision.${tag}`) : sectionBlock(text, `decision.${tag}`));
  const section = (text: string | undefined, id: string) => {
    if (text) out.push(sectionBlock(text, `${id}.${tag}`));
  };

  if (v.escalation) {
    out.push(
      sectionBlock(
        `:rotating_light: *SLA missed*: not decided within ${v.escalation.slaMinutes} min · escalated to on-call ${formatTime(v.escalation.at, now)}`,
        `sla.${tag}`,
      ),
    );
  }
  if (d || v.closed) out.push(dividerBlock());

  switch (v.phase) {
    case 'open':
      if (v.closed) {
        head(closedLine(v.closed, now), true);
        if (v.closed.how === 'undone') section(stepsText(v.closed.undo?.steps ?? []), 'undo');
      }
      break;
    case 'preparing': {
      const w = words(d!.action);
      head(`:hourglass_flowing_sand: *${w.verb}* requested by ${slackActor(d!.requestedBy)} · ${formatTime(d!.createdAt, now)} · preparing the preview…`, true);
      break;
    }
    case 'awaiting-confirmation':
    case 'awaiting-approval': {
      const w = words(d!.action);
      const req = v.request!;
      const scope = req.scope ? ` (${req.scope === 'domain' ? 'sender domain' : 'sender address'})` : '';
      const by = slackActor(d!.requestedBy);
      const lines =
        v.phase === 'awaiting-approval'
          ? [
              `:busts_in_silhouette: *${w.verb}*${scope} requested by ${by} · ${formatTime(req.requestedAt, now)} · waiting for a second approver (someone with the ${roleWords(req.approverRole)} role other than ${by})`,
              `*Justification:* ${slackText(req.justification, { max: 500 }) || '_none given_'}`,
            ]
          : [`:mag: *Preview: ${w.verb}*${scope} requested by ${by} · ${formatTime(req.requestedAt, now)} · nothing runs until it is confirmed`];
      lines.push(`_Expires ${expiryText(req.expiresAt, now)} if nobody ${v.phase === 'awaiting-approval' ? 'approves' : 'confirms'} it._`);
      head(lines.join('\n'));
      section(previewText(v.preview) ?? '_No step to run._', 'preview');
      break;
    }
    case 'executing': {
      const w = words(d!.action);
      const second = d!.approvedBy ? ` · second approval ${slackActor(d!.approvedBy)}` : '';
      const steps = d!.attempts > 1 ? stepsText(v.steps) : undefined;
      head(`:hourglass_flowing_sand: *${w.verb}* requested by ${slackActor(d!.requestedBy)}${second} · ${formatTime(d!.updatedAt, now)} · in progress…${steps ? ' _(previous attempt below)_' : ''}`, !steps);
      section(steps, 'steps');
      break;
    }
    case 'undoing': {
      const w = words(d!.action);
      head(`:hourglass_flowing_sand: *Undo* of ${w.verb.toLowerCase()} requested by ${slackActor(v.undo?.by)} · ${formatTime(v.undo?.at, now)} · in progress…`, true);
      break;
    }
    case 'done':
    case 'failed': {
      const w = words(d!.action);
      const by = slackActor(d!.requestedBy);
      const second = d!.approvedBy ? ` · second approval ${slackActor(d!.approvedBy)}` : '';
      const at = formatTime(d!.updatedAt, now);
      if (v.phase === 'done') {
        const bad = v.steps.some((x) => x.status === 'failed' || x.status === 'partial');
        head(`${bad ? ':warning:' : ':white_check_mark:'} *${w.past}*${bad ? ' _(with problems)_' : ''} by ${by}${second} · ${at}`);
      } else {
        const reason = slackText(d!.error, { max: 500, singleLine: false }) || '_no reason recorded_';
        head(`:x: *${w.verb} failed* (attempt ${d!.attempts}) · requested by ${by}${second} · ${at}\n*Reason:* ${reason}`);
      }
      section(stepsText(v.steps), 'steps');
      const failures = failuresText(v.steps);
      if (failures) out.push(contextBlock([failures], `failures.${tag}`));
      if (v.undo?.state === 'failed') {
        section(`:x: *Undo failed* (by ${slackActor(v.undo.by)} · ${formatTime(v.undo.at, now)}): ${slackText(v.undo.error, { max: 300 }) || '_no reason recorded_'}`, 'undohead');
        section(stepsText(v.undo.steps), 'undo');
      }
      if (v.buttons.some((b) => b.button === 'undo') && v.undoUntil) out.push(contextBlock([`Undo is available until ${expiryText(v.undoUntil, now)}.`], `undountil.${tag}`));
      break;
    }
  }
  if (v.buttons.length) out.push(actionsBlock(slackButtons(v), `decide.${tag}`));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------------------------

function buildBlocks(s: ReportSnapshot, now: Date | undefined, perKind: number): KnownBlock[] {
  const r = s.report;
  const d = s.decision;
  const o = r.original ?? { subject: '', to: [], cc: [] };
  const ind: Indicators = r.indicators ?? { urls: [], domains: [], ips: [], hashes: [], addresses: [], attachments: [] };
  const blocks: KnownBlock[] = [];

  const state = d?.state === 'done' && !fileOf(d).undo ? ` · ${words(d.action).past.toLowerCase()}` : '';
  blocks.push(headerBlock(`:fishing_pole_and_fish: Reported phish${state}`));
  if (s.notice) blocks.push(contextBlock([`:information_source: ${slackText(s.notice, { max: 300 }) || '-'}`]));

  if (r.status === 'unparseable') {
    const why = slackText(r.parseError, { max: 600, singleLine: false }) || '_no reason given_';
    blocks.push(sectionBlock(`:warning: *Could not parse this report.*\n${why}`));
  }

  const subject = slackText(o.subject, { max: 300 });
  blocks.push(sectionBlock(`*Subject:* ${subject || '_(no subject)_'}`));

  const fields: string[] = [`*From*\n${person(o.from)}`, `*Reported by*\n${person(r.reportedBy)}`];
  fields.push(`*Received*\n${formatTime(r.receivedAt, now)}`);
  const auth = authLine(ind.authentication);
  if (auth) fields.push(`*Authentication*\n${auth}`);
  const nTo = o.to?.length ?? 0;
  const nCc = o.cc?.length ?? 0;
  if (nTo + nCc > 0) fields.push(`*Recipients*\n${nTo} to${nCc ? `, ${nCc} cc` : ''}`);
  const fromAddr = o.from?.address;
  const replyTo = [
    ...(o.replyTo ?? []).map((a) => a.address),
    ...(ind.addresses ?? []).filter((a) => a.role === 'reply-to').map((a) => a.address),
  ];
  const returnPath = (ind.addresses ?? []).filter((a) => a.role === 'return-path').map((a) => a.address);
  for (const [label, list] of [
    ['Reply-To', replyTo],
    ['Return-Path', returnPath],
  ] as const) {
    const differ = [...new Set(list.map((a) => a.trim().toLowerCase()))].filter((a) => a && !sameAddress(a, fromAddr));
    if (differ.length === 0) continue;
    const shown = differ.slice(0, 2).map((a) => slackCode(defangEmail(a), { max: 160 }));
    const more = differ.length > 2 ? ` _+${differ.length - 2} more_` : '';
    fields.push(`*${label}* :warning: _differs from From_\n${shown.join(', ')}${more}`);
  }
  blocks.push(fieldsBlock(fields));
  const campaign = campaignLine(s, now);
  if (campaign) blocks.push(contextBlock([campaign]));

  const indicators = indicatorBlocks(ind, perKind);
  if (indicators.length) blocks.push(...indicators);
  else if (r.status === 'parsed') blocks.push(contextBlock(['_No indicators extracted._']));

  blocks.push(...decisionBlocks(s, now));

  const footer = [
    `Report ${idCode(r.id, 80)} · source ${slackText(r.source, { max: 40 }) || '?'} · ingested ${formatTime(r.createdAt, now)}`,
  ];
  if (!r.originalAttached && r.status === 'parsed') footer.push('_The phish was not attached: showing the report itself._');
  blocks.push(contextBlock(footer));
  return blocks;
}

/** "Campaign: 37 reports from 29 reporters, first seen …, last seen …" once a campaign has more than one report (docs/decisions/0007). */
export function campaignLine(s: ReportSnapshot, now?: Date): string | undefined {
  const c = s.campaign;
  if (!c || c.reportCount < 2) return undefined;
  const reports = `${c.reportCount} reports`;
  const from = c.reporterCount > 0 ? ` from ${c.reporterCount} ${c.reporterCount === 1 ? 'reporter' : 'reporters'}` : '';
  return `:busts_in_silhouette: *Campaign:* ${reports}${from}, first seen ${formatTime(c.firstSeen, now)}, last seen ${formatTime(c.lastSeen, now)}`;
}

function fallbackText(s: ReportSnapshot): string {
  const r = s.report;
  const o = r.original;
  const from = o?.from?.address ? slackText(defangEmail(o.from.address), { max: 100 }) : 'unknown sender';
  const subject = slackText(o?.subject, { max: 150 }) || '(no subject)';
  let t =
    r.status === 'unparseable'
      ? `Reported phish (could not be parsed): ${slackText(r.parseError, { max: 150 }) || 'no reason given'}`
      : `Reported phish from ${from}: ${subject}`;
  const d = s.decision;
  const v = decisionView(s);
  if (d) {
    const w = words(d.action);
    const verb = w.verb.toLowerCase();
    switch (v.phase) {
      case 'done':
        t += ` (${w.past.toLowerCase()} by ${actorName(d.requestedBy)})`;
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
  return clampMrkdwn(t, 1000);
}
