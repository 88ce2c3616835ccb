// Search filters as EWS Restriction elements (the seed's "simple search"): substring matches on
// subject and body (EWS Contains, case-insensitive: AQS would only match at word starts), exact
// sender and Internet Message-ID, optional received-time bounds; several criteria are ANDed.
import { el, type XmlElement } from './xml.ts';

export interface MessageFilter {
  /** Substring of the subject (case-insensitive). */
  subject?: string;
  /** Sender address: matches the From or the Sender of the message. */
  sender?: string;
  /** Substring of the body (case-insensitive). */
  body?: string;
  /** The Message-ID header, with its angle brackets (added when missing). */
  internetMessageId?: string;
  /** ISO-8601 bounds on the received time. */
  receivedAfter?: string;
  receivedBefore?: string;
}

const field = (uri: string) => el('t:FieldURI', { FieldURI: uri });
const constant = (v: string) => el('t:Constant', { Value: v });

function contains(uri: string, value: string): XmlElement {
  return el('t:Contains', { ContainmentMode: 'Substring', ContainmentComparison: 'IgnoreCase' }, field(uri), constant(value));
}

function compare(op: 'IsEqualTo' | 'IsGreaterThanOrEqualTo' | 'IsLessThan' | 'IsGreaterThan', uri: string, value: string): XmlElement {
  return el(`t:${op}`, undefined, field(uri), el('t:FieldURIOrConstant', undefined, constant(value)));
}

/** `abc@x` -> `<abc@x>`: Exchange stores the Message-ID with its brackets. */
export function normaliseInternetMessageId(id: string): string {
  const s = id.trim();
  return s.startsWith('<') ? s : `<${s.replace(/>$/, '')}>`;
}

function isoOrThrow(name: string, v: string): string {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`${name} is not a date: ${JSON.stringify(v)} (expected ISO 8601, e.g. 2026-11-01T00:00:00Z)`);
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The Restriction's expression for a filter, or undefined when the filter is empty. */
export function filterRestriction(f: MessageFilter): XmlElement | undefined {
  const parts: XmlElement[] = [];
  const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
  if (given(f.subject)) parts.push(contains('item:Subject', f.subject.trim()));
  if (given(f.sender)) {
    const s = f.sender.trim();
    // From and Sender differ for mail sent on behalf of someone, and drafts have no Sender (seed 000 note).
    parts.push(el('t:Or', undefined, compare('IsEqualTo', 'message:From', s), compare('IsEqualTo', 'message:Sender', s)));
  }
  if (given(f.internetMessageId)) parts.push(compare('IsEqualTo', 'message:InternetMessageId', normaliseInternetMessageId(f.internetMessageId)));
  if (given(f.body)) parts.push(contains('item:Body', f.body.trim()));
  if (given(f.receivedAfter)) parts.push(compare('IsGreaterThanOrEqualTo', 'item:DateTimeReceived', isoOrThrow('receivedAfter', f.receivedAfter)));
  if (given(f.receivedBefore)) parts.push(compare('IsLessThan', 'item:DateTimeReceived', isoOrThrow('receivedBefore', f.receivedBefore)));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : el('t:And', undefined, ...parts);
}
