// Calendar invites (text/calendar parts, .ics attachments): a phish can be a meeting request whose
// description carries the link and whose organizer is the sender that matters. Read from iCalendar
// (RFC 5545) text: ORGANIZER, the number of ATTENDEEs, SUMMARY, LOCATION, and the URLs of
// DESCRIPTION (also its HTML twin X-ALT-DESC), LOCATION, URL and ATTACH.

export interface CalendarEvent {
  method?: string;
  summary?: string;
  location?: string;
  organizer?: { address?: string; name?: string };
  attendees: number;
  /** Plain text to scan for URLs: DESCRIPTION, LOCATION, URL and ATTACH values. */
  text: string;
  /** X-ALT-DESC;FMTTYPE=text/html. */
  html?: string;
}

const MAX_EVENTS = 20;
const MAX_FIELD = 300;
const MAX_SCAN = 256 * 1024;

export function isCalendar(att: { filename: string; contentType: string; content: Buffer }): boolean {
  if (/^(?:text\/calendar|application\/ics|text\/x-vcalendar)$/i.test(att.contentType) || /\.(?:ics|vcs)$/i.test(att.filename)) return true;
  return att.content.subarray(0, 64).toString('latin1').trimStart().toUpperCase().startsWith('BEGIN:VCALENDAR');
}

interface ContentLine {
  name: string;
  params: Record<string, string>;
  value: string;
}

/** One unfolded content line: NAME;PARAM=x;PARAM="quoted:value":VALUE. */
function parseLine(line: string): ContentLine | undefined {
  let i = 0;
  let inQuote = false;
  for (; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === ':' && !inQuote) break;
  }
  if (i >= line.length) return undefined;
  const head = line.slice(0, i);
  const value = line.slice(i + 1);
  const parts = head.match(/(?:[^;"]|"[^"]*")+/g) ?? [];
  const name = (parts[0] ?? '').trim().toUpperCase();
  if (!name) return undefined;
  const params: Record<string, string> = {};
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0) params[p.slice(0, eq).trim().toUpperCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
  }
  return { name, params, value };
}

/** RFC 5545 3.3.11 TEXT escapes. */
function unescapeText(v: string): string {
  return v.replace(/\\([nN,;\\])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

function cut(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > MAX_FIELD ? t.slice(0, MAX_FIELD) : t;
}

/** The VEVENTs of an iCalendar text (at most 20); lenient about everything but the line syntax. */
export function parseCalendar(ics: string): CalendarEvent[] {
  const unfolded = ics.slice(0, MAX_SCAN).replace(/\r?\n[ \t]/g, '');
  const events: CalendarEvent[] = [];
  let method: string | undefined;
  let ev: CalendarEvent | undefined;
  const texts: string[] = [];
  for (const raw of unfolded.split(/\r?\n/)) {
    const line = parseLine(raw);
    if (!line) continue;
    const { name, params, value } = line;
    if (name === 'METHOD' && !ev) {
      method = cut(value).toUpperCase();
      continue;
    }
    if (name === 'BEGIN' && value.trim().toUpperCase() === 'VEVENT') {
      ev = { attendees: 0, text: '' };
      if (method) ev.method = method;
      texts.length = 0;
      continue;
    }
    if (!ev) continue;
    switch (name) {
      case 'END':
        if (value.trim().toUpperCase() === 'VEVENT') {
          ev.text = texts.join('\n');
          if (events.length < MAX_EVENTS) events.push(ev);
          ev = undefined;
        }
        break;
      case 'SUMMARY':
        ev.summary = cut(unescapeText(value));
        break;
      case 'LOCATION': {
        const loc = unescapeText(value);
        ev.location = cut(loc);
        texts.push(loc);
        break;
      }
      case 'DESCRIPTION':
        texts.push(unescapeText(value));
        break;
      case 'URL':
      case 'ATTACH':
        texts.push(value.trim());
        break;
      case 'X-ALT-DESC':
        if (/html/i.test(params.FMTTYPE ?? '')) ev.html = unescapeText(value);
        break;
      case 'ORGANIZER': {
        const address = value.trim().replace(/^mailto:/i, '').trim();
        const org: { address?: string; name?: string } = {};
        if (/^[^\s@]+@[^\s@]+$/.test(address)) org.address = address.toLowerCase();
        if (params.CN?.trim()) org.name = cut(params.CN);
        if (org.address || org.name) ev.organizer = org;
        break;
      }
      case 'ATTENDEE':
        ev.attendees++;
        break;
      default:
        break;
    }
  }
  if (ev && events.length < MAX_EVENTS) {
    // an unterminated event (truncated file) still counts
    ev.text = texts.join('\n');
    events.push(ev);
  }
  return events;
}
