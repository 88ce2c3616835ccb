import { describe, expect, it } from 'vitest';
import {
  defangDomain,
  defangEmail,
  defangIp,
  defangText,
  defangUrl,
  graphemes,
  neutraliseSlackFormatting,
  plain,
  renderText,
  slackCode,
  slackEscape,
  slackPlain,
  slackText,
  truncate,
} from '../../cards/text.ts';
import { HOSTILE } from './factory.ts';

const HIDDEN_CHARS = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;

describe('slackText escaping', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here>', '&lt;!here&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['<https://evil.example|Microsoft>', '&lt;hxxps://evil[.]example|Microsoft&gt;'],
    ['&amp;', '&amp;amp;'],
    ['a & b', 'a &amp; b'],
  ])('%s -> %s', (input, out) => {
    expect(slackText(input)).toBe(out);
  });

  it('escapes plain_text and code spans the same way', () => {
    expect(slackPlain('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    expect(slackCode('<!here>', { defang: false })).toBe('`&lt;!here&gt;`');
  });

  it('never leaves a raw control character from any hostile string', () => {
    for (const s of Object.values(HOSTILE)) {
      for (const out of [slackText(s), slackPlain(s), slackCode(s)]) {
        expect(out).not.toMatch(/[<>]/);
        expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
        expect(out.isWellFormed()).toBe(true);
        expect(out).not.toMatch(HIDDEN_CHARS);
        expect(out).not.toMatch(/https?:\/\//i);
      }
    }
  });
});

describe('mrkdwn formatting', () => {
  it('neutralises formatting characters in prose, keeps intra-word ones', () => {
    expect(neutraliseSlackFormatting('*bold* _it_ ~s~ `c`')).toBe('∗bold∗ ˍitˍ ∼s∼ ˋcˋ');
    expect(neutraliseSlackFormatting('snake_case a*b x~y')).toBe('snake_case a*b x~y');
    expect(slackText(HOSTILE.formatting)).toBe('∗URGENT∗ ˍreadˍ ∼now∼ &gt; quote');
  });

  it('never lets a backtick out of (or into) a code span', () => {
    expect(slackText('a ` b')).toBe('a ˋ b');
    expect(slackCode('x`y``z')).toBe('`xˋyˋˋz`');
    expect(slackCode(HOSTILE.backticks).slice(1, -1)).not.toContain('`');
    // inside a code span the other formatting characters are inert and kept verbatim
    expect(slackCode('*a* _b_ ~c~', { defang: false })).toBe('`*a* _b_ ~c~`');
  });

  it('shows an empty code value as such', () => {
    expect(slackCode('')).toBe('_(empty)_');
    expect(slackCode(undefined)).toBe('_(empty)_');
  });
});

describe('plain()', () => {
  it('makes bidi controls visible', () => {
    expect(plain('invoice\u202Efdp.exe')).toBe('invoice[U+202E]fdp.exe');
    expect(plain('\u2066a\u2069 \u200Eb\u200F')).toBe('[U+2066]a[U+2069] [U+200E]b[U+200F]');
  });

  it('makes zero-width characters visible, collapsing runs', () => {
    expect(plain('Pay\u200BPal')).toBe('Pay[U+200B]Pal');
    expect(plain('a\u200B\u200B\u200Bb')).toBe('a[U+200B×3]b');
    expect(plain('\uFEFFx\u2060y\u200Cz\u200Dw')).toBe('[U+FEFF]x[U+2060]y[U+200C]z[U+200D]w');
  });

  it('keeps emoji sequences readable without hidden joiners', () => {
    const family = '👨\u200D👩\u200D👧';
    const out = plain(family);
    expect(out).toBe('👨👩👧');
    expect(out).not.toMatch(HIDDEN_CHARS);
    const flag = '🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}';
    expect(plain(flag)).toBe(flag);
    expect(plain('hi\u{E0041}')).toBe('hi[U+E0041]');
  });

  it('replaces lone surrogates', () => {
    const out = plain(HOSTILE.loneSurrogate);
    expect(out.isWellFormed()).toBe(true);
    expect(out).toBe('bad \uFFFD half and \uFFFD other half');
  });

  it('collapses control characters and newlines on one line', () => {
    expect(plain('a\r\nb\tc\n\n d\u2028e\u0000f\u0007g')).toBe('a b c d e[U+0000]f[U+0007]g');
    expect(plain('  lots   of\u00A0space  ')).toBe('lots of space');
  });

  it('keeps paragraphs in multi-line mode', () => {
    expect(plain('a\r\n\r\n\r\n\r\nb  c\n', { singleLine: false })).toBe('a\n\nb c');
  });

  it('caps runs of combining marks', () => {
    const zalgo = 'Z' + '\u0301'.repeat(50);
    expect([...plain(zalgo)].length).toBe(9);
  });

  it('accepts null and undefined', () => {
    expect(plain(undefined)).toBe('');
    expect(plain(null)).toBe('');
    expect(slackText(undefined)).toBe('');
  });
});

describe('truncation', () => {
  it('never cuts a surrogate pair, emoji or grapheme cluster', () => {
    expect(truncate('a👍🏽b', 3)).toBe('a…');
    expect(truncate('a👍🏽b', 5)).toBe('a…');
    expect(truncate('a👍🏽b', 6)).toBe('a👍🏽b');
    expect(truncate('🇬🇧🇬🇧', 4)).toBe('…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
    for (let max = 1; max < 40; max++) {
      const out = slackText(HOSTILE.emojiRun, { max });
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.isWellFormed()).toBe(true);
      expect(out.endsWith('…')).toBe(true);
      expect([...graphemes(out.slice(0, -1))].every((g) => g === '🎣')).toBe(true);
    }
  });

  it('truncates after escaping, never inside an entity', () => {
    for (let max = 1; max < 30; max++) {
      const out = slackText('&&&&&&<<<<>>>>', { max });
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.replace(/&(amp|lt|gt);/g, '').replace('…', '')).toBe('');
    }
  });

  it('counts the code-span backticks in max', () => {
    const out = slackCode('x'.repeat(100), { max: 20 });
    expect(out.length).toBe(20);
    expect(out).toBe('`' + 'x'.repeat(17) + '…`');
  });

  it('handles huge input', () => {
    const out = slackText('a'.repeat(1_000_000), { max: 100 });
    expect(out.length).toBe(100);
  });
});

describe('defanging', () => {
  it('defangs URLs', () => {
    expect(defangUrl('https://evil.example/x')).toBe('hxxps://evil[.]example/x');
    expect(defangUrl('http://evil.example')).toBe('hxxp://evil[.]example');
    expect(defangUrl('HTTPS://Evil.Example/')).toBe('hxxps://Evil[.]Example/');
    expect(defangUrl('ftp://files.evil.example/a')).toBe('fxp://files[.]evil[.]example/a');
    expect(defangUrl('https://microsoft.com@evil.example/')).toBe('hxxps://microsoft[.]com[@]evil[.]example/');
    expect(defangUrl('https://r.example/?u=https://evil.example/')).toBe('hxxps://r[.]example/?u=hxxps://evil[.]example/');
    expect(defangUrl('http://203.0.113.7:8080/a')).toBe('hxxp://203.0.113[.]7:8080/a');
    expect(defangUrl('javascript:alert(1)')).toBe('javascript[:]alert(1)');
    expect(defangUrl('mailto:a@evil.example')).toBe('mailto[:]a[@]evil[.]example');
    expect(defangUrl('evil.example:8443/x')).toBe('evil[.]example:8443/x');
  });

  it('defangs domains, addresses and IPs', () => {
    expect(defangDomain('evil.example')).toBe('evil[.]example');
    expect(defangDomain('a.b.evil.example')).toBe('a[.]b[.]evil[.]example');
    expect(defangDomain('evil\u3002example')).toBe('evil[.]example');
    expect(defangEmail('user@evil.example')).toBe('user[@]evil[.]example');
    expect(defangIp('203.0.113.7')).toBe('203.0.113[.]7');
    expect(defangIp('::ffff:203.0.113.7')).toBe('::ffff:203.0.113[.]7');
    expect(defangIp('2001:db8::1')).toBe('2001:db8::1');
  });

  it('is idempotent', () => {
    for (const [f, v] of [
      [defangUrl, 'https://a.evil.example/b.c?d=http://e.f'],
      [defangDomain, 'evil.example'],
      [defangEmail, 'user@evil.example'],
      [defangIp, '203.0.113.7'],
      [defangText, 'see https://evil.example and a@b.example and 1.2.3.4'],
    ] as const) {
      const once = f(v);
      expect(f(once)).toBe(once);
    }
  });

  it('defangs indicators inside prose, leaves numbers alone', () => {
    expect(slackText(HOSTILE.bareDomain)).toBe(
      'see evil[.]example or www[.]evil[.]example or user[@]evil[.]example or 203.0.113[.]7',
    );
    expect(slackText('version 1.2.3 costs 3.50')).toBe('version 1.2.3 costs 3.50');
    expect(slackText('invoice.zip')).toBe('invoice[.]zip');
    expect(slackText('https://evil.example', { defang: false })).toBe('https://evil.example');
  });

  it('leaves no linkable URL or domain behind', () => {
    const linkable = /https?:\/\/|[\p{L}\p{N}_-][.．。｡]\p{L}/iu;
    const inputs = [
      'https://evil.example/path.php?next=https://login.microsoftonline.com',
      'www.evil.example',
      'user.name@sub.evil.example',
      'xn--mcrosoft-i2a.example',
      'evil\uFF0Eexample',
    ];
    for (const i of inputs) {
      for (const out of [defangUrl(i), slackText(i), slackCode(i), slackPlain(i)]) expect(out).not.toMatch(linkable);
    }
  });
});

describe('renderText (the hook for other platforms)', () => {
  it('runs a custom escaper per grapheme with the same truncation', () => {
    const teamsLike = (g: string) => (/[[\]()*_]/.test(g) ? `\\${g}` : g);
    expect(renderText('[Microsoft](https://evil.example)', teamsLike)).toBe('\\[Microsoft\\]\\(hxxps://evil\\[.\\]example\\)');
    expect(renderText('((((', teamsLike, { max: 5 })).toBe('\\(\\(…');
  });

  it('slackEscape only touches & < >', () => {
    expect(slackEscape('<a href="x">&\'*_')).toBe('&lt;a href="x"&gt;&amp;\'*_');
  });
});
