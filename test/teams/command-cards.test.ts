// Every other card the Teams adapter can send: help, one action's help, the input card (per
// field kind, with problems), results of each kind, notices and the digest. Each passes the
// official adaptivecards parser, stays inert with hostile vendor text, and the input card's
// values come back to the command layer unchanged.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Catalog } from '../../src/actions/catalog.ts';
import { reportActions } from '../../src/actions/report-actions.ts';
import { digestAction, type DigestStats } from '../../src/reports/digest.ts';
import { policySchema } from '../../src/config/policy.ts';
import type { ActionDef } from '../../src/actions/types.ts';
import { formFields, helpIndex, prepareForm } from '../../handlers/commands/index.ts';
import {
  COMMAND_DATA,
  COMMAND_VERB,
  INPUT_PREFIX,
  formValues,
  teamsActionHelpCard,
  teamsFormCard,
  teamsHelpCard,
  teamsNoticeCard,
  teamsResultCard,
} from '../../cards/teams/command-cards.ts';
import { teamsDigestCard } from '../../cards/teams/digest.ts';
import { TEAMS_LIMITS, cardBytes, type AdaptiveCard } from '../../cards/teams/adaptive.ts';
import { HOSTILE, HOSTILE_ALL } from '../cards/factory.ts';
import { parseAdaptiveCard } from './adaptive-parser.ts';

const schema = z.object({
  sender: z.string().min(3).max(200).describe('The sender address'),
  days: z.number().int().min(1).max(30).default(7).describe('How far back'),
  mode: z.enum(['soft', 'hard']).default('soft'),
  notify: z.boolean().default(false),
  ids: z.array(z.string()).max(5).optional(),
  password: z.string().optional(),
});
const def: ActionDef<typeof schema> = {
  id: 'acme.find-messages',
  vendor: 'acme',
  name: 'find-messages',
  title: 'Find messages',
  summary: 'Search messages by sender',
  params: schema,
  risk: 'read',
  role: 'analyst',
  run: async () => ({ summary: 'ok', kind: 'text', data: 'ok' }),
};
const catalog = new Catalog<any>().register(...reportActions, digestAction(), def as ActionDef<any, any, any>);

function expectValid(card: AdaptiveCard): void {
  const parsed = parseAdaptiveCard(card);
  expect(parsed.problems, JSON.stringify(card).slice(0, 400)).toEqual([]);
  expect(parsed.items).toBe(card.body.length);
  expect(cardBytes(card)).toBeLessThanOrEqual(TEAMS_LIMITS.cardBytesBudget);
}

function expectInert(card: AdaptiveCard): void {
  const json = JSON.stringify(card).replaceAll('http://adaptivecards.io/schemas/adaptive-card.json', '');
  expect(json).not.toMatch(/https?:\/\//i);
  expect(json).not.toMatch(/\[[^\]"]*\]\(/);
  expect(json).not.toMatch(/<at>/i);
}

describe('help cards', () => {
  it('lists every vendor of the catalog and marks what the asker may not run', () => {
    const policy = policySchema.parse({});
    const card = teamsHelpCard(helpIndex(catalog, { vendors: {}, policy, policySource: 'p', actor: { platform: 'teams', id: 'x' } }));
    const json = JSON.stringify(card);
    for (const v of ['report', 'acme']) expect(json).toContain(`**${v}**`);
    expect(json).toContain('set alerts here');
    expectValid(card);
    const vendor = teamsHelpCard(helpIndex(catalog, { vendors: {}, policy, policySource: 'p', actor: { platform: 'teams', id: 'x' }, vendor: 'acme' }), 'acme');
    expect(JSON.stringify(vendor)).toMatch(/find-messages.*not allowed for you/);
    expectValid(vendor);
  });

  it('shows one action\'s syntax and parameters', () => {
    const card = teamsActionHelpCard(def, formFields(schema), { configured: false, missingVariables: ['ACME_URL'], allowed: false });
    const json = JSON.stringify(card);
    expect(json).toContain('acme find-messages sender=');
    expect(json).toContain('**days**');
    expect(json).toContain('ACME∗URL'.replace('∗', '_'));
    expect(json).toMatch(/do not hold the \*\*analyst\*\* role/);
    expectValid(card);
  });
});

describe('input cards', () => {
  const fields = formFields(schema);

  it('has one input per parameter, of the right kind, prefilled, with the Run button as Action.Execute', () => {
    const card = teamsFormCard(def, fields, { sender: 'ceo@evil.example', days: '3' });
    const inputs = card.body.filter((e) => e.type.startsWith('Input.'));
    expect(inputs.map((i) => [i.type, (i as { id: string }).id])).toEqual([
      ['Input.Text', `${INPUT_PREFIX}sender`],
      ['Input.Number', `${INPUT_PREFIX}days`],
      ['Input.ChoiceSet', `${INPUT_PREFIX}mode`],
      ['Input.Toggle', `${INPUT_PREFIX}notify`],
      ['Input.Text', `${INPUT_PREFIX}ids`],
      ['Input.Text', `${INPUT_PREFIX}password`],
    ]);
    expect(inputs[0]).toMatchObject({ value: 'ceo@evil.example', isRequired: true });
    expect(inputs[1]).toMatchObject({ value: 3, min: 1, max: 30 });
    expect(inputs[5]).not.toHaveProperty('value');
    expect(card.actions).toEqual([expect.objectContaining({ type: 'Action.Execute', verb: COMMAND_VERB, data: { hookline: COMMAND_DATA, action: def.id } })]);
    expectValid(card);
  });

  it('shows each problem next to its field', () => {
    const prepared = prepareForm(def as ActionDef<any, any, any>, { sender: 'x', days: '90' });
    expect(prepared.kind).toBe('form');
    if (prepared.kind !== 'form') return;
    const card = teamsFormCard(def, fields, prepared.raw, prepared.problems);
    const json = JSON.stringify(card);
    expect(json).toMatch(/❌ [^"]*sender/);
    expect(json).toMatch(/❌ [^"]*days/);
    expectValid(card);
  });

  it('gives the submitted values back to the command layer as typed text', () => {
    const data = { hookline: COMMAND_DATA, action: def.id, verb: COMMAND_VERB, 'p.sender': 'ceo@evil.example', 'p.days': '5', 'p.mode': 'hard', 'p.notify': 'true', 'p.ids': 'a, b', 'p.password': '' };
    const raw = formValues(data, fields);
    expect(raw).toEqual({ sender: 'ceo@evil.example', days: '5', mode: 'hard', notify: 'true', ids: 'a, b' });
    const prepared = prepareForm(def as ActionDef<any, any, any>, raw);
    expect(prepared).toMatchObject({ kind: 'ready', params: { sender: 'ceo@evil.example', days: 5, mode: 'hard', notify: true, ids: ['a', 'b'] } });
  });

  it('escapes hostile prefilled values', () => {
    const card = teamsFormCard(def, fields, { sender: HOSTILE_ALL }, [{ field: 'sender', message: HOSTILE.link }]);
    expectValid(card);
    const problem = JSON.stringify(card.body.filter((e) => e.type === 'TextBlock'));
    expect(problem).not.toMatch(/https?:\/\//);
  });
});

describe('results and notices', () => {
  const table = {
    columns: [{ key: 'from', title: 'From' }, { key: 'subject', title: 'Subject' }, { key: 'size', title: 'Size' }],
    rows: Array.from({ length: 80 }, (_, i) => ({ from: `user${i}@evil.example`, subject: `${HOSTILE.link} ${i}`, size: i })),
    total: 1234,
  };

  it('renders a table result as rows, capped, with the total', () => {
    const card = teamsResultCard({ actionId: def.id, title: def.title, result: { summary: 'found', kind: 'table', data: table }, actor: { platform: 'teams', id: 'x', name: 'Alice' }, maxRows: 20 });
    expect(card.body.filter((e) => e.type === 'FactSet')).toHaveLength(20);
    expect(JSON.stringify(card)).toContain('Showing 20 of 1234 rows');
    expectValid(card);
    expectInert(card);
  });

  it('renders a record, a text, a file and a partial result', () => {
    for (const result of [
      { summary: 'one', kind: 'record' as const, data: { id: 'm1', from: 'ceo@evil.example', nested: { a: [1, 2] } } },
      { summary: 'text', kind: 'text' as const, data: `${HOSTILE_ALL}\nsecond line` },
      { summary: 'file', kind: 'file' as const, data: { filename: 'msg.eml', contentType: 'message/rfc822', bytes: Buffer.from('x'), comment: 'zip' } },
      { summary: 'some failed', kind: 'text' as const, data: 'x', partial: true },
    ]) {
      const card = teamsResultCard({ actionId: def.id, title: def.title, result, dryRun: true });
      expectValid(card);
      expectInert(card);
    }
  });

  it('keeps a huge table under the size budget', () => {
    const big = { columns: table.columns, rows: Array.from({ length: 500 }, (_, i) => ({ from: `${'x'.repeat(150)}${i}@evil.example`, subject: 'y'.repeat(200), size: i })) };
    const card = teamsResultCard({ actionId: def.id, title: def.title, result: { summary: 'big', kind: 'table', data: big }, maxRows: 500 });
    expect(cardBytes(card)).toBeLessThanOrEqual(TEAMS_LIMITS.cardBytesBudget);
    expect(JSON.stringify(card)).toMatch(/Showing \d+ of 500 rows/);
    expectValid(card);
  });

  it.each(['info', 'denied', 'not-configured', 'second-approver', 'failed', 'ok'] as const)('renders a %s notice', (tone) => {
    const card = teamsNoticeCard(tone, HOSTILE_ALL, 'Find messages');
    expectValid(card);
    expectInert(card);
  });
});

describe('digest card', () => {
  const digest = (over: Partial<DigestStats> = {}): DigestStats => ({
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
  });

  it('shows the same figures as the Slack digest, defanged', () => {
    const card = teamsDigestCard(digest());
    const json = JSON.stringify(card);
    for (const s of ['**42**', '12 waiting for a decision', 'oldest 2 d 2 h', 'median 1 h 35 min', 'billing[@]evil[.]example', 'evil[.]example', 'median 14 min', 'p90 2 h 10 min', '20 quarantined', 'not enabled']) expect(json).toContain(s);
    expect(card.fallbackText).not.toMatch(/evil/);
    expectValid(card);
    expectInert(card);
  });

  it('shows campaigns and an empty queue, and renders inside a command result', () => {
    const card = teamsDigestCard(digest({ campaigns: { available: true, top: [{ id: 'c', name: HOSTILE.channel, reports: 37 }] }, pending: { count: 0, byState: {}, oldest: [] } }));
    expect(JSON.stringify(card)).toContain('37 reports');
    expect(JSON.stringify(card)).toContain('Nothing is waiting for a decision');
    expectValid(card);
    const result = teamsResultCard({ actionId: 'report.digest', title: 'Digest', result: { summary: 'digest', kind: 'record', data: digest() } });
    expect(JSON.stringify(result)).toContain('12 waiting for a decision');
    expectValid(result);
  });
});
