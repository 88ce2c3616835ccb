import { describe, expect, it } from 'vitest';
import type { KnownBlock } from '../../cards/slack/block-kit.ts';
import { CARD_TEXT_BUDGET, DECISION_ACTION_IDS, reportCard, slackActor, type SlackCard } from '../../cards/slack/report-card.ts';
import { SLACK_LIMITS, blocksTextLength, validateMessage } from '../../cards/slack/limits.ts';
import type { ReportSnapshot } from '../../src/chat/port.ts';
import type { DecisionRecord, DecisionState, ReportRecord, VendorStepOutcome } from '../../src/store/types.ts';
import type { Indicators } from '../../src/ingest/types.ts';
import { HOSTILE, HOSTILE_ALL, T1, makeDecision, makeIndicators, makeReport, snapshot } from './factory.ts';

const NOW = new Date('2026-05-04T10:55:00.000Z');

/** Every text of the card: the fallback and each text object / markdown text in the blocks. */
function texts(card: SlackCard): { text: string; type: string }[] {
  const out: { text: string; type: string }[] = [{ text: card.text, type: 'fallback' }];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push({ text: o.text, type: o.type });
      Object.values(o).forEach(walk);
    }
  };
  walk(card.blocks);
  return out;
}

function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => allStrings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => allStrings(x, out));
  return out;
}

const HIDDEN = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;
const LINKABLE_DOMAIN = /[\p{L}\p{N}_-][.．。｡]\p{L}/u;

/** The assertions every card built from hostile input must pass. */
function expectSafe(card: SlackCard): void {
  const json = JSON.stringify(card);
  expect(json).not.toContain('<!');
  expect(json).not.toContain('<@');
  expect(json).not.toContain('<#');
  expect(json).not.toMatch(/<http/i);
  expect(json).not.toContain('|Microsoft>');
  expect(json).not.toMatch(/https?:\/\//i);
  expect(json).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i); // JSON.stringify escapes lone surrogates
  for (const s of allStrings(card)) {
    expect(s.isWellFormed()).toBe(true);
    expect(s).not.toMatch(HIDDEN);
  }
  for (const t of texts(card)) {
    expect(t.text, t.text).not.toMatch(/[<>]/); // no live Slack syntax at all
    expect(t.text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&'); // every & is an entity we wrote
    expect(t.text, t.text).not.toMatch(LINKABLE_DOMAIN);
    if (t.type !== 'plain_text') expect((t.text.match(/`/g) ?? []).length % 2, t.text).toBe(0);
    for (const line of t.text.split('\n')) {
      expect(line).not.toMatch(/(^|\s)\*URGENT\*/); // attacker formatting neutralised
    }
  }
  expect(validateMessage(card)).toEqual([]);
}

function mrkdwnObjects(blocks: KnownBlock[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn') out.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

const buttonsOf = (card: SlackCard) =>
  card.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).filter((e) => e.type === 'button');

/** A snapshot with `h` in every attacker-controlled field. */
function hostileSnapshot(h: string, decision?: Partial<DecisionRecord>): ReportSnapshot {
  const indicators: Indicators = {
    urls: [
      { url: h, host: h, source: 'html', displayText: h, mismatch: true },
      { url: `https://evil.example/${h}`, host: 'evil.example', source: 'qr', wrappedUrl: h },
    ],
    domains: [{ domain: h, unicode: h, punycode: true }],
    ips: [{ ip: h, version: 4, source: 'received', firstExternalHop: true }],
    hashes: [{ type: 'sha256', value: h, source: 'body' }],
    addresses: [
      { address: h, name: h, role: 'reply-to' },
      { address: `${h}@evil.example`, role: 'return-path' },
    ],
    attachments: [{ filename: h, contentType: h, size: 10, md5: h, sha1: h, sha256: h }],
    authentication: { spf: h, dkim: h, dmarc: h },
  };
  const report = makeReport({
    source: h,
    parseError: h,
    reportedBy: { address: h, name: h },
    original: {
      subject: h,
      from: { address: h, name: h },
      replyTo: [{ address: `x${h}`, name: h }],
      to: [{ address: h, name: h }],
      cc: [],
      excerpt: h,
    },
    indicators,
  });
  const step: VendorStepOutcome = {
    vendor: h,
    step: h,
    status: 'partial',
    detail: h,
    recipients: [
      { address: h, status: 'ok' },
      { address: h, status: 'failed', error: h },
    ],
  };
  const snap: ReportSnapshot = { report, notice: h };
  if (decision) {
    snap.decision = makeDecision({
      error: h,
      requestedBy: { platform: 'teams', id: h, name: h },
      approvedBy: { platform: 'slack', id: h, name: h },
      outcome: { steps: [step, step] },
      ...decision,
    });
  }
  return snap;
}

const STATES: (DecisionState | undefined)[] = [
  undefined,
  'failed',
  'executing',
  'pending_second_approval',
  'escalated',
  'done',
  'dismissed',
  'expired',
];

describe('hostile input', () => {
  const cases: [string, string][] = [...Object.entries(HOSTILE), ['everything at once', HOSTILE_ALL]];
  it.each(cases)('%s: no mention, link, hidden character or live URL survives in any state', (_name, h) => {
    for (const state of STATES) {
      for (const status of ['parsed', 'unparseable'] as const) {
        const snap = hostileSnapshot(h, state ? { state } : undefined);
        snap.report.status = status;
        expectSafe(reportCard(snap, { now: NOW }));
      }
    }
  });

  it.each([
    ['channel', '&lt;!channel&gt;'],
    ['user', '&lt;@U123&gt;'],
    ['link', '&lt;hxxps://evil[.]example|Microsoft&gt;'],
    ['amp', 'Tom &amp;amp; Jerry &amp; co &amp;lt;b&amp;gt;'],
    ['rlo', 'invoice[U+202E]fdp[.]exe'],
    ['zeroWidth', 'Pay[U+200B]Pal'],
    ['loneSurrogate', 'bad \uFFFD half'],
    ['formatting', '∗URGENT∗ ˍreadˍ ∼now∼ &gt; quote'],
  ] as const)('renders hostile %s escaped in the subject, not dropped', (key, shown) => {
    const card = reportCard(hostileSnapshot(HOSTILE[key]));
    const subject = texts(card).find((t) => t.text.startsWith('*Subject:*'))!.text;
    expect(subject).toContain(shown);
  });

  it('keeps a subject of emoji whole at the truncation boundary', () => {
    const card = reportCard(snapshot({ original: { ...makeReport().original, subject: HOSTILE.emojiRun } }));
    expectSafe(card);
    const subject = texts(card).find((t) => t.text.startsWith('*Subject:*'))!.text;
    expect(subject.endsWith('…')).toBe(true);
    expect(subject.replace('*Subject:* ', '').replace('…', '').replaceAll('🎣', '')).toBe('');
    expect(card.text.isWellFormed()).toBe(true);
  });

  it('sets verbatim on every mrkdwn object (no auto-linking)', () => {
    for (const state of STATES) {
      const card = reportCard(snapshot({}, state ? { state } : undefined));
      for (const o of mrkdwnObjects(card.blocks)) expect(o.verbatim).toBe(true);
    }
  });

  it('escapes the notification text and never mentions anyone in it', () => {
    const card = reportCard(hostileSnapshot(HOSTILE.channel, { state: 'done', requestedBy: { platform: 'slack', id: 'U0123ABCD', name: '<!here>' } }));
    expect(card.text).not.toMatch(/[<>]/);
    expect(card.text).toContain('&lt;!channel&gt;');
    expect(card.text).toContain('&lt;!here&gt;');
  });
});

describe('limits', () => {
  function huge(): ReportSnapshot {
    const long = (n: number) => 'x'.repeat(n);
    const report = makeReport({
      parseError: long(10_000),
      reportedBy: { address: `${long(5000)}@corp.example`, name: long(5000) },
      original: {
        subject: 'S'.repeat(10_000),
        from: { address: `${long(5000)}@evil.example`, name: long(5000) },
        replyTo: Array.from({ length: 50 }, (_, i) => ({ address: `r${i}${long(1000)}@evil.example` })),
        to: Array.from({ length: 1000 }, (_, i) => ({ address: `u${i}@corp.example` })),
        cc: [],
      },
      indicators: {
        urls: Array.from({ length: 500 }, (_, i) => ({
          url: `https://evil${i}.example/${long(5000)}`,
          host: `evil${i}.example`,
          source: 'html' as const,
          displayText: long(5000),
          mismatch: i % 2 === 0,
          wrappedUrl: long(5000),
        })),
        domains: Array.from({ length: 500 }, (_, i) => ({ domain: `${long(300)}${i}.example`, unicode: long(300), punycode: true })),
        ips: Array.from({ length: 500 }, (_, i) => ({ ip: `203.0.113.${i % 256}`, version: 4 as const, source: 'body' as const })),
        hashes: Array.from({ length: 500 }, () => ({ type: 'sha256' as const, value: long(5000), source: 'body' as const })),
        addresses: Array.from({ length: 500 }, (_, i) => ({ address: `rp${i}${long(500)}@evil.example`, role: 'return-path' as const })),
        attachments: Array.from({ length: 500 }, () => ({
          filename: long(5000),
          contentType: long(5000),
          size: 1e12,
          md5: 'a',
          sha1: 'b',
          sha256: long(5000),
        })),
        authentication: { spf: long(5000), dkim: long(5000), dmarc: long(5000) },
      },
    });
    const steps: VendorStepOutcome[] = Array.from({ length: 100 }, (_, i) => ({
      vendor: long(500),
      step: `step${i}${long(500)}`,
      status: 'partial',
      detail: long(5000),
      recipients: Array.from({ length: 100 }, (_, j) => ({ address: `u${j}@corp.example`, status: j % 3 ? 'ok' : 'failed' })),
    }));
    return {
      report,
      notice: long(10_000),
      decision: makeDecision({ state: 'failed', error: long(10_000), outcome: { steps } }),
    };
  }

  it('a report with 500 URLs and a 10,000-char subject stays within every Block Kit limit', () => {
    const snap = snapshot({
      original: { ...makeReport().original, subject: 'S'.repeat(10_000) },
      indicators: makeIndicators({
        urls: Array.from({ length: 500 }, (_, i) => ({ url: `https://evil${i}.example/p`, host: `evil${i}.example`, source: 'html' as const })),
      }),
    });
    const card = reportCard(snap);
    expect(validateMessage(card)).toEqual([]);
    const urls = texts(card).find((t) => t.text.startsWith('*URLs* (500)'))!.text;
    expect(urls.split('\n').filter((l) => l.startsWith('• '))).toHaveLength(5);
    expect(urls).toContain('_+495 more_');
    expect(texts(card).find((t) => t.text.startsWith('*Subject:*'))!.text.length).toBeLessThan(400);
  });

  it.each(STATES.map((s) => [s ?? 'no decision', s] as const))('a maximal report stays valid (%s)', (_n, state) => {
    const snap = huge();
    if (state) snap.decision!.state = state;
    else delete snap.decision;
    for (const status of ['parsed', 'unparseable'] as const) {
      snap.report.status = status;
      const card = reportCard(snap, { now: NOW });
      expect(validateMessage(card)).toEqual([]);
      expect(blocksTextLength(card.blocks)).toBeLessThanOrEqual(CARD_TEXT_BUDGET);
      expect(card.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
      expect(card.text.length).toBeLessThanOrEqual(1000);
      if (!state || state === 'failed') expect(buttonsOf(card).length).toBeGreaterThanOrEqual(3);
    }
  });

  it('degrades to fewer indicators per kind rather than exceed the budget', () => {
    const card = reportCard(huge(), { perKind: 50 });
    expect(validateMessage(card)).toEqual([]);
    expect(blocksTextLength(card.blocks)).toBeLessThanOrEqual(CARD_TEXT_BUDGET);
    const urls = texts(card).find((t) => t.text.startsWith('*URLs* (500)'))!.text;
    const shown = urls.split('\n').filter((l) => l.startsWith('• ')).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(50);
    expect(urls).toContain(`_+${500 - shown} more_`);
    // with room to spare, more are shown when asked
    const small = reportCard(snapshot({ indicators: makeIndicators({ ips: Array.from({ length: 30 }, (_, i) => ({ ip: `192.0.2.${i}`, version: 4 as const, source: 'body' as const })) }) }), { perKind: 20 });
    expect(texts(small).find((t) => t.text.startsWith('*IP addresses*'))!.text).toContain('_+10 more_');
  });
});

describe('buttons per state', () => {
  it('no decision: Approve, Quarantine (danger; the preview is the confirmation), Block sender, Block domain, valued with the report id', () => {
    const card = reportCard(snapshot());
    const b = buttonsOf(card);
    expect(b.map((x) => x.action_id)).toEqual(['decide:approve', 'decide:quarantine', 'decide:block-sender', 'decide:block-domain']);
    expect(b.every((x) => x.value === 'rep_01JTESTREPORT')).toBe(true);
    const q = b[1]!;
    expect(q.style).toBe('danger');
    // No client-side dialog: the first click shows the dry-run preview on the card (cards/model.ts).
    expect(q.confirm).toBeUndefined();
    expect(DECISION_ACTION_IDS).toMatchObject({ approve: 'decide:approve', quarantine: 'decide:quarantine', block: 'decide:block', retry: 'decide:retry', confirm: 'decide:confirm', cancel: 'decide:cancel', undo: 'decide:undo' });
  });

  it('failed: the reason, the steps, the report buttons and Retry valued with the decision id', () => {
    const card = reportCard(snapshot({}, { state: 'failed', error: 'Graph answered 403', attempts: 2 }));
    const b = buttonsOf(card);
    expect(b.map((x) => x.action_id)).toEqual(['decide:approve', 'decide:quarantine', 'decide:block-sender', 'decide:block-domain', 'decide:retry']);
    expect(b[4]!.value).toBe('dec_01JTESTDECISION');
    expect(b.slice(0, 4).every((x) => x.value === 'rep_01JTESTREPORT')).toBe(true);
    const json = JSON.stringify(card.blocks);
    expect(json).toContain('*Quarantine failed* (attempt 2)');
    expect(json).toContain('Graph answered 403');
    expect(json).toContain('soft-delete submitted for 3 mailboxes');
  });

  it.each([
    ['executing', 'in progress'],
    ['pending_second_approval', 'preparing the preview'],
    ['escalated', 'preparing the preview'],
  ] as const)('%s (no preview yet): no buttons, a context line says who asked for what', (state, words) => {
    const card = reportCard(snapshot({}, { state, outcome: undefined }));
    expect(card.blocks.some((b) => b.type === 'actions')).toBe(false);
    const ctx = card.blocks.filter((b) => b.type === 'context').map((b) => JSON.stringify(b));
    expect(ctx.some((c) => c.includes('*Quarantine* requested by <@U0123ABCD>') && c.includes(words))).toBe(true);
  });

  it('done outside the undo window: no buttons at all', () => {
    const card = reportCard(snapshot({}, { state: 'done' }));
    expect(card.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(card.blocks)).not.toContain('"button"');
  });

  it.each([
    ['dismissed', 'request cancelled'],
    ['expired', 'not approved in time'],
  ] as const)('%s: the report is open again, with the buttons and how the request ended', (state, words) => {
    const card = reportCard(snapshot({}, { state }));
    expect(buttonsOf(card).map((x) => x.action_id)).toEqual(['decide:approve', 'decide:quarantine', 'decide:block-sender', 'decide:block-domain']);
    expect(JSON.stringify(card.blocks)).toContain(words);
  });

  it('done: action, actor mention, time and one line per vendor step with counts', () => {
    const card = reportCard(snapshot({}, { state: 'done', approvedBy: { platform: 'slack', id: 'W0SECOND', name: 'bob' } }), { now: NOW });
    const t = texts(card).map((x) => x.text);
    const head = t.find((x) => x.includes('*Quarantined*'))!;
    expect(head).toContain('<@U0123ABCD>');
    expect(head).toContain('second approval <@W0SECOND>');
    expect(head).toContain('2026-05-04 10:42 UTC (13 min ago)');
    const steps = t.find((x) => x.includes('*graph*'))!.split('\n');
    expect(steps).toHaveLength(3);
    expect(steps[0]).toMatch(/^:warning: \*graph\* .*soft-delete submitted for 3 mailboxes _\(2 of 3 mailboxes ok, 1 failed\)_$/);
    expect(steps[1]).toMatch(/^:white_check_mark: \*mimecast\* /);
    expect(steps[2]).toMatch(/^:heavy_minus_sign: \*cofense\* /);
    expect(card.blocks[0]).toMatchObject({ type: 'header', text: { text: expect.stringContaining('quarantined') } });
  });

  it('an unparseable report shows the reason prominently and still has the buttons', () => {
    const card = reportCard(snapshot({ status: 'unparseable', parseError: 'not a MIME message: no headers', indicators: makeIndicators({ urls: [], domains: [], ips: [], attachments: [] }) }));
    expect(card.blocks[1]).toMatchObject({ type: 'section', text: { text: expect.stringContaining('*Could not parse this report.*\nnot a MIME message: no headers') } });
    expect(buttonsOf(card)).toHaveLength(4);
    expect(card.text).toContain('could not be parsed');
  });

  it('uses a fresh block_id for every iteration of the card', () => {
    const ids = (c: SlackCard) => c.blocks.map((b) => b.block_id).filter(Boolean);
    const a = ids(reportCard(snapshot({}, { state: 'failed', attempts: 1 })));
    const b = ids(reportCard(snapshot({}, { state: 'failed', attempts: 2, updatedAt: '2026-05-04T11:00:00.000Z' })));
    expect(a.length).toBeGreaterThan(0);
    for (const id of a) expect(b).not.toContain(id);
  });
});

describe('actor mention rule', () => {
  it.each([
    [{ platform: 'slack', id: 'U0123ABCD', name: 'alice' }, '<@U0123ABCD>'],
    [{ platform: 'slack', id: 'W0123ABCD', name: 'alice' }, '<@W0123ABCD>'],
    [{ platform: 'slack', id: 'u0123abcd', name: 'alice' }, 'alice'],
    [{ platform: 'slack', id: '!channel', name: '<!channel>' }, '&lt;!channel&gt;'],
    [{ platform: 'slack', id: 'U123|x', name: 'x' }, 'x'],
    [{ platform: 'slack', id: 'C0123ABCD', name: 'chan' }, 'chan'],
    [{ platform: 'slack', id: 'U123 ', name: 'sp' }, 'sp'],
    [{ platform: 'teams', id: 'U0123ABCD', name: 'Teams *User*' }, 'Teams ∗User∗ (teams)'],
    [{ platform: 'console', id: 'local' }, 'local (console)'],
  ] as const)('%j -> %s', (actor, expected) => {
    expect(slackActor(actor)).toBe(expected);
  });

  it('is applied on the card', () => {
    const card = reportCard(snapshot({}, { state: 'done', requestedBy: { platform: 'teams', id: 'U0123ABCD', name: 'Carol' } }));
    const json = JSON.stringify(card.blocks);
    expect(json).not.toContain('<@');
    expect(json).toContain('by Carol (teams)');
  });
});

describe('purity', () => {
  function deepFreeze<T>(o: T): T {
    if (o && typeof o === 'object') {
      Object.values(o).forEach(deepFreeze);
      Object.freeze(o);
    }
    return o;
  }

  it('is a pure function of the snapshot', () => {
    const snap = deepFreeze(snapshot({}, { state: 'failed' }));
    const a = reportCard(snap, { now: NOW });
    const b = reportCard(structuredClone(snap), { now: NOW });
    expect(a).toEqual(b);
    expect(reportCard(snap)).toEqual(reportCard(snap));
    expect(JSON.stringify(reportCard(snap))).not.toContain('min ago');
  });

  it('renders records with missing optional parts', () => {
    const r: ReportRecord = makeReport({ reportedBy: undefined, original: { subject: '', to: [], cc: [] }, indicators: { urls: [], domains: [], ips: [], hashes: [], addresses: [], attachments: [] } });
    const card = reportCard({ report: r, decision: makeDecision({ state: 'done', outcome: undefined, updatedAt: 'not a date' }) });
    expect(validateMessage(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain('_(no subject)_');
    expect(JSON.stringify(card)).toContain('No indicators extracted');
    expect(T1).toBeTruthy();
  });
});
