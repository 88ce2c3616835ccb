// The environment half of the configuration (shared/DESIGN.md §5): one zod schema per variable,
// the cross-field rules between them, and the typed `Config` the rest of the program reads.
// Secrets come only from here; policy (roles, schedules, playbooks) comes from the policy file.
//
// Validation never stops at the first problem: every variable is checked on its own, the
// cross-field rules are checked on which variables are *set* (so a malformed value and a missing
// partner are both reported), and loadConfig() adds the policy file's problems to the same list.
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { REDACTED, redactText } from '../log/redact.ts';
import type { ConfigProblem } from './errors.ts';
import {
  EMAIL,
  EXPECT_SLACK_CHANNEL,
  EXPECT_TEAMS_CONVERSATION,
  GUID,
  SLACK_CHANNEL_ID,
  TEAMS_CONVERSATION_ID,
  checkBaseUrl,
  closest,
  isLoopbackHost,
  parseBoolean,
  parseSize,
  showValue,
} from './formats.ts';

// ---------------------------------------------------------------------------------------------
// Field schemas. Each takes the (trimmed, non-empty) string and returns the typed value, or an
// issue whose message says what is expected. Messages never contain the value: the caller adds
// `got "..."` for non-secret variables only.

class Invalid {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}
const invalid = (reason: string): Invalid => new Invalid(reason);

function field<T>(parse: (value: string) => T | Invalid) {
  return z.string().transform((value, ctx): T => {
    const r = parse(value);
    if (r instanceof Invalid) {
      ctx.addIssue({ code: 'custom', message: r.reason });
      return z.NEVER;
    }
    return r;
  });
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export type DatabaseKind = 'sqlite' | 'postgres';
export interface DatabaseUrl {
  url: string;
  kind: DatabaseKind;
  /** SQLite only: the database file as written after `sqlite:` (`:memory:` for an in-memory database). */
  file?: string;
}

const EXPECT_DB = 'expected sqlite:<file> (e.g. sqlite:data/hookline.db) or postgres://user:password@host:5432/database';

export function parseDatabaseUrl(value: string): DatabaseUrl | Invalid {
  if (/^sqlite:/i.test(value)) {
    let rest = value.slice('sqlite:'.length);
    if (rest.startsWith('//')) rest = rest.slice(2); // sqlite:///abs/path.db and sqlite://rel/path.db
    if (!rest) return invalid(`${EXPECT_DB}; sqlite: needs a file path`);
    return { url: value, kind: 'sqlite', file: rest };
  }
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      const u = new URL(value);
      if (!u.hostname) return invalid(`${EXPECT_DB}; the host is missing`);
      if (u.pathname.length <= 1) return invalid(`${EXPECT_DB}; the database name is missing`);
      return { url: value, kind: 'postgres' };
    } catch {
      return invalid(EXPECT_DB);
    }
  }
  return invalid(EXPECT_DB);
}

const baseUrl = (opts: { trailingSlash?: boolean } = {}) =>
  field((v) => {
    const r = checkBaseUrl(v, opts);
    return r.ok ? r.url : invalid(r.reason);
  });

const guid = (what: string) => field((v) => (GUID.test(v) ? v.toLowerCase() : invalid(`expected ${what} (a GUID like 00000000-0000-0000-0000-000000000000)`)));

/** A secret with no known format: only whitespace inside it is refused (a paste of two values). */
const secret = () => field((v) => (/\s/.test(v) ? invalid('expected a single value without spaces') : v));

const nonEmptyNoSpace = (what: string) => field((v) => (/\s/.test(v) ? invalid(`expected ${what} without spaces`) : v));

const path = () => field((v) => v);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const MIN_REPORT_BYTES = 1024;
const MAX_REPORT_BYTES = 1024 ** 3;

// ---------------------------------------------------------------------------------------------
// The schema. Every variable of DESIGN §5 plus the few the brief added. Defaults are given as the
// string a user would write (prefault), so the default goes through the same validation.

export const envSchema = z.object({
  // server
  HOOKLINE_PORT: field((v) => (/^\d{1,5}$/.test(v) && Number(v) <= 65535 ? Number(v) : invalid('expected a port number 0-65535 (0: any free port)'))).prefault('3000'),
  HOOKLINE_HOST: field((v) => (isIP(v.replace(/^\[|\]$/g, '')) || HOSTNAME.test(v) ? v.replace(/^\[|\]$/g, '') : invalid('expected an IP address or host name to listen on, e.g. 0.0.0.0 or 127.0.0.1'))).optional(),
  HOOKLINE_PUBLIC_URL: baseUrl().optional(),
  HOOKLINE_LOG_LEVEL: field((v) => ((LOG_LEVELS as readonly string[]).includes(v.toLowerCase()) ? (v.toLowerCase() as LogLevel) : invalid(`expected one of ${LOG_LEVELS.join(', ')}`))).prefault('info'),
  HOOKLINE_DRY_RUN: field((v) => parseBoolean(v) ?? invalid('expected true or false')).prefault('false'),
  HOOKLINE_CONFIG: field((v) => (/\.(ya?ml|json)$/i.test(v) ? v : invalid('expected the path of a .yaml, .yml or .json policy file'))).optional(),
  // database
  HOOKLINE_DATABASE_URL: field(parseDatabaseUrl).prefault('sqlite:data/hookline.db'),
  // ingest
  HOOKLINE_INGEST_TOKEN: field((v) => (v.length >= 16 && !/\s/.test(v) ? v : invalid('expected at least 16 characters without spaces, e.g. from `openssl rand -hex 32`'))).optional(),
  HOOKLINE_MAX_REPORT_BYTES: field((v) => {
    const n = parseSize(v);
    return n !== undefined && n >= MIN_REPORT_BYTES && n <= MAX_REPORT_BYTES ? n : invalid('expected a size between 1KiB and 1GiB, e.g. 26214400 or 25MiB');
  }).prefault('25MiB'),
  REPORT_DIR: path().optional(),
  // Slack
  SLACK_BOT_TOKEN: field((v) => (/^xoxb-[A-Za-z0-9-]+$/.test(v) ? v : invalid('expected a bot token starting with xoxb-, from OAuth & Permissions → Bot User OAuth Token'))).optional(),
  SLACK_SIGNING_SECRET: secret().optional(),
  SLACK_APP_TOKEN: field((v) => (/^xapp-[A-Za-z0-9-]+$/.test(v) ? v : invalid('expected an app-level token starting with xapp-, from Basic Information → App-Level Tokens'))).optional(),
  SLACK_API_URL: baseUrl({ trailingSlash: true }).prefault('https://slack.com/api/'),
  SLACK_ALERT_CHANNEL: field((v) => (SLACK_CHANNEL_ID.test(v) ? v : invalid(EXPECT_SLACK_CHANNEL))).optional(),
  SLACK_COMMAND: field((v) => (/^\/[a-z0-9_-]{1,31}$/.test(v) ? v : invalid('expected a slash command like /phish (a slash, then at most 31 lower-case letters, digits, - or _)'))).prefault('/phish'),
  // Teams
  TEAMS_CLIENT_ID: guid("the bot's Microsoft App ID").optional(),
  TEAMS_CLIENT_SECRET: secret().optional(),
  TEAMS_TENANT_ID: guid("the Entra tenant id of the bot's app registration").optional(),
  TEAMS_ALERT_CONVERSATION: field((v) => (TEAMS_CONVERSATION_ID.test(v) ? v : invalid(EXPECT_TEAMS_CONVERSATION))).optional(),
  TEAMS_PLAYGROUND: field((v) => parseBoolean(v) ?? invalid('expected true or false')).prefault('false'),
  // Microsoft 365 (Graph, Management Activity API)
  M365_TENANT_ID: guid('the Entra tenant id').optional(),
  M365_CLIENT_ID: guid("the app registration's Application (client) ID").optional(),
  M365_CLIENT_SECRET: secret().optional(),
  M365_CERTIFICATE_PATH: path().optional(),
  M365_LOGIN_URL: baseUrl().prefault('https://login.microsoftonline.com'),
  GRAPH_API_URL: field((v) => {
    const r = checkBaseUrl(v);
    if (!r.ok) return invalid(r.reason);
    if (/\/(v1\.0|beta)$/i.test(r.url)) return invalid('expected the Graph root without a version, e.g. https://graph.microsoft.com (the client adds /v1.0)');
    return r.url;
  }).prefault('https://graph.microsoft.com'),
  O365_MANAGEMENT_API_URL: baseUrl().prefault('https://manage.office.com'),
  REPORT_MAILBOX: field((v) => (EMAIL.test(v) ? v : invalid('expected an email address like phish-reports@contoso.com'))).optional(),
  REPORT_FOLDER: field((v) => v).prefault('Inbox'),
  // Exchange Server on-prem
  EWS_URL: baseUrl().optional(),
  EWS_USERNAME: nonEmptyNoSpace('a user name like svc-hookline@contoso.com or CONTOSO\\svc-hookline').optional(),
  EWS_PASSWORD: field((v) => v).optional(),
  // Mimecast
  MIMECAST_BASE_URL: baseUrl().prefault('https://api.services.mimecast.com'),
  MIMECAST_CLIENT_ID: nonEmptyNoSpace('the API 2.0 client id').optional(),
  MIMECAST_CLIENT_SECRET: secret().optional(),
  MIMECAST_APP_ID: nonEmptyNoSpace('the API 1.0 application id').optional(),
  MIMECAST_APP_KEY: secret().optional(),
  MIMECAST_ACCESS_KEY: secret().optional(),
  MIMECAST_SECRET_KEY: field((v) => (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v) ? v : invalid('expected the base64 secret key of the API 1.0 application'))).optional(),
  // Cofense Vision
  COFENSE_BASE_URL: baseUrl().optional(),
  COFENSE_CLIENT_ID: nonEmptyNoSpace('the Cofense Vision API client id').optional(),
  COFENSE_CLIENT_SECRET: secret().optional(),
});

export type Env = z.output<typeof envSchema>;
export type EnvName = keyof typeof envSchema.shape;
export const ENV_NAMES = Object.keys(envSchema.shape) as EnvName[];

// ---------------------------------------------------------------------------------------------
// Documentation of every variable: drives error messages, and tests check .env.example and
// docs/configuration.md against it.

export type EnvGroup = 'server' | 'database' | 'ingest' | 'slack' | 'teams' | 'm365' | 'ews' | 'mimecast' | 'cofense';

export interface EnvVarDoc {
  group: EnvGroup;
  /** Never echoed in error messages ("is set but malformed"), scrubbed from any text we write. */
  secret: boolean;
  /** Not a secret, but may contain one (a database URL with a password): not echoed either. */
  sensitive?: boolean;
  /** What it is and where to find it, starting with "the ..." (used in "required when ..." messages). */
  description: string;
  /** Default as the user would write it. */
  default?: string;
  example: string;
}

export const ENV_DOCS: Record<EnvName, EnvVarDoc> = {
  HOOKLINE_PORT: { group: 'server', secret: false, default: '3000', example: '3000', description: 'the port of the one HTTP server (/slack/events, /api/messages, /graph/notifications, /ingest, /healthz, /readyz, /metrics)' },
  HOOKLINE_HOST: { group: 'server', secret: false, default: '0.0.0.0 (127.0.0.1 in sandbox mode and with TEAMS_PLAYGROUND)', example: '127.0.0.1', description: 'the address the HTTP server listens on' },
  HOOKLINE_PUBLIC_URL: { group: 'server', secret: false, example: 'https://hookline.contoso.com', description: 'the public https base URL of this server, for Graph change-notification subscriptions' },
  HOOKLINE_LOG_LEVEL: { group: 'server', secret: false, default: 'info', example: 'debug', description: `the log level (${LOG_LEVELS.join(', ')})` },
  HOOKLINE_DRY_RUN: { group: 'server', secret: false, default: 'false', example: 'true', description: 'when true, destructive vendor calls are rendered and logged, not sent' },
  HOOKLINE_CONFIG: { group: 'server', secret: false, example: './policy.yaml', description: 'the path of the policy file (.yaml, .yml or .json); unset: built-in deny-all policy' },
  HOOKLINE_DATABASE_URL: { group: 'database', secret: false, sensitive: true, default: 'sqlite:data/hookline.db', example: 'postgres://hookline:password@db:5432/hookline', description: 'the database: sqlite:<file> for one instance, postgres://... for several replicas' },
  HOOKLINE_INGEST_TOKEN: { group: 'ingest', secret: true, example: 'generate with: openssl rand -hex 32', description: 'the bearer token POST /ingest requires (unset: the endpoint is disabled)' },
  HOOKLINE_MAX_REPORT_BYTES: { group: 'ingest', secret: false, default: '25MiB', example: '26214400', description: 'the largest reported message accepted, in bytes or with KiB/MiB/GiB' },
  REPORT_DIR: { group: 'ingest', secret: false, example: './reports', description: 'a folder whose .eml/.msg files are ingested (local pipelines, sandbox)' },
  SLACK_BOT_TOKEN: { group: 'slack', secret: true, example: 'xoxb-...', description: 'the Bot User OAuth Token (xoxb-...), from OAuth & Permissions' },
  SLACK_SIGNING_SECRET: { group: 'slack', secret: true, example: '0123456789abcdef0123456789abcdef', description: "the Slack app's Signing Secret, from Basic Information" },
  SLACK_APP_TOKEN: { group: 'slack', secret: true, example: 'xapp-...', description: 'the app-level token (xapp-..., scope connections:write) that switches Slack to Socket Mode' },
  SLACK_API_URL: { group: 'slack', secret: false, default: 'https://slack.com/api/', example: 'http://127.0.0.1:4010/api/', description: 'the Slack Web API base URL' },
  SLACK_ALERT_CHANNEL: { group: 'slack', secret: false, example: 'C0123ABCDEF', description: 'the channel id new reports are posted to (policy alerts.slackChannel overrides it)' },
  SLACK_COMMAND: { group: 'slack', secret: false, default: '/phish', example: '/phish', description: 'the slash command' },
  TEAMS_CLIENT_ID: { group: 'teams', secret: false, example: '11111111-2222-3333-4444-555555555555', description: "the bot's Microsoft App ID (Azure Bot → Configuration)" },
  TEAMS_CLIENT_SECRET: { group: 'teams', secret: true, example: 'the client secret value', description: "a client secret of the bot's app registration" },
  TEAMS_TENANT_ID: { group: 'teams', secret: false, example: '66666666-7777-8888-9999-000000000000', description: "the Entra tenant id of the bot's app registration (single-tenant bot)" },
  TEAMS_ALERT_CONVERSATION: { group: 'teams', secret: false, example: '19:abc123@thread.tacv2', description: 'the conversation id new reports are posted to (else the channel where the bot was told "set alerts here")' },
  TEAMS_PLAYGROUND: { group: 'teams', secret: false, default: 'false', example: 'true', description: 'development only: accept the unauthenticated activities of Microsoft 365 Agents Playground on /api/messages (refused with Teams credentials or a non-loopback HOOKLINE_HOST)' },
  M365_TENANT_ID: { group: 'm365', secret: false, example: '66666666-7777-8888-9999-000000000000', description: 'the Entra tenant id for app-only Microsoft Graph / Management API access' },
  M365_CLIENT_ID: { group: 'm365', secret: false, example: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', description: "the app registration's Application (client) ID" },
  M365_CLIENT_SECRET: { group: 'm365', secret: true, example: 'the client secret value', description: 'a client secret of the app registration (or set M365_CERTIFICATE_PATH instead)' },
  M365_CERTIFICATE_PATH: { group: 'm365', secret: false, example: '/run/secrets/hookline.pem', description: 'a PEM file holding the certificate and its private key (instead of M365_CLIENT_SECRET)' },
  M365_LOGIN_URL: { group: 'm365', secret: false, default: 'https://login.microsoftonline.com', example: 'https://login.microsoftonline.us', description: 'the Entra login authority host (national clouds differ)' },
  GRAPH_API_URL: { group: 'm365', secret: false, default: 'https://graph.microsoft.com', example: 'https://graph.microsoft.us', description: 'the Microsoft Graph root, without /v1.0' },
  O365_MANAGEMENT_API_URL: { group: 'm365', secret: false, default: 'https://manage.office.com', example: 'https://manage.office365.us', description: 'the Office 365 Management Activity API root' },
  REPORT_MAILBOX: { group: 'm365', secret: false, example: 'phish-reports@contoso.com', description: 'the mailbox users report phishing to (read with Graph, or with EWS on-prem)' },
  REPORT_FOLDER: { group: 'm365', secret: false, default: 'Inbox', example: 'Inbox/Phish', description: 'the folder of the reporting mailbox to ingest (/ separates levels)' },
  EWS_URL: { group: 'ews', secret: false, example: 'https://mail.contoso.com/EWS/Exchange.asmx', description: 'the EWS endpoint of Exchange Server on-prem' },
  EWS_USERNAME: { group: 'ews', secret: false, example: 'svc-hookline@contoso.com', description: 'the EWS service account' },
  EWS_PASSWORD: { group: 'ews', secret: true, example: 'the service account password', description: "the EWS service account's password" },
  MIMECAST_BASE_URL: { group: 'mimecast', secret: false, default: 'https://api.services.mimecast.com', example: 'https://eu-api.mimecast.com', description: 'the Mimecast API base URL (API 1.0 needs your regional host)' },
  MIMECAST_CLIENT_ID: { group: 'mimecast', secret: false, example: 'the API 2.0 client id', description: 'the Mimecast API 2.0 client id (Administration → Services → API and Platform Integrations)' },
  MIMECAST_CLIENT_SECRET: { group: 'mimecast', secret: true, example: 'the API 2.0 client secret', description: 'the Mimecast API 2.0 client secret' },
  MIMECAST_APP_ID: { group: 'mimecast', secret: false, example: 'the API 1.0 application id', description: 'the Mimecast API 1.0 application id' },
  MIMECAST_APP_KEY: { group: 'mimecast', secret: true, example: 'the API 1.0 application key', description: 'the Mimecast API 1.0 application key' },
  MIMECAST_ACCESS_KEY: { group: 'mimecast', secret: true, example: 'the API 1.0 access key', description: 'the Mimecast API 1.0 access key' },
  MIMECAST_SECRET_KEY: { group: 'mimecast', secret: true, example: 'the API 1.0 secret key (base64)', description: 'the Mimecast API 1.0 secret key (base64)' },
  COFENSE_BASE_URL: { group: 'cofense', secret: false, example: 'https://vision.contoso.com', description: 'the Cofense Vision URL' },
  COFENSE_CLIENT_ID: { group: 'cofense', secret: false, example: 'the Vision API client id', description: 'the Cofense Vision API client id' },
  COFENSE_CLIENT_SECRET: { group: 'cofense', secret: true, example: 'the Vision API client secret', description: 'the Cofense Vision API client secret' },
};

export const SECRET_ENV_NAMES: readonly EnvName[] = ENV_NAMES.filter((n) => ENV_DOCS[n].secret);

// ---------------------------------------------------------------------------------------------
// The typed configuration.

export interface SlackConfig {
  botToken: string;
  /** Required for HTTP mode; optional in Socket Mode (not used there). */
  signingSecret?: string;
  appToken?: string;
  /** True when SLACK_APP_TOKEN is set: events arrive over a WebSocket, /slack/events is not mounted. */
  socketMode: boolean;
  /** Ends with a slash. */
  apiUrl: string;
  alertChannel?: string;
  command: string;
}

export interface TeamsConfig {
  clientId: string;
  clientSecret: string;
  tenantId: string;
  alertConversation?: string;
  /** M365_LOGIN_URL: the Entra authority host the bot gets its outbound token from. */
  loginUrl: string;
}

export type M365Auth = { kind: 'secret'; secret: string } | { kind: 'certificate'; path: string };

export interface M365Config {
  tenantId: string;
  clientId: string;
  auth: M365Auth;
  /** Base URLs without trailing slash. */
  loginUrl: string;
  graphUrl: string;
  managementUrl: string;
  reportMailbox?: string;
  reportFolder: string;
}

export interface EwsConfig {
  url: string;
  username: string;
  password: string;
  /** REPORT_MAILBOX when set (read via impersonation), else the service account's own mailbox. */
  mailbox?: string;
  folder: string;
}

export type MimecastAuth =
  | { kind: 'oauth'; clientId: string; clientSecret: string }
  | { kind: 'hmac'; appId: string; appKey: string; accessKey: string; /** MIMECAST_SECRET_KEY (base64). Named `secret` so log redaction recognises it. */ secret: string };

export interface MimecastConfig {
  baseUrl: string;
  auth: MimecastAuth;
}

export interface CofenseConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface Config {
  server: {
    port: number;
    host: string;
    /** Without trailing slash. */
    publicUrl?: string;
    /** The server listens on a loopback address only (dev-only switches may require this). */
    loopback: boolean;
  };
  database: {
    /**
     * As configured; may contain a password. Non-enumerable, so spreading, logging and
     * JSON.stringify of the config leave it out (toJSON/inspect show it with the password redacted).
     */
    url: string;
    kind: DatabaseKind;
    /** SQLite: the absolute file path, or `:memory:`. */
    path?: string;
  };
  ingest: {
    token?: string;
    /** Absolute. */
    reportDir?: string;
    maxBytes: number;
  };
  dryRun: boolean;
  logLevel: LogLevel;
  slack?: SlackConfig;
  teams?: TeamsConfig;
  /**
   * TEAMS_PLAYGROUND: Teams without credentials for Microsoft 365 Agents Playground (development
   * only; unauthenticated activities are accepted). Never set together with `teams`.
   */
  teamsPlayground?: { alertConversation?: string };
  m365?: M365Config;
  ews?: EwsConfig;
  mimecast?: MimecastConfig;
  cofense?: CofenseConfig;
  /** Absolute path of the policy file, when HOOKLINE_CONFIG is set. */
  policyPath?: string;
  /** No chat platform and no vendor configured: run the local console and simulators. */
  sandbox: boolean;
}

// ---------------------------------------------------------------------------------------------
// Validation.

export type RawEnv = Partial<Record<EnvName, string>>;

/** Known variables only, trimmed; empty means unset (a `FOO=` line copied from .env.example). */
export function normalizeEnv(source: Record<string, string | undefined>): RawEnv {
  const out: RawEnv = {};
  for (const name of ENV_NAMES) {
    const v = source[name]?.trim();
    if (v) out[name] = v;
  }
  return out;
}

function describeValue(name: EnvName, value: string): string {
  const doc = ENV_DOCS[name];
  if (doc.secret) return '';
  if (doc.sensitive) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value);
    return scheme ? `, got a value starting with "${scheme[1]}:"` : ', got a value that is not a URL';
  }
  return `, got ${showValue(redactText(value))}`;
}

function fieldProblem(name: EnvName, value: string, reason: string): ConfigProblem {
  const quoted = /^["']/.test(value) ? ' (the value starts with a quote: remove the quotes around it)' : '';
  if (ENV_DOCS[name].secret) return { key: name, message: `is set but malformed (${reason})${quoted}` };
  return { key: name, message: `${reason}${describeValue(name, value)}${quoted}` };
}

function listNames(names: readonly string[]): string {
  return names.length === 1 ? `${names[0]} is` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are`;
}

/** The cross-field rules, on which variables are set (so they apply even when a value is malformed). */
export function crossFieldProblems(raw: RawEnv): ConfigProblem[] {
  const has = (k: EnvName): boolean => raw[k] !== undefined;
  const problems: ConfigProblem[] = [];
  const requireAll = (triggers: EnvName[], required: EnvName[], extra = ''): void => {
    const set = triggers.filter(has);
    if (!set.length) return;
    for (const k of required) {
      if (!has(k)) problems.push({ key: k, message: `required when ${listNames(set)} set (${ENV_DOCS[k].description}${extra})` });
    }
  };

  // Slack: the bot token always; the signing secret for HTTP mode (Socket Mode does not sign).
  const slackVars: EnvName[] = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_ALERT_CHANNEL'];
  requireAll(slackVars, ['SLACK_BOT_TOKEN']);
  if (!has('SLACK_APP_TOKEN')) requireAll(slackVars, ['SLACK_SIGNING_SECRET'], '; or set SLACK_APP_TOKEN to use Socket Mode');

  // Teams: all three; or the Playground switch, which accepts unauthenticated activities and so
  // never goes with credentials, and only on a loopback address.
  const teamsIdentity: EnvName[] = ['TEAMS_CLIENT_ID', 'TEAMS_CLIENT_SECRET', 'TEAMS_TENANT_ID'];
  const playground = raw.TEAMS_PLAYGROUND !== undefined && parseBoolean(raw.TEAMS_PLAYGROUND) === true;
  if (playground) {
    const set = teamsIdentity.filter(has);
    if (set.length) {
      problems.push({ key: 'TEAMS_PLAYGROUND', message: `is a development switch that accepts unauthenticated activities: it is refused while ${listNames(set)} set (unset those to use the Playground, or unset TEAMS_PLAYGROUND)` });
    }
    if (raw.HOOKLINE_HOST !== undefined && !isLoopbackHost(raw.HOOKLINE_HOST.replace(/^\[|\]$/g, ''))) {
      problems.push({ key: 'TEAMS_PLAYGROUND', message: `accepts unauthenticated activities, so it is refused while HOOKLINE_HOST is ${showValue(raw.HOOKLINE_HOST)} (not a loopback address): use HOOKLINE_HOST=127.0.0.1` });
    }
  } else {
    requireAll([...teamsIdentity, 'TEAMS_ALERT_CONVERSATION'], teamsIdentity);
  }

  // Microsoft 365: tenant + client + (secret XOR certificate).
  const m365Vars: EnvName[] = ['M365_TENANT_ID', 'M365_CLIENT_ID', 'M365_CLIENT_SECRET', 'M365_CERTIFICATE_PATH'];
  const m365Set = m365Vars.some(has);
  requireAll(m365Vars, ['M365_TENANT_ID', 'M365_CLIENT_ID']);
  if (has('M365_CLIENT_SECRET') && has('M365_CERTIFICATE_PATH')) {
    problems.push({ key: 'M365_CERTIFICATE_PATH', message: 'set either M365_CLIENT_SECRET or M365_CERTIFICATE_PATH, not both' });
  } else if (m365Set && !has('M365_CLIENT_SECRET') && !has('M365_CERTIFICATE_PATH')) {
    const set = m365Vars.filter(has);
    problems.push({ key: 'M365_CLIENT_SECRET', message: `required when ${listNames(set)} set (a client secret of the app registration; or set M365_CERTIFICATE_PATH for certificate authentication)` });
  }

  // Exchange Server on-prem: all three.
  const ewsVars: EnvName[] = ['EWS_URL', 'EWS_USERNAME', 'EWS_PASSWORD'];
  const ewsSet = ewsVars.some(has);
  requireAll(ewsVars, ewsVars);

  // The reporting mailbox needs a way to read it.
  if (has('REPORT_MAILBOX') && !m365Set && !ewsSet) {
    problems.push({
      key: 'REPORT_MAILBOX',
      message: 'needs a Microsoft connection to read it: set M365_TENANT_ID, M365_CLIENT_ID and M365_CLIENT_SECRET (or M365_CERTIFICATE_PATH), or EWS_URL, EWS_USERNAME and EWS_PASSWORD for Exchange Server',
    });
  }

  // Mimecast: API 2.0 (OAuth client credentials) or API 1.0 (HMAC keys), not both.
  const mcV2: EnvName[] = ['MIMECAST_CLIENT_ID', 'MIMECAST_CLIENT_SECRET'];
  const mcV1: EnvName[] = ['MIMECAST_APP_ID', 'MIMECAST_APP_KEY', 'MIMECAST_ACCESS_KEY', 'MIMECAST_SECRET_KEY'];
  if (mcV2.some(has) && mcV1.some(has)) {
    problems.push({
      key: 'MIMECAST_CLIENT_ID',
      message: `set either API 2.0 credentials (${mcV2.join(', ')}) or API 1.0 keys (${mcV1.join(', ')}), not both`,
    });
  } else {
    requireAll(mcV2, mcV2);
    requireAll(mcV1, mcV1);
    if (mcV1.some(has) && !has('MIMECAST_BASE_URL')) {
      problems.push({
        key: 'MIMECAST_BASE_URL',
        message: `required when ${listNames(mcV1.filter(has))} set (API 1.0 needs your account's regional API host, e.g. https://eu-api.mimecast.com; the default ${ENV_DOCS.MIMECAST_BASE_URL.default} serves API 2.0)`,
      });
    }
  }

  // Cofense Vision: all three.
  const cofenseVars: EnvName[] = ['COFENSE_BASE_URL', 'COFENSE_CLIENT_ID', 'COFENSE_CLIENT_SECRET'];
  requireAll(cofenseVars, cofenseVars);

  return problems;
}

const OUR_PREFIXES = /^(HOOKLINE|SLACK|TEAMS|M365|MIMECAST|COFENSE|EWS|GRAPH|O365|REPORT)_/i;

export interface EnvResult {
  env?: Env;
  raw: RawEnv;
  problems: ConfigProblem[];
  warnings: string[];
}

/** Validate every variable and every rule; `env` is set only when there is no problem. */
export function validateEnv(source: Record<string, string | undefined>): EnvResult {
  const raw = normalizeEnv(source);
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const shape = envSchema.shape as Record<EnvName, z.ZodType>;

  for (const name of ENV_NAMES) {
    const value = raw[name];
    if (value === undefined) continue;
    const r = shape[name].safeParse(value);
    if (!r.success) problems.push(fieldProblem(name, value, r.error.issues[0]?.message ?? 'invalid value'));
  }
  problems.push(...crossFieldProblems(raw));

  // Misspelt variables would silently leave a feature (or a safety switch) off.
  const known = new Set<string>(ENV_NAMES);
  for (const name of Object.keys(source)) {
    if (known.has(name) || !OUR_PREFIXES.test(name) || !source[name]?.trim()) continue;
    const guess = closest(name, ENV_NAMES, 2);
    if (guess) {
      problems.push({ key: name, message: `unknown variable; did you mean ${guess}?${guess.toLowerCase() === name.toLowerCase() ? ' (names are case-sensitive)' : ''}` });
    } else if (/^HOOKLINE_/i.test(name)) {
      warnings.push(`${name} is not a Hookline variable and is ignored`);
    }
  }

  if (problems.length) return { raw, problems, warnings };
  return { env: envSchema.parse(raw), raw, problems, warnings };
}

/** Values of the secret variables that are set, so they can be scrubbed from any message. */
export function secretValues(source: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const name of SECRET_ENV_NAMES) {
    const v = source[name];
    if (v?.trim()) out.push(v, v.trim());
  }
  const db = source.HOOKLINE_DATABASE_URL?.trim();
  if (db) {
    try {
      const pw = new URL(db).password;
      if (pw) out.push(pw, decodeURIComponent(pw));
    } catch {
      // not a URL: nothing to scrub beyond the secret variables
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Building the typed Config.

export function buildConfig(env: Env, cwd: string): Config {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));

  const slack: SlackConfig | undefined =
    env.SLACK_BOT_TOKEN && (env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN)
      ? {
          botToken: env.SLACK_BOT_TOKEN,
          signingSecret: env.SLACK_SIGNING_SECRET,
          appToken: env.SLACK_APP_TOKEN,
          socketMode: env.SLACK_APP_TOKEN !== undefined,
          apiUrl: env.SLACK_API_URL,
          alertChannel: env.SLACK_ALERT_CHANNEL,
          command: env.SLACK_COMMAND,
        }
      : undefined;

  const teams: TeamsConfig | undefined =
    env.TEAMS_CLIENT_ID && env.TEAMS_CLIENT_SECRET && env.TEAMS_TENANT_ID
      ? { clientId: env.TEAMS_CLIENT_ID, clientSecret: env.TEAMS_CLIENT_SECRET, tenantId: env.TEAMS_TENANT_ID, alertConversation: env.TEAMS_ALERT_CONVERSATION, loginUrl: env.M365_LOGIN_URL }
      : undefined;

  const m365Auth: M365Auth | undefined = env.M365_CLIENT_SECRET
    ? { kind: 'secret', secret: env.M365_CLIENT_SECRET }
    : env.M365_CERTIFICATE_PATH
      ? { kind: 'certificate', path: abs(env.M365_CERTIFICATE_PATH) }
      : undefined;
  const m365: M365Config | undefined =
    env.M365_TENANT_ID && env.M365_CLIENT_ID && m365Auth
      ? {
          tenantId: env.M365_TENANT_ID,
          clientId: env.M365_CLIENT_ID,
          auth: m365Auth,
          loginUrl: env.M365_LOGIN_URL,
          graphUrl: env.GRAPH_API_URL,
          managementUrl: env.O365_MANAGEMENT_API_URL,
          reportMailbox: env.REPORT_MAILBOX,
          reportFolder: env.REPORT_FOLDER,
        }
      : undefined;

  const ews: EwsConfig | undefined =
    env.EWS_URL && env.EWS_USERNAME && env.EWS_PASSWORD
      ? { url: env.EWS_URL, username: env.EWS_USERNAME, password: env.EWS_PASSWORD, mailbox: env.REPORT_MAILBOX, folder: env.REPORT_FOLDER }
      : undefined;

  let mimecastAuth: MimecastAuth | undefined;
  if (env.MIMECAST_CLIENT_ID && env.MIMECAST_CLIENT_SECRET) {
    mimecastAuth = { kind: 'oauth', clientId: env.MIMECAST_CLIENT_ID, clientSecret: env.MIMECAST_CLIENT_SECRET };
  } else if (env.MIMECAST_APP_ID && env.MIMECAST_APP_KEY && env.MIMECAST_ACCESS_KEY && env.MIMECAST_SECRET_KEY) {
    mimecastAuth = { kind: 'hmac', appId: env.MIMECAST_APP_ID, appKey: env.MIMECAST_APP_KEY, accessKey: env.MIMECAST_ACCESS_KEY, secret: env.MIMECAST_SECRET_KEY };
  }
  const mimecast: MimecastConfig | undefined = mimecastAuth ? { baseUrl: env.MIMECAST_BASE_URL, auth: mimecastAuth } : undefined;

  const cofense: CofenseConfig | undefined =
    env.COFENSE_BASE_URL && env.COFENSE_CLIENT_ID && env.COFENSE_CLIENT_SECRET
      ? { baseUrl: env.COFENSE_BASE_URL, clientId: env.COFENSE_CLIENT_ID, clientSecret: env.COFENSE_CLIENT_SECRET }
      : undefined;

  // TEAMS_PLAYGROUND (development; refused with Teams credentials by crossFieldProblems).
  const teamsPlayground = !teams && env.TEAMS_PLAYGROUND ? { alertConversation: env.TEAMS_ALERT_CONVERSATION } : undefined;
  const sandbox = !slack && !teams && !teamsPlayground && !m365 && !ews && !mimecast && !cofense;
  // Listen everywhere when a platform must reach us; in the sandbox (an unauthenticated local
  // console) only on loopback unless the operator says otherwise.
  const host = env.HOOKLINE_HOST ?? (sandbox || teamsPlayground ? '127.0.0.1' : '0.0.0.0');
  const db = env.HOOKLINE_DATABASE_URL;

  const config: Config = {
    server: { port: env.HOOKLINE_PORT, host, publicUrl: env.HOOKLINE_PUBLIC_URL, loopback: isLoopbackHost(host) },
    database: hiddenUrl({ kind: db.kind, path: db.file === undefined ? undefined : db.file === ':memory:' ? ':memory:' : abs(db.file) }, db.url),
    ingest: {
      token: env.HOOKLINE_INGEST_TOKEN,
      reportDir: env.REPORT_DIR === undefined ? undefined : abs(env.REPORT_DIR),
      maxBytes: env.HOOKLINE_MAX_REPORT_BYTES,
    },
    dryRun: env.HOOKLINE_DRY_RUN,
    logLevel: env.HOOKLINE_LOG_LEVEL,
    slack,
    teams,
    teamsPlayground,
    m365,
    ews,
    mimecast,
    cofense,
    policyPath: env.HOOKLINE_CONFIG === undefined ? undefined : abs(env.HOOKLINE_CONFIG),
    sandbox,
  };
  return protectSecrets(stripUndefined(config));
}

/**
 * The database URL may hold a password, and loggers copy objects field by field (losing toJSON):
 * so `url` is a non-enumerable property. `config.database.url` works; copies and logs omit it.
 */
function hiddenUrl(db: Omit<Config['database'], 'url'>, url: string): Config['database'] {
  Object.defineProperty(db, 'url', { value: url, enumerable: false, writable: false });
  return db as Config['database'];
}

/** Drop keys whose value is undefined, so `'slack' in config` and deep equality behave. */
function stripUndefined<T extends object>(obj: T): T {
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) delete (obj as Record<string, unknown>)[k];
    else if (v && typeof v === 'object' && !Array.isArray(v)) stripUndefined(v as object);
  }
  return obj;
}

const SECRET_FIELDS = new Set(['botToken', 'signingSecret', 'appToken', 'clientSecret', 'secret', 'password', 'appKey', 'accessKey', 'token']);

const redactUrlPassword = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^@]*@/i, `$1${REDACTED}@`);

/** A deep copy of (part of) a Config with every secret replaced; database URL passwords removed. */
export function redactConfig<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactConfig(v)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_FIELDS.has(k) && typeof v === 'string') out[k] = REDACTED;
    else if (k === 'url' && typeof v === 'string') out[k] = redactUrlPassword(v);
    else out[k] = redactConfig(v);
  }
  const hidden = Object.getOwnPropertyDescriptor(value, 'url');
  if (hidden && !hidden.enumerable && typeof hidden.value === 'string') out.url = redactUrlPassword(hidden.value);
  return out as T;
}

/**
 * Make JSON.stringify / pino / util.inspect of the config (or any part of it) show redacted
 * secrets. Non-enumerable, so spreading and deep equality are unaffected.
 */
function protectSecrets<T extends object>(obj: T): T {
  for (const v of Object.values(obj)) if (v && typeof v === 'object') protectSecrets(v as object);
  Object.defineProperty(obj, 'toJSON', { value: () => redactConfig(obj), enumerable: false });
  Object.defineProperty(obj, inspect.custom, { value: () => redactConfig(obj), enumerable: false });
  return obj;
}
