// The platform-neutral command layer: tokenizing with quotes, the grammar, zod schemas as form
// fields, typed text as values, and preparation against a catalog.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Catalog } from '../../src/actions/catalog.ts';
import type { ActionDef } from '../../src/actions/types.ts';
import { collectArgs, collectForm, formFields, parseCommand, prepareCommand, prepareForm, tokenize, usageHint, usageOf, CommandSyntaxError } from '../../handlers/commands/index.ts';
import { decodeCommandText } from '../../adapters/slack/command-text.ts';

const noop = async () => ({ summary: 'ok', kind: 'text' as const, data: '' });

const searchParams = z.object({
  sender: z.string().email().describe('Sender address'),
  subject: z.string().min(1).optional(),
  days: z.number().int().min(1).max(30).default(7).describe('How far back'),
  include_spam: z.boolean().default(false),
  mode: z.enum(['ANY', 'ALL']).default('ANY'),
  recipients: z.array(z.string().email()).max(3).optional().describe('Recipients, comma-separated'),
  password: z.string().optional(),
});

function def(over: Partial<ActionDef<any, any, any>>): ActionDef<any, any, any> {
  return { id: 'acme.search', vendor: 'acme', name: 'search', title: 'Search', summary: 'Search mail', params: searchParams, risk: 'read', role: 'viewer', run: noop, ...over };
}

const catalog = new Catalog()
  .register(def({}))
  .register(def({ id: 'acme.ping', name: 'ping', title: 'Ping', params: z.object({}) }))
  .register(def({ id: 'report.quarantine', vendor: 'report', name: 'quarantine', title: 'Quarantine', params: z.object({ reportId: z.string().min(1) }), decision: 'quarantine', risk: 'destructive', role: 'responder' }))
  .register(def({ id: 'report.digest', vendor: 'report', name: 'digest', title: 'Digest', params: z.object({ hours: z.number().int().min(1).default(24) }) }));

describe('tokenize', () => {
  it('splits on whitespace and keeps quoted values whole, with straight and smart quotes', () => {
    expect(tokenize('a  b\tc').map((t) => t.text)).toEqual(['a', 'b', 'c']);
    expect(tokenize('subject="two words" x').map((t) => t.text)).toEqual(['subject=two words', 'x']);
    expect(tokenize('subject=“smart quotes” name=‘single one’').map((t) => t.text)).toEqual(['subject=smart quotes', 'name=single one']);
    expect(tokenize(`"a \\"quoted\\" word"`).map((t) => t.text)).toEqual(['a "quoted" word']);
  });

  it('treats an apostrophe inside a word as a letter, and finds the first = outside quotes', () => {
    expect(tokenize("name=O'Brien").map((t) => t.text)).toEqual(["name=O'Brien"]);
    const [t] = tokenize('q="a=b"');
    expect(t).toEqual({ text: 'q=a=b', eq: 1 });
    expect(tokenize('plain')[0]!.eq).toBe(-1);
  });

  it('rejects an unclosed quote with a message that shows where', () => {
    expect(() => tokenize('subject="never closed')).toThrow(CommandSyntaxError);
    expect(() => tokenize('subject="never closed')).toThrow(/not closed.*never closed/);
  });
});

describe('parseCommand', () => {
  it('knows help in its forms', () => {
    expect(parseCommand('')).toEqual({ kind: 'help' });
    expect(parseCommand('help')).toEqual({ kind: 'help' });
    expect(parseCommand('HELP Acme')).toEqual({ kind: 'help', vendor: 'acme' });
    expect(parseCommand('help acme search')).toEqual({ kind: 'help', vendor: 'acme', action: 'search' });
    expect(parseCommand('acme search --help')).toEqual({ kind: 'help', vendor: 'acme', action: 'search' });
  });

  it('parses vendor, action, key=value pairs, repeated keys and bare values', () => {
    const p = parseCommand('Acme SEARCH sender=a@b.example subject="hi there" recipients=x@y.example recipients=z@y.example extra');
    expect(p.kind).toBe('action');
    if (p.kind !== 'action') return;
    expect([p.vendor, p.action]).toEqual(['acme', 'search']);
    expect(p.args.get('subject')).toEqual(['hi there']);
    expect(p.args.get('recipients')).toEqual(['x@y.example', 'z@y.example']);
    expect(p.positional).toEqual(['extra']);
  });

  it('treats a bare URL with = in it as a value, and `digest` as report digest', () => {
    const p = parseCommand('acme search https://x.example/?a=b');
    expect(p.kind === 'action' && p.positional).toEqual(['https://x.example/?a=b']);
    expect(parseCommand('digest hours=48')).toMatchObject({ kind: 'action', vendor: 'report', action: 'digest' });
    expect(parseCommand('digest')).toMatchObject({ kind: 'action', vendor: 'report', action: 'digest' });
  });

  it('says what is wrong with an incomplete command', () => {
    expect(parseCommand('acme')).toMatchObject({ kind: 'syntax-error', message: expect.stringMatching(/needs an action/) });
    expect(parseCommand('acme key=v')).toMatchObject({ kind: 'syntax-error' });
  });
});

describe('Slack command text', () => {
  it('undoes Slack escaping: entities, auto-links, mailto, mentions', () => {
    expect(decodeCommandText('cofense get-message-metadata internet_message_id=&lt;abc@mail.example&gt; recipient_address=<mailto:bob@corp.example|bob@corp.example>')).toBe(
      'cofense get-message-metadata internet_message_id=<abc@mail.example> recipient_address=bob@corp.example',
    );
    expect(decodeCommandText('x url=<https://evil.example/a?b=1&amp;c=2> d=<http://evil.example|evil.example>')).toBe('x url=https://evil.example/a?b=1&c=2 d=evil.example');
    expect(decodeCommandText('who=<@U123ABC|alice> where=<#C0123456|alerts> grp=<!subteam^S0123456|@secops> <!here>')).toBe('who=U123ABC where=C0123456 grp=S0123456 @here');
    expect(decodeCommandText('subject="Tom &amp; Jerry"')).toBe('subject="Tom & Jerry"');
  });
});

describe('form fields from zod', () => {
  const fields = formFields(searchParams);
  const by = (n: string) => fields.find((f) => f.name === n)!;

  it('maps each schema kind to a field with its limits, default and description', () => {
    expect(fields.map((f) => f.name)).toEqual(['sender', 'subject', 'days', 'include_spam', 'mode', 'recipients', 'password']);
    expect(by('sender')).toMatchObject({ kind: 'text', required: true, label: 'Sender', description: 'Sender address' });
    expect(by('subject')).toMatchObject({ kind: 'text', required: false, min: 1 });
    expect(by('days')).toMatchObject({ kind: 'number', integer: true, min: 1, max: 30, default: 7, required: false });
    expect(by('include_spam')).toMatchObject({ kind: 'boolean', default: false });
    expect(by('mode')).toMatchObject({ kind: 'enum', options: ['ANY', 'ALL'], default: 'ANY' });
    expect(by('recipients')).toMatchObject({ kind: 'list', itemKind: 'text', max: 3 });
    expect(by('password').secret).toBe(true);
    expect(by('sender').secret).toBe(false);
  });

  it('reads schemas with refinements and transforms through their input side', () => {
    const refined = z
      .object({ md5: z.string().optional(), sha256: z.string().optional(), n: z.string().transform(Number) })
      .superRefine((v, ctx) => {
        if (!v.md5 && !v.sha256) ctx.addIssue({ code: 'custom', message: 'give md5 or sha256', path: ['md5'] });
      });
    expect(formFields(refined).map((f) => [f.name, f.kind, f.required])).toEqual([
      ['md5', 'text', false],
      ['sha256', 'text', false],
      ['n', 'text', true],
    ]);
  });
});

describe('typed text to values', () => {
  const fields = formFields(searchParams);

  it('converts numbers, booleans, enums (any case) and lists, and fills required fields from bare values', () => {
    const got = collectArgs(fields, new Map([['days', ['3']], ['include_spam', ['yes']], ['mode', ['all']], ['recipients', ['a@x.example, b@x.example']]]), ['s@evil.example']);
    expect(got.problems).toEqual([]);
    expect(got.values).toEqual({ sender: 's@evil.example', days: 3, include_spam: true, mode: 'ALL', recipients: ['a@x.example', 'b@x.example'] });
  });

  it('names every problem: bad number, bad boolean, bad choice, unknown key with a guess, a value given twice', () => {
    const got = collectArgs(fields, new Map([['days', ['three']], ['include_spam', ['maybe']], ['mode', ['SOME']], ['sendr', ['x']], ['subject', ['a', 'b']]]), []);
    const text = got.problems.map((p) => p.message).join('\n');
    expect(text).toMatch(/days must be a number/);
    expect(text).toMatch(/include_spam must be true or false/);
    expect(text).toMatch(/mode must be one of ANY, ALL/);
    expect(text).toMatch(/unknown parameter "sendr" \(did you mean sender\?\)/);
    expect(text).toMatch(/subject was given more than once/);
  });

  it('accepts - for _ in keys, and a form leaves empty inputs out', () => {
    expect(collectArgs(fields, new Map([['include-spam', ['no']]]), []).values).toEqual({ include_spam: false });
    expect(collectForm(fields, { sender: 'a@b.example', subject: '' }).values).toEqual({ sender: 'a@b.example' });
  });
});

describe('prepareCommand', () => {
  it('answers help, action help, unknown vendors and actions with suggestions', () => {
    expect(prepareCommand(catalog, 'help')).toEqual({ kind: 'help' });
    expect(prepareCommand(catalog, 'help acme')).toEqual({ kind: 'help', vendor: 'acme' });
    expect(prepareCommand(catalog, 'help acme search')).toMatchObject({ kind: 'action-help', def: { id: 'acme.search' } });
    expect(prepareCommand(catalog, 'acmee search')).toMatchObject({ kind: 'error', message: expect.stringMatching(/did you mean acme\?/) });
    expect(prepareCommand(catalog, 'acme serch')).toMatchObject({ kind: 'error', message: expect.stringMatching(/did you mean search\?/) });
  });

  it('asks for a form (without complaints) when only the action is typed, with complaints when values are wrong', () => {
    expect(prepareCommand(catalog, 'acme search')).toMatchObject({ kind: 'form', problems: [] });
    const bad = prepareCommand(catalog, 'acme search sender=not-an-address days=99');
    expect(bad.kind).toBe('form');
    if (bad.kind !== 'form') return;
    expect(bad.raw).toEqual({ sender: 'not-an-address', days: '99' });
    expect(bad.problems.map((p) => p.field).sort()).toEqual(['days', 'sender']);
  });

  it('is ready with validated params (defaults applied), including the bare report id for decisions', () => {
    expect(prepareCommand(catalog, 'acme search sender=s@evil.example')).toMatchObject({ kind: 'ready', params: { sender: 's@evil.example', days: 7, include_spam: false, mode: 'ANY' } });
    expect(prepareCommand(catalog, 'report quarantine 0f8fad5b-d9cb-469f-a165-70867728950e')).toMatchObject({ kind: 'ready', params: { reportId: '0f8fad5b-d9cb-469f-a165-70867728950e' } });
    expect(prepareCommand(catalog, 'acme ping')).toMatchObject({ kind: 'ready', params: {} });
    expect(prepareCommand(catalog, 'digest hours=48')).toMatchObject({ kind: 'ready', def: { id: 'report.digest' }, params: { hours: 48 } });
    expect(prepareCommand(catalog, 'acme ping stray')).toMatchObject({ kind: 'form', problems: [{ message: expect.stringMatching(/unexpected value "stray".*no parameters/) }] });
  });

  it('validates a submitted form the same way', () => {
    const d = catalog.get('acme.search')!;
    expect(prepareForm(d, { sender: 'x' })).toMatchObject({ kind: 'form', problems: [{ field: 'sender' }] });
    expect(prepareForm(d, { sender: 'a@b.example', days: '2' })).toMatchObject({ kind: 'ready', params: { sender: 'a@b.example', days: 2 } });
  });
});

describe('usage', () => {
  it('writes the syntax of an action and the usage hint from the catalog', () => {
    expect(usageOf(catalog.get('acme.search')!)).toBe(
      'acme search sender=<text> [subject=<text>] [days=<number>] [include_spam=<true|false>] [mode=<ANY|ALL>] [recipients=<a,b,…>] [password=<text>]',
    );
    expect(usageHint(catalog)).toBe('help | digest | <acme|report> <action> key=value …');
  });
});
