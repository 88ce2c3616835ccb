// The seed's "Search Conditions" (`view=INBOX, mailbox=a@example.com, from=b@example.com`) and
// the archive search XML they become. The XML follows XS-MC's query builder and a public working
// recipe (`<sent select="from">`, `<date select="between">`, `<mailboxes>`); the `filename` and
// `view=SENT` mappings are [UNVERIFIED] against a live tenant.

export const ARCHIVE_CONDITION_KEYS = ['view', 'mailbox', 'from', 'to', 'subject', 'filename'] as const;
export const TRACKING_CONDITION_KEYS = ['to', 'from', 'subject', 'senderip'] as const;

export type ArchiveConditions = Partial<Record<(typeof ARCHIVE_CONDITION_KEYS)[number], string>>;
export type TrackingConditions = Partial<Record<(typeof TRACKING_CONDITION_KEYS)[number], string>>;

export type ParsedConditions =
  | { ok: true; archive: true; conditions: ArchiveConditions }
  | { ok: true; archive: false; conditions: TrackingConditions }
  | { ok: false; message: string };

/**
 * `key=value, key=value`: keys are case-insensitive; a value may contain commas as long as the
 * next part does not look like `key=`. Unknown or repeated keys are errors, with the allowed list.
 */
export function parseSearchConditions(text: string, archive: boolean): ParsedConditions {
  const allowed: readonly string[] = archive ? ARCHIVE_CONDITION_KEYS : TRACKING_CONDITION_KEYS;
  const mode = archive ? 'archive search (search_archive=true)' : 'message tracking (search_archive=false)';
  const out: Record<string, string> = {};
  const parts = text
    .split(/[,;]\s*(?=[A-Za-z]+\s*=)/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return { ok: false, message: `no search condition given: use key=value pairs; ${mode} accepts ${allowed.join(', ')}` };
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, message: `"${part}" is not key=value; ${mode} accepts ${allowed.join(', ')}` };
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (!allowed.includes(key)) return { ok: false, message: `unknown search condition "${key}": ${mode} accepts ${allowed.join(', ')}` };
    if (key in out) return { ok: false, message: `search condition "${key}" is given twice` };
    if (!value) return { ok: false, message: `search condition "${key}" has no value` };
    out[key] = value;
  }
  if (archive && out.view !== undefined) {
    const v = out.view.toUpperCase();
    if (v !== 'INBOX' && v !== 'SENT') return { ok: false, message: `view must be INBOX or SENT, not "${out.view}"` };
    out.view = v;
    if (!out.mailbox) return { ok: false, message: 'view needs a mailbox (view=INBOX, mailbox=user@example.com)' };
  }
  return archive ? { ok: true, archive: true, conditions: out } : { ok: true, archive: false, conditions: out };
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const RETURN_FIELDS = ['attachmentcount', 'status', 'subject', 'size', 'receiveddate', 'displayfrom', 'displayfromaddress', 'id', 'displayto', 'displaytoaddresslist', 'smash'];

/** `2021-04-07T00:00:00Z` (the archive XML takes Z times, unlike the JSON API's +0000). */
function xmlTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/**
 * The Mimecast archive search XML for the conditions, a time window and a page size. With
 * view=SENT the mailbox is matched as sender; otherwise it scopes the search to that mailbox.
 */
export function buildArchiveQuery(c: ArchiveConditions, start: Date, end: Date, pageSize: number): string {
  const mailboxes = c.mailbox && c.view !== 'SENT' ? `<mailboxes><mailbox include-aliases="true">${xmlEscape(c.mailbox)}</mailbox></mailboxes>` : '';
  const sent: string[] = [];
  const from = c.view === 'SENT' && c.mailbox ? c.mailbox : c.from;
  if (from) sent.push(`<sent select="from">${xmlEscape(from)}</sent>`);
  if (c.to) sent.push(`<sent select="to">${xmlEscape(c.to)}</sent>`);
  const text = c.subject ? `<text>subject:${xmlEscape(c.subject)}</text>` : '<text></text>';
  const docs = c.filename ? `<docs select="attached"><text>${xmlEscape(c.filename)}</text></docs>` : '<docs select="optional"></docs>';
  return (
    '<?xml version="1.0"?><xmlquery trace="iql,muse">' +
    `<metadata query-type="emailarchive" archive="true" active="false" page-size="${pageSize}" startrow="0">` +
    `${mailboxes}<smartfolders/><return-fields>${RETURN_FIELDS.map((f) => `<return-field>${f}</return-field>`).join('')}</return-fields></metadata>` +
    `<muse>${text}<date select="between" from="${xmlTime(start)}" to="${xmlTime(end)}"/>${sent.join('')}${docs}<route/></muse></xmlquery>`
  );
}
