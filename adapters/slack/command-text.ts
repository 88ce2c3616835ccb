// Undoes Slack's encoding of slash-command text before the platform-neutral parser sees it. With
// should_escape: true (manifest), Slack sends `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;`, mentions as
// `<@U123|name>` / `<#C123|name>` / `<!subteam^S123|@team>`, and auto-links what looks like a URL
// or address: `evil.example` arrives as `<http://evil.example|evil.example>`, an address as
// `<mailto:a@b.example|a@b.example>`. The analyst meant what they typed (the label), and ids
// rather than display names.

export function decodeCommandText(text: string): string {
  const decoded = text.replace(/<([^<>\n]*)>/g, (_m, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar >= 0 ? inner.slice(0, bar) : inner;
    const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
    if (target.startsWith('@') || target.startsWith('#')) return target.slice(1);
    if (target.startsWith('!subteam^')) return target.slice('!subteam^'.length);
    // <!here>, <!channel>, <!date^…|fallback>: keep them as the words they stand for.
    if (target.startsWith('!')) return label ?? `@${target.slice(1)}`;
    if (/^mailto:/i.test(target)) return label ?? target.slice('mailto:'.length);
    return label ?? target;
  });
  return decoded.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
