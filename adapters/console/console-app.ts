// The sandbox console: one more adapter on the same handlers, cards and policy as Slack and Teams,
// served from the one HTTP server. It is unauthenticated by design (the person at the keyboard picks
// which sandbox user they are), which is why it only ever runs in the sandbox, on loopback.
//
// Routes: GET / (the page), GET /console/static/* (its script, style and the official Adaptive
// Cards renderer from node_modules), GET /console/api/{state,messages,audit}, POST
// /console/api/{click,command,upload}. The page polls /console/api/state for the channel version.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecisionDeps } from '../../src/actions/decisions.ts';
import type { Actor } from '../../src/store/types.ts';
import type { HookServer } from '../../src/server/http-server.ts';
import { HttpError, readBody, sendJson, sendText } from '../../src/server/http-server.ts';
import { ingestRaw, sha256, type IngestDeps } from '../../src/ingest/pipeline.ts';
import { DECISION_BUTTONS, onDecisionButton, type DecisionButton } from '../../handlers/decision-buttons.ts';
import { helpIndex, parameterLines, prepareCommand, runAction, usageOf, type ActionOutcome } from '../../handlers/commands/index.ts';
import { isDigestStats } from '../../src/reports/digest.ts';
import { resultMessage } from '../../cards/slack/results.ts';
import { ConsoleChatPort } from './console-port.ts';

export interface ConsoleUser {
  id: string;
  name: string;
  role: string;
}

export interface ConsoleAdapterOptions {
  server: HookServer;
  decisions: () => DecisionDeps;
  ingest: IngestDeps;
  users: readonly ConsoleUser[];
  banner: string;
  /** Largest upload accepted (the ingest limit). */
  maxUploadBytes: number;
  /** The slash command shown in the command box (SLACK_COMMAND, default /phish). */
  command?: string;
}

export interface ConsoleAdapter {
  port: ConsoleChatPort;
}

const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');
const MAX_JSON = 64 * 1024;

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/console/static/app.js': { file: path.join(STATIC_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/console/static/block-kit.js': { file: path.join(STATIC_DIR, 'block-kit.js'), type: 'text/javascript; charset=utf-8' },
  '/console/static/app.css': { file: path.join(STATIC_DIR, 'app.css'), type: 'text/css; charset=utf-8' },
};

function adaptiveCardsScript(): string {
  // The package's browser bundle (UMD, global AdaptiveCards); Node cannot render with it, browsers can.
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('adaptivecards/package.json')), 'dist', 'adaptivecards.min.js');
}

async function readJson(req: Parameters<Parameters<HookServer['route']>[2]>[0]): Promise<Record<string, unknown>> {
  const raw = await readBody(req, MAX_JSON);
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new HttpError(400, 'expected a JSON object');
}

export function createConsoleAdapter(opts: ConsoleAdapterOptions): ConsoleAdapter {
  const port = new ConsoleChatPort();
  const users = new Map(opts.users.map((u) => [u.id, u]));
  const command = opts.command ?? '/phish';

  const actorOf = (id: unknown): Actor => {
    const u = typeof id === 'string' ? users.get(id) : undefined;
    if (!u) throw new HttpError(400, `unknown console user: choose one of ${[...users.keys()].join(', ')}`);
    return { platform: 'console', id: u.id, name: u.name };
  };

  const page = () => readFileSync(path.join(STATIC_DIR, 'index.html'), 'utf8').replaceAll('{{BANNER}}', opts.banner.replace(/[<>&"]/g, ''));
  opts.server.route('GET', '/', (_req, res) => sendText(res, 200, page(), 'text/html; charset=utf-8'));
  for (const [route, f] of Object.entries(STATIC_FILES)) opts.server.route('GET', route, (_req, res) => sendText(res, 200, readFileSync(f.file, 'utf8'), f.type));
  const acPath = adaptiveCardsScript();
  opts.server.route('GET', '/console/static/adaptivecards.js', (_req, res) => sendText(res, 200, readFileSync(acPath, 'utf8'), 'text/javascript; charset=utf-8'));

  opts.server.route('GET', '/console/api/state', (_req, res) => sendJson(res, 200, { banner: opts.banner, users: opts.users, version: port.version, command }));
  opts.server.route('GET', '/console/api/messages', (_req, res) => sendJson(res, 200, { version: port.version, messages: port.messages() }));
  opts.server.route('GET', '/console/api/audit', async (_req, res) => {
    const entries = await opts.decisions().store.listAudit({ order: 'desc', limit: 50 });
    sendJson(res, 200, { entries: entries.map((e) => ({ seq: e.seq, at: e.at, actor: e.actor.name ?? e.actor.id, platform: e.actor.platform, action: e.action, result: e.result })) });
  });

  opts.server.route('POST', '/console/api/click', async (req, res) => {
    const body = await readJson(req);
    const actor = actorOf(body.user);
    const button = body.button;
    const value = body.value;
    if (typeof button !== 'string' || !(DECISION_BUTTONS as readonly string[]).includes(button)) throw new HttpError(400, `unknown button: expected one of ${DECISION_BUTTONS.join(', ')}`);
    if (typeof value !== 'string' || !value || value.length > 200) throw new HttpError(400, 'expected the button value (a report or decision id)');
    const justification = typeof body.justification === 'string' && body.justification.trim() ? body.justification.slice(0, 2000) : undefined;
    const { result, notice } = await onDecisionButton(opts.decisions(), { actor, button: button as DecisionButton, value, ...(justification ? { justification } : {}) });
    if (result.kind === 'needs-justification') {
      // Four-eyes: the page asks why and sends the click again with the text.
      sendJson(res, 200, { kind: result.kind, message: result.message, approverRole: opts.decisions().policy.fourEyes.approverRole });
      return;
    }
    if (notice) port.note(`To ${actor.name}: ${notice}`);
    sendJson(res, 200, { kind: result.kind, ...(notice ? { notice } : {}) });
  });

  opts.server.route('POST', '/console/api/command', async (req, res) => {
    const body = await readJson(req);
    const actor = actorOf(body.user);
    const raw = typeof body.text === 'string' ? body.text.trim() : '';
    const text = raw.startsWith(command) ? raw.slice(command.length).trim() : raw.replace(/^\/\S+\s*/, '');
    port.note(`${command} ${text}`.trim(), actor.name);
    const answer = await runCommand(opts.decisions(), port, actor, text);
    if (answer) port.note(answer);
    sendJson(res, 200, { ok: true, ...(answer ? { message: answer } : {}) });
  });

  opts.server.route('POST', '/console/api/upload', async (req, res, url) => {
    const actor = actorOf(url.searchParams.get('user'));
    const body = await readBody(req, opts.maxUploadBytes);
    if (body.length === 0) throw new HttpError(400, 'empty upload: choose an .eml or .msg file');
    // The real ingestion path, as POST /ingest and the mailbox sources use it.
    const { report, created } = await ingestRaw(opts.ingest, { source: 'console', sourceRef: sha256(body), raw: body });
    const name = (url.searchParams.get('name') ?? 'upload').slice(0, 120);
    port.note(created ? `${actor.name} reported ${name}: stored as report ${report.id} (${report.status}).` : `${actor.name} reported ${name}: already known as report ${report.id}.`);
    // Post at once rather than at the next alert tick, so the card appears while the person looks.
    await opts.decisions().publisher.postNew();
    sendJson(res, created ? 202 : 200, { id: report.id, status: report.status, duplicate: !created, ...(report.parseError ? { parseError: report.parseError } : {}) });
  });

  return { port };
}

/** Runs a `/phish ...` line for the console; returns the text answer (results also go to the channel). */
export async function runCommand(deps: DecisionDeps, port: ConsoleChatPort, actor: Actor, text: string): Promise<string | undefined> {
  const prepared = prepareCommand(deps.catalog, text || 'help');
  switch (prepared.kind) {
    case 'help': {
      const index = helpIndex(deps.catalog, { vendors: deps.vendors, policy: deps.policy, policySource: deps.policySource, actor, ...(prepared.vendor ? { vendor: prepared.vendor } : {}) });
      return index.vendors
        .map((v) => `${v.vendor}${v.configured ? '' : ' (not configured)'}: ${v.actions.map((a) => `${a.name}${a.allowed === false ? ' (not allowed)' : ''}`).join(', ')}`)
        .join('\n');
    }
    case 'action-help':
      return [usageOf(prepared.def, prepared.fields), ...parameterLines(prepared.fields).map((l) => l.text)].join('\n');
    case 'error':
      return prepared.message;
    case 'form':
      // No forms in the console: say what is missing, as the Slack modal would.
      return [`${usageOf(prepared.def, prepared.fields)}`, ...prepared.problems.map((p) => `${p.field}: ${p.message}`)].join('\n');
    case 'ready':
      return describeOutcome(port, actor, await runAction(deps, { actor, def: prepared.def, params: prepared.params }));
  }
}

function describeOutcome(port: ConsoleChatPort, actor: Actor, outcome: ActionOutcome): string | undefined {
  switch (outcome.kind) {
    case 'result':
      if (isDigestStats(outcome.result.data)) {
        void port.postDigest(outcome.result.data);
        return undefined;
      }
      port.postResult(resultMessage({ actionId: outcome.def.id, title: outcome.def.title, result: outcome.result, actor }).card);
      return undefined;
    case 'not-configured':
      return `${outcome.message}`;
    default:
      return outcome.message;
  }
}
