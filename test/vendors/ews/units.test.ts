// Pure parts of the EWS library: lenient XML reading, SOAP faults and their hints, folder paths,
// search filters, the seed's range and impersonation rules. Fixtures: test/fixtures/ews.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { decodeFindItem, responseMessages } from '../../../src/vendors/ews/decode.ts';
import { EwsError, explainHttpError, faultFromText, describeCode } from '../../../src/vendors/ews/errors.ts';
import { distinguishedFolderName, folderIdElement, formatFolderPath, looksLikeEwsId, parseFolderPath } from '../../../src/vendors/ews/folders.ts';
import { impersonationFor, parseRange } from '../../../src/vendors/ews/params.ts';
import { filterRestriction, normaliseInternetMessageId } from '../../../src/vendors/ews/restrictions.ts';
import { buildEnvelope, readEnvelope } from '../../../src/vendors/ews/soap.ts';
import { buildXml, decodeXmlText, el, parseXml, textEl, XmlDecodeError } from '../../../src/vendors/ews/xml.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'ews');
const fixture = (f: string) => readFileSync(path.join(FIXTURES, f), 'utf8');

describe('lenient reading', () => {
  it('reads what servers get wrong: default namespace, no ResponseClass, ItemID, mixed kinds in order, CDATA, junk numbers', () => {
    const [m] = responseMessages(readEnvelope(fixture('finditem-lenient.xml')), 'FindItem');
    expect(m?.responseClass).toBe('Success');
    const page = decodeFindItem(m as NonNullable<typeof m>);
    expect(page.items.map((i) => [i.kind, i.itemId?.id])).toEqual([
      ['Message', 'AAMk-first'],
      ['MeetingRequest', 'AAMk-second'],
      ['Message', 'AAMk-third'],
    ]);
    expect(page.items[0]?.subject).toBe('Invoice <#4711> & more');
    expect(page.items[0]?.size).toBeUndefined();
    expect(page.items[0]?.categories).toEqual([]);
    expect(page.items[2]?.categories).toEqual(['Red', 'Triage:Pending']);
    expect([page.totalItemsInView, page.includesLastItemInRange, page.nextOffset]).toEqual([9, false, 3]);
  });

  it('refuses a DTD, and says what a non-SOAP answer is', () => {
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY e "boom">]><a>&e;</a>')).toThrow(/DTD/);
    expect(() => readEnvelope(fixture('iis-error.html'))).toThrow(XmlDecodeError);
    expect(() => readEnvelope('<html><body>Sign in</body></html>')).toThrow(/not a SOAP envelope \(root element html\)/);
    expect(() => readEnvelope('')).toThrow(/no XML element/);
    expect(() => readEnvelope('<s:Envelope xmlns:s="x"><s:Body/></s:Envelope>')).toThrow(/empty body/);
  });

  it('decodes entities once: &amp;lt; stays &lt;, numeric references, unknown entities kept', () => {
    expect(decodeXmlText('a &amp;lt; b &lt;c&gt; &#xD;&#233;&#128512; &nbsp; <![CDATA[<x>&amp;]]>')).toBe('a &lt; b <c> \ré😀 &nbsp; <x>&amp;');
  });

  it('builds escaped XML and drops characters XML 1.0 cannot carry', () => {
    const xml = buildXml(el('t:A', { V: 'x"<&\u0001' }, textEl('t:B', 'a<b&c\u0007'), textEl('t:C', '')));
    expect(xml).toBe('<t:A V="x&quot;&lt;&amp;"><t:B>a&lt;b&amp;c</t:B><t:C/></t:A>');
  });

  it('puts ExchangeImpersonation and RequestServerVersion in the SOAP header', () => {
    const env = buildEnvelope(el('m:X'), { serverVersion: 'Exchange2013', impersonate: 'victim@contoso.test' });
    expect(env).toContain('<t:RequestServerVersion xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" Version="Exchange2013"/>');
    expect(env).toContain('<t:ConnectingSID><t:SmtpAddress>victim@contoso.test</t:SmtpAddress></t:ConnectingSID>');
    expect(buildEnvelope(el('m:X'), { serverVersion: 'Exchange2013' })).not.toContain('ExchangeImpersonation');
  });
});

describe('faults and errors', () => {
  const full = fixture('server-busy-fault.xml');

  it('reads the busy fault: code, message, BackOffMilliseconds', () => {
    const f = faultFromText(full);
    expect(f?.responseCode).toBe('ErrorServerBusy');
    expect(f?.message).toBe('The server cannot service this request right now. Try again later.');
    expect(f?.messageXml.BackOffMilliseconds).toBe('297749');
  });

  it('still finds the code in the 500-character excerpt the HTTP layer keeps', () => {
    const excerpt = `${full.replace(/\s+/g, ' ').slice(0, 499)}…`;
    expect(excerpt).not.toContain('BackOffMilliseconds');
    const f = faultFromText(excerpt);
    expect(f?.responseCode).toBe('ErrorServerBusy');
    expect(f?.messageXml.BackOffMilliseconds).toBeUndefined();
  });

  it('turns an HTTP 500 fault into a retryable EwsError carrying the back-off (when it fits the excerpt)', () => {
    // The same fault without the namespace declarations: short enough for the layer's excerpt.
    const compact = '<s:Envelope><s:Body><s:Fault><faultcode>a:ErrorServerBusy</faultcode><faultstring>The server cannot service this request right now.</faultstring><detail><e:ResponseCode>ErrorServerBusy</e:ResponseCode><t:MessageXml><t:Value Name="BackOffMilliseconds">297749</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>';
    const http = new VendorError({ vendor: 'ews', operation: 'ews.findItem', kind: 'http', status: 500, message: '', attempts: 1, bodyExcerpt: compact });
    const e = explainHttpError(http, { operation: 'ews.findItem', mailbox: 'x@contoso.test' }) as EwsError;
    expect(e).toBeInstanceOf(EwsError);
    expect(e.responseCode).toBe('ErrorServerBusy');
    expect(e.backOffMs).toBe(297_749);
    expect(e.retryAfterMs).toBe(297_749);
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/^ews\.findItem failed: HTTP 500 Internal Server Error \(ErrorServerBusy\): Exchange is throttling/);
  });

  it('a permanent fault is not retryable even though it came as HTTP 500', () => {
    const body = full.replace(/ErrorServerBusy/g, 'ErrorImpersonateUserDenied');
    const e = explainHttpError(new VendorError({ vendor: 'ews', operation: 'ews.getFolder', kind: 'http', status: 500, message: '', attempts: 1, bodyExcerpt: body }), { operation: 'ews.getFolder', mailbox: 'ceo@contoso.test' }) as EwsError;
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('may not impersonate ceo@contoso.test');
  });

  it('keeps transport failures as they are, wrapped', () => {
    const e = explainHttpError(new VendorError({ vendor: 'ews', operation: 'ews.getItem', kind: 'timeout', message: 'timed out after 30000 ms', attempts: 5 }), { operation: 'ews.getItem' }) as EwsError;
    expect(e.kind).toBe('timeout');
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('timed out');
  });

  it('describes codes in product words and keeps the server text when it adds something', () => {
    expect(describeCode('ErrorAccessDenied', undefined, 'bob@contoso.test')).toContain('no rights on bob@contoso.test');
    expect(describeCode('ErrorSomethingNew', 'Something new happened.')).toBe('Something new happened.');
    expect(describeCode('ErrorSomethingNew', undefined)).toBe('ErrorSomethingNew');
  });
});

describe('folder paths', () => {
  it('splits on / and keeps \\/ as a slash inside a name', () => {
    expect(parseFolderPath('Inbox/test\\/exp')).toEqual(['Inbox', 'test/exp']);
    expect(parseFolderPath('/Inbox//Phish/')).toEqual(['Inbox', 'Phish']);
    expect(formatFolderPath(['Inbox', 'test/exp', 'a\\b'])).toBe('Inbox/test\\/exp/a\\\\b');
    expect(parseFolderPath(formatFolderPath(['Inbox', 'test/exp', 'a\\b']))).toEqual(['Inbox', 'test/exp', 'a\\b']);
  });

  it('knows distinguished names and the display names people type', () => {
    expect(distinguishedFolderName('Inbox')).toBe('inbox');
    expect(distinguishedFolderName('Junk E-mail')).toBe('junkemail');
    expect(distinguishedFolderName('Deleted Items')).toBe('deleteditems');
    expect(distinguishedFolderName('Public Folders')).toBe('publicfoldersroot');
    expect(distinguishedFolderName('Archive')).toBeUndefined();
    expect(distinguishedFolderName('Phish')).toBeUndefined();
  });

  it('addresses another mailbox with DistinguishedFolderId/Mailbox, never the public root', () => {
    expect(buildXml(folderIdElement({ distinguished: 'inbox', mailbox: 'a@b.test' }))).toBe('<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>a@b.test</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>');
    expect(buildXml(folderIdElement({ distinguished: 'publicfoldersroot', mailbox: 'a@b.test' }))).toBe('<t:DistinguishedFolderId Id="publicfoldersroot"/>');
    expect(looksLikeEwsId('AAMkADVjNTI3MTYxLTYyZDMtNGViYy04MTFhLWZjYjQxYzNmNmI2YwAuAAAAAACJ')).toBe(true);
    expect(looksLikeEwsId('Inbox')).toBe(false);
  });
});

describe('search filters', () => {
  it('builds an AND of substring, exact and time criteria', () => {
    const xml = buildXml(filterRestriction({ subject: ' invoice ', sender: 'x@evil.example', internetMessageId: 'abc@mail', receivedAfter: '2026-11-01' }) as ReturnType<typeof el>);
    expect(xml.startsWith('<t:And>')).toBe(true);
    expect(xml).toContain('<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="invoice"/></t:Contains>');
    expect(xml).toContain('<t:Or><t:IsEqualTo><t:FieldURI FieldURI="message:From"/>');
    expect(xml).toContain('<t:Constant Value="&lt;abc@mail&gt;"/>');
    expect(xml).toContain('<t:IsGreaterThanOrEqualTo><t:FieldURI FieldURI="item:DateTimeReceived"/><t:FieldURIOrConstant><t:Constant Value="2026-11-01T00:00:00Z"/>');
  });

  it('is absent for an empty filter, a single expression for one criterion, an error for a bad date', () => {
    expect(filterRestriction({ subject: '  ', body: '' })).toBeUndefined();
    expect(Object.keys(filterRestriction({ body: 'x' }) ?? {}).filter((k) => k !== ':@')).toEqual(['t:Contains']);
    expect(() => filterRestriction({ receivedAfter: 'yesterday-ish' })).toThrow(/not a date/);
    expect(normaliseInternetMessageId('<a@b>')).toBe('<a@b>');
    expect(normaliseInternetMessageId('a@b')).toBe('<a@b>');
  });
});

describe('seed 000 parameters', () => {
  it('range: min-max inclusive, default 0-10, clear errors', () => {
    expect(parseRange('0-9')).toEqual({ offset: 0, limit: 10 });
    expect(parseRange(' 2 - 10 ')).toEqual({ offset: 2, limit: 9 });
    expect(parseRange(undefined)).toEqual({ offset: 0, limit: 11 });
    expect(() => parseRange('5')).toThrow(/min_offset-max_offset/);
    expect(() => parseRange('9-2')).toThrow(/must not be below/);
    expect(() => parseRange('0-5000')).toThrow(/at most 1000/);
  });

  it('impersonation: dont_impersonate wins, impersonate_email next, email when the deployment impersonates', () => {
    expect(impersonationFor({ email: 'a@x', impersonateEmail: 'b@x', dontImpersonate: true }, true)).toBeUndefined();
    expect(impersonationFor({ email: 'a@x', impersonateEmail: 'b@x' }, false)).toBe('b@x');
    expect(impersonationFor({ email: 'a@x' }, true)).toBe('a@x');
    expect(impersonationFor({ email: 'a@x' }, false)).toBeUndefined();
    expect(impersonationFor({}, true)).toBeUndefined();
  });
});
