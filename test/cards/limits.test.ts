import { describe, expect, it } from 'vitest';
import type { KnownBlock } from '../../cards/slack/block-kit.ts';
import {
  SLACK_LIMITS,
  actionsBlock,
  blocksTextLength,
  button,
  clampBlocks,
  clampMrkdwn,
  clampPlain,
  contextBlock,
  fieldsBlock,
  fitLines,
  headerBlock,
  mrkdwn,
  sectionBlock,
  validateMessage,
} from '../../cards/slack/limits.ts';

const long = (n: number, c = 'x') => c.repeat(n);

describe('limit constants', () => {
  it('match the documented Block Kit limits', () => {
    expect(SLACK_LIMITS).toMatchObject({
      blocksPerMessage: 50,
      sectionText: 3000,
      sectionFields: 10,
      sectionFieldText: 2000,
      headerText: 150,
      buttonText: 75,
      buttonValue: 2000,
      actionId: 255,
      blockId: 255,
      messageText: 40_000,
      actionsElements: 25,
      contextElements: 10,
      confirmTitle: 100,
      confirmText: 300,
      confirmButton: 30,
    });
  });
});

describe('clamping', () => {
  it('clamps every builder to its limit', () => {
    expect(headerBlock(long(500)).text.text.length).toBe(150);
    expect(sectionBlock(long(5000)).text?.text.length).toBe(3000);
    const f = fieldsBlock(Array.from({ length: 14 }, () => long(3000)));
    expect(f.fields).toHaveLength(10);
    expect(f.fields?.[9]?.text).toBe('_+5 more_');
    for (const x of f.fields ?? []) expect(x.text.length).toBeLessThanOrEqual(2000);
    expect(contextBlock(Array.from({ length: 12 }, (_, i) => `c${i}`)).elements).toHaveLength(10);
    const b = button({ text: long(200), actionId: 'a', value: 'v', confirm: { title: long(200), text: long(400), confirm: long(40), deny: long(40) } });
    expect(b.text.text.length).toBe(75);
    expect(b.confirm?.title?.text.length).toBe(100);
    expect(b.confirm?.text.text.length).toBe(300);
    expect(b.confirm?.confirm?.text.length).toBe(30);
  });

  it('refuses oversized identifiers instead of cutting them', () => {
    expect(() => button({ text: 'x', actionId: long(256) })).toThrow(RangeError);
    expect(() => button({ text: 'x', actionId: 'a', value: long(2001) })).toThrow(RangeError);
    expect(() => sectionBlock('x', long(256))).toThrow(RangeError);
    expect(() => actionsBlock([])).toThrow(RangeError);
    expect(() => actionsBlock(Array.from({ length: 26 }, (_, i) => button({ text: 'x', actionId: `a${i}` })))).toThrow(RangeError);
    expect(button({ text: 'x', actionId: long(255), value: long(2000) }).value).toHaveLength(2000);
  });

  it('never cuts inside an entity, a mention or a grapheme, and closes a cut code span', () => {
    expect(clampMrkdwn('ab&amp;cd', 4)).toBe('ab…');
    expect(clampMrkdwn('a <@U123ABC> b', 8)).toBe('a …');
    expect(clampPlain('👍🏽👍🏽', 5)).toBe('👍🏽…');
    const cut = clampMrkdwn('see `' + long(100) + '`', 20);
    expect(cut.length).toBeLessThanOrEqual(20);
    expect((cut.match(/`/g) ?? []).length % 2).toBe(0);
  });

  it('never produces an empty text object', () => {
    expect(mrkdwn('').text).toBe('-');
    expect(mrkdwn('   ').text).toBe('-');
  });

  it('fits lines with a +K more summary', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${long(50)}`);
    const out = fitLines(lines, 1000);
    expect(out.length).toBeLessThanOrEqual(1000);
    const shown = out.split('\n');
    expect(shown.at(-1)).toBe(`_+${100 - (shown.length - 1)} more_`);
    expect(fitLines(['a', 'b'], 100)).toBe('a\nb');
  });

  it('keeps the header and the actions when there are too many blocks', () => {
    const blocks: KnownBlock[] = [headerBlock('h'), ...Array.from({ length: 80 }, (_, i) => sectionBlock(`s${i}`))];
    blocks.push(actionsBlock([button({ text: 'x', actionId: 'x' })]));
    const out = clampBlocks(blocks);
    expect(out).toHaveLength(50);
    expect(out[0]?.type).toBe('header');
    expect(out.at(-1)?.type).toBe('actions');
    expect(JSON.stringify(out)).toContain('more blocks not shown');
    expect(validateMessage({ text: 't', blocks: out })).toEqual([]);
  });
});

describe('validateMessage', () => {
  it('accepts a valid message', () => {
    const blocks = [headerBlock('Title'), sectionBlock('*hi*'), actionsBlock([button({ text: 'Go', actionId: 'go', value: '1' })])];
    expect(validateMessage({ text: 'hi', blocks })).toEqual([]);
  });

  it('reports every kind of violation', () => {
    const bad: unknown[] = [
      { type: 'header', text: { type: 'mrkdwn', text: long(151) } },
      { type: 'section', text: { type: 'mrkdwn', text: long(3001) }, block_id: 'dup' },
      { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: long(2001) })), block_id: 'dup' },
      { type: 'section' },
      { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: long(76) }, action_id: long(256), value: long(2001) },
          { type: 'button', text: { type: 'plain_text', text: 'ok' }, action_id: 'same' },
          { type: 'button', text: { type: 'plain_text', text: 'ok' }, action_id: 'same', style: 'green' },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'ok' },
            action_id: 'c',
            confirm: { title: { type: 'plain_text', text: long(101) }, text: { type: 'plain_text', text: long(301) } },
          },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: '' } },
      { type: 'section', text: { type: 'mrkdwn', text: 'lone \uD83D' } },
    ];
    const errors = validateMessage({ text: long(40_001), blocks: bad });
    const expectations = [
      /blocks\[0\].*must be plain_text/,
      /blocks\[0\].*151 > 150/,
      /blocks\[1\].*3001 > 3000/,
      /blocks\[2\].*duplicate block_id/,
      /blocks\[2\].*11 fields/,
      /blocks\[2\].fields\[0\].*2001 > 2000/,
      /blocks\[3\].*needs text or fields/,
      /blocks\[4\].*11 elements/,
      /blocks\[5\].elements\[0\].text.*76 > 75/,
      /blocks\[5\].elements\[0\].*action_id length/,
      /blocks\[5\].elements\[0\].*value longer/,
      /duplicate action_id same/,
      /blocks\[5\].elements\[2\].*style/,
      /confirm.title.*101 > 100/,
      /confirm.text.*301 > 300/,
      /blocks\[6\].*empty text/,
      /lone surrogate/,
      /text: 40001 > 40000/,
      /block text: \d+ > 12000/,
    ];
    for (const re of expectations) expect(errors.some((e) => re.test(e)), `${re} in ${errors.join('\n')}`).toBe(true);
  });

  it('counts blocks and requires a fallback text', () => {
    const blocks = Array.from({ length: 51 }, () => sectionBlock('x'));
    const errors = validateMessage({ blocks });
    expect(errors).toContain('51 blocks > 50');
    expect(errors.some((e) => e.includes('fallback'))).toBe(true);
    expect(blocksTextLength([sectionBlock('abc'), headerBlock('de')])).toBe(5);
  });
});
