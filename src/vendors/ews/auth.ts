// How the EWS client proves who it is.
// - Basic (Exchange Server on-prem): the service account's user name and password, sent only over
//   TLS (a plain-http EWS_URL is refused unless it points at this machine, e.g. the sandbox).
// - OAuth bearer (Exchange Online while EWS is still allowed there, or on-prem with Hybrid Modern
//   Auth): an app token for `https://<host>/.default` from the shared Microsoft token provider.
//   App-only EWS must impersonate the mailbox it works on (the client adds the header).
// NTLM is not implemented: it authenticates a TCP connection, not a request (a 3-message
// handshake that must stay on one kept-alive socket), which the shared HTTP layer's pooled
// undici requests do not guarantee, and NTLMv2 needs MD4, which OpenSSL 3 (Node 17+) no longer
// offers by default. Exchange Server accepts Basic over TLS or OAuth on the EWS virtual directory.
import type { Authorizer } from '../http/types.ts';
import type { TokenProvider } from '../microsoft/auth.ts';

export type EwsAuth =
  | { kind: 'basic'; username: string; password: string }
  | {
      kind: 'oauth';
      tokens: TokenProvider;
      /** Token scope; default `${EWS origin}/.default` (https://outlook.office365.com/.default for Exchange Online). */
      scope?: string;
    };

export interface EwsAuthorizer {
  authorize: Authorizer;
  onUnauthorized?: () => void;
  /** The OAuth scope in use (undefined for Basic). */
  scope?: string;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

export function ewsAuthorizer(auth: EwsAuth, baseUrl: URL): EwsAuthorizer {
  if (auth.kind === 'basic') {
    if (!auth.username) throw new Error('EWS Basic authentication needs a user name (EWS_USERNAME)');
    if (!auth.password) throw new Error('EWS Basic authentication needs a password (EWS_PASSWORD)');
    if (baseUrl.protocol !== 'https:' && !LOOPBACK.test(baseUrl.hostname)) {
      throw new Error(`EWS_URL must use https: Basic authentication would send the password in clear text to ${baseUrl.host}`);
    }
    const header = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    return { authorize: async () => ({ authorization: header }) };
  }
  const scope = auth.scope ?? `${baseUrl.origin}/.default`;
  const tokens = auth.tokens;
  return {
    scope,
    authorize: async () => ({ authorization: `Bearer ${await tokens.getToken(scope)}` }),
    onUnauthorized: () => tokens.invalidate(scope),
  };
}
