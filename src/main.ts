// The composition root: builds configuration, store, vendor clients, adapters and jobs, and wires
// them together. Wiring only: behaviour lives in the modules it composes. `npm start` runs this
// file; tests call startHookline() in-process with an environment pointing at local fakes.
import { fileURLToPath } from 'node:url';
import type { Dispatcher } from 'undici';
import { loadConfig, ConfigError, type LoadedConfig } from './config/load.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { Store } from './store/store.ts';
import { Metrics } from './server/metrics.ts';
import { HookServer } from './server/http-server.ts';
import { ingestRoute } from './server/ingest-route.ts';
import { Catalog } from './actions/catalog.ts';
import { reportActions } from './actions/report-actions.ts';
import type { DecisionDeps } from './actions/decisions.ts';
import { Publisher } from './chat/publisher.ts';
import { Scheduler } from './jobs/scheduler.ts';
import type { Vendors } from './vendors/registry.ts';
import { MicrosoftTokenProvider } from './vendors/microsoft/auth.ts';
import { GraphClient } from './vendors/graph/client.ts';
import { CofenseClient } from './vendors/cofense/client.ts';
import { MimecastClient } from './vendors/mimecast/client.ts';
import { mimecastActions } from './actions/mimecast/index.ts';
import { cofenseActions } from './actions/cofense/index.ts';
import { GraphMailboxSource } from './ingest/sources/graph-source.ts';
import type { IngestDeps } from './ingest/pipeline.ts';
import { createSlackAdapter, type SlackAdapter } from '../adapters/slack/slack-app.ts';

export interface StartOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  log?: Logger;
  /** Overrides HOOKLINE_PORT / HOOKLINE_HOST (tests listen on port 0). */
  listen?: { port?: number; host?: string };
  /** Start the cron schedules (tests drive ticks by hand). Default true. */
  schedule?: boolean;
  /** Test seams for vendor HTTP: a dispatcher (test CA) and a sleep that does not wait. */
  vendorHttp?: { dispatcher?: Dispatcher; sleep?: (ms: number) => Promise<void> };
  slackRetries?: number;
}

export interface Hookline {
  loaded: LoadedConfig;
  url: string;
  store: Store;
  scheduler: Scheduler;
  publisher: Publisher;
  server: HookServer;
  metrics: Metrics;
  catalog: Catalog<Vendors>;
  vendors: Vendors;
  sources: { graph?: GraphMailboxSource };
  slack?: SlackAdapter;
  stop(): Promise<void>;
}

export async function startHookline(opts: StartOptions = {}): Promise<Hookline> {
  const loaded = loadConfig((opts.env ?? process.env) as NodeJS.ProcessEnv, opts.cwd ? { cwd: opts.cwd } : {});
  const { config, policy, policySource } = loaded;
  const log = opts.log ?? createLogger({ level: config.logLevel });
  for (const w of loaded.warnings) log.warn(w);

  const store = await Store.open(config.database.url, log, opts.cwd ? { cwd: opts.cwd } : {});
  const metrics = new Metrics();
  metrics.describe('hookline_reports_ingested_total', 'counter', 'Reports stored, by source');
  const server = new HookServer({ log, metrics, ready: () => store.ping() });

  // Vendor clients: a vendor without configuration is simply absent.
  const vendors: Vendors = {};
  const http = { ...(opts.vendorHttp?.dispatcher ? { dispatcher: opts.vendorHttp.dispatcher } : {}), ...(opts.vendorHttp?.sleep ? { sleep: opts.vendorHttp.sleep } : {}) };
  if (config.m365) {
    const m = config.m365;
    const tokens = new MicrosoftTokenProvider({
      tenantId: m.tenantId,
      clientId: m.clientId,
      loginUrl: m.loginUrl,
      log,
      ...(m.auth.kind === 'secret' ? { clientSecret: m.auth.secret } : { certificatePath: m.auth.path }),
    });
    vendors.graph = new GraphClient({ baseUrl: m.graphUrl, tokens, log, ...http });
    if (m.reportMailbox) vendors.reportMailbox = m.reportMailbox;
  }

  if (config.cofense) {
    const c = config.cofense;
    vendors.cofense = new CofenseClient({ baseUrl: c.baseUrl, clientId: c.clientId, clientSecret: c.clientSecret, log, ...http });
  }

  if (config.mimecast) {
    vendors.mimecast = new MimecastClient({ baseUrl: config.mimecast.baseUrl, auth: config.mimecast.auth, log, ...http });
  }

  const catalog = new Catalog<Vendors>().register(...reportActions, ...mimecastActions, ...cofenseActions);
  const publisher = new Publisher(store, log);
  const decisionDeps: DecisionDeps = { store, catalog, vendors, policy, policySource, publisher, log, dryRun: config.dryRun };

  let slack: SlackAdapter | undefined;
  if (config.slack) {
    const s = config.slack;
    const alertChannel = policy.alerts.slackChannel ?? s.alertChannel;
    const groupIds = [...new Set(Object.values(policy.roles).flatMap((r) => r.slack.groups))];
    slack = await createSlackAdapter({
      settings: { botToken: s.botToken, apiUrl: s.apiUrl, command: s.command, ...(s.signingSecret ? { signingSecret: s.signingSecret } : {}), ...(s.appToken ? { appToken: s.appToken } : {}), ...(alertChannel ? { alertChannel } : {}) },
      server,
      decisions: () => decisionDeps,
      policyGroupIds: groupIds,
      log,
      ...(opts.slackRetries !== undefined ? { retries: opts.slackRetries } : {}),
    });
    if (slack.port) publisher.addPort(slack.port);
    else log.warn('SLACK_ALERT_CHANNEL is not set: Slack buttons and commands work, but new reports are not posted to Slack');
  }

  const ingestDeps: IngestDeps = {
    store,
    log,
    parse: {
      maxBytes: config.ingest.maxBytes,
      extract: {
        urls: policy.ingest.extractUrls,
        ips: policy.ingest.extractIps,
        domains: policy.ingest.extractDomains,
        hashes: policy.ingest.extractHashes,
        attachments: policy.ingest.extractAttachments,
      },
    },
  };
  server.route('POST', '/ingest', ingestRoute(ingestDeps, { token: config.ingest.token, maxBytes: config.ingest.maxBytes, onIngested: () => metrics.inc('hookline_reports_ingested_total', { source: 'http' }) }));

  const sources: Hookline['sources'] = {};
  if (vendors.graph && config.m365?.reportMailbox) {
    sources.graph = new GraphMailboxSource(vendors.graph, ingestDeps, { mailbox: config.m365.reportMailbox, folder: config.m365.reportFolder });
  }

  const scheduler = new Scheduler(store, log, metrics);
  if (sources.graph) {
    const g = sources.graph;
    scheduler.add({ name: 'poll-graph', cron: policy.ingest.schedule, run: async () => metrics.inc('hookline_reports_ingested_total', { source: 'graph' }, (await g.poll()).ingested) });
  }
  scheduler.add({ name: 'post-alerts', cron: policy.alerts.schedule, run: () => publisher.postNew() });

  const addr = await server.listen(opts.listen?.port ?? config.server.port, opts.listen?.host ?? config.server.host);
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  if (slack) await slack.start();
  if (opts.schedule !== false) scheduler.start();

  log.info(
    {
      url,
      database: config.database.kind,
      slack: config.slack ? (config.slack.socketMode ? 'socket mode' : 'http') : 'off',
      vendors: Object.keys(vendors).filter((k) => k !== 'reportMailbox'),
      policy: policySource,
      dryRun: config.dryRun,
    },
    'hookline started',
  );
  if (config.sandbox) {
    log.warn('No chat platform and no vendor is configured: Hookline is running with nothing to talk to. Set SLACK_* and M365_* (see .env.example and README).');
  }

  return {
    loaded,
    url,
    store,
    scheduler,
    publisher,
    server,
    metrics,
    catalog,
    vendors,
    sources,
    ...(slack ? { slack } : {}),
    async stop() {
      await scheduler.stop();
      await slack?.stop();
      await server.close();
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  let hook: Hookline;
  try {
    hook = await startHookline();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(`Hookline could not start: ${(err as Error).message}`);
    process.exit(1);
  }
  console.log(`Hookline is listening on ${hook.url}`);
  const shutdown = () => {
    void hook.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
