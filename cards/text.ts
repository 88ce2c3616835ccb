// The ONE module that turns untrusted text (subjects, display names, addresses, URLs, file names,
// vendor error strings: anything that came out of a reported mail or a vendor response) into
// something safe to put on a card. Pure: no I/O, no side effects.
//
// Layers (every platform escaper reuses the first two):
//
//   1. plain(s)            normalise: well-formed UTF-16, NFC, hidden characters made visible,
//                          control characters and (for single-line contexts) newlines collapsed.
//   2. defang*(s)          make indicators non-clickable: hxxps://, evil[.]example, user[@]evil[.]example,
//                          203.0.113[.]7. Idempotent, so defanging twice changes nothing.
//   3. platform escapers   slackText / slackPlain / slackCode (Slack mrkdwn & plain_text) and
//                          teamsText / teamsPlain (Teams markdown & plain text): each is one
//                          renderText() call with its own escapeGrapheme and formatting neutraliser.
//
// Decisions (see also the header of each function):
//
// - Slack control characters `&`, `<`, `>` are always escaped to `&amp;`, `&lt;`, `&gt;`, in mrkdwn
//   AND plain_text, so `<!channel>`, `<@U123>`, `<https://evil|Microsoft>` can never become live
//   syntax. An attacker's literal `&amp;` becomes `&amp;amp;` and shows as `&amp;`. Slack does not
//   re-parse decoded entities.
// - Escaping happens per grapheme before truncation, so a cut never splits an entity (`&am…`),
//   a surrogate pair, an emoji or any other grapheme cluster. Lengths are UTF-16 code units
//   (>= Slack's character count, so conservative).
// - mrkdwn has no escape character for `*` `_` `~` `` ` ``. In prose (slackText) a backtick is
//   always replaced by U+02CB `ˋ` (a lone backtick could pair with a code span of ours and break
//   out of it), and `*` `_` `~` are replaced by look-alikes (`∗` U+2217, `ˍ` U+02CD, `∼` U+223C)
//   unless they sit between two letters/digits (`snake_case`, `a*b`), where Slack does not format
//   and the original is kept for fidelity. Inside code spans (slackCode) formatting is inert, so
//   only the backtick is replaced. Values an analyst copies (URLs, hashes, addresses) go in code
//   spans, so they keep `*_~` exactly.
// - Hidden characters are made visible, never silently dropped: bidi controls (U+202A-202E,
//   U+2066-2069, U+200E/200F, U+061C), zero-width and other invisible format characters
//   (U+200B-200D, U+2060-2064, U+FEFF, U+00AD, Hangul fillers, ...), Unicode tag characters and
//   C0/C1 controls become `[U+202E]` (a run of the same one `[U+200B×3]`). Exceptions that are
//   emoji, not tricks: a ZWJ between two pictographs is dropped (👨‍👩‍👧 degrades to 👨👩👧) and a
//   well-formed subdivision-flag tag sequence is kept.
// - Runs of more than 8 combining marks are cut to 8 ("Zalgo" text cannot swamp a card).
// - Untrusted prose is defanged by default (slackText / slackPlain / slackCode take
//   `defang: false` for values known to be inert, e.g. ids and hashes).
// - Emoji short codes (`:x:`) in attacker text are left alone (Slack has no way to escape them);
//   cards never put attacker text where a status icon is expected.

const ELLIPSIS = '…';
/** Input beyond this is ignored before any processing (cards show a few hundred characters). */
const MAX_INPUT = 100_000;
const MAX_COMBINING = 8;

type Maybe = string | null | undefined;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The grapheme clusters of `s`, in order (never splits a surrogate pair or an emoji sequence). */
export function* graphemes(s: string): Generator<string> {
  for (const { segment } of segmenter.segment(s)) yield segment;
}

// ---------------------------------------------------------------------------------------------
// 1. Normalisation
// ---------------------------------------------------------------------------------------------

export interface PlainOptions {
  /** Collapse newlines and all whitespace runs to one space (default true). */
  singleLine?: boolean;
}

// Bidi controls, invisible/format characters, tag characters and non-whitespace C0/C1 controls.
const HIDDEN_CLASS =
  '\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F' + // C0 (but \n), DEL, C1
  '\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F' +
  '\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uFEFF\\uFFA0\\uFFF9-\\uFFFB' +
  '\\u{E0000}-\\u{E007F}';
const HIDDEN = new RegExp(
  // a well-formed subdivision flag (🏴 + tags + cancel tag): kept
  '(\\u{1F3F4}[\\u{E0020}-\\u{E007E}]+\\u{E007F})' +
  // a ZWJ between two pictographs (emoji sequence): ZWJ dropped
  '|(\\p{Extended_Pictographic}[\\uFE0F\\u{1F3FB}-\\u{1F3FF}]?)\\u200D(?=\\p{Extended_Pictographic})' +
  // anything hidden, as a run of the same character
  `|([${HIDDEN_CLASS}])\\3*`,
  'gu',
);
const COMBINING_RUN = new RegExp(`(\\p{M}{${MAX_COMBINING}})\\p{M}+`, 'gu');

/** `[U+202E]`: how a hidden character is shown. */
export function visibleMarker(ch: string, count = 1): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return count > 1 ? `[U+${hex}×${count}]` : `[U+${hex}]`;
}

/**
 * Normalise untrusted text for display on any platform (no platform escaping):
 * lone surrogates -> U+FFFD, NFC, hidden characters -> visible markers, combining-mark runs capped,
 * CR/LF/LS/PS normalised; in single-line mode (the default) all whitespace runs become one space.
 * In multi-line mode lines are trimmed and at most one empty line is kept between paragraphs.
 */
export function plain(s: Maybe, opts: PlainOptions = {}): string {
  const singleLine = opts.singleLine ?? true;
  let t = typeof s === 'string' ? s : s == null ? '' : String(s);
  if (t.length > MAX_INPUT) t = t.slice(0, MAX_INPUT);
  t = t.toWellFormed().normalize('NFC');
  t = t.replace(/\r\n?|[\u0085\u2028\u2029]/g, '\n').replace(/[\t\v\f]/g, ' ');
  t = t.replace(HIDDEN, (m: string, flag?: string, pict?: string, ch?: string) => {
    if (flag) return flag;
    if (pict) return pict;
    const c = ch ?? m;
    return visibleMarker(c, [...m].length);
  });
  t = t.replace(COMBINING_RUN, '$1');
  if (singleLine) return t.replace(/\s+/gu, ' ').trim();
  return t
    .split('\n')
    .map((line) => line.replace(/\s+/gu, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Truncation
// ---------------------------------------------------------------------------------------------

/**
 * Join units (graphemes, already escaped for the target) while the result fits in `max` UTF-16
 * code units; when something is left out, end with the ellipsis (counted in `max`).
 */
function fitUnits(units: Iterable<string>, max: number, ellipsis = ELLIPSIS): string {
  if (!(max > 0)) return '';
  const kept: string[] = [];
  let len = 0;
  let overflow = false;
  for (const u of units) {
    kept.push(u);
    len += u.length;
    if (len > max) {
      overflow = true;
      break;
    }
  }
  if (!overflow) return kept.join('');
  const room = max - ellipsis.length;
  if (room < 0) return '';
  while (kept.length > 0 && len > room) len -= kept.pop()!.length;
  return kept.join('') + ellipsis;
}

function* mapUnits(units: Iterable<string>, f: (u: string) => string): Generator<string> {
  for (const u of units) yield f(u);
}

/**
 * Shorten `s` to at most `max` UTF-16 code units, ending with `ellipsis` when cut. Cuts only
 * between grapheme clusters (never inside a surrogate pair, emoji or combining sequence).
 * Does not normalise or escape: use it on text that is already safe, or use the escapers' `max`.
 */
export function truncate(s: string, max: number, ellipsis = ELLIPSIS): string {
  if (s.length <= max) return s;
  return fitUnits(graphemes(s), max, ellipsis);
}

// ---------------------------------------------------------------------------------------------
// 2. Defanging (platform-neutral; idempotent)
// ---------------------------------------------------------------------------------------------

const DOT = '[.\\uFF0E\\u3002\\uFF61]'; // '.', fullwidth, ideographic and halfwidth full stops
const LABEL = '[\\p{L}\\p{N}_-]';
const SCHEME_HTTP = /http(s?)(?=:)/giu;
const SCHEME_FTP = /ftp(s?)(?=:)/giu;
const EMAIL_AT = new RegExp(`(?<=[^\\s@\\[])@(?=${LABEL}+(?:${DOT}|\\[\\.\\])[\\p{L}\\p{N}])`, 'gu');
const IPV4_LAST_DOT = /(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3})\.(\d{1,3})(?![\d])/g;
// A dot between two labels where the right-hand label has a letter (so a domain, not a number).
const DOMAIN_DOT = new RegExp(`(?<=${LABEL})${DOT}(?=[\\p{L}\\p{N}-]*\\p{L})`, 'gu');
const ANY_DOT = new RegExp(`(?<!\\[)${DOT}(?!\\])`, 'gu');

/**
 * Defang every indicator found in free text: `http(s):` -> `hxxp(s):`, `ftp:` -> `fxp:`,
 * `a@b.c` -> `a[@]b[.]c`, domain dots -> `[.]`, IPv4 `1.2.3.4` -> `1.2.3[.]4`.
 * Dots inside words that look like domains are defanged too (`invoice.zip` -> `invoice[.]zip`,
 * since `.zip` is a real TLD); numbers (`3.14`, `1.2.3`) are left alone.
 */
export function defangText(s: string): string {
  return s
    .replace(SCHEME_HTTP, (_m, s: string) => `hxxp${s.toLowerCase()}`)
    .replace(SCHEME_FTP, (_m, s: string) => `fxp${s.toLowerCase()}`)
    .replace(EMAIL_AT, '[@]')
    .replace(IPV4_LAST_DOT, '$1[.]$2')
    .replace(DOMAIN_DOT, '[.]');
}

/** `evil.example` -> `evil[.]example` (every dot, including fullwidth/ideographic ones). */
export function defangDomain(d: Maybe): string {
  return defangText(plain(d).replace(ANY_DOT, '[.]'));
}

/** `user@evil.example` -> `user[@]evil[.]example` (every `@` and every dot). */
export function defangEmail(a: Maybe): string {
  return defangText(
    plain(a)
      .replace(/(?<!\[)@(?!\])/g, '[@]')
      .replace(ANY_DOT, '[.]'),
  );
}

/** IPv4 `203.0.113.7` -> `203.0.113[.]7` (also IPv4-mapped IPv6); other IPv6 forms are not linked by Slack and are kept. */
export function defangIp(ip: Maybe): string {
  const t = plain(ip);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t) || /^[0-9a-f:]+:\d{1,3}(\.\d{1,3}){3}$/i.test(t)) {
    const i = t.lastIndexOf('.');
    return `${t.slice(0, i)}[.]${t.slice(i + 1)}`;
  }
  return defangText(t);
}

/**
 * `https://evil.example/x` -> `hxxps://evil[.]example/x`. The scheme is always neutralised
 * (http/https -> hxxp/hxxps, ftp -> fxp, anything else `javascript:` -> `javascript[:]`), as is
 * every URL, domain, address and IPv4 embedded anywhere in it (redirect parameters, userinfo
 * tricks like `https://microsoft.com@evil.example`).
 */
export function defangUrl(u: Maybe): string {
  let t = plain(u);
  // A scheme (not `host:port`); http(s)/ftp(s) and their defanged forms are handled by defangText.
  const m = /^([a-z][a-z0-9+.-]*):(?!\d)/i.exec(t);
  if (m?.[1] && !/^(h[tx]{2}ps?|f[tx]ps?)$/i.test(m[1])) t = `${m[1]}[:]${t.slice(m[0].length)}`;
  return defangText(t);
}

// ---------------------------------------------------------------------------------------------
// 3. Platform escapers
// ---------------------------------------------------------------------------------------------

export interface TextOptions {
  /** Maximum output length in UTF-16 code units, ellipsis and escapes included. */
  max?: number;
  /** Collapse to one line (default true). */
  singleLine?: boolean;
  /** Defang URLs, domains, addresses and IPs found in the text (default true). */
  defang?: boolean;
}

/**
 * The shared pipeline: plain() -> defang (optional) -> `prepare` (formatting neutraliser of the
 * target) -> per-grapheme `escapeGrapheme` -> grapheme-safe truncation to `max`.
 * A Teams escaper is one call of this with its own escapeGrapheme/prepare.
 */
export function renderText(
  s: Maybe,
  escapeGrapheme: (g: string) => string,
  opts: TextOptions & { prepare?: (t: string) => string } = {},
): string {
  let t = plain(s, { singleLine: opts.singleLine ?? true });
  if (opts.defang ?? true) t = defangText(t);
  if (opts.prepare) t = opts.prepare(t);
  return fitUnits(mapUnits(graphemes(t), escapeGrapheme), opts.max ?? Infinity);
}

/** Slack's three control characters, and nothing else (Slack decodes only these). */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const LOOKALIKE: Record<string, string> = { '*': '\u2217', _: '\u02CD', '~': '\u223C', '`': '\u02CB' };
const ALNUM = /^[\p{L}\p{N}]$/u;

/** Neutralise Slack mrkdwn formatting characters in prose (see the file header). */
export function neutraliseSlackFormatting(t: string): string {
  return t.replace(/[*_~`]/g, (c, i: number, str: string) => {
    if (c !== '`' && ALNUM.test(str[i - 1] ?? '') && ALNUM.test(str[i + 1] ?? '')) return c;
    return LOOKALIKE[c] ?? c;
  });
}

/**
 * Untrusted text for a Slack `mrkdwn` text object (prose: subjects, names, error messages).
 * Normalised, defanged, formatting neutralised, `& < >` escaped, truncated to `max`.
 * Put the result in a text object with `verbatim: true`.
 */
export function slackText(s: Maybe, opts: TextOptions = {}): string {
  return renderText(s, slackEscape, { ...opts, prepare: neutraliseSlackFormatting });
}

/** Untrusted text for a Slack `plain_text` object (header, button, confirm dialog): escaped and defanged, no formatting to neutralise. */
export function slackPlain(s: Maybe, opts: TextOptions = {}): string {
  return renderText(s, slackEscape, opts);
}

/**
 * Untrusted value as a Slack inline code span: one line, backticks replaced by `ˋ` (there is no
 * escape inside a code span), `& < >` escaped, defanged unless `defang: false`, at most `max`
 * characters including the two backticks. Empty input gives `_(empty)_`.
 */
export function slackCode(s: Maybe, opts: Omit<TextOptions, 'singleLine'> = {}): string {
  const inner = renderText(s, slackEscape, {
    defang: opts.defang ?? true,
    singleLine: true,
    max: opts.max === undefined ? undefined : opts.max - 2,
    prepare: (t) => t.replace(/`/g, LOOKALIKE['`']!),
  });
  return inner ? `\`${inner}\`` : '_(empty)_';
}

// ---------------------------------------------------------------------------------------------
// Teams (Adaptive Card TextBlock / FactSet markdown, and the activity's summary text)
// ---------------------------------------------------------------------------------------------
//
// Teams parses a markdown subset in TextBlock and FactSet text: **bold**, _italic_, `- ` and `1. `
// lists, and links `[label](url)` (plus `{{DATE(..)}}` functions). There is no escape character
// that every Teams client honours, so, as for Slack, markdown characters in untrusted text are
// replaced by look-alikes:
// - `[` `]` become `［` `］` (U+FF3B/U+FF3D): without a `[` no `[Microsoft](https://evil)` link can
//   form. Our own defang tokens `[.]` `[@]` `[:]` and hidden-character markers `[U+202E]` are kept
//   as they are, unless followed by `(` or `:` (which would make a link or a link reference).
// - `*` `~` `` ` `` `\` `<` `>` are always replaced (`∗ ∼ ˋ ⧵ ‹ ›`): `*` emphasises even inside a
//   word in CommonMark, `\` could escape a delimiter of ours, `<at>` would look like a mention.
// - `_` is kept between two letters/digits (`snake_case` is not emphasis), replaced (`ˍ`) elsewhere.
// - Line-start list markers (`- `, `+ `, `1. `, `1) `) get a look-alike so a subject cannot
//   restructure the card; `{{` becomes `｛{` so no date function runs.
// Texts that Teams does not parse as markdown (action titles, input labels, fallback text) use
// teamsPlain: normalised and defanged, nothing replaced.

const TEAMS_LOOKALIKE: Record<string, string> = {
  '[': '\uFF3B',
  ']': '\uFF3D',
  '*': '\u2217',
  _: '\u02CD',
  '~': '\u223C',
  '`': '\u02CB',
  '\\': '\u29F5',
  '<': '\u2039',
  '>': '\u203A',
  '(': '\uFF08',
  '-': '\u2010',
  '+': '\uFF0B',
  '.': '\u2024',
  ')': '\uFF09',
  '{': '\uFF5B',
};

/** Teams markdown characters that are replaced wherever they are (inside one grapheme too). */
export function teamsEscapeGrapheme(g: string): string {
  return g.replace(/[*~`\\<>]/g, (c) => TEAMS_LOOKALIKE[c] ?? c);
}

/** Neutralise Teams markdown that depends on context (brackets, `_`, list markers, `{{`): see above. */
export function neutraliseTeamsFormatting(t: string): string {
  return t
    .replace(/\[(?:[.@:]|U\+[0-9A-F]{4,6}(?:×\d+)?)\](?![(:])|[[\]]/g, (m) => (m.length > 1 ? m : (TEAMS_LOOKALIKE[m] ?? m)))
    .replace(/_/g, (c, i: number, str: string) => (ALNUM.test(str[i - 1] ?? '') && ALNUM.test(str[i + 1] ?? '') ? c : TEAMS_LOOKALIKE._!))
    .replace(/^([ ]*)([-+]|\d{1,9}[.)])(?= |$)/gm, (_m, indent: string, marker: string) => {
      const last = marker.slice(-1);
      return indent + marker.slice(0, -1) + (TEAMS_LOOKALIKE[last] ?? last);
    })
    .replace(/\{\{/g, `${TEAMS_LOOKALIKE['{']}{`);
}

/**
 * Untrusted text for Teams markdown (Adaptive Card TextBlock / FactSet text, message text):
 * normalised, defanged, markdown neutralised, truncated to `max`.
 */
export function teamsText(s: Maybe, opts: TextOptions = {}): string {
  return renderText(s, teamsEscapeGrapheme, { ...opts, prepare: neutraliseTeamsFormatting });
}

/** Untrusted text where Teams does not parse markdown (action titles, input labels, fallbackText): normalised and defanged. */
export function teamsPlain(s: Maybe, opts: TextOptions = {}): string {
  return renderText(s, (g) => g, opts);
}
