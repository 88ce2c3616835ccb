import { describe, expect, it } from 'vitest';
import { domainIndicator } from '../../src/ingest/extract/domains.ts';
import { findIps, isPublicIp } from '../../src/ingest/extract/ip.ts';
import { authenticationVerdicts, firstExternalHopIndex, parseReceived, receivedIps } from '../../src/ingest/extract/received.ts';
import { displayedHost, findHtmlUrls, findTextUrls, normaliseUrl } from '../../src/ingest/extract/urls.ts';

describe('URL unwrapping', () => {
  it('Safe Links (any region prefix), keeping the wrapped URL', () => {
    const wrapped = 'https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fportal.example.org%2Fa%3Fb%3Dc&data=05%7C01&reserved=0';
    expect(normaliseUrl(wrapped)).toMatchObject({ url: 'https://portal.example.org/a?b=c', wrappedUrl: wrapped });
  });

  it('Proofpoint v2', () => {
    const wrapped = 'https://urldefense.proofpoint.com/v2/url?u=http-3A__www.example.org_path_x-3Fa-3D1-26b-3D2&d=DwMF&c=x&r=y&m=z&s=w&e=';
    expect(normaliseUrl(wrapped)?.url).toBe('http://www.example.org/path/x?a=1&b=2');
  });

  it('Proofpoint v3 with single and run-length substitutions', () => {
    // "*" takes one character and "**A" a run of two from the base64 payload "eHkm" = "xy&"
    const wrapped = 'https://urldefense.com/v3/__https://files.example.org/a**Ab?p=1*q=2__;eHkm!!AbC!xyz$';
    expect(normaliseUrl(wrapped)).toMatchObject({ url: 'https://files.example.org/axyb?p=1&q=2', wrappedUrl: wrapped });
  });

  it('a broken wrapper is kept as it is', () => {
    const broken = 'https://urldefense.com/v3/__https://files.example.org/a*b__;!!AbC!xyz$';
    expect(normaliseUrl(broken)).toEqual({ url: broken, parsed: expect.any(URL) });
  });

  it('Safe Links wrapping Proofpoint are both removed', () => {
    const inner = 'https://urldefense.proofpoint.com/v2/url?u=https-3A__deep.example.org_&d=x';
    const wrapped = `https://eur02.safelinks.protection.outlook.com/?url=${encodeURIComponent(inner)}&data=1`;
    expect(normaliseUrl(wrapped)).toMatchObject({ url: 'https://deep.example.org/', wrappedUrl: wrapped });
  });

  it('ignores non-web schemes', () => {
    expect(normaliseUrl('javascript:alert(1)')).toBeUndefined();
    expect(normaliseUrl('mailto:a@example.com')).toBeUndefined();
  });
});

describe('finding URLs', () => {
  it('in text, trimming trailing punctuation and brackets', () => {
    const found = findTextUrls('See (https://a.example.org/x?y=1). Also www.b.example.org, and <https://c.example.org/p_(1)>.');
    expect(found.map((f) => f.raw)).toEqual(['https://a.example.org/x?y=1', 'www.b.example.org', 'https://c.example.org/p_(1)']);
  });

  it('in HTML: a/area hrefs with visible text, form actions, iframes, meta refresh; entities decoded', () => {
    const html = `<a href="https://a.example.org/?x=1&amp;y=2"><b>Click</b> here</a>
      <area href='https://b.example.org/'><form action=https://c.example.org/post></form>
      <iframe src="https://d.example.org/frame"></iframe>
      <meta http-equiv="refresh" content="0; url=https://e.example.org/go">
      <a href="https://f.example.org/unclosed">never closed`;
    const found = findHtmlUrls(html);
    expect(found.map((f) => [f.raw, f.linkText])).toEqual([
      ['https://a.example.org/?x=1&y=2', 'Click here'],
      ['https://b.example.org/', undefined],
      ['https://c.example.org/post', undefined],
      ['https://d.example.org/frame', undefined],
      ['https://e.example.org/go', undefined],
      ['https://f.example.org/unclosed', 'never closed'],
    ]);
  });

  it('what a link text claims', () => {
    expect(displayedHost('Click here')).toBeUndefined();
    expect(displayedHost('Log in at www.bank.example')).toBe('www.bank.example');
    expect(displayedHost('accounts.example.co.uk')).toBe('accounts.example.co.uk');
    expect(displayedHost('https://PAYROLL.example.com/x')).toBe('payroll.example.com');
    // a shown Safe Links URL compares as its target
    expect(displayedHost('https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fx.example.org%2F')).toBe('x.example.org');
  });
});

describe('domains', () => {
  it('registrable domain is public-suffix aware (incl. private suffixes)', () => {
    expect(domainIndicator('a.b.Example.CO.UK')).toEqual({ domain: 'a.b.example.co.uk', registrableDomain: 'example.co.uk' });
    expect(domainIndicator('evil.github.io')?.registrableDomain).toBe('evil.github.io');
  });

  it('punycode is decoded into unicode and flagged', () => {
    expect(domainIndicator('login.xn--pyroll-3nf.example')).toMatchObject({ unicode: 'login.p\u0430yroll.example', punycode: true });
    // Unicode input is stored in its ASCII form
    expect(domainIndicator('p\u0430yroll.example')).toMatchObject({ domain: 'xn--pyroll-3nf.example', punycode: true });
  });

  it('IPs and single labels are not domains', () => {
    expect(domainIndicator('192.0.2.1')).toBeUndefined();
    expect(domainIndicator('localhost')).toBeUndefined();
  });
});

describe('IPs', () => {
  it('finds IPv4 and IPv6 in text, not version strings or times', () => {
    expect(findIps('from 192.0.2.7, v1.2.3.4.5, at 10:30:00, via 2001:db8::7 and 2001:DB8:0:0:1::2.')).toEqual([
      '192.0.2.7',
      '2001:db8::7',
      '2001:db8:0:0:1::2',
    ]);
  });

  it('classifies private ranges', () => {
    for (const ip of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '169.254.1.1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1']) {
      expect(isPublicIp(ip), ip).toBe(false);
    }
    for (const ip of ['198.51.100.1', '203.0.113.9', '2001:db8::1', '8.8.8.8']) expect(isPublicIp(ip), ip).toBe(true);
  });
});

describe('Received chain', () => {
  it('parses helo, rdns, bracketed IP and receiver', () => {
    expect(parseReceived('from mail.example.org (relay.example.org [IPv6:2001:db8::25]) by mx.example.net (Postfix) with ESMTPS id 1; Mon, 1 Jan 2024')).toEqual({
      helo: 'mail.example.org',
      rdns: 'relay.example.org',
      ip: '2001:db8::25',
      by: 'mx.example.net',
    });
    expect(parseReceived('by mbx.example.net with HTTP; Mon, 1 Jan 2024')).toEqual({ by: 'mbx.example.net' });
    expect(parseReceived('(qmail 24134 invoked from network); 8 Mar 2017')).toEqual({});
  });

  it('Exchange-Online-like chain: internal relays over public IPv6 are skipped by domain', () => {
    const chain = [
      'from AB1PR01MB0001.eurprd01.prod.mailhost.example (::1) by AB1PR01MB0002.eurprd01.prod.mailhost.example with HTTPS',
      'from CD2P281CA0001.DEUP281.PROD.MAILHOST.EXAMPLE (2001:db8:150:b::12) by AB1PR01MB0001.eurprd01.prod.mailhost.example (2001:db8:806:109::6)',
      'from EF3EUR01FT001.eop-EUR01.prod.protection.mailhost.example (2001:db8:150:b:cafe::b4) by CD2P281CA0001.mailhost.example (2001:db8:150:b::12)',
      'from smtp.sender.test (198.51.100.77) by EF3EUR01FT001.mail.protection.mailhost.example (10.152.0.155)',
      'from queue.sender.test (unknown [10.32.64.7]) by smtp.sender.test (Postfix)',
    ];
    const hops = chain.map(parseReceived);
    expect(firstExternalHopIndex(hops)).toBe(3);
    expect(receivedIps(chain, [])).toEqual([
      { ip: '198.51.100.77', version: 4, source: 'received', firstExternalHop: true },
      { ip: '10.32.64.7', version: 4, source: 'received', private: true },
    ]);
  });

  it('a client IP stated by the receiver wins over the walk', () => {
    const chain = ['from gw.filter-vendor.test (203.0.113.1) by mx.example.net', 'from smtp.sender.test (198.51.100.77) by gw.filter-vendor.test'];
    const headers = [{ key: 'authentication-results', value: 'spf=pass (sender IP is 198.51.100.77) smtp.mailfrom=sender.test' }];
    const hops = chain.map(parseReceived);
    expect(firstExternalHopIndex(hops)).toBe(0); // the walk alone: the gateway is not in our domain
    expect(firstExternalHopIndex(hops, '198.51.100.77')).toBe(1);
    expect(receivedIps(chain, headers)).toEqual([{ ip: '198.51.100.77', version: 4, source: 'received', firstExternalHop: true }]);
  });

  it('no public IP at all: nothing flagged, private IPs listed', () => {
    const chain = ['from a.example.net (10.0.0.2) by b.example.net', 'from c (192.168.0.3) by a.example.net'];
    expect(receivedIps(chain, [])).toEqual([
      { ip: '10.0.0.2', version: 4, source: 'received', private: true },
      { ip: '192.168.0.3', version: 4, source: 'received', private: true },
    ]);
  });
});

describe('authentication verdicts', () => {
  it('only the topmost Authentication-Results counts (lower ones may be forged); Received-SPF fills in SPF', () => {
    expect(
      authenticationVerdicts([
        { key: 'authentication-results', value: 'mx.example.net; dkim=fail header.d=x.test; dmarc=fail (p=reject) header.from=x.test' },
        { key: 'authentication-results', value: 'forged.test; spf=pass; dkim=pass; dmarc=pass' },
        { key: 'received-spf', value: 'SoftFail (mx.example.net: domain of x.test does not designate 198.51.100.1)' },
      ]),
    ).toEqual({ spf: 'softfail', dkim: 'fail', dmarc: 'fail' });
    expect(authenticationVerdicts([{ key: 'received-spf', value: 'SoftFail (mx: ...)' }])).toEqual({ spf: 'softfail' });
    expect(authenticationVerdicts([])).toBeUndefined();
  });
});

describe('Received: which IP is the connecting one', () => {
  it('the recorded IP in parentheses wins over an IP-literal HELO', () => {
    expect(parseReceived('from [127.0.1.1] (198.51.100.5) by mx.example.net with SMTP').ip).toBe('198.51.100.5');
    expect(parseReceived('from [192.0.2.9] (helo=x) by mx.example.net').ip).toBe('192.0.2.9');
  });

  it('qmail: "(HELO ...)" is the HELO, the next group the connecting IP', () => {
    expect(parseReceived('from unknown (HELO 192.168.15.15) (203.0.113.29) by smtp.example.net with SMTP').ip).toBe('203.0.113.29');
  });

  it('Sendmail/Postfix: "(rdns [ip])"', () => {
    expect(parseReceived('from helo.example.org (rdns.example.org [198.51.100.8]) by mx.example.net').ip).toBe('198.51.100.8');
  });
});
