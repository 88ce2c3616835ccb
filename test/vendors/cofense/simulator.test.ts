// The Cofense simulator itself: bearer checks, token endpoint errors, recording without secrets,
// search matching, failNext, and zips that real unzip tools accept (ZipCrypto round trip).
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { makeZip, startCofenseSimulator, zipEntries } from '../../../src/sandbox/cofense-simulator.ts';
import type { CofenseSimulator } from '../../../src/sandbox/cofense-simulator.ts';

let sim: CofenseSimulator;
afterEach(async () => {
  await sim?.close();
});

const form = (o: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o).toString() });
const token = async (): Promise<string> => {
  const r = await fetch(`${sim.url}/uaa/oauth/token`, form({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }));
  return ((await r.json()) as { access_token: string }).access_token;
};

describe('cofense simulator', () => {
  it('answers 401 in the UAA shape without a token or with a token it did not issue', async () => {
    sim = await startCofenseSimulator();
    const none = await fetch(`${sim.url}/api/v4/searches`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'unauthorized', error_description: 'Full authentication is required to access this resource' });
    const forged = await fetch(`${sim.url}/api/v4/searches`, { headers: { authorization: 'Bearer forged-token-value' } });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({ error: 'invalid_token', error_description: 'Invalid access token' });
    expect(sim.requests.map((r) => [r.hasBearer, r.bearerValid, r.headers.authorization])).toEqual([
      [false, false, undefined],
      [true, false, undefined],
    ]);
    const ok = await fetch(`${sim.url}/api/v4/searches`, { headers: { authorization: `Bearer ${await token()}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ searches: [] });
  });

  it('expires tokens by its clock', async () => {
    let now = Date.parse('2026-11-22T10:00:00Z');
    sim = await startCofenseSimulator({ now: () => new Date(now), tokenLifetimeSec: 100 });
    const t = await token();
    now += 101_000;
    const r = await fetch(`${sim.url}/api/v4/searches`, { headers: { authorization: `Bearer ${t}` } });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ error: 'invalid_token', error_description: 'Access token expired' });
  });

  it('token endpoint: bad credentials, wrong grant type; the secret is never recorded', async () => {
    sim = await startCofenseSimulator({ clientSecret: 'the-real-secret' });
    const bad = await fetch(`${sim.url}/uaa/oauth/token`, form({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: 'nope' }));
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'unauthorized', error_description: 'Bad credentials' });
    const grant = await fetch(`${sim.url}/uaa/oauth/token`, form({ grant_type: 'password', client_id: sim.clientId, client_secret: 'the-real-secret' }));
    expect(grant.status).toBe(400);
    const basic = await fetch(`${sim.url}/uaa/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${sim.clientId}:the-real-secret`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(basic.status).toBe(200);
    expect(JSON.stringify(sim.requests)).not.toContain('the-real-secret');
    expect(sim.tokenRequests()[0]!.form).toEqual({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: '[redacted]' });
  });

  it('searches match the sample messages; failNext overrides the next matching request', async () => {
    sim = await startCofenseSimulator();
    const auth = { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' };
    const create = async (body: unknown) => (await (await fetch(`${sim.url}/api/v4/searches`, { method: 'POST', headers: auth, body: JSON.stringify(body) })).json()) as { id: number };
    const results = async (id: number) => ((await (await fetch(`${sim.url}/api/v4/searches/${id}/results`, { headers: auth })).json()) as { messages: { id: number }[] }).messages.map((m) => m.id);

    expect(await results((await create({ senders: ['billing@invoices.example.org'] })).id)).toEqual([1002]);
    expect(await results((await create({ recipient: 'bob@*' })).id)).toEqual([1001, 1003]);
    expect(await results((await create({ url: 'https://*.example.net/*' })).id)).toEqual([1001]);
    expect(await results((await create({ headers: [{ key: 'x-originating-ip', values: ['198.51.100.7'] }] })).id)).toEqual([1002]);
    expect(await results((await create({ attachmentMimeTypes: ['text/html'], subjects: ['invoice'] })).id)).toEqual([1002]);
    expect(await results((await create({ domainCriteria: { type: 'ALL', domains: ['example.net', 'example.org'] } })).id)).toEqual([]);

    const tooMany = await fetch(`${sim.url}/api/v4/searches`, { method: 'POST', headers: auth, body: JSON.stringify({ senders: ['a', 'b', 'c', 'd'] }) });
    expect(tooMany.status).toBe(422);
    expect(await tooMany.json()).toEqual({ status: 'UNPROCESSABLE_ENTITY', message: 'Validation failed for request data', details: ['senders: size must be between 0 and 3'] });

    sim.failNext({ method: 'GET', path: '/results' }, { status: 503, body: 'maintenance' });
    const failed = await fetch(`${sim.url}/api/v4/searches/1/results`, { headers: auth });
    expect([failed.status, await failed.text()]).toEqual([503, 'maintenance']);
    expect((await fetch(`${sim.url}/api/v4/searches/1/results`, { headers: auth })).status).toBe(200);
  });

  it('requires the IOC source header with valid characters', async () => {
    sim = await startCofenseSimulator();
    const auth = { authorization: `Bearer ${await token()}` };
    const missing = await fetch(`${sim.url}/iocrepository/v1/iocs`, { headers: auth });
    expect(missing.status).toBe(422);
    const bad = await fetch(`${sim.url}/iocrepository/v1/iocs`, { headers: { ...auth, 'x-cofense-ioc-source': 'a b' } });
    expect(await bad.json()).toEqual({ status: 'UNPROCESSABLE_ENTITY', message: 'Validation failed for request data', details: ['X-Cofense-IOC-Source must only have alphanumeric characters and - . _ ~'] });
  });

  it('makes zips: stored entries, and ZipCrypto with a password (decrypts back)', () => {
    const data = Buffer.from('Subject: hello\r\n\r\nbody\r\n');
    const plain = makeZip([{ name: 'm.eml', data }], undefined, new Date('2026-11-22T10:00:00Z'));
    expect(plain.subarray(0, 4).toString('hex')).toBe('504b0304');
    expect(zipEntries(plain)).toEqual([{ name: 'm.eml', encrypted: false, size: data.length }]);
    expect(plain.subarray(30 + 5, 30 + 5 + data.length).equals(data)).toBe(true);

    const enc = makeZip([{ name: 'm.eml', data }], 'infected', new Date('2026-11-22T10:00:00Z'));
    expect(zipEntries(enc)).toEqual([{ name: 'm.eml', encrypted: true, size: data.length }]);
    const payload = enc.subarray(30 + 5, 30 + 5 + 12 + data.length);
    const out = zipDecrypt(payload, 'infected');
    expect(out[11]).toBe(crc32(data) >>> 24); // the password check byte
    expect(out.subarray(12).equals(data)).toBe(true);
  });
});

/** Traditional PKWARE decryption, written independently of the simulator's encryptor. */
function zipDecrypt(buf: Buffer, password: string): Buffer {
  const table: number[] = [];
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table.push(c >>> 0);
  }
  const crc = (c: number, b: number) => (table[(c ^ b) & 0xff]! ^ (c >>> 8)) >>> 0;
  const keys = [0x12345678, 0x23456789, 0x34567890];
  const update = (b: number) => {
    keys[0] = crc(keys[0]!, b);
    keys[1] = (Number((BigInt(keys[1]! + (keys[0] & 0xff)) * 134775813n + 1n) & 0xffffffffn)) >>> 0;
    keys[2] = crc(keys[2]!, keys[1] >>> 24);
  };
  for (const b of Buffer.from(password)) update(b);
  const out = Buffer.alloc(buf.length);
  for (let i = 0; i < buf.length; i++) {
    const t = (keys[2]! | 2) & 0xffff;
    const k = Number((BigInt(t) * BigInt(t ^ 1)) >> 8n) & 0xff;
    out[i] = buf[i]! ^ k;
    update(out[i]!);
  }
  return out;
}
