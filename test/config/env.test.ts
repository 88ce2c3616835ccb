import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ENV_DOCS, ENV_NAMES, SECRET_ENV_NAMES, envSchema } from '../../src/config/env.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log/logger.ts';
import { isSecretName } from '../../src/log/redact.ts';
import { COFENSE, CWD, EWS, GUID_A, GUID_B, M365, MIMECAST1, MIMECAST2, PEM, SLACK, TEAMS, failure, keysOf, load, messageFor } from './helpers.ts';

describe('defaults', () => {
  it('an empty environment is a valid sandbox with every default', () => {
    const { config, policySource, warnings } = load({});
    expect(config.server).toEqual({ port: 3000, host: '127.0.0.1', loopback: true });
    expect(config.database).toEqual({ kind: 'sqlite', path: `${CWD}/data/hookline.db` });
    expect(config.database.url).toBe('sqlite:data/hookline.db');
    expect(config.ingest).toEqual({ maxBytes: 25 * 1024 * 1024 });
    expect(config.dryRun).toBe(false);
    expect(config.logLevel).toBe('info');
    expect(config.sandbox).toBe(true);
    for (const part of ['slack', 'teams', 'm365', 'ews', 'mimecast', 'cofense', 'policyPath'] as const) expect(config[part]).toBeUndefined();
    expect(policySource).toBe('built-in default (deny all)');
    expect(warnings).toEqual([]);
  });

  it('fills the documented defaults of each part', () => {
    const { config } = load({ ...SLACK, ...M365, ...MIMECAST2 });
    expect(config.sandbox).toBe(false);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.loopback).toBe(false);
    expect(config.slack).toEqual({ botToken: SLACK.SLACK_BOT_TOKEN, signingSecret: SLACK.SLACK_SIGNING_SECRET, socketMode: false, apiUrl: 'https://slack.com/api/', command: '/phish' });
    expect(config.m365).toEqual({
      tenantId: GUID_B,
      clientId: GUID_A,
      auth: { kind: 'secret', secret: M365.M365_CLIENT_SECRET },
      loginUrl: 'https://login.microsoftonline.com',
      graphUrl: 'https://graph.microsoft.com',
      managementUrl: 'https://manage.office.com',
      reportFolder: 'Inbox',
    });
    expect(config.mimecast).toEqual({ baseUrl: 'https://api.services.mimecast.com', auth: { kind: 'oauth', clientId: 'mc-client-id', clientSecret: 'mc-client-secret-value' } });
  });

  it('every default passes its own validation (defaults are written as a user would write them)', () => {
    const parsed = envSchema.parse({});
    expect(parsed.HOOKLINE_PORT).toBe(3000);
    expect(parsed.HOOKLINE_MAX_REPORT_BYTES).toBe(26214400);
    expect(parsed.SLACK_API_URL).toBe('https://slack.com/api/');
  });

  it('treats empty and blank values as unset (lines copied from .env.example)', () => {
    const { config } = load({ SLACK_BOT_TOKEN: '', HOOKLINE_PORT: '  ', M365_CLIENT_ID: '' });
    expect(config.sandbox).toBe(true);
    expect(config.server.port).toBe(3000);
  });

  it('trims values and reads every typed variable', () => {
    const { config } = load(
      {
        HOOKLINE_PORT: ' 8080 ',
        HOOKLINE_HOST: '::',
        HOOKLINE_PUBLIC_URL: 'https://hookline.contoso.com/',
        HOOKLINE_LOG_LEVEL: 'DEBUG',
        HOOKLINE_DRY_RUN: 'yes',
        HOOKLINE_DATABASE_URL: 'postgres://hookline:pw@db:5432/hookline',
        HOOKLINE_INGEST_TOKEN: '0123456789abcdef0123',
        HOOKLINE_MAX_REPORT_BYTES: '10MiB',
        REPORT_DIR: 'reports',
      },
      { dirs: [`${CWD}/reports`] },
    );
    expect(config.server).toEqual({ port: 8080, host: '::', publicUrl: 'https://hookline.contoso.com', loopback: false });
    expect(config.logLevel).toBe('debug');
    expect(config.dryRun).toBe(true);
    expect(config.database.kind).toBe('postgres');
    expect(config.database.url).toBe('postgres://hookline:pw@db:5432/hookline');
    expect(config.ingest).toEqual({ token: '0123456789abcdef0123', reportDir: `${CWD}/reports`, maxBytes: 10 * 1024 * 1024 });
  });
});

describe('formats', () => {
  it('explains a bad port with the value', () => {
    expect(messageFor(failure({ HOOKLINE_PORT: 'abc' }), 'HOOKLINE_PORT')).toBe('expected a port number 0-65535 (0: any free port), got "abc"');
    expect(keysOf(failure({ HOOKLINE_PORT: '70000' }))).toEqual(['HOOKLINE_PORT']);
    expect(load({ HOOKLINE_PORT: '0' }).config.server.port).toBe(0);
  });

  it('accepts sqlite and postgres database URLs only', () => {
    expect(load({ HOOKLINE_DATABASE_URL: 'sqlite::memory:' }).config.database.path).toBe(':memory:');
    expect(load({ HOOKLINE_DATABASE_URL: 'sqlite:///var/lib/hookline.db' }).config.database.path).toBe('/var/lib/hookline.db');
    expect(load({ HOOKLINE_DATABASE_URL: 'postgresql://h:5432/db' }).config.database.kind).toBe('postgres');
    const err = failure({ HOOKLINE_DATABASE_URL: 'mysql://root:hunter2hunter2@db/hookline' });
    expect(messageFor(err, 'HOOKLINE_DATABASE_URL')).toMatch(/^expected sqlite:<file>.*got a value starting with "mysql:"$/);
    expect(err.message).not.toContain('hunter2');
    expect(keysOf(failure({ HOOKLINE_DATABASE_URL: 'postgres://db' }))).toEqual(['HOOKLINE_DATABASE_URL']);
  });

  it('requires https base URLs (http only for loopback fakes) and normalises slashes', () => {
    expect(messageFor(failure({ ...COFENSE, COFENSE_BASE_URL: 'http://vision.contoso.com' }), 'COFENSE_BASE_URL')).toMatch(/https/);
    expect(load({ ...COFENSE, COFENSE_BASE_URL: 'http://127.0.0.1:4000/' }).config.cofense?.baseUrl).toBe('http://127.0.0.1:4000');
    expect(load({ ...SLACK, SLACK_API_URL: 'http://localhost:4010/api' }).config.slack?.apiUrl).toBe('http://localhost:4010/api/');
    expect(messageFor(failure({ GRAPH_API_URL: 'https://graph.microsoft.com/v1.0' }), 'GRAPH_API_URL')).toMatch(/without a version/);
    expect(keysOf(failure({ HOOKLINE_PUBLIC_URL: 'not a url' }))).toEqual(['HOOKLINE_PUBLIC_URL']);
    expect(keysOf(failure({ EWS_URL: 'https://user:pw@mail.contoso.com/EWS/Exchange.asmx', EWS_USERNAME: 'a', EWS_PASSWORD: 'b' }))).toEqual(['EWS_URL']);
  });

  it('checks Slack token prefixes, channel ids and the command', () => {
    expect(messageFor(failure({ ...SLACK, SLACK_BOT_TOKEN: 'xoxp-1-2-3' }), 'SLACK_BOT_TOKEN')).toBe(
      'is set but malformed (expected a bot token starting with xoxb-, from OAuth & Permissions → Bot User OAuth Token)',
    );
    expect(keysOf(failure({ ...SLACK, SLACK_APP_TOKEN: 'xoxb-1-2-3' }))).toEqual(['SLACK_APP_TOKEN']);
    expect(messageFor(failure({ ...SLACK, SLACK_ALERT_CHANNEL: '#phishing' }), 'SLACK_ALERT_CHANNEL')).toMatch(/channel id like C0123ABCD.*got "#phishing"/);
    expect(keysOf(failure({ ...SLACK, SLACK_COMMAND: 'phish' }))).toEqual(['SLACK_COMMAND']);
    expect(load({ ...SLACK, SLACK_ALERT_CHANNEL: 'C0123ABCDEF', SLACK_COMMAND: '/phish-dev' }).config.slack?.command).toBe('/phish-dev');
  });

  it('checks GUIDs and normalises them to lower case', () => {
    expect(messageFor(failure({ ...M365, M365_TENANT_ID: 'contoso.onmicrosoft.com' }), 'M365_TENANT_ID')).toMatch(/GUID/);
    expect(load({ ...M365, M365_TENANT_ID: GUID_B.toUpperCase() }).config.m365?.tenantId).toBe(GUID_B);
    expect(keysOf(failure({ ...TEAMS, TEAMS_CLIENT_ID: 'bot' }))).toEqual(['TEAMS_CLIENT_ID']);
  });

  it('checks booleans, sizes, log levels, emails and the policy file extension', () => {
    expect(keysOf(failure({ HOOKLINE_DRY_RUN: 'maybe' }))).toEqual(['HOOKLINE_DRY_RUN']);
    expect(keysOf(failure({ HOOKLINE_MAX_REPORT_BYTES: 'lots' }))).toEqual(['HOOKLINE_MAX_REPORT_BYTES']);
    expect(keysOf(failure({ HOOKLINE_MAX_REPORT_BYTES: '2GiB' }))).toEqual(['HOOKLINE_MAX_REPORT_BYTES']);
    expect(keysOf(failure({ HOOKLINE_LOG_LEVEL: 'verbose' }))).toEqual(['HOOKLINE_LOG_LEVEL']);
    expect(keysOf(failure({ ...M365, REPORT_MAILBOX: 'phish' }))).toEqual(['REPORT_MAILBOX']);
    expect(keysOf(failure({ HOOKLINE_CONFIG: 'policy.toml' }))).toEqual(['HOOKLINE_CONFIG']);
    expect(keysOf(failure({ HOOKLINE_INGEST_TOKEN: 'short' }))).toEqual(['HOOKLINE_INGEST_TOKEN']);
  });

  it('hints at quotes left around a value', () => {
    expect(messageFor(failure({ ...SLACK, SLACK_BOT_TOKEN: '"xoxb-1-2-3"' }), 'SLACK_BOT_TOKEN')).toMatch(/remove the quotes/);
  });
});

describe('cross-field rules', () => {
  it('SLACK_BOT_TOKEN requires SLACK_SIGNING_SECRET (HTTP mode)', () => {
    const err = failure({ SLACK_BOT_TOKEN: SLACK.SLACK_BOT_TOKEN });
    expect(keysOf(err)).toEqual(['SLACK_SIGNING_SECRET']);
    expect(messageFor(err, 'SLACK_SIGNING_SECRET')).toBe(
      "required when SLACK_BOT_TOKEN is set (the Slack app's Signing Secret, from Basic Information; or set SLACK_APP_TOKEN to use Socket Mode)",
    );
  });

  it('Socket Mode (SLACK_APP_TOKEN) does not need the signing secret', () => {
    const { config } = load({ SLACK_BOT_TOKEN: SLACK.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: 'xapp-1-A1-abc' });
    expect(config.slack?.socketMode).toBe(true);
    expect(config.slack?.signingSecret).toBeUndefined();
    expect(config.slack?.appToken).toBe('xapp-1-A1-abc');
  });

  it('any Slack variable requires the bot token', () => {
    expect(keysOf(failure({ SLACK_APP_TOKEN: 'xapp-1-A1-abc' }))).toEqual(['SLACK_BOT_TOKEN']);
    expect(keysOf(failure({ SLACK_ALERT_CHANNEL: 'C0123ABCDEF' }))).toEqual(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  });

  it('Teams needs all three identity variables', () => {
    const err = failure({ TEAMS_CLIENT_ID: GUID_A });
    expect(keysOf(err)).toEqual(['TEAMS_CLIENT_SECRET', 'TEAMS_TENANT_ID']);
    expect(messageFor(err, 'TEAMS_TENANT_ID')).toMatch(/^required when TEAMS_CLIENT_ID is set \(/);
    expect(keysOf(failure({ TEAMS_ALERT_CONVERSATION: '19:abc@thread.tacv2' }))).toEqual(['TEAMS_CLIENT_ID', 'TEAMS_CLIENT_SECRET', 'TEAMS_TENANT_ID']);
    expect(load(TEAMS).config.teams).toEqual({ clientId: GUID_A, clientSecret: TEAMS.TEAMS_CLIENT_SECRET, tenantId: GUID_B, loginUrl: 'https://login.microsoftonline.com' });
  });

  it('M365 needs tenant, client and a secret or a certificate', () => {
    expect(keysOf(failure({ M365_CLIENT_ID: GUID_A }))).toEqual(['M365_TENANT_ID', 'M365_CLIENT_SECRET']);
    expect(messageFor(failure({ M365_CLIENT_ID: GUID_A }), 'M365_CLIENT_SECRET')).toMatch(/or set M365_CERTIFICATE_PATH/);
  });

  it('M365 takes the secret XOR the certificate path', () => {
    const both = failure({ ...M365, M365_CERTIFICATE_PATH: '/run/secrets/hookline.pem' }, { files: { '/run/secrets/hookline.pem': PEM } });
    expect(keysOf(both)).toEqual(['M365_CERTIFICATE_PATH']);
    expect(messageFor(both, 'M365_CERTIFICATE_PATH')).toBe('set either M365_CLIENT_SECRET or M365_CERTIFICATE_PATH, not both');

    const { M365_CLIENT_SECRET: _unused, ...noSecret } = M365;
    const { config } = load({ ...noSecret, M365_CERTIFICATE_PATH: 'secrets/hookline.pem' }, { files: { [`${CWD}/secrets/hookline.pem`]: PEM } });
    expect(config.m365?.auth).toEqual({ kind: 'certificate', path: `${CWD}/secrets/hookline.pem` });
  });

  it('checks the certificate file exists and holds a certificate and an unencrypted key', () => {
    const { M365_CLIENT_SECRET: _unused, ...noSecret } = M365;
    const env = { ...noSecret, M365_CERTIFICATE_PATH: '/run/secrets/hookline.pem' };
    expect(messageFor(failure(env), 'M365_CERTIFICATE_PATH')).toBe('file not found: /run/secrets/hookline.pem');
    expect(messageFor(failure(env, { files: { '/run/secrets/hookline.pem': 'just a cert' } }), 'M365_CERTIFICATE_PATH')).toMatch(/PEM file holding both/);
    const encrypted = PEM.replace(/PRIVATE KEY/g, 'ENCRYPTED PRIVATE KEY');
    expect(messageFor(failure(env, { files: { '/run/secrets/hookline.pem': encrypted } }), 'M365_CERTIFICATE_PATH')).toMatch(/encrypted/);
  });

  it('REPORT_MAILBOX requires a Microsoft connection (Graph, or EWS on-prem)', () => {
    const err = failure({ REPORT_MAILBOX: 'phish@contoso.com' });
    expect(keysOf(err)).toEqual(['REPORT_MAILBOX']);
    expect(messageFor(err, 'REPORT_MAILBOX')).toMatch(/M365_TENANT_ID/);
    expect(load({ ...M365, REPORT_MAILBOX: 'phish@contoso.com', REPORT_FOLDER: 'Inbox/Phish' }).config.m365).toMatchObject({ reportMailbox: 'phish@contoso.com', reportFolder: 'Inbox/Phish' });
    expect(load({ ...EWS, REPORT_MAILBOX: 'phish@contoso.com' }).config.ews).toMatchObject({ mailbox: 'phish@contoso.com', folder: 'Inbox' });
  });

  it('EWS needs all three', () => {
    expect(keysOf(failure({ EWS_URL: EWS.EWS_URL }))).toEqual(['EWS_USERNAME', 'EWS_PASSWORD']);
    expect(load(EWS).config.ews).toEqual({ url: EWS.EWS_URL, username: EWS.EWS_USERNAME, password: EWS.EWS_PASSWORD, folder: 'Inbox' });
  });

  it('Mimecast 2.0 needs id and secret', () => {
    expect(keysOf(failure({ MIMECAST_CLIENT_ID: 'id' }))).toEqual(['MIMECAST_CLIENT_SECRET']);
  });

  it('Mimecast 1.0 needs all four keys and a regional base URL', () => {
    expect(keysOf(failure({ MIMECAST_APP_ID: 'app' }))).toEqual(['MIMECAST_APP_KEY', 'MIMECAST_ACCESS_KEY', 'MIMECAST_SECRET_KEY', 'MIMECAST_BASE_URL']);
    const { MIMECAST_BASE_URL: _unused, ...noBase } = MIMECAST1;
    expect(keysOf(failure(noBase))).toEqual(['MIMECAST_BASE_URL']);
    expect(load(MIMECAST1).config.mimecast).toEqual({
      baseUrl: 'https://eu-api.mimecast.com',
      auth: { kind: 'hmac', appId: 'mc-app-id', appKey: 'mc-app-key-value', accessKey: 'mc-access-key-value', secret: MIMECAST1.MIMECAST_SECRET_KEY },
    });
  });

  it('Mimecast refuses 2.0 and 1.0 credentials together', () => {
    expect(messageFor(failure({ ...MIMECAST1, ...MIMECAST2 }), 'MIMECAST_CLIENT_ID')).toMatch(/not both/);
  });

  it('Cofense needs base URL, id and secret', () => {
    expect(keysOf(failure({ COFENSE_CLIENT_SECRET: 'x' }))).toEqual(['COFENSE_BASE_URL', 'COFENSE_CLIENT_ID']);
    expect(load(COFENSE).config.cofense).toEqual({ baseUrl: COFENSE.COFENSE_BASE_URL, clientId: COFENSE.COFENSE_CLIENT_ID, clientSecret: COFENSE.COFENSE_CLIENT_SECRET });
  });

  it('a malformed value and its missing partner are both reported', () => {
    expect(keysOf(failure({ SLACK_BOT_TOKEN: 'nope' }))).toEqual(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  });
});

describe('one message for every problem', () => {
  it('lists all problems with a count', () => {
    const err = failure({ HOOKLINE_PORT: 'abc', SLACK_BOT_TOKEN: SLACK.SLACK_BOT_TOKEN, TEAMS_CLIENT_ID: GUID_A, HOOKLINE_DRY_RUN: 'perhaps', MIMECAST_CLIENT_ID: 'x' });
    expect(err.problems).toHaveLength(6);
    expect(err.message.split('\n')[0]).toBe('Configuration is invalid (6 problems):');
    expect(err.message).toContain('\n  - HOOKLINE_PORT: expected a port number 0-65535 (0: any free port), got "abc"');
    expect(err.message).toContain("\n  - SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set (the Slack app's Signing Secret, from Basic Information");
    expect(err.name).toBe('ConfigError');
  });

  it('says "1 problem"', () => {
    expect(failure({ HOOKLINE_PORT: 'x' }).message).toMatch(/^Configuration is invalid \(1 problem\):/);
  });
});

describe('secrets never appear in the error text', () => {
  const FAKE = 'FAKESECRET-7f3a9c2e1b';

  it('not for malformed secrets, missing partners, or secrets pasted into the wrong variable', () => {
    const env = {
      SLACK_BOT_TOKEN: `xoxp-${FAKE}`,
      SLACK_APP_TOKEN: `bad ${FAKE}`,
      SLACK_SIGNING_SECRET: `${FAKE} extra`,
      TEAMS_CLIENT_SECRET: FAKE,
      M365_CLIENT_SECRET: `${FAKE} x`,
      M365_CLIENT_ID: FAKE, // a secret pasted into an id
      SLACK_ALERT_CHANNEL: `xoxb-${FAKE}`,
      EWS_PASSWORD: FAKE,
      MIMECAST_APP_KEY: FAKE,
      MIMECAST_SECRET_KEY: `not base64 ${FAKE}`,
      COFENSE_CLIENT_SECRET: `${FAKE}\t`,
      HOOKLINE_INGEST_TOKEN: `${FAKE} `.repeat(2),
      HOOKLINE_DATABASE_URL: `mysql://u:${FAKE}@db/x`,
      REPORT_MAILBOX: FAKE,
      HOOKLINE_PORT: FAKE,
    };
    const err = failure(env);
    expect(err.problems.length).toBeGreaterThan(10);
    expect(err.message).not.toContain(FAKE);
    expect(err.message).not.toContain('7f3a9c2e1b');
    for (const p of err.problems) expect(p.message).not.toContain(FAKE);
  });

  it('not for secrets that come from a .env file', () => {
    const err = failure({}, { files: { [`${CWD}/.env`]: `EWS_PASSWORD=${FAKE}\nEWS_URL=http://mail.contoso.com\n` } });
    expect(keysOf(err)).toEqual(['EWS_URL', 'EWS_USERNAME']);
    expect(err.message).not.toContain(FAKE);
  });

  it('JSON, inspect and the logger show the config with secrets redacted', () => {
    const env = {
      ...SLACK,
      ...TEAMS,
      ...M365,
      ...EWS,
      ...MIMECAST1,
      ...COFENSE,
      SLACK_APP_TOKEN: 'xapp-1-A1-apptoken',
      HOOKLINE_INGEST_TOKEN: 'ingest-token-value-0123',
      HOOKLINE_DATABASE_URL: 'postgres://hookline:dbpassword123@db:5432/hookline',
    };
    const { config } = load(env);
    const secrets = SECRET_ENV_NAMES.map((n) => (env as Record<string, string | undefined>)[n]).filter((v): v is string => !!v);
    secrets.push('dbpassword123');
    expect(secrets.length).toBeGreaterThan(10);

    const chunks: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
    createLogger({ destination: sink, level: 'info' }).info({ config, slack: config.slack, mimecast: config.mimecast, db: config.database }, 'config');
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 }), JSON.stringify(config.mimecast), chunks.join('')]) {
      for (const s of secrets) expect(text).not.toContain(s);
    }
    expect(JSON.stringify(config)).toContain('postgres://hookline:[redacted]@db:5432/hookline');
    // ...while the program reads them as usual.
    expect(config.slack?.botToken).toBe(SLACK.SLACK_BOT_TOKEN);
    expect(config.database.url).toContain('dbpassword123');
  });
});

describe('sandbox', () => {
  it('is on with no chat platform and no vendor, whatever else is set', () => {
    expect(load({ HOOKLINE_INGEST_TOKEN: '0123456789abcdef', HOOKLINE_PORT: '4000' }).config.sandbox).toBe(true);
  });

  it.each([
    ['slack', SLACK],
    ['teams', TEAMS],
    ['m365', M365],
    ['ews', EWS],
    ['mimecast', MIMECAST2],
    ['cofense', COFENSE],
  ])('is off when %s is configured', (_name, env) => {
    expect(load(env).config.sandbox).toBe(false);
  });

  it('listens on loopback by default in the sandbox, everywhere otherwise, and an explicit host wins', () => {
    expect(load({}).config.server.host).toBe('127.0.0.1');
    expect(load(SLACK).config.server.host).toBe('0.0.0.0');
    expect(load({ ...SLACK, HOOKLINE_HOST: '127.0.0.1' }).config.server).toMatchObject({ host: '127.0.0.1', loopback: true });
    const { config, warnings } = load({ HOOKLINE_HOST: '0.0.0.0' });
    expect(config.server.loopback).toBe(false);
    expect(warnings.join('\n')).toMatch(/sandbox mode listens on 0\.0\.0\.0/);
  });
});

describe('unknown variables', () => {
  it('a near miss of a Hookline variable is an error with a suggestion', () => {
    const err = failure({ HOOKLINE_DRYRUN: 'true', SLACK_SIGNING_SECRT: 'x', hookline_port: '1' });
    expect(err.problems).toEqual([
      { key: 'HOOKLINE_DRYRUN', message: 'unknown variable; did you mean HOOKLINE_DRY_RUN?' },
      { key: 'SLACK_SIGNING_SECRT', message: 'unknown variable; did you mean SLACK_SIGNING_SECRET?' },
      { key: 'hookline_port', message: 'unknown variable; did you mean HOOKLINE_PORT? (names are case-sensitive)' },
    ]);
  });

  it('other HOOKLINE_ variables are a warning; other prefixes are left alone', () => {
    const { warnings } = load({ HOOKLINE_SOMETHING_ELSE: '1', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/x', PATH: '/bin' });
    expect(warnings).toEqual(['HOOKLINE_SOMETHING_ELSE is not a Hookline variable and is ignored']);
  });
});

describe('.env', () => {
  it('is read from cwd and never overrides a real variable', () => {
    const dotenv = ['# comment', 'HOOKLINE_PORT=4000', 'HOOKLINE_LOG_LEVEL=debug', `SLACK_BOT_TOKEN=${SLACK.SLACK_BOT_TOKEN}`, 'SLACK_SIGNING_SECRET="quoted-secret#x"'].join('\n');
    const { config } = load({ HOOKLINE_PORT: '5000' }, { files: { [`${CWD}/.env`]: dotenv } });
    expect(config.server.port).toBe(5000);
    expect(config.logLevel).toBe('debug');
    expect(config.slack?.botToken).toBe(SLACK.SLACK_BOT_TOKEN);
    expect(config.slack?.signingSecret).toBe('quoted-secret#x');
  });

  it('is optional, and an unreadable one is a problem', () => {
    expect(load({}).config.sandbox).toBe(true);
    const err = (() => {
      try {
        loadConfig({}, { cwd: CWD, readFile: () => { throw Object.assign(new Error('denied'), { code: 'EACCES' }); } });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err.problems).toEqual([{ key: '.env', message: `cannot read ${CWD}/.env (EACCES)` }]);
  });
});

describe('the variable table', () => {
  it('documents every variable, and flags every secret-named one as secret', () => {
    expect(Object.keys(ENV_DOCS).sort()).toEqual([...ENV_NAMES].sort());
    for (const name of ENV_NAMES) if (isSecretName(name)) expect(ENV_DOCS[name].secret, name).toBe(true);
    for (const name of ['MIMECAST_SECRET_KEY', 'SLACK_SIGNING_SECRET', 'HOOKLINE_INGEST_TOKEN'] as const) expect(ENV_DOCS[name].secret).toBe(true);
  });

  it('covers the whole DESIGN §5 table', () => {
    const design = [
      'HOOKLINE_DATABASE_URL', 'HOOKLINE_PORT', 'HOOKLINE_CONFIG', 'HOOKLINE_PUBLIC_URL', 'HOOKLINE_INGEST_TOKEN', 'HOOKLINE_DRY_RUN', 'REPORT_DIR',
      'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_API_URL', 'SLACK_ALERT_CHANNEL', 'SLACK_COMMAND',
      'TEAMS_CLIENT_ID', 'TEAMS_CLIENT_SECRET', 'TEAMS_TENANT_ID', 'TEAMS_ALERT_CONVERSATION',
      // Added by issue #9: the development switch for Microsoft 365 Agents Playground.
      'TEAMS_PLAYGROUND',
      'M365_TENANT_ID', 'M365_CLIENT_ID', 'M365_CLIENT_SECRET', 'M365_CERTIFICATE_PATH', 'M365_LOGIN_URL', 'GRAPH_API_URL', 'O365_MANAGEMENT_API_URL',
      'REPORT_MAILBOX', 'REPORT_FOLDER', 'EWS_URL', 'EWS_USERNAME', 'EWS_PASSWORD',
      'MIMECAST_BASE_URL', 'MIMECAST_CLIENT_ID', 'MIMECAST_CLIENT_SECRET', 'MIMECAST_APP_ID', 'MIMECAST_APP_KEY', 'MIMECAST_ACCESS_KEY', 'MIMECAST_SECRET_KEY',
      'COFENSE_BASE_URL', 'COFENSE_CLIENT_ID', 'COFENSE_CLIENT_SECRET',
      'HOOKLINE_LOG_LEVEL', 'HOOKLINE_HOST', 'HOOKLINE_MAX_REPORT_BYTES',
    ];
    expect([...ENV_NAMES].sort()).toEqual(design.sort());
  });
});
