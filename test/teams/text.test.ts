// The Teams escaper in cards/text.ts: Teams markdown (links [label](url), emphasis, lists, date
// functions, <at> mentions) can never be formed from untrusted text, and defanging, hidden
// characters and truncation behave as for Slack (same renderText pipeline).
import { describe, expect, it } from 'vitest';
import { neutraliseTeamsFormatting, teamsEscapeGrapheme, teamsPlain, teamsText } from '../../cards/text.ts';
import { HOSTILE } from '../cards/factory.ts';

const HIDDEN_CHARS = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;
/** Any markdown link or image Teams would render: `[label](target)`. */
const MD_LINK = /\[[^\]]*\]\(/;

describe('teamsText', () => {
  it.each([
    ['[Microsoft 365](https://evil.example/login)', '［Microsoft 365］(hxxps://evil[.]example/login)'],
    ['**URGENT** _now_ ~x~ `code`', '∗∗URGENT∗∗ ˍnowˍ ∼x∼ ˋcodeˋ'],
    ['<at>SOC</at> please', '‹at›SOC‹/at› please'],
    ['Due {{DATE(2026-01-01T00:00:00Z, SHORT)}}', 'Due ｛{DATE(2026-01-01T00:00:00Z, SHORT)}}'],
    ['back\\slash', 'back⧵slash'],
    ['snake_case stays, _edge_ does not', 'snake_case stays, ˍedgeˍ does not'],
  ])('%s -> %s', (input, out) => {
    expect(teamsText(input)).toBe(out);
  });

  it('keeps its own defang brackets, but not when they would start a link or a link reference', () => {
    expect(teamsText('evil.example')).toBe('evil[.]example');
    expect(teamsText('user@evil.example')).toBe('user[@]evil[.]example');
    // An attacker writing a defang token followed by a link target gets look-alikes instead.
    expect(teamsText('[.](hxxps://evil)')).toBe('［.］(hxxps://evil)');
    expect(teamsText('[.]: hxxps://evil')).toBe('［.］: hxxps://evil');
    expect(teamsText('[.](x)')).not.toMatch(MD_LINK);
    expect(teamsText('[U+202E](hxxps://evil)')).toBe('［U+202E］(hxxps://evil)');
  });

  it('neutralises list markers at the start of a line, keeps dashes and numbers elsewhere', () => {
    expect(teamsText('- item', { singleLine: false })).toBe('‐ item');
    expect(teamsText('1. first\n2) second\n+ plus', { singleLine: false })).toBe('1․ first\n2） second\n＋ plus');
    expect(teamsText('a - b 1. c')).toBe('a - b 1. c');
    expect(neutraliseTeamsFormatting('  - indented')).toBe('  ‐ indented');
  });

  it('replaces markdown characters even when a combining mark joins them into one grapheme', () => {
    expect(teamsEscapeGrapheme('*\u0301')).toBe('∗\u0301');
    expect(teamsText('*\u0301bold*\u0301')).not.toContain('*');
  });

  it('leaves no live markdown, link, hidden character or clickable URL in any hostile string', () => {
    for (const s of Object.values(HOSTILE)) {
      const out = teamsText(s, { singleLine: false });
      expect(out).not.toMatch(MD_LINK);
      expect(out).not.toMatch(/[*`\\<>~]/);
      expect(out).not.toMatch(/(^|[^\p{L}\p{N}])_|_($|[^\p{L}\p{N}])/u);
      // Only our own tokens keep square brackets: [.] [@] [:] and hidden-character markers [U+202E].
      expect(out.replace(/\[(?:[.@:]|U\+[0-9A-F]{4,6}(?:×\d+)?)\]/g, '')).not.toMatch(/[[\]]/);
      expect(out).not.toMatch(HIDDEN_CHARS);
      expect(out).not.toMatch(/https?:\/\//i);
      expect(out.isWellFormed()).toBe(true);
    }
  });

  it('truncates after escaping, between graphemes, with the ellipsis counted', () => {
    const out = teamsText(HOSTILE.emojiRun, { max: 9 });
    expect(out.length).toBeLessThanOrEqual(9);
    expect(out.endsWith('…')).toBe(true);
    expect(out.isWellFormed()).toBe(true);
    expect(teamsText('[[[[[[[[[[', { max: 4 })).toBe('［［［…');
  });

  it('makes hidden characters visible instead of dropping them', () => {
    expect(teamsText('invoice\u202Efdp.exe')).toBe('invoice[U+202E]fdp[.]exe');
  });
});

describe('teamsPlain', () => {
  it('normalises and defangs but keeps characters that only matter in markdown', () => {
    expect(teamsPlain('Quarantine *now* https://evil.example')).toBe('Quarantine *now* hxxps://evil[.]example');
    expect(teamsPlain('a\u200Bb')).toBe('a[U+200B]b');
    expect(teamsPlain('report-1', { defang: false })).toBe('report-1');
  });
});
