// App-only Microsoft identity tokens (client credentials) for Graph, the Management Activity API
// and EWS OAuth, on the real SDK (@azure/msal-node ConfidentialClientApplication).
//
// - One ConfidentialClientApplication, and so one MSAL in-memory token cache, per (tenant, scope):
//   `getToken('https://graph.microsoft.com/.default')`. MSAL answers from its cache until 5 min
//   before expiry; `invalidate(scope)` (after a 401) makes the next call skip the cache.
// - For ANY login URL we pass `knownAuthorities` and `authorityMetadata` built from the standard
//   endpoint layout, so MSAL never calls the hard-coded instance discovery host
//   (login.microsoftonline.com/common/discovery/instance): national clouds and local fakes work
//   offline (shared/reference/spike-slack-msal.md §4).
// - MSAL uses global fetch for the token endpoint (not our HttpClient); `networkClient` is the seam.
// - MSAL errors become VendorError with a secret-free message (no secret, no client assertion).
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import type { Configuration, INetworkModule } from '@azure/msal-node';
import type { Logger } from '../../log/logger.ts';
import { redactText } from '../../log/redact.ts';
import { VendorError, scrubSecrets } from '../http/errors.ts';
import type { VendorErrorKind } from '../http/types.ts';

export const DEFAULT_LOGIN_URL = 'https://login.microsoftonline.com';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** Anything that hands out bearer tokens per resource scope (GraphClient, EWS, Management API use this). */
export interface TokenProvider {
  getToken(scope: string): Promise<string>;
  /** Drop the cached token for `scope` (called on a 401); the next getToken goes to the network. */
  invalidate(scope: string): void;
}

export interface MicrosoftAuthOptions {
  tenantId: string;
  clientId: string;
  /** Client secret (M365_CLIENT_SECRET). Exactly one of clientSecret / certificatePath / certificatePem. */
  clientSecret?: string;
  /** PEM file with the private key and the certificate (M365_CERTIFICATE_PATH). */
  certificatePath?: string;
  /** The same PEM content, already loaded. */
  certificatePem?: string;
  /** Passphrase when the PEM's private key is encrypted. */
  certificatePassphrase?: string;
  /** M365_LOGIN_URL (default https://login.microsoftonline.com). */
  loginUrl?: string;
  log: Logger;
  /** Replaces MSAL's fetch-based network module (proxies, tests). */
  networkClient?: INetworkModule;
}

export interface CertificateCredential {
  /** Hex SHA-256 thumbprint of the leaf certificate's DER (upper-case, no colons). */
  thumbprintSha256: string;
  /** PKCS#8 PEM private key (decrypted). */
  privateKey: string;
  /** The certificate chain PEM (leaf first) sent as the assertion's x5c header. */
  x5c: string;
  /** The leaf certificate's expiry, for health checks. */
  notAfter: Date;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/**
 * Parses a PEM holding a private key and one or more certificates (leaf first), as exported from
 * an Entra app certificate. Bag attributes and CRLF noise are dropped (they cause AADSTS700027).
 */
export function loadCertificateCredential(pem: string, passphrase?: string): CertificateCredential {
  const text = pem.replace(/\r\n?/g, '\n');
  const certs = (text.match(CERT_BLOCK) ?? []).map((c) => c.trim());
  const keyPem = text.match(KEY_BLOCK)?.[0];
  const leafPem = certs[0];
  if (!leafPem) throw new Error('certificate PEM contains no "BEGIN CERTIFICATE" block');
  if (!keyPem) throw new Error('certificate PEM contains no private key block');
  let key;
  try {
    key = createPrivateKey(passphrase === undefined ? { key: keyPem } : { key: keyPem, passphrase });
  } catch (err) {
    throw new Error(`certificate PEM: cannot read the private key (${(err as Error).message.split('\n')[0]}; encrypted keys need a passphrase)`);
  }
  const leaf = new X509Certificate(leafPem);
  if (!leaf.checkPrivateKey(key)) throw new Error('certificate PEM: the private key does not match the first certificate');
  return {
    thumbprintSha256: leaf.fingerprint256.replace(/:/g, '').toUpperCase(),
    privateKey: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
    x5c: certs.join('\n'),
    notAfter: new Date(leaf.validTo),
  };
}

/** The standard Entra v2 endpoint layout under `${loginUrl}/${tenant}` (what discovery would return). */
export function authorityMetadataFor(loginUrl: string, tenantId: string): Record<string, string> {
  const base = `${trimSlash(loginUrl)}/${encodeURIComponent(tenantId)}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    issuer: `${base}/v2.0`,
  };
}

/** The MSAL configuration (exported for tests and diagnostics; holds the secret, never log it). */
export function msalConfiguration(opts: MicrosoftAuthOptions, cert?: CertificateCredential): Configuration {
  const loginUrl = trimSlash(opts.loginUrl ?? DEFAULT_LOGIN_URL);
  const host = new URL(loginUrl).host;
  const log = opts.log;
  return {
    auth: {
      clientId: opts.clientId,
      authority: `${loginUrl}/${encodeURIComponent(opts.tenantId)}`,
      knownAuthorities: [host],
      authorityMetadata: JSON.stringify(authorityMetadataFor(loginUrl, opts.tenantId)),
      ...(cert
        ? { clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKey, x5c: cert.x5c } }
        : { clientSecret: opts.clientSecret }),
    },
    system: {
      ...(opts.networkClient ? { networkClient: opts.networkClient } : {}),
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message, containsPii) => {
          if (containsPii) return;
          // MSAL warns on every client-credentials token ("No client info in response") and its
          // errors are thrown to us anyway (and wrapped): keep both out of the default log level.
          const msg = redactText(message);
          if (level === LogLevel.Error) log.warn({ vendor: 'microsoft-identity' }, msg);
          else log.debug({ vendor: 'microsoft-identity' }, msg);
        },
      },
    },
  };
}

interface ScopeState {
  cca: ConfidentialClientApplication;
  skipCache: boolean;
  inflight?: Promise<string>;
}

export class MicrosoftTokenProvider implements TokenProvider {
  readonly tenantId: string;
  readonly clientId: string;
  readonly loginUrl: string;
  readonly credentialType: 'secret' | 'certificate';
  readonly certificate?: Omit<CertificateCredential, 'privateKey'>;
  readonly #opts: MicrosoftAuthOptions;
  readonly #cert?: CertificateCredential;
  readonly #scopes = new Map<string, ScopeState>();
  readonly #secrets: string[];

  constructor(opts: MicrosoftAuthOptions) {
    if (!opts.tenantId) throw new Error('Microsoft identity: tenantId is required (M365_TENANT_ID)');
    if (!opts.clientId) throw new Error('Microsoft identity: clientId is required (M365_CLIENT_ID)');
    const pem = opts.certificatePem ?? (opts.certificatePath ? readFileSync(opts.certificatePath, 'utf8') : undefined);
    if (Boolean(opts.clientSecret) === Boolean(pem)) {
      throw new Error('Microsoft identity: set exactly one of a client secret (M365_CLIENT_SECRET) or a certificate (M365_CERTIFICATE_PATH)');
    }
    this.#opts = opts;
    this.tenantId = opts.tenantId;
    this.clientId = opts.clientId;
    this.loginUrl = trimSlash(opts.loginUrl ?? DEFAULT_LOGIN_URL);
    new URL(this.loginUrl); // fail early on a malformed M365_LOGIN_URL
    if (pem) {
      this.#cert = loadCertificateCredential(pem, opts.certificatePassphrase);
      const { privateKey: _pk, ...pub } = this.#cert;
      this.certificate = pub;
      this.credentialType = 'certificate';
      this.#secrets = [this.#cert.privateKey];
    } else {
      this.credentialType = 'secret';
      this.#secrets = [opts.clientSecret ?? ''];
    }
  }

  getToken(scope: string): Promise<string> {
    const state = this.#state(scope);
    // Single flight: concurrent callers share one token request per scope.
    if (state.inflight) return state.inflight;
    const p = this.#acquire(scope, state).finally(() => {
      if (state.inflight === p) state.inflight = undefined;
    });
    state.inflight = p;
    return p;
  }

  invalidate(scope: string): void {
    const state = this.#scopes.get(scope);
    if (state) state.skipCache = true;
  }

  async #acquire(scope: string, state: ScopeState): Promise<string> {
    const skipCache = state.skipCache;
    let result;
    try {
      result = await state.cca.acquireTokenByClientCredential({ scopes: [scope], skipCache });
    } catch (err) {
      throw this.#wrap(err, scope);
    }
    if (!result?.accessToken) {
      throw new VendorError({ vendor: 'microsoft-identity', operation: 'token', kind: 'decode', message: `no access token returned for ${scope}`, attempts: 1 });
    }
    if (skipCache) state.skipCache = false;
    if (!result.fromCache) {
      this.#opts.log.debug({ vendor: 'microsoft-identity', scope, expiresOn: result.expiresOn?.toISOString() }, 'acquired app token');
    }
    return result.accessToken;
  }

  #state(scope: string): ScopeState {
    let state = this.#scopes.get(scope);
    if (!state) {
      state = { cca: new ConfidentialClientApplication(msalConfiguration(this.#opts, this.#cert)), skipCache: false };
      this.#scopes.set(scope, state);
    }
    return state;
  }

  #wrap(err: unknown, scope: string): VendorError {
    const e = err as { errorCode?: unknown; errorMessage?: unknown; subError?: unknown; status?: unknown; errorNo?: unknown; message?: unknown; name?: unknown };
    const code = typeof e.errorCode === 'string' && e.errorCode ? e.errorCode : undefined;
    const raw = typeof e.errorMessage === 'string' && e.errorMessage ? e.errorMessage : typeof e.message === 'string' ? e.message : String(err);
    // Remove anything that looks like a JWT (a client assertion) and any known secret value.
    const scrubbed = scrubSecrets(redactText(raw), this.#secrets).replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted]');
    // Entra errors arrive as "Error(s): 7000215 - Timestamp: … - Description: AADSTS7000215: Invalid
    // client secret provided. Trace ID: … Correlation ID: …": keep the AADSTS sentence and the trace id.
    const aad = /(AADSTS\d+:[\s\S]*?)(?=\s+Trace ID:|\s+Correlation ID:|\s+-\s+[A-Z][a-z]+ ?[A-Za-z]*:|$)/.exec(scrubbed)?.[1];
    const traceId = /Trace ID:\s*([0-9a-f-]{36})/i.exec(scrubbed)?.[1];
    const detail = aad ? `${aad.trim()}${traceId ? ` (trace id ${traceId})` : ''}` : (scrubbed.split('\n')[0] ?? '');
    const status = typeof e.status === 'number' ? e.status : undefined;
    let kind: VendorErrorKind = 'decode';
    if (status !== undefined || e.name === 'ServerError') kind = 'http';
    else if (code === undefined || /network|endpoints_resolution|fetch/i.test(code)) kind = 'network';
    return new VendorError({
      vendor: 'microsoft-identity',
      operation: 'token',
      kind,
      ...(status !== undefined ? { status } : {}),
      ...(code ? { code } : {}),
      message: `${detail} (tenant ${this.tenantId}, scope ${scope})`,
      attempts: 1,
    });
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
