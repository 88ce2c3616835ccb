// Loading the configuration: the environment (plus a .env file in the working directory, which
// never overrides a real environment variable) and the policy file named by HOOKLINE_CONFIG.
// Everything is checked before anything starts, and every problem is reported in one ConfigError
// so an operator fixes them all in one go. Secret values never appear in the message.
import { readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { buildConfig, secretValues, validateEnv, type Config } from './env.ts';
import { defaultPolicy, formatPath, parsePolicyText, type PlaybookVendor, type Policy } from './policy.ts';

export { ConfigError } from './errors.ts';
export type { ConfigProblem } from './errors.ts';

export const DEFAULT_POLICY_SOURCE = 'built-in default (deny all)';

export interface LoadOptions {
  /** Where .env is looked for and relative paths are resolved (default: process.cwd()). */
  cwd?: string;
  /** Reads a UTF-8 text file; throws an error with `code: 'ENOENT'` when it does not exist. */
  readFile?: (path: string) => string;
  /** What is at a path (for REPORT_DIR); undefined when nothing is. */
  statPath?: (path: string) => 'file' | 'directory' | 'other' | undefined;
}

export interface LoadedConfig {
  config: Config;
  policy: Policy;
  /** The policy file's absolute path, or `built-in default (deny all)`. */
  policySource: string;
  /** Things that work but are probably not what the operator wants; log them at startup. */
  warnings: string[];
}

const defaultReadFile = (path: string): string => readFileSync(path, 'utf8');

const defaultStat = (path: string): 'file' | 'directory' | 'other' | undefined => {
  try {
    const s = statSync(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
  } catch {
    return undefined;
  }
};

const errorCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

type ReadResult = { ok: true; text: string } | { ok: false; code: string };

function tryRead(readFile: (p: string) => string, path: string): ReadResult {
  try {
    return { ok: true, text: readFile(path) };
  } catch (err) {
    return { ok: false, code: errorCode(err) ?? 'EIO' };
  }
}

const readFailure = (code: string, path: string): string =>
  code === 'ENOENT' ? `file not found: ${path}` : code === 'EISDIR' ? `expected a file, but ${path} is a folder` : `cannot read ${path} (${code})`;

/** The vendors playbook steps can name, for a built config. */
export function configuredVendors(config: Config): PlaybookVendor[] {
  const out: PlaybookVendor[] = [];
  if (config.m365) out.push('graph');
  if (config.ews) out.push('ews');
  if (config.mimecast) out.push('mimecast');
  if (config.cofense) out.push('cofense');
  return out;
}

const VENDOR_SETUP: Record<PlaybookVendor, string> = {
  graph: 'set M365_TENANT_ID, M365_CLIENT_ID and M365_CLIENT_SECRET or M365_CERTIFICATE_PATH',
  ews: 'set EWS_URL, EWS_USERNAME and EWS_PASSWORD',
  mimecast: 'set MIMECAST_CLIENT_ID and MIMECAST_CLIENT_SECRET, or the API 1.0 keys',
  cofense: 'set COFENSE_BASE_URL, COFENSE_CLIENT_ID and COFENSE_CLIENT_SECRET',
};

/** Rules between the environment and the policy (both already valid on their own). */
function crossCheck(config: Config, policy: Policy, label: string, problems: ConfigProblem[], warnings: string[]): void {
  if (!config.sandbox) {
    // A step for a vendor that is not there would be skipped on every click: refuse it now.
    const have = new Set(configuredVendors(config));
    for (const button of ['approve', 'quarantine', 'block'] as const) {
      policy.playbooks[button].forEach((step, i) => {
        const where = `${label} ${formatPath(['playbooks', button, i, 'vendor'])}`;
        if (!have.has(step.vendor)) problems.push({ key: where, message: `${step.vendor} is not configured (${VENDOR_SETUP[step.vendor]}), so this step could never run` });
        else if (step.vendor === 'graph' && step.step === 'notify-reporter' && !config.m365?.reportMailbox) {
          problems.push({ key: `${label} ${formatPath(['playbooks', button, i, 'step'])}`, message: 'notify-reporter sends from the reporting mailbox: set REPORT_MAILBOX' });
        }
      });
    }
  }

  const anyMembers = Object.values(policy.roles).some((m) => m.slack.users.length + m.slack.groups.length + m.teams.users.length + m.teams.groups.length > 0);
  if ((config.slack || config.teams) && !anyMembers) {
    warnings.push('the policy gives no role to anybody: nobody can run change or destructive actions (name people in roles.* of the file named by HOOKLINE_CONFIG)');
  }
  if (config.slack && !config.slack.alertChannel && !policy.alerts.slackChannel) {
    warnings.push('Slack has no alert channel: new reports are not posted to Slack (set SLACK_ALERT_CHANNEL or alerts.slackChannel in the policy)');
  }
  if (!config.slack && (policy.alerts.slackChannel || policy.digest.slackChannel || policy.sla.slackGroup)) {
    warnings.push('the policy names Slack channels or groups, but Slack is not configured: they are ignored');
  }
  if (!config.teams && (policy.alerts.teamsConversation || policy.digest.teamsConversation || policy.sla.teamsGroup)) {
    warnings.push('the policy names Teams conversations or groups, but Teams is not configured: they are ignored');
  }
  if (config.m365?.reportMailbox && !config.server.publicUrl) {
    warnings.push(`HOOKLINE_PUBLIC_URL is not set: no Graph change notifications, the reporting mailbox is polled on ingest.schedule (${policy.ingest.schedule})`);
  }
  if (config.dryRun) warnings.push('HOOKLINE_DRY_RUN is on: destructive vendor calls are described and logged, not sent');
  if (config.sandbox && !config.server.loopback) {
    warnings.push(`sandbox mode listens on ${config.server.host}: the local console has no login, keep it off shared networks`);
  }
}

/**
 * Read and validate the whole configuration. Throws ConfigError listing every problem at once.
 * `env` is usually process.env; a `.env` file in `cwd` fills in variables that `env` lacks.
 */
export function loadConfig(env: NodeJS.ProcessEnv, opts: LoadOptions = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const readFile = opts.readFile ?? defaultReadFile;
  const statPath = opts.statPath ?? defaultStat;
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];

  // 1. .env (optional). Real environment variables win, even when empty.
  let merged: Record<string, string | undefined> = { ...env };
  const dotenvPath = join(cwd, '.env');
  const dotenv = tryRead(readFile, dotenvPath);
  if (dotenv.ok) {
    const fromFile = parseEnv(dotenv.text);
    merged = { ...fromFile, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
  } else if (dotenv.code !== 'ENOENT') {
    problems.push({ key: '.env', message: readFailure(dotenv.code, dotenvPath) });
  }

  // 2. The environment.
  const envResult = validateEnv(merged);
  problems.push(...envResult.problems);
  warnings.push(...envResult.warnings);
  const raw = envResult.raw;

  // 3. Files the environment points at (checked even when other variables are wrong).
  if (raw.M365_CERTIFICATE_PATH !== undefined) {
    const path = abs(raw.M365_CERTIFICATE_PATH);
    const r = tryRead(readFile, path);
    if (!r.ok) problems.push({ key: 'M365_CERTIFICATE_PATH', message: readFailure(r.code, path) });
    else if (!/-----BEGIN CERTIFICATE-----/.test(r.text) || !/-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(r.text)) {
      problems.push({ key: 'M365_CERTIFICATE_PATH', message: `expected a PEM file holding both the certificate (BEGIN CERTIFICATE) and its private key (BEGIN PRIVATE KEY): ${path}` });
    } else if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(r.text)) {
      problems.push({ key: 'M365_CERTIFICATE_PATH', message: `the private key in ${path} is encrypted: export it without a passphrase (and protect the file instead)` });
    }
  }
  if (raw.REPORT_DIR !== undefined) {
    const path = abs(raw.REPORT_DIR);
    const kind = statPath(path);
    if (kind === undefined) problems.push({ key: 'REPORT_DIR', message: `folder not found: ${path}` });
    else if (kind !== 'directory') problems.push({ key: 'REPORT_DIR', message: `expected a folder, but ${path} is not one` });
  }

  // 4. The policy file.
  let policy: Policy | undefined;
  let policySource = DEFAULT_POLICY_SOURCE;
  let label = 'policy';
  const policyVar = raw.HOOKLINE_CONFIG;
  if (policyVar === undefined) {
    policy = defaultPolicy();
  } else if (/\.(ya?ml|json)$/i.test(policyVar)) {
    const path = abs(policyVar);
    label = basename(path);
    policySource = path;
    const r = tryRead(readFile, path);
    if (!r.ok) {
      problems.push({ key: 'HOOKLINE_CONFIG', message: readFailure(r.code, path) });
    } else {
      const parsed = parsePolicyText(r.text, path, label);
      problems.push(...parsed.problems);
      policy = parsed.policy;
    }
  }
  // (a wrong extension was already reported by validateEnv)

  // 5. Rules across both, then the verdict.
  let config: Config | undefined;
  if (envResult.env && policy) {
    config = buildConfig(envResult.env, cwd);
    crossCheck(config, policy, label, problems, warnings);
  }
  if (problems.length || !config || !policy) throw new ConfigError(problems, secretValues(merged));
  return { config, policy, policySource, warnings };
}
