// The seed's chat-friendly parameter formats -> Cofense Vision request values.
import { describe, expect, it } from 'vitest';
import {
  limitedList,
  parseAttachmentHashes,
  parseHeaderCriteria,
  parseQuarantineEmails,
  parseSort,
  sortQuery,
  splitList,
  toVisionDate,
} from '../../../src/vendors/cofense/params.ts';

describe('cofense params', () => {
  it('splitList: trims, drops empties and duplicates, honours quotes', () => {
    expect(splitList(' a , b,,a, "c, d" ')).toEqual(['a', 'b', 'c, d']);
    expect(splitList(undefined)).toEqual([]);
  });

  it('limitedList: at most 3 values, the message names the field', () => {
    expect(limitedList('senders', 'a,b,c')).toEqual(['a', 'b', 'c']);
    expect(() => limitedList('senders', 'a,b,c,d')).toThrow('senders has 4 values; Cofense Vision allows at most 3 values in senders');
  });

  it('parseSort: the seed format to Spring sort values, case-insensitive fields', () => {
    expect(sortQuery(parseSort('createdBy:desc, ID:asc,modifiedDate', 'quarantineJobs'))).toEqual(['createdBy,desc', 'id,asc', 'modifiedDate']);
    expect(sortQuery(parseSort('UpdatedAt:asc', 'iocs'))).toEqual(['updatedAt,asc']);
    expect(sortQuery(parseSort(undefined, 'iocs'))).toBeUndefined();
    expect(() => parseSort('updatedAt:sideways', 'iocs')).toThrow('sort: sort direction "sideways" in "updatedAt:sideways" must be asc or desc');
    expect(() => parseSort('subject', 'searches')).toThrow(/not a sortable field here/);
  });

  it('parseQuarantineEmails: the seed example, ids with colons, bare ids bracketed', () => {
    expect(parseQuarantineEmails('test@example.com:<CAFRPxWuOFW@example.com&>:<WCuib9wCsz@example.com>,user@example.com:<YCuib9wCs1@example.com>')).toEqual([
      { recipientAddress: 'test@example.com', internetMessageId: '<CAFRPxWuOFW@example.com&>' },
      { recipientAddress: 'test@example.com', internetMessageId: '<WCuib9wCsz@example.com>' },
      { recipientAddress: 'user@example.com', internetMessageId: '<YCuib9wCs1@example.com>' },
    ]);
    expect(parseQuarantineEmails('a@example.com:<odd:id@example.net>')).toEqual([{ recipientAddress: 'a@example.com', internetMessageId: '<odd:id@example.net>' }]);
    expect(parseQuarantineEmails('a@example.com:m1@example.net:m2@example.net')).toEqual([
      { recipientAddress: 'a@example.com', internetMessageId: '<m1@example.net>' },
      { recipientAddress: 'a@example.com', internetMessageId: '<m2@example.net>' },
    ]);
    expect(() => parseQuarantineEmails('<m1@example.net>')).toThrow(/is not recipient:<internet-message-id>/);
  });

  it('parseAttachmentHashes and parseHeaderCriteria', () => {
    expect(parseAttachmentHashes(`MD5:${'A'.repeat(32)},sha256:${'b'.repeat(64)}`)).toEqual([
      { hashType: 'MD5', hashString: 'a'.repeat(32) },
      { hashType: 'SHA256', hashString: 'b'.repeat(64) },
    ]);
    expect(parseHeaderCriteria('X-Originating-IP:2001:db8::1,Reply-To:x@example.net')).toEqual([
      { key: 'X-Originating-IP', values: ['2001:db8::1'] },
      { key: 'Reply-To', values: ['x@example.net'] },
    ]);
  });

  it('toVisionDate: ISO-8601, zone-less read as UTC, impossible dates refused', () => {
    expect(toVisionDate('2026-11-22', 'd')).toBe('2026-11-22T00:00:00.000Z');
    expect(toVisionDate('2026-11-22T10:00', 'd')).toBe('2026-11-22T10:00:00.000Z');
    expect(toVisionDate('2026-11-22 10:00:00.123456+0100', 'd')).toBe('2026-11-22T09:00:00.123Z');
    expect(() => toVisionDate('2026-02-30', 'expires_at')).toThrow('expires_at: "2026-02-30" is not a valid date');
    expect(() => toVisionDate('4/10/2022', 'since')).toThrow('since: "4/10/2022" is not a date; use ISO-8601 in UTC, e.g. 2025-11-22 or 2025-11-22T10:00:00Z');
  });
});
