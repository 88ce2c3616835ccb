// The seed's extraction switches (policy ingest.extract*), one test each: every switch changes what
// the parser produces, and only that.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/ingest/parse/report.ts';

const fixture = (name: string): Buffer => readFileSync(path.resolve(import.meta.dirname, '..', 'fixtures', 'mail', name));

describe('extraction switches', async () => {
  const all = await parseReport(fixture('plain-phish.eml'));
  const attached = await parseReport(fixture('report-rfc822.eml'));

  it('the fixtures have every kind of indicator with all switches on', () => {
    expect(all.indicators.urls.length).toBeGreaterThan(0);
    expect(all.indicators.ips.length).toBeGreaterThan(0);
    expect(all.indicators.domains.length).toBeGreaterThan(0);
    expect(all.indicators.hashes.length).toBeGreaterThan(0);
    expect(all.indicators.attachments.length).toBeGreaterThan(0);
    expect(all.original.excerpt).toBeTruthy();
    expect(attached.originalAttached).toBe(true);
  });

  it('extract_urls (urls: false): no URLs, the rest unchanged', async () => {
    const r = await parseReport(fixture('plain-phish.eml'), { extract: { urls: false } });
    expect(r.indicators.urls).toEqual([]);
    expect(r.indicators.ips).toEqual(all.indicators.ips);
    expect(r.indicators.hashes).toEqual(all.indicators.hashes);
  });

  it('extract_ips (ips: false): no IPs, the rest unchanged', async () => {
    const r = await parseReport(fixture('plain-phish.eml'), { extract: { ips: false } });
    expect(r.indicators.ips).toEqual([]);
    expect(r.indicators.urls).toEqual(all.indicators.urls);
  });

  it('extract_domains (domains: false): no domains, the rest unchanged', async () => {
    const r = await parseReport(fixture('plain-phish.eml'), { extract: { domains: false } });
    expect(r.indicators.domains).toEqual([]);
    expect(r.indicators.urls).toEqual(all.indicators.urls);
  });

  it('extract_hashes (hashes: false): no hashes, attachments still listed with theirs', async () => {
    const r = await parseReport(fixture('plain-phish.eml'), { extract: { hashes: false } });
    expect(r.indicators.hashes).toEqual([]);
    expect(r.indicators.attachments).toEqual(all.indicators.attachments);
  });

  it('extract_attachments (attachments: false): no attachment list, attachment hashes still there', async () => {
    const r = await parseReport(fixture('plain-phish.eml'), { extract: { attachments: false } });
    expect(r.indicators.attachments).toEqual([]);
    expect(r.indicators.hashes).toEqual(all.indicators.hashes);
  });

  it('extract_eml (eml: false): the attached phish is not opened; the report is the original', async () => {
    const r = await parseReport(fixture('report-rfc822.eml'), { extract: { eml: false } });
    expect(r.originalAttached).toBe(false);
    expect(r.reportedBy).toBeUndefined();
    expect(r.original.subject).not.toBe(attached.original.subject);
    // the attached message is still hashed as an attachment of the report
    expect(r.indicators.attachments.map((a) => a.contentType)).toEqual(['message/rfc822']);
  });

  it('add_body_to_header_artifacts (body: false): no excerpt, indicators unchanged', async () => {
    const r = await parseReport(fixture('plain-phish.eml'), { extract: { body: false } });
    expect(r.original.excerpt).toBeUndefined();
    expect(r.original.subject).toBe(all.original.subject);
    expect(r.indicators).toEqual(all.indicators);
  });
});
