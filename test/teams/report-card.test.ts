// The Teams report card: the same content and state rules as the Slack card, Universal Actions
// with Action.Submit fallbacks, the shared / personal views with refresh.userIds, escaping of
// hostile mail, the size budget, and every variant accepted by the official adaptivecards parser.
import { describe, expect, it } from 'vitest';
import { DECIDE_DATA, REFRESH_DATA, TEAMS_VERBS, decidable, fallbackText, teamsReportCard } from '../../cards/teams/report-card.ts';
import { TEAMS_LIMITS, cardBytes, type AdaptiveCard } from '../../cards/teams/adaptive.ts';
import type { DecisionState } from '../../src/store/types.ts';
import { HOSTILE, HOSTILE_ALL, T1, makeIndicators, snapshot } from '../cards/factory.ts';
import { allCards, parseAdaptiveCard } from './adaptive-parser.ts';

const STATES: DecisionState[] = ['executing', 'done', 'failed', 'pending_second_approval', 'escalated', 'dismissed', 'expired'];
const NOW = new Date('2026-05-04T10:55:00.000Z');

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
  return out;
}

/** Markdown texts of a card (TextBlock text, FactSet titles/values), nested cards included. */
function markdownTexts(card: AdaptiveCard): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
      if (o.type === 'FactSet') for (const f of o.facts as { title: string; value: string }[]) out.push(f.title, f.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out;
}

const verbs = (card: AdaptiveCard): string[] =>
  allCards(card).flatMap((c) => (c.actions ?? []).filter((a: { type: string }) => a.type === 'Action.Execute').map((a: { verb: string }) => a.verb));

function expectValid(card: AdaptiveCard): void {
  for (const c of allCards(card)) {
    const parsed = parseAdaptiveCard(c);
    expect(parsed.problems, JSON.stringify(c).slice(0, 300)).toEqual([]);
    expect(parsed.version).toBe('1.5');
    expect(parsed.items).toBe(c.body.length);
    expect(parsed.actions).toBe((c.actions ?? []).length);
  }
  expect(cardBytes(card)).toBeLessThanOrEqual(TEAMS_LIMITS.cardBytesBudget);
}

describe('Teams report card', () => {
  it('shows the report like the Slack card: subject, people, indicators, footer', () => {
    const card = teamsReportCard(snapshot());
    const text = markdownTexts(card).join('\n');
    expect(text).toContain('Reported phish');
    expect(text).toContain('**Subject:** Your invoice is overdue');
    expect(text).toContain('Microsoft Billing ‹billing[@]evil[.]example›');
    expect(text).toContain('Alice Analyst ‹alice[@]corp[.]example›');
    expect(text).toContain('⚠️ SPF softfail');
    expect(text).toContain('2 to');
    expect(text).toContain('hxxps://login[.]evil[.]example/o365/index[.]php?u=victim ⚠️ _link text shows_ hxxps://login[.]microsoftonline[.]com');
    expect(text).toContain('xn--mcrosoft-i2a[.]example ⚠️ _punycode_ → mícrosoft[.]example');
    expect(text).toContain('203.0.113[.]7 📍 _first external hop_');
    expect(text).toContain('invoice[.]pdf[.]html');
    expect(text).toContain('Report rep_01JTESTREPORT · source graph');
    expectValid(card);
  });

  it('offers the open buttons as Action.Execute (verb = the model\'s button) with Action.Submit fallbacks, valued with the report id', () => {
    const card = teamsReportCard(snapshot());
    expect(card.version).toBe('1.5');
    expect(verbs(card)).toEqual(['approve', 'quarantine', 'block-sender', 'block-domain']);
    for (const a of card.actions as any[]) {
      expect(a.type).toBe('Action.Execute');
      expect(a.data).toEqual({ hookline: DECIDE_DATA, button: a.verb, value: 'rep_01JTESTREPORT' });
      expect(a.fallback).toMatchObject({ type: 'Action.Submit', data: { ...a.data, verb: a.verb } });
    }
    expect((card.actions as any[]).find((a) => a.verb === 'quarantine').style).toBe('destructive');
    expectValid(card);
  });

  it('has a refresh action so Teams can ask for each user\'s view', () => {
    const card = teamsReportCard(snapshot(), { responderMris: ['29:alice', '29:bob'] });
    expect(card.refresh).toEqual({
      action: { type: 'Action.Execute', title: 'Refresh', verb: TEAMS_VERBS.refresh, data: { hookline: REFRESH_DATA, reportId: 'rep_01JTESTREPORT' } },
      userIds: ['29:alice', '29:bob'],
    });
    expectValid(card);
  });

  it('shared view: buttons for the responders (refresh.userIds) when they are known, on the card when not', () => {
    const known = teamsReportCard(snapshot(), { view: 'shared', responderMris: ['29:alice'] });
    expect(known.actions).toBeUndefined();
    expect(markdownTexts(known).join(' ')).toContain('responders see the Approve / Quarantine / Block sender / Block domain buttons');
    const unknown = teamsReportCard(snapshot(), { view: 'shared' });
    expect(unknown.actions).toHaveLength(4);
    expect(unknown.refresh?.userIds).toBeUndefined();
    const many = Array.from({ length: 75 }, (_, i) => `29:user${i}`);
    expect(teamsReportCard(snapshot(), { responderMris: many }).refresh?.userIds).toHaveLength(60);
  });

  it('personal view: buttons only for someone who may act', () => {
    const responder = teamsReportCard(snapshot(), { view: 'personal', canDecide: true });
    expect(verbs(responder)).toContain('quarantine');
    expect(responder.refresh?.userIds).toBeUndefined();
    const viewer = teamsReportCard(snapshot(), { view: 'personal', canDecide: false });
    expect(viewer.actions).toBeUndefined();
    expect(markdownTexts(viewer).join(' ')).toContain('needs the responder role');
    expectValid(responder);
    expectValid(viewer);
  });

  it('done outside the undo window: no buttons, no refresh, the outcome with actor and time', () => {
    const card = teamsReportCard(snapshot({}, { state: 'done', requestedBy: { platform: 'teams', id: 'aad-1', name: 'Alice' } }), { view: 'personal', canDecide: true, now: NOW });
    expect(card.actions).toBeUndefined();
    expect(card.refresh).toBeUndefined();
    const text = markdownTexts(card).join('\n');
    expect(text).toContain('Reported phish · quarantined');
    expect(text).toMatch(/⚠️ \*\*Quarantined\*\* _\(with problems\)_ by \*\*Alice\*\* · 2026-05-04 10:42 UTC/);
    expect(text).toContain('2 of 3 mailboxes ok, 1 failed');
    expect(text).toContain('graph.remediate failed for carol[@]corp[.]example mailbox not found');
    expect(text).toContain('**mimecast** mimecast.block-sender sender blocked');
    expectValid(card);
  });

  it('done inside the undo window: Undo with the decision id, and until when', () => {
    const steps = [{ vendor: 'graph', step: 'graph.remediate', status: 'ok' as const, detail: 'soft-deleted in 2 mailboxes', undo: [{ kind: 'graph-remediate' }] }];
    const s = snapshot({}, { state: 'done', outcome: { steps, undoUntil: '2026-05-04T11:10:00.000Z' } as never });
    const card = teamsReportCard(s, { view: 'personal', canDecide: true, now: NOW });
    expect(verbs(card)).toEqual(['undo']);
    expect((card.actions as any[])[0].data).toMatchObject({ button: 'undo', value: 'dec_01JTESTDECISION' });
    expect(markdownTexts(card).join('\n')).toContain('Undo is available until 11:10 UTC (in 15 min)');
    expect(teamsReportCard(s, { view: 'personal', canDecide: true, now: new Date('2026-05-04T12:00:00.000Z') }).actions).toBeUndefined();
    expectValid(card);
  });

  it('failed: the reason, the steps, the open buttons and Retry valued with the decision id', () => {
    const card = teamsReportCard(snapshot({}, { state: 'failed', error: '403 Authorization_RequestDenied', attempts: 2 }), { view: 'personal', canDecide: true });
    expect(verbs(card)).toEqual(['approve', 'quarantine', 'block-sender', 'block-domain', 'retry']);
    const retry = (card.actions as any[]).find((a) => a.verb === 'retry');
    expect(retry).toMatchObject({ style: 'positive', data: { button: 'retry', value: 'dec_01JTESTDECISION' } });
    const text = markdownTexts(card).join('\n');
    expect(text).toContain('❌ **Quarantine failed** (attempt 2)');
    expect(text).toContain('**Reason:** 403 Authorization_RequestDenied');
    expectValid(card);
  });

  it('a preview to confirm: what would run, who asked, the expiry, Confirm / Cancel with the decision id', () => {
    const request = { action: 'quarantine', needsSecond: false, approverRole: 'responder', requestedAt: T1, expiresAt: '2026-05-04T11:42:00.000Z' };
    const plans = [{ vendor: 'graph', step: 'graph.remediate', summary: 'would soft-delete this message in 35 mailboxes (recipients from message trace)', targets: [], config: {} }];
    const s = snapshot({}, { state: 'pending_second_approval', requestedBy: { platform: 'teams', id: 'x', name: 'Alice' }, outcome: { steps: [], request, plans } as never });
    const card = teamsReportCard(s, { view: 'personal', canDecide: true, now: NOW });
    expect(verbs(card)).toEqual(['confirm', 'cancel']);
    expect((card.actions as any[]).map((a) => [a.title, a.data.value])).toEqual([['Confirm quarantine', 'dec_01JTESTDECISION'], ['Cancel', 'dec_01JTESTDECISION']]);
    const text = markdownTexts(card).join('\n');
    expect(text).toContain('🔎 **Preview: Quarantine** requested by **Alice**');
    expect(text).toContain('would soft-delete this message in 35 mailboxes');
    expect(text).toContain('Expires 11:42 UTC (in 47 min)');
    expectValid(card);
  });

  it('a four-eyes request: the justification, who may approve, Approve request / Deny', () => {
    const request = { action: 'quarantine', needsSecond: true, approverRole: 'responder', justification: 'Credential phish, 3 users [clicked](https://evil.example)', requestedAt: T1, expiresAt: '2026-05-04T11:42:00.000Z' };
    const s = snapshot({}, { state: 'pending_second_approval', requestedBy: { platform: 'teams', id: 'x', name: 'Alice' }, outcome: { steps: [], request, plans: [] } as never });
    const card = teamsReportCard(s, { view: 'personal', canDecide: true, now: NOW });
    expect((card.actions as any[]).map((a) => a.title)).toEqual(['Approve request', 'Deny']);
    const text = markdownTexts(card).join('\n');
    expect(text).toContain('waiting for a second approver (someone with the responder role other than **Alice**)');
    expect(text).toContain('**Justification:** Credential phish, 3 users ［clicked］(hxxps://evil[.]example)');
    expect(text).toContain('_No step to run._');
    expectValid(card);
  });

  it.each([
    ['executing', 'in progress'],
    ['pending_second_approval', 'preparing the preview'],
  ] as const)('%s (no preview yet): no buttons, a line says who asked for what', (state, words) => {
    const card = teamsReportCard(snapshot({}, { state, outcome: undefined }), { view: 'personal', canDecide: true });
    expect(card.actions).toBeUndefined();
    expect(markdownTexts(card).join('\n')).toMatch(new RegExp(`\\*\\*Quarantine\\*\\* requested by .*${words}`));
    expectValid(card);
  });

  it.each([
    ['dismissed', 'request cancelled'],
    ['expired', 'not approved in time'],
  ] as const)('%s: the report is open again, with the buttons and how the request ended', (state, words) => {
    const card = teamsReportCard(snapshot({}, { state }), { view: 'personal', canDecide: true });
    expect(verbs(card)).toEqual(['approve', 'quarantine', 'block-sender', 'block-domain']);
    expect(markdownTexts(card).join('\n')).toContain(words);
    expectValid(card);
  });

  it('shows the SLA banner while the report is undecided', () => {
    const card = teamsReportCard({ ...snapshot(), escalation: { at: T1, slaMinutes: 60 } });
    expect(markdownTexts(card).join('\n')).toContain('🚨 **SLA missed**: not decided within 60 min');
    expect(fallbackText({ ...snapshot(), escalation: { at: T1, slaMinutes: 60 } })).toContain('(SLA missed)');
    expectValid(card);
  });

  it.each(STATES)('renders the %s state and passes the parser, in both views', (state) => {
    for (const view of ['shared', 'personal'] as const) {
      const s = snapshot({}, { state });
      const card = teamsReportCard(s, { view, canDecide: true, responderMris: ['29:a'] });
      expectValid(card);
      expect(Boolean(card.actions?.length)).toBe(view === 'personal' && decidable(s));
    }
    expect(decidable(snapshot())).toBe(true);
  });

  it('renders an unparseable report and the sandbox notice', () => {
    const card = teamsReportCard({ ...snapshot({ status: 'unparseable', parseError: 'not MIME: **bad** <x>' }), notice: 'Sandbox: simulated vendors' });
    const text = markdownTexts(card).join('\n');
    expect(text).toContain('⚠️ **Could not parse this report.**');
    expect(text).toContain('not MIME: ∗∗bad∗∗ ‹x›');
    expect(text).toContain('ℹ️ Sandbox: simulated vendors');
    expectValid(card);
  });

  it('escapes and defangs every attacker-controlled string', () => {
    const s = snapshot({
      original: {
        subject: HOSTILE_ALL,
        from: { address: 'x@evil.example', name: HOSTILE.link },
        to: [{ address: 'a@corp.example' }],
        cc: [],
        replyTo: [{ address: 'reply@evil.example' }],
      },
      reportedBy: { address: 'r@corp.example', name: '[Click me](https://evil.example) <at>SOC</at>' },
      indicators: makeIndicators({
        urls: [{ url: 'https://evil.example/a_(b)*c', host: 'evil.example', source: 'html', displayText: '[Microsoft](https://microsoft.com)', mismatch: true }],
        attachments: [{ filename: '**invoice**.pdf', contentType: 'text/html', size: 1, md5: 'a', sha1: 'b', sha256: 'c' }],
      }),
    }, { state: 'failed', error: HOSTILE.link, requestedBy: { platform: 'teams', id: 'x', name: HOSTILE.formatting } });
    for (const view of ['shared', 'personal'] as const) {
      const card = teamsReportCard(s, { view, canDecide: true });
      // The only URL on the card is the Adaptive Card schema's (ours).
      const json = JSON.stringify(card).replaceAll('"$schema":"http://adaptivecards.io/schemas/adaptive-card.json"', '');
      expect(json).not.toMatch(/https?:\/\//i);
      for (const t of markdownTexts(card)) {
        expect(t).not.toMatch(/\[[^\]]*\]\(/);
        expect(t).not.toMatch(/<|>|`|\\/);
        expect(t).not.toMatch(/(^|\s)\*URGENT/);
      }
      for (const str of strings(card)) expect(str.isWellFormed()).toBe(true);
      expect(fallbackText(s).replace(/\[[.@:]\]/g, '')).not.toMatch(/[<>[\]]/);
      expectValid(card);
    }
  });

  it('degrades instead of growing past the size budget', () => {
    const urls = Array.from({ length: 400 }, (_, i) => ({ url: `https://host${i}.evil.example/${'p'.repeat(150)}`, host: `host${i}.evil.example`, source: 'text' as const }));
    const domains = Array.from({ length: 400 }, (_, i) => ({ domain: `d${i}-${'x'.repeat(50)}.example` }));
    const big = snapshot({ indicators: makeIndicators({ urls, domains }) });
    const card = teamsReportCard(big, { perKind: 50 });
    expect(cardBytes(card)).toBeLessThanOrEqual(TEAMS_LIMITS.cardBytesBudget);
    expect(markdownTexts(card).join('\n')).toMatch(/\+\d+ more|too many to show here/);
    expectValid(card);
    // Without the budget pressure the same card would be far larger.
    expect(cardBytes(teamsReportCard(big, { perKind: 400 }))).toBeLessThanOrEqual(TEAMS_LIMITS.cardBytesBudget);
  });
});
