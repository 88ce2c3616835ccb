// Microsoft token provider (real @azure/msal-node) against the Graph simulator over TLS.
import { createHash, X509Certificate } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../../src/log/logger.ts';
import { startGraphSimulator } from '../../../src/sandbox/graph-simulator.ts';
import type { GraphSimulator } from '../../../src/sandbox/graph-simulator.ts';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { authorityMetadataFor, loadCertificateCredential, MicrosoftTokenProvider, msalConfiguration } from '../../../src/vendors/microsoft/auth.ts';
import { trustTestCa } from '../../helpers/tls.ts';

const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'sim-client-secret-Zq8~value';
const SCOPE = 'https://graph.microsoft.com/.default';

const t = trustTestCa();
let sim: GraphSimulator;

// Every host global fetch (MSAL's transport) contacts during a test.
let fetchedHosts: string[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  sim = await startGraphSimulator({ tls: { key: t.key, cert: t.cert }, clientId: CLIENT_ID, clientSecret: SECRET, clientCertificate: t.clientCert });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  fetchedHosts = [];
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    fetchedHosts.push(new URL(url).host);
    return realFetch(input, init);
  }) as typeof fetch;
  sim.requests.length = 0;
});
afterEach(() => {
  globalThis.fetch = realFetch;
});

const simHost = () => new URL(sim.url).host;

describe('MicrosoftTokenProvider', () => {
  it('gets a token with a client secret; the only host contacted is the simulator; the second call is cached', async () => {
    const p = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, clientSecret: SECRET, loginUrl: sim.loginUrl, log: silentLogger() });
    const tok = await p.getToken(SCOPE);
    expect(tok).toMatch(/^sim\./);

    const reqs = sim.tokenRequests();
    expect(reqs).toHaveLength(1);
    const r = reqs[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe(`/${sim.tenantId}/oauth2/v2.0/token`);
    expect(r.form).toMatchObject({ grant_type: 'client_credentials', client_id: CLIENT_ID, scope: SCOPE, client_secret: '[redacted]' });
    expect(r.tokenRequest?.credential).toBe('secret');
    // No discovery, no instance metadata call: exactly one request, to the simulator only.
    expect(sim.requests).toHaveLength(1);
    expect(new Set(fetchedHosts)).toEqual(new Set([simHost()]));

    // Cached: no network for the same scope.
    const again = await p.getToken(SCOPE);
    expect(again).toBe(tok);
    expect(sim.tokenRequests()).toHaveLength(1);
    expect(fetchedHosts).toHaveLength(1);
  });

  it('gets a token with a certificate (PS256 assertion with x5t#S256 and x5c, checked by the simulator)', async () => {
    const p = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, certificatePath: t.clientPemPath, loginUrl: sim.loginUrl, log: silentLogger() });
    expect(p.credentialType).toBe('certificate');
    const tok = await p.getToken(SCOPE);
    expect(tok).toMatch(/^sim\./);

    const r = sim.tokenRequests()[0]!;
    expect(r.status).toBe(200);
    expect(r.form).toMatchObject({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      scope: SCOPE,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: '[redacted]',
    });
    expect(r.form?.client_secret).toBeUndefined();
    const der = new X509Certificate(t.clientCert).raw;
    expect(r.tokenRequest?.assertionHeader).toMatchObject({ alg: 'PS256', 'x5t#S256': createHash('sha256').update(der).digest('base64url') });
    expect(r.tokenRequest?.assertionHeader?.x5c).toBeDefined();
    expect(r.tokenRequest?.assertionClaims).toMatchObject({ iss: CLIENT_ID, sub: CLIENT_ID, aud: `${sim.loginUrl}/${sim.tenantId}/oauth2/v2.0/token` });
    expect(sim.requests).toHaveLength(1);
    expect(new Set(fetchedHosts)).toEqual(new Set([simHost()]));
  });

  it('keeps one cache per scope, and invalidate(scope) forces the next call to the network', async () => {
    const p = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, clientSecret: SECRET, loginUrl: sim.loginUrl, log: silentLogger() });
    const a = await p.getToken(SCOPE);
    const b = await p.getToken('https://outlook.office365.com/.default');
    expect(b).not.toBe(a);
    expect(sim.tokenRequests().map((r) => r.form?.scope)).toEqual([SCOPE, 'https://outlook.office365.com/.default']);

    p.invalidate(SCOPE);
    const c = await p.getToken(SCOPE);
    expect(c).not.toBe(a);
    expect(sim.tokenRequests()).toHaveLength(3);
    // and cached again afterwards
    expect(await p.getToken(SCOPE)).toBe(c);
    expect(await p.getToken('https://outlook.office365.com/.default')).toBe(b);
    expect(sim.tokenRequests()).toHaveLength(3);
  });

  it('shares one token request between concurrent callers', async () => {
    const p = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, clientSecret: SECRET, loginUrl: sim.loginUrl, log: silentLogger() });
    const tokens = await Promise.all(Array.from({ length: 5 }, () => p.getToken(SCOPE)));
    expect(new Set(tokens).size).toBe(1);
    expect(sim.tokenRequests()).toHaveLength(1);
  });

  it('wraps MSAL errors into a VendorError without the secret', async () => {
    const chunks: string[] = [];
    const log = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }) });
    const wrong = 'wrong-secret-value-1234567';
    const p = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, clientSecret: wrong, loginUrl: sim.loginUrl, log });
    const err = await p.getToken(SCOPE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorError);
    const ve = err as VendorError;
    expect(ve.vendor).toBe('microsoft-identity');
    expect(ve.code).toBe('invalid_client');
    expect(ve.message).toMatch(/AADSTS7000215/);
    expect(ve.message).not.toContain(wrong);
    expect(JSON.stringify(ve.toJSON())).not.toContain(wrong);
    expect(chunks.join('')).not.toContain(wrong);
  });

  it('gives a short Entra message (AADSTS sentence and trace id)', async () => {
    const p = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, clientSecret: 'nope-nope-nope', loginUrl: sim.loginUrl, log: silentLogger() });
    const err = (await p.getToken(SCOPE).catch((e: unknown) => e)) as VendorError;
    expect(err.message).toMatch(/^microsoft-identity\.token failed: HTTP 401 Unauthorized \(invalid_client\): AADSTS7000215: Invalid client secret provided\. \(trace id [0-9a-f-]{36}\) \(tenant /);
  });

  it('rejects a certificate the app does not know (thumbprint checked by the simulator)', async () => {
    const p = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, certificatePem: `${t.key}\n${t.cert}`, loginUrl: sim.loginUrl, log: silentLogger() });
    const err = (await p.getToken(SCOPE).catch((e: unknown) => e)) as VendorError;
    expect(err).toBeInstanceOf(VendorError);
    expect(err.message).toMatch(/AADSTS700027/);
    expect(err.message).not.toMatch(/eyJ/);
  });

  it('maps an unreachable login URL to a network VendorError', async () => {
    const p = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, clientSecret: SECRET, loginUrl: 'https://127.0.0.1:1', log: silentLogger() });
    const err = (await p.getToken(SCOPE).catch((e: unknown) => e)) as VendorError;
    expect(err).toBeInstanceOf(VendorError);
    expect(err.kind).toBe('network');
    expect(err.message).not.toContain(SECRET);
    expect(fetchedHosts.every((h) => h === '127.0.0.1:1')).toBe(true);
  });

  it('reports an unknown tenant clearly', async () => {
    const p = new MicrosoftTokenProvider({ tenantId: 'not-a-tenant', clientId: CLIENT_ID, clientSecret: SECRET, loginUrl: sim.loginUrl, log: silentLogger() });
    await expect(p.getToken(SCOPE)).rejects.toThrow(/AADSTS90002/);
    expect(new Set(fetchedHosts)).toEqual(new Set([simHost()]));
  });

  it('requires exactly one credential', () => {
    expect(() => new MicrosoftTokenProvider({ tenantId: 't', clientId: 'c', log: silentLogger() })).toThrow(/exactly one/);
    expect(() => new MicrosoftTokenProvider({ tenantId: 't', clientId: 'c', clientSecret: 's', certificatePem: t.clientPem, log: silentLogger() })).toThrow(/exactly one/);
  });
});

describe('certificate and authority configuration', () => {
  it('computes the SHA-256 thumbprint of the certificate DER and a PKCS#8 key from a combined PEM', () => {
    const c = loadCertificateCredential(`Bag Attributes\r\n    localKeyID: 01\r\n${t.clientPem.replace(/\n/g, '\r\n')}`);
    const expected = createHash('sha256').update(new X509Certificate(t.clientCert).raw).digest('hex').toUpperCase();
    expect(c.thumbprintSha256).toBe(expected);
    expect(c.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(c.x5c).toContain('BEGIN CERTIFICATE');
    expect(c.x5c).not.toContain('\r');
    expect(() => loadCertificateCredential(t.clientCert)).toThrow(/no private key/);
  });

  it('sets knownAuthorities and authorityMetadata for any login URL (national clouds never hit instance discovery)', () => {
    const cfg = msalConfiguration({ tenantId: 'contoso.onmicrosoft.us', clientId: 'c', clientSecret: 's', loginUrl: 'https://login.microsoftonline.us/', log: silentLogger() });
    expect(cfg.auth.authority).toBe('https://login.microsoftonline.us/contoso.onmicrosoft.us');
    expect(cfg.auth.knownAuthorities).toEqual(['login.microsoftonline.us']);
    expect(JSON.parse(cfg.auth.authorityMetadata!)).toEqual(authorityMetadataFor('https://login.microsoftonline.us', 'contoso.onmicrosoft.us'));
    expect(JSON.parse(cfg.auth.authorityMetadata!).token_endpoint).toBe('https://login.microsoftonline.us/contoso.onmicrosoft.us/oauth2/v2.0/token');
  });
});
