// How the seed's "run query" parameters become a Graph message query (shared/reference/microsoft.md
// §2.1). Two modes, because Graph cannot mix them:
// - $filter (subject substring, sender address, exact Internet Message-ID): substring matching as
//   the seed promises, sorted newest first. Graph rejects `$orderby` unless the ordered property
//   comes first in the filter (400 InefficientFilter), so every filter starts with an always-true
//   `receivedDateTime ge 1900-01-01T00:00:00Z`.
// - $search (KQL, Graph's AQS): the seed's `query`, and `body` (Graph has no $filter on the body).
//   KQL matches at word starts, not substrings, returns at most 1000 results sorted by sent date,
//   and cannot be combined with $filter or $orderby.
import { odataString } from './folders.ts';

export interface SimpleSearch {
  subject?: string;
  sender?: string;
  internetMessageId?: string;
}

/** Sorting by receivedDateTime needs it first in $filter (InefficientFilter otherwise). */
export const ALWAYS_TRUE_RECEIVED = 'receivedDateTime ge 1900-01-01T00:00:00Z';

/** The $filter of a simple search; undefined when nothing narrows it (list the folder). */
export function messageSearchFilter(s: SimpleSearch): string | undefined {
  const parts: string[] = [];
  if (s.subject) parts.push(`contains(subject,${odataString(s.subject)})`);
  if (s.sender) parts.push(`from/emailAddress/address eq ${odataString(s.sender)}`);
  if (s.internetMessageId) parts.push(`internetMessageId eq ${odataString(bracketedMessageId(s.internetMessageId))}`);
  if (parts.length === 0) return undefined;
  return [ALWAYS_TRUE_RECEIVED, ...parts].join(' and ');
}

export interface KqlSearch {
  /** The seed's AQS `query`, used as is (Graph's KQL accepts the same property:value syntax). */
  query?: string;
  subject?: string;
  sender?: string;
  body?: string;
}

/** The KQL of a $search; `query` wins over subject and body (seed: "the subject, internet_message_id, and body parameters are ignored"). */
export function kqlQuery(s: KqlSearch): string | undefined {
  const parts: string[] = [];
  if (s.query?.trim()) parts.push(s.query.trim());
  else {
    if (s.subject) parts.push(`subject:${phrase(s.subject)}`);
    if (s.body) parts.push(`body:${phrase(s.body)}`);
  }
  if (s.sender) parts.push(`from:${phrase(s.sender)}`);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? (parts[0] as string) : parts.map((p) => (parts.length > 1 && /\s(OR|AND|NOT)\s/.test(p) ? `(${p})` : p)).join(' AND ');
}

/** The `$search` parameter value: the KQL in double quotes, inner double quotes escaped. */
export function searchParameter(kql: string): string {
  return `"${kql.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A KQL phrase: quoted when it has spaces or operators; inner quotes cannot be expressed and are dropped. */
function phrase(v: string): string {
  const clean = v.replace(/"/g, ' ').trim();
  return /[\s:()]/.test(clean) ? `"${clean}"` : clean;
}

/** Internet Message-IDs are stored with their angle brackets. */
export function bracketedMessageId(id: string): string {
  const v = id.trim();
  return v.startsWith('<') && v.endsWith('>') ? v : `<${v.replace(/^<|>$/g, '')}>`;
}
