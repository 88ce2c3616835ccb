// What Block blocks, derived from the report once for every vendor: the sender's address or domain
// (as the responder chose), the report's URLs and the attachments' hashes. Guard rails: never the
// organisation's own domain, never a whole free-mail domain (that would cut off everyone's
// personal contacts), and a cap on how many URLs one click turns into vendor entries.
import type { StepContext } from './types.ts';
import { domainOf, ownDomain } from './recipients.ts';

/** URL entries one Block creates at most (Mimecast accounts have a managed-URL entry limit). */
export const MAX_BLOCKED_URLS = 20;

/** Domains whose blocking would block ordinary people, not an attacker. */
export const FREE_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com', 'ymail.com', 'aol.com',
  'icloud.com', 'me.com', 'mac.com', 'gmx.com', 'gmx.net', 'gmx.de', 'web.de', 'mail.com', 'proton.me', 'protonmail.com',
  'zoho.com', 'yandex.com', 'yandex.ru', 'mail.ru', 'qq.com', '163.com', 't-online.de', 'orange.fr', 'free.fr', 'libero.it',
]);

export type SenderTarget = { kind: 'address' | 'domain'; value: string } | { blocked: string };

export function senderTarget(ctx: StepContext): SenderTarget {
  const from = ctx.report.original.from?.address?.trim().toLowerCase();
  if (!from || !from.includes('@')) return { blocked: 'the reported message has no sender address' };
  const domain = domainOf(from) as string;
  const own = ownDomain(ctx);
  if (own && (domain === own || domain.endsWith(`.${own}`))) {
    return { blocked: `the sender is in your own domain ${own} (likely spoofed): Hookline does not block its own domain; use the sender's authentication results instead` };
  }
  if ((ctx.scope ?? 'sender') === 'sender') return { kind: 'address', value: from };
  if (FREE_MAIL_DOMAINS.has(domain)) return { blocked: `${domain} is a free-mail domain: blocking it would block everyone who writes from it; block the sender address instead` };
  return { kind: 'domain', value: domain };
}

/** http(s) URLs of the report, de-duplicated, not in the organisation's own domain, at most MAX_BLOCKED_URLS. */
export function urlTargets(ctx: StepContext): { urls: string[]; omitted: number } {
  const own = ownDomain(ctx);
  const seen = new Set<string>();
  for (const u of ctx.report.indicators?.urls ?? []) {
    if (!/^https?:\/\//i.test(u.url)) continue;
    const host = u.host?.toLowerCase() ?? '';
    if (own && (host === own || host.endsWith(`.${own}`))) continue;
    seen.add(u.url.split('#')[0] as string);
  }
  const all = [...seen];
  return { urls: all.slice(0, MAX_BLOCKED_URLS), omitted: Math.max(0, all.length - MAX_BLOCKED_URLS) };
}

/** SHA-256 of every attachment (what Vision matches and Mimecast searches). */
export function attachmentHashes(ctx: StepContext): string[] {
  return [...new Set((ctx.report.indicators?.attachments ?? []).map((a) => a.sha256?.toLowerCase()).filter((h): h is string => !!h && /^[a-f0-9]{64}$/.test(h)))];
}
