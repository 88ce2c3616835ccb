// Calendar invites: text/calendar parts and .ics attachments give a calendar indicator (organizer,
// attendee count, summary, location) and the URLs of their descriptions.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCalendar, parseCalendar } from '../../src/ingest/extract/calendar.ts';
import { parseReport } from '../../src/ingest/parse/report.ts';

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:1@cal-lure.test',
  'ORGANIZER;CN="HR Team: Benefits":mailto:HR-Benefits@Cal-Lure.test',
  'ATTENDEE;CN=Dana Reyes;RSVP=TRUE:mailto:dana.reyes@corp.example.net',
  'ATTENDEE;CN=Ops:mailto:ops@corp.example.net',
  'SUMMARY:Mandatory: confirm your 2026 benefits\\, today',
  'LOCATION:https://meet.cal-lure.test/j/991',
  'DESCRIPTION:Please confirm before the meeting:\\nhttps://benefits.cal-lure.test/confirm?u=dana\\n',
  ' Thank you.',
  'X-ALT-DESC;FMTTYPE=text/html:<a href="https://alt.cal-lure.test/x">confirm</a>',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('parseCalendar', () => {
  it('reads organizer, attendees, summary, location and the text to scan, with folding and escapes', () => {
    expect(parseCalendar(ICS)).toEqual([
      {
        method: 'REQUEST',
        organizer: { address: 'hr-benefits@cal-lure.test', name: 'HR Team: Benefits' },
        attendees: 2,
        summary: 'Mandatory: confirm your 2026 benefits, today',
        location: 'https://meet.cal-lure.test/j/991',
        text: 'https://meet.cal-lure.test/j/991\nPlease confirm before the meeting:\nhttps://benefits.cal-lure.test/confirm?u=dana\nThank you.',
        html: '<a href="https://alt.cal-lure.test/x">confirm</a>',
      },
    ]);
  });

  it('an unterminated event still counts; junk lines are skipped; no event, no result', () => {
    expect(parseCalendar('BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:cut off\nnot a content line').map((e) => e.summary)).toEqual(['cut off']);
    expect(parseCalendar('hello world')).toEqual([]);
  });

  it('recognises invites by type, name or content', () => {
    const c = Buffer.from('BEGIN:VCALENDAR\r\n');
    expect(isCalendar({ filename: 'x', contentType: 'text/calendar', content: Buffer.alloc(0) })).toBe(true);
    expect(isCalendar({ filename: 'invite.ics', contentType: 'application/octet-stream', content: Buffer.alloc(0) })).toBe(true);
    expect(isCalendar({ filename: 'x.dat', contentType: 'application/octet-stream', content: c })).toBe(true);
    expect(isCalendar({ filename: 'x.txt', contentType: 'text/plain', content: Buffer.from('hello') })).toBe(false);
  });
});

function inviteMail(part: string[]): Buffer {
  return Buffer.from(
    [
      'From: "HR" <hr@cal-sender.test>',
      'To: dana.reyes@corp.example.net',
      'Subject: Benefits meeting',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'You are invited.',
      '--b',
      ...part,
      '',
      ICS,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

describe('invites in a reported mail', () => {
  it('a text/calendar part: calendar indicator, description URLs (source attachment), organizer domain', async () => {
    const r = await parseReport(inviteMail(['Content-Type: text/calendar; method=REQUEST; charset=utf-8']));
    expect(r.indicators.calendar).toEqual([
      {
        filename: 'unnamed-1',
        method: 'REQUEST',
        summary: 'Mandatory: confirm your 2026 benefits, today',
        location: 'https://meet.cal-lure.test/j/991',
        organizer: 'hr-benefits@cal-lure.test',
        organizerName: 'HR Team: Benefits',
        attendees: 2,
      },
    ]);
    expect(r.indicators.urls.filter((u) => u.source === 'attachment').map((u) => u.url)).toEqual([
      'https://alt.cal-lure.test/x',
      'https://meet.cal-lure.test/j/991',
      'https://benefits.cal-lure.test/confirm?u=dana',
    ]);
    expect(r.indicators.domains.map((d) => d.domain)).toContain('cal-lure.test');
  });

  it('an .ics attachment is read the same way', async () => {
    const r = await parseReport(inviteMail(['Content-Type: application/octet-stream; name="invite.ics"', 'Content-Disposition: attachment; filename="invite.ics"']));
    expect(r.indicators.calendar?.map((c) => [c.filename, c.organizer, c.attendees])).toEqual([['invite.ics', 'hr-benefits@cal-lure.test', 2]]);
  });

  const corpus = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'phishing');
  if (!existsSync(corpus)) console.warn(`[calendar tests] corpus sample skipped: ${corpus} not found`);
  it.skipIf(!existsSync(corpus))('phishing/sample-1995.eml: the Appointment.ics invite is read', async () => {
    const r = await parseReport(readFileSync(path.join(corpus, 'sample-1995.eml')));
    expect(r.indicators.calendar).toEqual([
      { filename: 'Appointment.ics', method: 'PUBLISH', summary: 'TrustWallet APP', organizer: 'contactvexnova@gmail.com', organizerName: 'TrustWallet APP', attendees: 0 },
    ]);
  });
});
