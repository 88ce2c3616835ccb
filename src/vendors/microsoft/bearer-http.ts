// The HTTP client for a Microsoft API called with an app-only bearer token (Graph, the Management
// Activity API): the token for one scope on every attempt, dropped on a 401, and never sent to
// another origin (a paging link that points elsewhere gets no token).
import type { Dispatcher } from 'undici';
import type { Logger } from '../../log/logger.ts';
import { HttpClient } from '../http/client.ts';
import type { HttpClientOptions } from '../http/types.ts';
import type { TokenProvider } from './auth.ts';

export interface BearerHttpOptions {
  vendor: string;
  /** Human name of the token for the refusal message ("the Graph token"). */
  tokenName: string;
  baseUrl: string;
  tokens: TokenProvider;
  scope: string;
  log: Logger;
  dispatcher?: Dispatcher;
  sleep?: (ms: number) => Promise<void>;
  http?: Partial<Omit<HttpClientOptions, 'vendor' | 'baseUrl' | 'log' | 'dispatcher' | 'authorize' | 'onUnauthorized'>>;
}

export function bearerHttpClient(o: BearerHttpOptions): HttpClient {
  const origin = new URL(o.baseUrl).origin;
  const sleep = o.sleep ?? o.http?.sleep;
  return new HttpClient({
    ...o.http,
    ...(sleep ? { sleep } : {}),
    vendor: o.vendor,
    baseUrl: o.baseUrl,
    log: o.log,
    ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
    authorize: async (req) => {
      if (req.url.origin !== origin) throw new Error(`refusing to send ${o.tokenName} to ${req.url.origin}`);
      return { authorization: `Bearer ${await o.tokens.getToken(o.scope)}` };
    },
    onUnauthorized: () => o.tokens.invalidate(o.scope),
  });
}
