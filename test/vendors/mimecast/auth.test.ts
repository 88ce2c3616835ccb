// API 1.0 HMAC signing against the public test vector (GO-MC TestAuthorizationHeader) and the
// path-form vectors of shared/reference/mimecast_cofense.md §2.3; region/base URL helpers.
import { describe, expect, it } from 'vitest';
import { hmacKeys, mcDate, signV1, v1DataToSign, v1Signature } from '../../../src/vendors/mimecast/auth.ts';
import { MIMECAST_API1_BASE_URLS, MIMECAST_API2_BASE_URLS, baseUrlMismatch, resolveMimecastBaseUrl } from '../../../src/vendors/mimecast/regions.ts';

const keys = { appId: 'app-id', appKey: 'ApplicationKey', accessKey: 'AccessKey', secretKey: Buffer.from('SecretKey').toString('base64') };

describe('API 1.0 HMAC-SHA1 signing', () => {
  it('reproduces the public test vector (GO-MC signs the full URL)', () => {
    expect(keys.secretKey).toBe('U2VjcmV0S2V5');
    const date = 'Sun, 21 Aug 2022 13:49:40 EDT';
    const reqId = '3d796b76-4180-40e5-8f7c-6e0fd643b1a9';
    const uri = 'https://us-api.mimecast.com/api/test/some-url';
    const data = v1DataToSign(date, reqId, uri, keys.appKey);
    expect(data).toBe('Sun, 21 Aug 2022 13:49:40 EDT:3d796b76-4180-40e5-8f7c-6e0fd643b1a9:https://us-api.mimecast.com/api/test/some-url:ApplicationKey');
    expect(v1Signature(keys.secretKey, data)).toBe('HlokhZ93dzw5P6xGgeveOR4JhiM=');
    expect(signV1(keys, uri, date, reqId).authorization).toBe('MC AccessKey:HlokhZ93dzw5P6xGgeveOR4JhiM=');
  });

  it('signs the path (as MC-AUTHZ specifies) and sends the exact date and request id it signed', () => {
    expect(signV1(keys, '/api/test/some-url', 'Sun, 21 Aug 2022 13:49:40 EDT', '3d796b76-4180-40e5-8f7c-6e0fd643b1a9').authorization).toBe('MC AccessKey:Phz1Ig0xLLb3cYx2LuCMFlt1CfY=');
    const h = signV1(keys, '/api/gateway/hold-release', 'Tue, 24 Nov 2015 12:50:11 UTC', '8578FCFC-A305-4D9A-99CB-F4D5ECEFE297');
    expect(h).toEqual({
      authorization: 'MC AccessKey:Pd0nVL0RBA4GoM+HjauFPsP2gGI=',
      'x-mc-app-id': 'app-id',
      'x-mc-date': 'Tue, 24 Nov 2015 12:50:11 UTC',
      'x-mc-req-id': '8578FCFC-A305-4D9A-99CB-F4D5ECEFE297',
    });
  });

  it('formats x-mc-date as RFC 1123 in UTC and generates a fresh request id per call', () => {
    expect(mcDate(new Date(Date.UTC(2015, 10, 24, 12, 50, 11)))).toBe('Tue, 24 Nov 2015 12:50:11 UTC');
    const a = signV1(keys, '/api/x');
    const b = signV1(keys, '/api/x');
    expect(a['x-mc-req-id']).not.toBe(b['x-mc-req-id']);
    expect(a['x-mc-req-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts the secret key as secretKey or secret (the config module name)', () => {
    expect(hmacKeys({ kind: 'hmac', appId: 'a', appKey: 'b', accessKey: 'c', secret: 'ZA==' }).secretKey).toBe('ZA==');
    expect(hmacKeys({ kind: 'hmac', appId: 'a', appKey: 'b', accessKey: 'c', secretKey: 'ZQ==' }).secretKey).toBe('ZQ==');
  });
});

describe('base URLs', () => {
  it('resolves region names per API generation and keeps URLs', () => {
    expect(resolveMimecastBaseUrl('uk', 'oauth')).toBe(MIMECAST_API2_BASE_URLS.uk);
    expect(resolveMimecastBaseUrl('global', 'oauth')).toBe('https://api.services.mimecast.com');
    expect(resolveMimecastBaseUrl('eu', 'hmac')).toBe(MIMECAST_API1_BASE_URLS.eu);
    expect(resolveMimecastBaseUrl('https://de-api.mimecast.com/', 'hmac')).toBe('https://de-api.mimecast.com');
    expect(() => resolveMimecastBaseUrl('eu', 'oauth')).toThrow(/unknown Mimecast API 2.0 region "eu": use a URL or one of global, uk, us/);
  });

  it('warns about a host of the other API generation', () => {
    expect(baseUrlMismatch('https://eu-api.mimecast.com', 'oauth')).toMatch(/API 1.0 host/);
    expect(baseUrlMismatch('https://api.services.mimecast.com', 'hmac')).toMatch(/API 2.0 gateway/);
    expect(baseUrlMismatch('https://us-api.services.mimecast.com', 'oauth')).toBeUndefined();
    expect(baseUrlMismatch('http://127.0.0.1:4000', 'hmac')).toBeUndefined();
  });
});
