// Shared fixtures for the configuration tests: complete, valid variable sets per part, and a
// loader over an in-memory file system (so a developer's own .env never leaks into a test).
import { ConfigError, loadConfig, type LoadedConfig } from '../../src/config/load.ts';

export const CWD = '/srv/hookline';

export const GUID_A = '11111111-2222-3333-4444-555555555555';
export const GUID_B = '66666666-7777-8888-9999-000000000000';

export const SLACK = { SLACK_BOT_TOKEN: 'xoxb-1111-2222-slackbot', SLACK_SIGNING_SECRET: 'slack-signing-secret-value' };
export const TEAMS = { TEAMS_CLIENT_ID: GUID_A, TEAMS_CLIENT_SECRET: 'teams-client-secret-value', TEAMS_TENANT_ID: GUID_B };
export const M365 = { M365_TENANT_ID: GUID_B, M365_CLIENT_ID: GUID_A, M365_CLIENT_SECRET: 'm365-client-secret-value' };
export const EWS = { EWS_URL: 'https://mail.contoso.com/EWS/Exchange.asmx', EWS_USERNAME: 'svc-hookline@contoso.com', EWS_PASSWORD: 'ews-password-value' };
export const MIMECAST2 = { MIMECAST_CLIENT_ID: 'mc-client-id', MIMECAST_CLIENT_SECRET: 'mc-client-secret-value' };
export const MIMECAST1 = {
  MIMECAST_BASE_URL: 'https://eu-api.mimecast.com',
  MIMECAST_APP_ID: 'mc-app-id',
  MIMECAST_APP_KEY: 'mc-app-key-value',
  MIMECAST_ACCESS_KEY: 'mc-access-key-value',
  MIMECAST_SECRET_KEY: 'c2VjcmV0LWtleS12YWx1ZQ==',
};
export const COFENSE = { COFENSE_BASE_URL: 'https://vision.contoso.com', COFENSE_CLIENT_ID: 'cofense-id', COFENSE_CLIENT_SECRET: 'cofense-secret-value' };

export const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

export interface FakeFs {
  files?: Record<string, string>;
  dirs?: string[];
}

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file ${path}`), { code: 'ENOENT' });
}

export function load(env: Record<string, string | undefined>, fs: FakeFs = {}): LoadedConfig {
  const files = fs.files ?? {};
  const dirs = new Set(fs.dirs ?? []);
  return loadConfig(env, {
    cwd: CWD,
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw enoent(p);
      return text;
    },
    statPath: (p) => (dirs.has(p) ? 'directory' : p in files ? 'file' : undefined),
  });
}

/** The ConfigError loading throws (fails the test when it does not throw one). */
export function failure(env: Record<string, string | undefined>, fs: FakeFs = {}): ConfigError {
  try {
    load(env, fs);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

/** The problem keys of a failure, for compact assertions. */
export const keysOf = (err: ConfigError): string[] => err.problems.map((p) => p.key);

export const messageFor = (err: ConfigError, key: string): string | undefined => err.problems.find((p) => p.key === key)?.message;
