// Parsing of the seed's chat-friendly parameter formats into Cofense Vision request values:
// comma-separated lists, `field:dir` sort lists, `recipient:<message-id>` pairs, `md5:<hash>`
// pairs, `Header:value` pairs and UTC dates. Each parser throws an Error whose message names the
// parameter and says what is expected, so the same text reaches the analyst from a command, a
// modal or a test.
import {
  HASH_TYPES,
  IOC_SOURCE_PATTERN,
  MAX_SEARCH_VALUES,
  SORT_FIELDS,
  type HashType,
  type QuarantineEmailRef,
  type SortSpec,
  type SortTarget,
} from './types.ts';

const MD5 = /^[a-f0-9]{32}$/i;
const SHA256 = /^[a-f0-9]{64}$/i;

export const isMd5 = (v: string): boolean => MD5.test(v);
export const isSha256 = (v: string): boolean => SHA256.test(v);

/**
 * Splits a comma-separated value: items trimmed, empties dropped, duplicates removed (first kept).
 * Double quotes protect commas inside one item (`"Invoice, urgent",Payment due`); with
 * `angleBrackets`, so do `<...>` (message ids).
 */
export function splitList(value: string | undefined, opts: { angleBrackets?: boolean } = {}): string[] {
  if (value === undefined) return [];
  const items: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = 0;
  for (const ch of value) {
    if (ch === '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted && opts.angleBrackets) {
      if (ch === '<') angle++;
      else if (ch === '>' && angle > 0) angle--;
    }
    if (ch === ',' && !quoted && angle === 0) {
      items.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  items.push(cur);
  const out: string[] = [];
  for (const raw of items) {
    const item = raw.trim();
    if (item && !out.includes(item)) out.push(item);
  }
  return out;
}

/** A list parameter limited to `max` values (create-message-search: 3). */
export function limitedList(field: string, value: string | undefined, max = MAX_SEARCH_VALUES): string[] {
  const items = splitList(value);
  if (items.length > max) {
    throw new Error(`${field} has ${items.length} values; Cofense Vision allows at most ${max} values in ${field}`);
  }
  return items;
}

/**
 * The seed's sort format `createdBy:desc,id:asc` (a bare field sorts ascending) into Spring's
 * repeated `sort=createdBy,desc&sort=id,asc` (§7.2). Field names are matched case-insensitively
 * against the endpoint's sortable fields and sent in their canonical spelling.
 */
export function parseSort(value: string | undefined, target: SortTarget, field = 'sort'): SortSpec[] {
  const allowed: readonly string[] = SORT_FIELDS[target];
  const specs: SortSpec[] = [];
  for (const item of splitList(value)) {
    const parts = item.split(':').map((p) => p.trim());
    const [name, dir, ...rest] = parts;
    const canonical = allowed.find((f) => f.toLowerCase() === (name ?? '').toLowerCase());
    if (!canonical || rest.length > 0) {
      throw new Error(`${field}: "${item}" is not a sortable field here; use field:asc or field:desc with one of ${allowed.join(', ')}`);
    }
    if (dir === undefined || dir === '') {
      specs.push({ field: canonical });
      continue;
    }
    const d = dir.toLowerCase();
    if (d !== 'asc' && d !== 'desc') throw new Error(`${field}: sort direction "${dir}" in "${item}" must be asc or desc`);
    specs.push({ field: canonical, direction: d });
  }
  return specs;
}

/** Spring's `sort` query values: `field,dir` (or `field`). */
export function sortQuery(specs: readonly SortSpec[] | undefined): string[] | undefined {
  if (!specs || specs.length === 0) return undefined;
  return specs.map((s) => (s.direction ? `${s.field},${s.direction}` : s.field));
}

/**
 * The seed's `quarantine_emails`: comma-separated `recipient:<message-id>[:<message-id>...]`,
 * e.g. `a@example.com:<m1@example.net>:<m2@example.net>,b@example.com:<m3@example.net>`.
 * Message ids in angle brackets may contain `:`; without brackets they are split at `:` and
 * then bracketed, as Vision stores them.
 */
export function parseQuarantineEmails(value: string, field = 'quarantine_emails'): QuarantineEmailRef[] {
  const out: QuarantineEmailRef[] = [];
  const seen = new Set<string>();
  const entries = splitList(value, { angleBrackets: true });
  if (entries.length === 0) throw new Error(`${field} is empty; give recipient:<internet-message-id> pairs, comma-separated`);
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const recipient = colon < 0 ? '' : entry.slice(0, colon).trim();
    const rest = colon < 0 ? '' : entry.slice(colon + 1);
    const bracketed = rest.match(/<[^<>]*>/g);
    const ids = bracketed && rest.replace(/<[^<>]*>/g, '').replace(/[:\s]/g, '') === '' ? bracketed : rest.split(':').map((s) => s.trim()).filter(Boolean);
    if (!recipient || !recipient.includes('@') || ids.length === 0) {
      throw new Error(`${field}: "${entry}" is not recipient:<internet-message-id> (e.g. alice@example.com:<abc123@mail.example.net>)`);
    }
    for (const raw of ids) {
      const id = raw.startsWith('<') ? raw : `<${raw}>`; // Vision keeps Message-IDs with their brackets
      const key = `${recipient.toLowerCase()}\n${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ recipientAddress: recipient, internetMessageId: id });
    }
  }
  return out;
}

/** `md5:<hex>` / `sha256:<hex>` pairs (at most 3) for create-message-search. */
export function parseAttachmentHashes(value: string | undefined, field = 'attachment_hashes'): { hashType: HashType; hashString: string }[] {
  const items = limitedList(field, value);
  return items.map((item) => {
    const [type, hash, ...rest] = item.split(':').map((s) => s.trim());
    const hashType = (type ?? '').toUpperCase() as HashType;
    if (!HASH_TYPES.includes(hashType) || !hash || rest.length > 0) {
      throw new Error(`${field}: "${item}" must be hashtype:hashvalue with hashtype md5 or sha256 (e.g. md5:938c2cc0dcc05f2b68c4287040cfcf71)`);
    }
    if (hashType === 'MD5' && !isMd5(hash)) throw new Error(`${field}: "${hash}" is not a valid MD5 hash (32 hex characters)`);
    if (hashType === 'SHA256' && !isSha256(hash)) throw new Error(`${field}: "${hash}" is not a valid SHA256 hash (64 hex characters)`);
    return { hashType, hashString: hash.toLowerCase() };
  });
}

/**
 * `Header-Name:value` pairs (at most 3) for create-message-search; the value may itself contain
 * `:`. Pairs naming the same header are merged into one criterion with several values.
 */
export function parseHeaderCriteria(value: string | undefined, field = 'headers'): { key: string; values: string[] }[] {
  const items = limitedList(field, value);
  const out: { key: string; values: string[] }[] = [];
  for (const item of items) {
    const colon = item.indexOf(':');
    const key = colon < 0 ? '' : item.slice(0, colon).trim();
    const val = colon < 0 ? '' : item.slice(colon + 1).trim();
    if (!key || !val || /\s/.test(key)) {
      throw new Error(`${field}: "${item}" must be Header-Name:value (e.g. X-Originating-IP:192.0.2.10)`);
    }
    const existing = out.find((h) => h.key.toLowerCase() === key.toLowerCase());
    if (existing) existing.values.push(val);
    else out.push({ key, values: [val] });
  }
  return out;
}

/**
 * A UTC date parameter into the ISO-8601 form Vision accepts (`2025-11-22T10:00:00.000Z`).
 * Accepts `2025-11-22`, `2025-11-22T10:00`, `2025-11-22T10:00:00`, with optional fraction and
 * zone (`Z`, `+01:00`); a time without zone is read as UTC, as the seed specifies.
 */
export function toVisionDate(value: string, field: string): string {
  const v = value.trim();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(v);
  if (!m) throw new Error(`${field}: "${value}" is not a date; use ISO-8601 in UTC, e.g. 2025-11-22 or 2025-11-22T10:00:00Z`);
  const [, day, hm, secs, zone] = m;
  const [y, mo, d] = (day as string).split('-').map(Number) as [number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) throw new Error(`${field}: "${value}" is not a valid date`);
  let iso = `${day}T${hm ?? '00:00'}${secs ? secs.replace(/(\.\d{3})\d+$/, '$1') : ':00'}`;
  iso += zone ? (zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone) : 'Z';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`${field}: "${value}" is not a valid date`);
  return new Date(t).toISOString();
}

/** Checks an IOC source name (header value) and says which characters are allowed. */
export function checkIocSource(source: string, field = 'source'): string {
  const s = source.trim();
  if (!s || !IOC_SOURCE_PATTERN.test(s)) {
    throw new Error(`${field}: "${source}" is not a valid IOC source; use only letters, digits and - . _ ~ (e.g. hookline or Triage-1)`);
  }
  return s;
}

/** Runs a parser for validation only: the problem text, or undefined when the value is fine. */
export function problemOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
