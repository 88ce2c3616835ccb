// Which reports are "the same message" and which are "the same phish" (issue #3 item 4,
// docs/decisions/0007-campaign-clustering.md). The keys are pure functions of a parsed report;
// the two ingest steps at the end store them (src/store/campaigns.ts), and the publisher turns a
// campaign into one card (src/chat/publisher.ts).
//
// ORIGINAL KEY: the same message reported again is the same report.
//   - `imid:<Message-ID>` of the reported message (angle brackets and surrounding space removed,
//     lower-cased): every copy of one sent message carries it, whoever reports it and however
//     (Graph, EWS, folder, POST /ingest).
//   - else, only when the phish came attached (so we are hashing the phish, not the reporter's own
//     mail), `content:<sha256>` over sender, Date, subject, the URL list and the attachment
//     SHA-256s, exactly as parsed: an identical copy without a Message-ID.
//   - else none: the report stands alone (an unparseable report, a phish forwarded inline).
//
// CLUSTER KEY: reports of the same phish form one campaign. `v1:` + SHA-256 of the JSON of
//   [sender, subject, content], where
//   - subject: NFKC, hidden characters removed, reply/forward/tag prefixes stripped repeatedly
//     (RE: FW: FWD: AW: WG: SV: VS: TR: RV: ANTW: and any leading [tag] or EXTERNAL: marker, as
//     gateways add them), lower-cased, every run of 3 or more digits replaced by `#` (campaigns
//     number their lures: "Invoice 4711" and "Invoice 4712" are one campaign; shorter numbers
//     usually mean something: "Q3", "2 new messages"), whitespace collapsed;
//   - content: the sorted set of the URLs' `registrable domain + path` (no scheme, query or
//     fragment; path lower-cased, 3+ digit runs -> `#`, token-like segments -> `*`: per-recipient
//     tracking ids live there), else the sorted set of attachment SHA-256s, else empty;
//   - sender: the registrable domain of From (campaigns rotate local parts: noreply-8841@...), but
//     the whole address when the content part is empty: without a URL or an attachment to anchor
//     it, "same domain + same subject" is too loose (two different "Hello" mails from gmail.com).
//   A report with neither sender, subject nor content falls back to its original key (so several
//   reporters of it still count), and an unparseable report has no cluster key at all.
// Changing any of this changes keys: bump `v1` so old and new campaigns never mix.
import { createHash } from 'node:crypto';
import type { Indicators, MailSummary, ParseStatus } from './types.ts';
import { registrableDomain } from './extract/domains.ts';
import type { Store } from '../store/store.ts';
import type { ReportRecord } from '../store/types.ts';
import { recordReporting, reportHoldingOriginal } from '../store/campaigns.ts';

/** The parts of a report the keys are computed from (a ParsedReport or a stored ReportRecord). */
export interface ClusterInput {
  status: ParseStatus;
  originalAttached: boolean;
  original: MailSummary;
  indicators: Indicators;
}

export const CLUSTER_KEY_VERSION = 'v1';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// Hidden characters a lure uses to dodge exact matching (zero-width, bidi, soft hyphen, BOM).
const HIDDEN = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
const PREFIX = /^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|tr|rv|antw)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]|\[[^\]]{0,40}\]|\*{0,3}\s*external\s*\*{0,3}\s*[:：-])\s*/i;

/** The subject as the cluster key sees it (see the header). */
export function normaliseSubject(subject: string | undefined): string {
  let s = (subject ?? '').normalize('NFKC').replace(HIDDEN, '');
  for (let i = 0; i < 20; i++) {
    const next = s.replace(PREFIX, '');
    if (next === s) break;
    s = next;
  }
  return s.toLowerCase().replace(/\d{3,}/g, '#').replace(/\s+/g, ' ').trim();
}

/** A path segment that is an id, not a word: long, or a mix of letters and digits. */
const TOKEN_SEGMENT = /^(?=.*\d)(?=.*[a-z])[a-z0-9_=-]{8,}$|^[a-z0-9_=-]{24,}$/;

/** `registrable domain + path` of a URL for the cluster key, or undefined when it cannot be read. */
export function urlShape(url: string, registrable?: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const host = (registrable ?? registrableDomain(u.hostname) ?? u.hostname).toLowerCase();
  if (!host) return undefined;
  const path = u.pathname
    .toLowerCase()
    .split('/')
    .filter(Boolean)
    .map((seg) => (TOKEN_SEGMENT.test(seg) ? '*' : seg.replace(/\d{3,}/g, '#')))
    .join('/');
  return path ? `${host}/${path}` : host;
}

function contentPart(ind: Indicators): string[] {
  const urls = new Set<string>();
  for (const u of ind.urls ?? []) {
    const shape = urlShape(u.url, u.registrableDomain);
    if (shape) urls.add(shape);
  }
  if (urls.size) return ['urls', ...[...urls].sort()];
  const hashes = new Set((ind.attachments ?? []).map((a) => a.sha256.toLowerCase()).filter(Boolean));
  if (hashes.size) return ['attachments', ...[...hashes].sort()];
  return [];
}

function senderPart(from: string | undefined, exact: boolean): string {
  const addr = (from ?? '').trim().toLowerCase();
  if (!addr) return '';
  if (exact) return addr;
  const domain = addr.slice(addr.lastIndexOf('@') + 1);
  return registrableDomain(domain) ?? domain;
}

/** The Message-ID without brackets, lower-cased; undefined when empty. */
export function normaliseMessageId(id: string | undefined): string | undefined {
  const v = (id ?? '').trim().replace(/^<+|>+$/g, '').trim().toLowerCase();
  return v || undefined;
}

/** The identity of the reported message itself (see the header), or undefined. */
export function originalKey(r: ClusterInput): string | undefined {
  if (r.status !== 'parsed') return undefined;
  const imid = normaliseMessageId(r.original.internetMessageId);
  if (imid) return `imid:${imid}`;
  if (!r.originalAttached) return undefined;
  const o = r.original;
  const body = JSON.stringify([
    o.from?.address?.toLowerCase() ?? '',
    o.date ?? '',
    o.subject ?? '',
    (r.indicators.urls ?? []).map((u) => u.url),
    (r.indicators.attachments ?? []).map((a) => a.sha256),
  ]);
  return `content:${sha256(body)}`;
}

/** What the cluster key is made of, for tests and the decision record. */
export interface ClusterParts {
  sender: string;
  subject: string;
  content: string[];
}

export function clusterParts(r: ClusterInput): ClusterParts | undefined {
  if (r.status !== 'parsed') return undefined;
  const content = contentPart(r.indicators);
  const parts = { sender: senderPart(r.original.from?.address, content.length === 0), subject: normaliseSubject(r.original.subject), content };
  return parts.sender || parts.subject || parts.content.length ? parts : undefined;
}

/** The campaign a report belongs to (see the header), or undefined (unparseable, nothing to go on). */
export function clusterKey(r: ClusterInput): string | undefined {
  const parts = clusterParts(r);
  if (parts) return `${CLUSTER_KEY_VERSION}:${sha256(JSON.stringify([parts.sender, parts.subject, parts.content]))}`;
  const orig = originalKey(r);
  return orig ? `${CLUSTER_KEY_VERSION}:original:${sha256(orig)}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Ingest steps (src/ingest/pipeline.ts)
// ---------------------------------------------------------------------------------------------

const inFlight = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` after every earlier call with the same original key in this process has finished, so
 * reporters of one message who arrive at the same moment find each other's report instead of
 * each storing one. (Across replicas the claim in report_originals decides; a report that lost
 * that race stays a report of its own, in the same campaign: see docs/decisions/0007.)
 */
export async function oneAtATimePerOriginal<T>(parsed: ClusterInput, fn: () => Promise<T>): Promise<T> {
  const key = originalKey(parsed);
  if (!key) return fn();
  const before = inFlight.get(key) ?? Promise.resolve();
  const mine = before.then(fn, fn);
  const tail = mine.catch(() => undefined);
  inFlight.set(key, tail);
  try {
    return await mine;
  } finally {
    if (inFlight.get(key) === tail) inFlight.delete(key);
  }
}

/** The stored report that already holds this parsed report's original message, if any. */
export async function reportOfSameOriginal(store: Store, parsed: ClusterInput): Promise<ReportRecord | undefined> {
  const key = originalKey(parsed);
  const id = key ? await reportHoldingOriginal(store, key) : undefined;
  return id ? store.getReport(id) : undefined;
}

/**
 * Counts one reporting of `report`: its own first one (no `by`), or another reporter of the same
 * original (`by`: who and when, from the source message `sourceKey`). Joins or opens the campaign.
 * Idempotent per sourceKey, so a replayed or repaired ingest counts once.
 */
export async function countReporting(
  store: Store,
  report: ReportRecord,
  sourceKey: string,
  by?: { reporter?: string; at?: string },
): Promise<{ campaignId?: string; counted: boolean }> {
  const okey = originalKey(report);
  const ckey = clusterKey(report);
  const reporter = by ? by.reporter : report.reportedBy?.address;
  return recordReporting(store, {
    reportId: report.id,
    sourceKey,
    ...(reporter ? { reporter } : {}),
    at: by ? (by.at ?? new Date().toISOString()) : report.receivedAt,
    ...(okey ? { originalKey: okey } : {}),
    ...(ckey ? { clusterKey: ckey } : {}),
  });
}
