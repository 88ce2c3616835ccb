// Mimecast base URLs. API 2.0 has three gateways (MC-GW, 2025-06-03); API 1.0 hosts are per region
// (compiled from SWIM and public clients: UNVERIFIED table, confirm per tenant). Reference:
// shared/reference/mimecast_cofense.md §2.1.

/** API 2.0 (OAuth2) gateways. */
export const MIMECAST_API2_BASE_URLS = {
  /** Global, with automatic failover (may process data in other regions during failover). */
  global: 'https://api.services.mimecast.com',
  /** UK instance: no failover, data stays in the UK. */
  uk: 'https://uk-api.services.mimecast.com',
  /** US instance: no failover, data stays in the US. */
  us: 'https://us-api.services.mimecast.com',
} as const;

/** API 1.0 (HMAC) regional hosts. Region follows the account code prefix or the login-xx host. */
export const MIMECAST_API1_BASE_URLS = {
  us: 'https://us-api.mimecast.com',
  usb: 'https://usb-api.mimecast.com',
  uspcom: 'https://uspcom-api.mimecast-pscom-us.com',
  eu: 'https://eu-api.mimecast.com',
  de: 'https://de-api.mimecast.com',
  ca: 'https://ca-api.mimecast.com',
  za: 'https://za-api.mimecast.com',
  au: 'https://au-api.mimecast.com',
  je: 'https://je-api.mimecast.com',
  /** Discovery only (/api/login/discover-authentication). */
  discovery: 'https://api.mimecast.com',
} as const;

export type MimecastApi2Region = keyof typeof MIMECAST_API2_BASE_URLS;
export type MimecastApi1Region = keyof typeof MIMECAST_API1_BASE_URLS;

export const DEFAULT_MIMECAST_BASE_URL = MIMECAST_API2_BASE_URLS.global;

/**
 * The base URL to use: a URL is returned as is (without a trailing slash); a region name is looked
 * up in the table of the API generation in use (`uk` for API 2.0, `eu` for API 1.0, ...).
 */
export function resolveMimecastBaseUrl(value: string, generation: 'oauth' | 'hmac'): string {
  const v = value.trim();
  if (/^https?:\/\//i.test(v)) return v.replace(/\/+$/, '');
  const key = v.toLowerCase();
  const table: Record<string, string> = generation === 'oauth' ? MIMECAST_API2_BASE_URLS : MIMECAST_API1_BASE_URLS;
  const url = table[key];
  if (!url) {
    throw new Error(`unknown Mimecast ${generation === 'oauth' ? 'API 2.0' : 'API 1.0'} region ${JSON.stringify(value)}: use a URL or one of ${Object.keys(table).join(', ')}`);
  }
  return url;
}

/**
 * A warning when the host does not fit the API generation (a 1.0 regional host with OAuth, or the
 * 2.0 gateway with HMAC keys); undefined when it fits or is not a mimecast.com host (tests, proxies).
 */
export function baseUrlMismatch(baseUrl: string, generation: 'oauth' | 'hmac'): string | undefined {
  const host = new URL(baseUrl).hostname.toLowerCase();
  const v2 = host.endsWith('.services.mimecast.com');
  const v1 = !v2 && (host.endsWith('.mimecast.com') || host.endsWith('.mimecast-pscom-us.com'));
  if (generation === 'oauth' && v1) return `${host} is an API 1.0 host; API 2.0 (client id/secret) uses ${MIMECAST_API2_BASE_URLS.global} (or the uk-/us- instance)`;
  if (generation === 'hmac' && v2) return `${host} is the API 2.0 gateway; API 1.0 keys need your regional host (e.g. ${MIMECAST_API1_BASE_URLS.eu})`;
  return undefined;
}
