// Splits command text into words, shell-like but forgiving: chat clients turn quotes into "smart"
// quotes and people type apostrophes in values (O'Brien), so a quote opens a quoted part only at
// the start of a word or right after `key=`, and any quote pair that chat clients produce closes it.
// Platform-neutral: adapters first undo their platform's own encoding (Slack's &lt; and <@U…>).

export interface Token {
  /** The word with its quotes removed. */
  text: string;
  /** Index in `text` of the first `=` that was outside quotes (-1: none), so `key="a=b"` splits once. */
  eq: number;
}

export class CommandSyntaxError extends Error {}

/** Opening quote -> the quotes that may close it. */
const CLOSERS: Record<string, string> = {
  '"': '"”',
  "'": "'’",
  '“': '”"',
  '‘': '’\'',
  '„': '“”"',
  '«': '»',
};

const isSpace = (c: string) => /\s/u.test(c);

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const chars = [...input];
  let i = 0;
  while (i < chars.length) {
    while (i < chars.length && isSpace(chars[i]!)) i++;
    if (i >= chars.length) break;
    let text = '';
    let eq = -1;
    let atWordStart = true;
    while (i < chars.length && !isSpace(chars[i]!)) {
      const c = chars[i]!;
      const closers = CLOSERS[c];
      if (closers && (atWordStart || (eq >= 0 && eq === text.length - 1))) {
        const start = i;
        i++;
        let quoted = '';
        let closed = false;
        while (i < chars.length) {
          const q = chars[i]!;
          if (c === '"' && q === '\\' && (chars[i + 1] === '"' || chars[i + 1] === '\\')) {
            quoted += chars[i + 1];
            i += 2;
            continue;
          }
          if (closers.includes(q)) {
            closed = true;
            i++;
            break;
          }
          quoted += q;
          i++;
        }
        if (!closed) {
          const context = chars.slice(start, start + 30).join('');
          throw new CommandSyntaxError(`a quote is not closed: ${c}… starting at ${JSON.stringify(context)} (close it with ${closers[0]})`);
        }
        text += quoted;
        atWordStart = false;
        continue;
      }
      if (c === '=' && eq < 0) eq = text.length;
      text += c;
      atWordStart = false;
      i++;
    }
    tokens.push({ text, eq });
  }
  return tokens;
}
