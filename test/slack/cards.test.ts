// The Slack cards of issue #8 (results, forms, help, digest, App Home): always inside Block Kit's
// limits, paged instead of cut off, and nothing attacker-controlled can mention, link or format.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ActionResult, TableData } from '../../src/actions/types.ts';
import type { DigestStats } from '../../src/reports/digest.ts';
import { validateMessage, SLACK_LIMITS } from '../../cards/slack/limits.ts';
import { resultMessage, needsPaging, noticeMessage, parsePageValue, pageValue, PAGE_ACTION_IDS, summarise } from '../../cards/slack/results.ts';
import { formView, loadingView, noticeView, submittedValues, submissionErrors, MODAL_LIMITS, blockIdOf, FIELD_ACTION_ID } from '../../cards/slack/modal.ts';
import { digestCard } from '../../cards/slack/digest.ts';
import { helpCard, actionHelpCard } from '../../cards/slack/help.ts';
import { homeView } from '../../cards/slack/home.ts';
import { formFields, helpIndex, prepareForm } from '../../handlers/commands/index.ts';
import { Catalog } from '../../src/actions/catalog.ts';
import { HOSTILE, HOSTILE_ALL } from '../cards/factory.ts';

const RID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const json = (v: unknown) => JSON.stringify(v);

/** No live Slack syntax can come out of attacker text: no <!…>, <@…>, <#…> or <http…|…> tokens, no live links. */
function expectInert(v: unknown, allowMentions: string[] = []): void {
  const text = json(v);
  const tokens = [...text.matchAll(/<([^<>]{0,300})>/g)].map((m) => m[1]!);
  for (const t of tokens) expect(allowMentions.map((m) => `@${m}`).concat(allowMentions.map((m) => `#${m}`))).toContain(t);
  expect(text).not.toMatch(/https?:\/\/(evil|login)\.example/i);
  expect(text).not.toContain('\u202E');
  expect(text).not.toContain('\u200B');
}

function table(rows: number, cell = (i: number, c: string) => `${c}-${i}`): TableData {
  const columns = ['sender', 'subject', 'url', 'status'].map((key) => ({ key, title: key[0]!.toUpperCase() + key.slice(1) }));
  return { columns, rows: Array.from({ length: rows }, (_, i) => Object.fromEntries(columns.map((c) => [c.key, cell(i, c.key)]))) };
}

describe('result pages', () => {
  it('shows a short table in one page with no buttons', () => {
    const r: ActionResult = { summary: '3 messages', kind: 'table', data: table(3) };
    const page = resultMessage({ actionId: 'cofense.list', title: 'List', result: r });
    expect(validateMessage(page.card)).toEqual([]);
    expect(page.nextOffset).toBeUndefined();
    expect(json(page.card.blocks)).not.toContain('page:');
    expect(needsPaging({ actionId: 'x', title: 'x', result: r })).toBe(false);
  });

  it('pages a long table inside every limit, with Next and Back buttons carrying the saved result and offset', () => {
    const r: ActionResult = { summary: 'many', kind: 'table', data: { ...table(120, (i, c) => `${c} ${i} ${'x'.repeat(250)}`), total: 5000 } };
    expect(needsPaging({ actionId: 'a.b', title: 'T', result: r })).toBe(true);
    let offset = 0;
    const seen: number[] = [];
    for (let n = 0; n < 50; n++) {
      const page = resultMessage({ actionId: 'a.b', title: 'T', result: r, resultId: RID, offset, maxRows: 100 });
      expect(validateMessage(page.card)).toEqual([]);
      seen.push(offset);
      const buttons = page.card.blocks.filter((b) => b.type === 'actions').flatMap((b) => (b as { elements: { action_id: string; value: string }[] }).elements);
      if (offset > 0) expect(buttons.find((b) => b.action_id === PAGE_ACTION_IDS.back)?.value).toBe(pageValue(RID, seen.at(-2)!));
      if (page.nextOffset === undefined) break;
      expect(buttons.find((b) => b.action_id === PAGE_ACTION_IDS.next)?.value).toBe(pageValue(RID, page.nextOffset));
      expect(page.nextOffset).toBeGreaterThan(offset);
      offset = page.nextOffset;
    }
    expect(seen.length).toBeGreaterThan(3);
    const last = resultMessage({ actionId: 'a.b', title: 'T', result: r, resultId: RID, offset, maxRows: 100 });
    // The policy's row limit is said, not silently applied.
    expect(json(last.card.blocks)).toMatch(/only the first 100 are shown.*maxTableRows/);
    expect(json(last.card.blocks)).toContain('of 5,000');
  });

  it('offers the vendor next page only after the last local page', () => {
    const r: ActionResult = { summary: 's', kind: 'table', data: { ...table(2), nextPageToken: '1' } };
    const page = resultMessage({ actionId: 'cofense.list', title: 'L', result: r, resultId: RID, vendorNext: true, vendorName: 'cofense' });
    const ids = json(page.card.blocks);
    expect(ids).toContain(PAGE_ACTION_IDS.vendor);
    expect(ids).toContain('Next page from cofense');
  });

  it('renders wide rows (more than ten columns) as nine fields plus the rest', () => {
    const columns = Array.from({ length: 14 }, (_, i) => ({ key: `c${i}`, title: `Col ${i}` }));
    const r: ActionResult = { summary: 'wide', kind: 'table', data: { columns, rows: [Object.fromEntries(columns.map((c) => [c.key, c.key]))] } };
    const page = resultMessage({ actionId: 'a.b', title: 'Wide', result: r });
    expect(validateMessage(page.card)).toEqual([]);
    expect(json(page.card.blocks)).toContain('Col 13: c13');
  });

  it('summarises nested records and pages records with many fields', () => {
    const data = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`field_${i}`, { nested: { deep: [1, 2, 3] }, list: Array.from({ length: 9 }, (_, j) => j) }]));
    const r: ActionResult = { summary: 'record', kind: 'record', data };
    const first = resultMessage({ actionId: 'a.b', title: 'Rec', result: r, resultId: RID });
    expect(validateMessage(first.card)).toEqual([]);
    expect(first.nextOffset).toBeDefined();
    expect(summarise({ a: [1, 2, 3, 4, 5, 6, 7] }, 0)).toBe('a: 1, 2, 3, 4, 5 (+2 more)');
  });

  it('pages long text without splitting an emoji and keeps every page valid', () => {
    const text = `${'🎣'.repeat(3000)} end ${HOSTILE.emojiRun}`;
    let offset = 0;
    let pages = 0;
    for (;;) {
      const page = resultMessage({ actionId: 'a.logs', title: 'Logs', result: { summary: 'logs', kind: 'text', data: text }, resultId: RID, offset });
      expect(validateMessage(page.card)).toEqual([]);
      pages++;
      if (page.nextOffset === undefined) break;
      offset = page.nextOffset;
      // An offset always lands between graphemes (both halves of a surrogate pair stay together).
      expect(text.slice(offset).isWellFormed()).toBe(true);
    }
    expect(pages).toBeGreaterThan(1);
  });

  it('escapes and defangs hostile vendor values everywhere: title, summary, columns and cells', () => {
    const r: ActionResult = {
      summary: HOSTILE_ALL,
      kind: 'table',
      data: { columns: [{ key: 'x', title: HOSTILE.link }, { key: 'y', title: 'Y' }], rows: [{ x: HOSTILE_ALL, y: HOSTILE.pipeUrl }] },
    };
    const page = resultMessage({ actionId: 'a.b', title: HOSTILE.channel, result: r });
    expect(validateMessage(page.card)).toEqual([]);
    expectInert(page.card);
    expect(json(page.card)).toContain('&lt;!channel&gt;');
    expect(json(page.card)).toContain('hxxps://evil[.]example');
  });

  it('describes a file result and marks partial results and dry runs', () => {
    const r: ActionResult = { summary: 'downloaded', kind: 'file', partial: true, data: { filename: 'invoice\u202Efdp.exe', contentType: 'application/zip', bytes: Buffer.alloc(2048), comment: HOSTILE.here } };
    const page = resultMessage({ actionId: 'cofense.get-message', title: 'Get message', result: r, dryRun: true, actor: { platform: 'slack', id: 'U0123ABCD' } });
    expect(validateMessage(page.card)).toEqual([]);
    expectInert(page.card, ['U0123ABCD']);
    const text = json(page.card.blocks);
    expect(text).toContain('[U+202E]');
    expect(text).toContain('2.0 KB');
    expect(text).toMatch(/Partly done/);
    expect(text).toMatch(/dry run/);
  });

  it('keeps notices escaped', () => {
    const n = noticeMessage('failed', `vendor error: ${HOSTILE_ALL}`, 'Quarantine');
    expect(validateMessage(n)).toEqual([]);
    expectInert(n);
  });

  it('round-trips page button values and rejects anything else', () => {
    expect(parsePageValue(pageValue(RID, 45))).toEqual({ resultId: RID, offset: 45 });
    expect(parsePageValue('x:1')).toBeUndefined();
    expect(parsePageValue(`${RID}:-1`)).toBeUndefined();
  });
});

const formSchema = z.object({
  sender: z.string().email().describe(HOSTILE.link),
  days: z.number().int().min(1).max(30).default(7),
  include_spam: z.boolean().default(true),
  mode: z.enum(['ANY', 'ALL']).default('ANY'),
  recipients: z.array(z.string()).optional(),
  password: z.string().optional(),
  many: z.enum(Array.from({ length: 120 }, (_, i) => `opt${i}`) as [string, ...string[]]).optional(),
});
const formDef = { id: 'acme.search', title: 'Search messages by sender and more', summary: HOSTILE_ALL, risk: 'destructive' as const, role: 'analyst' as const };

describe('forms (modals)', () => {
  const fields = formFields(formSchema);

  it('builds one input per parameter, prefilled, within modal limits, secrets never echoed', () => {
    const view = formView(formDef, fields, { sender: 'bad', days: '3', password: 'hunter2', include_spam: 'true', mode: 'all' }, [{ field: 'sender', message: 'sender: Invalid email' }], { a: 'acme.search', c: 'C0ALERTS01' });
    expect(view.title.text.length).toBeLessThanOrEqual(MODAL_LIMITS.title);
    expect(view.blocks.length).toBeLessThanOrEqual(MODAL_LIMITS.blocks);
    expect(JSON.parse(view.private_metadata!)).toEqual({ a: 'acme.search', c: 'C0ALERTS01' });
    const byId = (name: string) => view.blocks.find((b) => b.block_id === blockIdOf(name)) as unknown as { element: Record<string, unknown>; optional: boolean };
    expect(byId('sender').element).toMatchObject({ type: 'plain_text_input', initial_value: 'bad' });
    expect(byId('sender').optional).toBe(false);
    expect(byId('days').element).toMatchObject({ type: 'number_input', is_decimal_allowed: false, min_value: '1', max_value: '30', initial_value: '3' });
    expect(byId('include_spam').element).toMatchObject({ type: 'checkboxes', initial_options: [{ value: 'true' }] });
    expect(byId('mode').element).toMatchObject({ type: 'static_select', initial_option: { value: 'ALL' } });
    expect(byId('recipients').element).toMatchObject({ type: 'plain_text_input', multiline: true });
    expect(byId('password').element.initial_value).toBeUndefined();
    // More than 100 choices cannot be a select: typed instead.
    expect(byId('many').element.type).toBe('plain_text_input');
    expect(json(view)).not.toContain('hunter2');
    expect(json(view)).toMatch(/Please fix/);
    expect(json(view)).toMatch(/Destructive/);
    expectInert(view);
  });

  it('reads a submission back into the values the command layer validates', () => {
    const state = {
      [blockIdOf('sender')]: { [FIELD_ACTION_ID]: { type: 'plain_text_input', value: 'a@b.example' } },
      [blockIdOf('days')]: { [FIELD_ACTION_ID]: { type: 'number_input', value: '5' } },
      [blockIdOf('include_spam')]: { [FIELD_ACTION_ID]: { type: 'checkboxes', selected_options: [] } },
      [blockIdOf('mode')]: { [FIELD_ACTION_ID]: { type: 'static_select', selected_option: { value: 'ALL' } } },
      [blockIdOf('recipients')]: { [FIELD_ACTION_ID]: { type: 'plain_text_input', value: 'x\ny, z' } },
      [blockIdOf('password')]: { [FIELD_ACTION_ID]: { type: 'plain_text_input', value: null } },
    };
    const raw = submittedValues(fields, state);
    expect(raw).toEqual({ sender: 'a@b.example', days: '5', include_spam: 'false', mode: 'ALL', recipients: 'x\ny, z' });
    const def = { ...formDef, vendor: 'acme', name: 'search', params: formSchema, run: async () => ({ summary: '', kind: 'text' as const, data: '' }) };
    expect(prepareForm(def, raw)).toMatchObject({ kind: 'ready', params: { sender: 'a@b.example', days: 5, include_spam: false, mode: 'ALL', recipients: ['x', 'y', 'z'] } });
  });

  it("maps problems to the inputs' block ids for response_action errors", () => {
    const { errors, general } = submissionErrors([{ field: 'days', message: 'days must be at most 30' }, { message: 'give md5 or sha256' }], fields);
    expect(errors).toEqual({ [blockIdOf('days')]: 'days must be at most 30' });
    expect(general).toEqual(['give md5 or sha256']);
  });

  it('has a loading view and an escaped notice view', () => {
    expect(loadingView('A very long action title indeed').title.text.length).toBeLessThanOrEqual(24);
    const n = noticeView('Denied', HOSTILE_ALL);
    expectInert(n);
  });
});

describe('help', () => {
  const catalog = new Catalog().register(
    ...Array.from({ length: 60 }, (_, i) => ({
      id: `big.action-${i}`,
      vendor: 'big',
      name: `action-${i}`,
      title: `Action ${i}`,
      summary: `Does thing ${i} <!channel> ${'words '.repeat(30)}`,
      params: formSchema,
      risk: 'read' as const,
      role: 'viewer' as const,
      run: async () => ({ summary: '', kind: 'text' as const, data: '' }),
    })),
  );

  it('fits the overview, a vendor with many actions, and one action, inside the limits', () => {
    const index = helpIndex(catalog, { vendors: {} });
    for (const card of [helpCard(index, '/phish'), helpCard(index, '/phish', 'big'), actionHelpCard(catalog.get('big.action-1')!, formFields(formSchema), '/phish', { configured: false, missingVariables: ['BIG_URL'], allowed: false })]) {
      expect(validateMessage(card)).toEqual([]);
      expectInert(card);
    }
    const one = json(actionHelpCard(catalog.get('big.action-1')!, formFields(formSchema), '/phish', { configured: false, missingVariables: ['BIG_URL'], allowed: false }));
    expect(one).toContain('/phish big action-1 sender=');
    expect(one).toContain('BIG_URL');
    expect(one).toMatch(/do not hold the \*viewer\* role/);
  });
});

function digest(over: Partial<DigestStats> = {}): DigestStats {
  return {
    type: 'hookline.digest',
    generatedAt: '2026-05-04T09:00:00.000Z',
    since: '2026-05-03T09:00:00.000Z',
    hours: 24,
    reports: { total: 42, unparseable: 1, byState: { new: 5, done: 30, failed: 7 }, outcomes: { quarantine: 20, approve: 10 } },
    pending: {
      count: 12,
      byState: { new: 5, failed: 7 },
      oldestAgeMinutes: 3000,
      medianAgeMinutes: 95,
      oldest: Array.from({ length: 5 }, (_, i) => ({ reportId: `r${i}`, subject: HOSTILE_ALL, from: 'ceo@evil.example', state: 'new' as const, createdAt: '2026-05-02T09:00:00.000Z', ageMinutes: 3000 - i })),
    },
    timeToDecision: { samples: 30, medianMinutes: 14, p90Minutes: 130, maxMinutes: 900 },
    topSenders: [{ address: 'billing@evil.example', reports: 9 }],
    topDomains: [{ domain: 'evil.example', reports: 12 }],
    campaigns: { available: false, reason: 'campaign clustering is not enabled in this deployment' },
    ...over,
  };
}

describe('digest card', () => {
  it('shows states, pending with ages, senders, domains, time to decision, all defanged', () => {
    const card = digestCard(digest());
    expect(validateMessage(card)).toEqual([]);
    expectInert(card);
    const text = json(card.blocks);
    for (const s of ['*42*', '12 waiting for a decision', 'oldest 2 d 2 h', 'median 1 h 35 min', 'billing[@]evil[.]example', 'evil[.]example', 'median 14 min', 'p90 2 h 10 min', '20 quarantined', 'not enabled']) expect(text).toContain(s);
    expect(card.text).not.toMatch(/evil/);
  });

  it('shows campaigns when clustering provides them, and an empty queue plainly', () => {
    const card = digestCard(digest({ campaigns: { available: true, top: [{ id: 'c', name: HOSTILE.channel, reports: 37 }] }, pending: { count: 0, byState: {}, oldest: [] } }));
    expect(validateMessage(card)).toEqual([]);
    expect(json(card.blocks)).toContain('37 reports');
    expect(json(card.blocks)).toContain('Nothing is waiting for a decision');
    expectInert(card);
  });

  it('is what a digest command result renders', () => {
    const page = resultMessage({ actionId: 'report.digest', title: 'Digest', result: { summary: 's', kind: 'record', data: digest() } });
    expect(validateMessage(page.card)).toEqual([]);
    expect(json(page.card.blocks)).toContain('Top reported senders');
  });
});

describe('App Home', () => {
  it('shows approvals, the queue, recent decisions and the configuration, within the view limits', () => {
    const item = (i: number) => ({
      reportId: `rep-${i}`,
      subject: HOSTILE_ALL,
      from: 'x@evil.example',
      reportedAt: '2026-05-04T09:00:00.000Z',
      decision: { id: `d${i}`, action: 'quarantine' as const, state: 'failed' as const, requestedBy: { platform: 'slack' as const, id: 'U0123ABCD' }, createdAt: '2026-05-04T09:10:00.000Z', updatedAt: '2026-05-04T09:11:00.000Z', attempts: 1, error: HOSTILE.link },
    });
    const view = homeView({
      actor: { platform: 'slack', id: 'U0999ZZZZ' },
      roles: ['viewer', 'analyst', 'responder'],
      approvals: [item(1)],
      awaiting: { items: Array.from({ length: 10 }, (_, i) => item(i)), count: 57 },
      recent: Array.from({ length: 10 }, (_, i) => item(i)),
      config: {
        vendors: [
          { name: 'graph', configured: true, variables: ['M365_TENANT_ID'] },
          { name: 'mimecast', configured: false, variables: ['MIMECAST_CLIENT_ID', 'MIMECAST_CLIENT_SECRET'] },
        ],
        alertChannel: 'C0ALERTS01',
        digest: { enabled: true, schedule: '0 9 * * 1-5', channel: 'C0ALERTS01' },
        dryRun: true,
        policySource: '/etc/hookline/policy.yaml',
        command: '/phish',
      },
      now: new Date('2026-05-04T10:00:00.000Z'),
    });
    expect(view.type).toBe('home');
    expect(validateMessage({ text: 'home', blocks: view.blocks }, { maxBlocks: SLACK_LIMITS.blocksPerView })).toEqual([]);
    expectInert(view, ['U0123ABCD', 'U0999ZZZZ', 'C0ALERTS01']);
    const text = json(view.blocks);
    expect(text).toContain('My pending approvals');
    expect(text).toContain('+47 more');
    expect(text).toContain('*graph* configured');
    expect(text).toContain('MIMECAST_CLIENT_ID');
    expect(text).toContain('Dry run');
  });
});
