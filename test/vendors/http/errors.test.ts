import { describe, expect, it } from 'vitest';
import { bodyExcerpt, operationLabel, parseVendorErrorBody, VendorError } from '../../../src/vendors/http/errors.ts';
import { Limiter } from '../../../src/vendors/http/limiter.ts';

describe('parseVendorErrorBody', () => {
  it.each([
    ['Graph', { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } }, { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' }],
    ['OData v3 message object', { error: { code: 'X', message: { lang: 'en', value: 'v3 text' } } }, { code: 'X', message: 'v3 text' }],
    ['OAuth', { error: 'invalid_grant', error_description: 'AADSTS70000: bad' }, { code: 'invalid_grant', message: 'AADSTS70000: bad' }],
    ['Mimecast', { meta: { status: 400 }, fail: [{ key: {}, errors: [{ code: 'err_xdk_binding_expired', message: 'binding expired', retryable: false }] }] }, { code: 'err_xdk_binding_expired', message: 'binding expired' }],
    ['errors[]', { errors: [{ code: 'E1', detail: 'details here' }] }, { code: 'E1', message: 'details here' }],
    ['generic message', { message: 'Cofense says no' }, { message: 'Cofense says no' }],
    ['generic code+message', { code: 42, message: 'answer' }, { code: '42', message: 'answer' }],
    ['RFC 7807', { title: 'Bad Request', detail: 'field x' }, { message: 'field x' }],
    ['not an object', 'text', {}],
    ['empty', {}, {}],
  ])('%s', (_name, body, expected) => {
    expect(parseVendorErrorBody(body)).toEqual(expected);
  });
});

describe('VendorError', () => {
  it('formats a chat-ready message and exposes readonly fields', () => {
    const e = new VendorError({ vendor: 'graph', operation: 'graph.remediate', kind: 'http', status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges', attempts: 1, requestId: 'r1' });
    expect(e.message).toBe('graph.remediate failed: HTTP 403 Forbidden (Authorization_RequestDenied): Insufficient privileges');
    expect(e.name).toBe('VendorError');
    expect(e.stack!.startsWith('VendorError: graph.remediate failed')).toBe(true);
    expect(e).toBeInstanceOf(Error);
    expect(e.detail).toBe('Insufficient privileges');
    expect(e.retryable).toBe(false);
  });

  it('prefixes a bare operation with the vendor, and a 200 carrying an error has no "HTTP 200"', () => {
    expect(operationLabel('mimecast', 'release-message')).toBe('mimecast.release-message');
    expect(operationLabel('graph', 'GET /me')).toBe('graph GET /me');
    const e = new VendorError({ vendor: 'mimecast', operation: 'release-message', kind: 'http', status: 200, code: 'err_x', message: 'not held', attempts: 1 });
    expect(e.message).toBe('mimecast.release-message failed: err_x: not held');
  });

  it('retryable by kind and status', () => {
    const mk = (kind: VendorError['kind'], status?: number) => new VendorError({ vendor: 'v', operation: 'op', kind, status, message: '', attempts: 1 });
    expect(mk('timeout').retryable).toBe(true);
    expect(mk('network').retryable).toBe(true);
    expect(mk('aborted').retryable).toBe(false);
    expect(mk('decode', 200).retryable).toBe(false);
    expect(mk('http', 429).retryable).toBe(true);
    expect(mk('http', 503).retryable).toBe(true);
    expect(mk('http', 404).retryable).toBe(false);
  });

  it('bounds the detail and redacts tokens in every field, including toJSON', () => {
    const e = new VendorError({
      vendor: 'graph',
      operation: 'op',
      kind: 'http',
      status: 400,
      message: `Bearer abcdefghijklmnop ${'x'.repeat(1000)}`,
      bodyExcerpt: '{"access_token":"abcdefghijklmnop"}',
      attempts: 1,
    });
    expect(e.message.length).toBeLessThan(400);
    const json = JSON.stringify(e);
    expect(json).not.toContain('abcdefghijklmnop');
    expect(Object.keys(e.toJSON())).toEqual(['name', 'message', 'vendor', 'operation', 'kind', 'status', 'code', 'requestId', 'attempts', 'retryAfterMs', 'retryable', 'bodyExcerpt']);
  });
});

describe('bodyExcerpt', () => {
  it('redacts secret-named JSON fields and known secret values, collapses whitespace, bounds length', () => {
    expect(bodyExcerpt('{"refresh_token":"rt-1234567","apiKey":"k-1234567","ok":1}')).toBe('{"refresh_token":"[redacted]","apiKey":"[redacted]","ok":1}');
    expect(bodyExcerpt('echo: my-own-secret-value\n\n  end', ['my-own-secret-value'])).toBe('echo: [redacted] end');
    expect(bodyExcerpt('a'.repeat(2000))!.length).toBe(500);
    expect(bodyExcerpt('')).toBeUndefined();
  });
});

describe('Limiter', () => {
  it('grants in FIFO order and frees a slot once per release', async () => {
    const l = new Limiter(1);
    const r1 = await l.acquire();
    const order: number[] = [];
    const p2 = l.acquire().then((r) => (order.push(2), r));
    const p3 = l.acquire().then((r) => (order.push(3), r));
    expect(l.waiting).toBe(2);
    r1();
    r1(); // a double release must not free a second slot
    const r2 = await p2;
    expect(l.active).toBe(1);
    expect(l.waiting).toBe(1);
    r2();
    (await p3)();
    expect(order).toEqual([2, 3]);
    expect(l.active).toBe(0);
  });

  it('rejects bad limits', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
  });
});
