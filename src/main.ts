// The composition root: builds configuration, store, vendor clients, adapters and jobs, and wires
// them together. Wiring only: behaviour lives in the modules it composes. `npm start` runs this
// file; tests call startHookline() in-process with an environment pointing at local fakes.
import { fileURLToPath } from 'node:url';
import type { Dispatcher } from 'undici';
import { loadConfig, ConfigError, configuredVendors, type LoadedConfig } from './config/load.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { Store } from './store/store.ts';
import { Metrics } from './server/metrics.ts';
import { HookServer } from './server/http-server.ts';
import { ingestRoute } from './server/ingest-route.ts';
import { downloadRoute } from './server/download-route.ts';
import { pruneDownloads, saveDownload } from './store/file-downloads.ts';
import type { FileData } from './actions/types.ts';
import type { Actor } from './store/types.ts';
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
import { EwsClient } from './vendors/ews/client.ts';
import { EwsMailboxSource } from './ingest/sources/ews-source.ts';
import { FolderSource } from './ingest/sources/folder-source.ts';
import { RoundTrigger } from './ingest/sources/round-trigger.ts';
import type { PollResult } from './ingest/source.ts';
import { graphNotificationsRoute } from './ingest/graph-notifications.ts';
import { GraphSubscriptionManager, NOTIFICATION_PATH, SUBSCRIPTION_CRON, SUBSCRIPTION_JOB } from './jobs/graph-subscription.ts';
import type { IngestDeps } from './ingest/pipeline.ts';
import { createSlackAdapter, type SlackAdapter } from '../adapters/slack/slack-app.ts';
import { auditRecentAction } from '../handlers/audit-command.ts';
import { chatNotifier } from './actions/steps/graph-notify-reporter.ts';
import { escalateOverdue, withEscalation } from './jobs/sla.ts';
import { expirePendingRequests } from './jobs/approval-expiry.ts';
import { createTeamsAdapter, type TeamsAdapter } from '../adapters/teams/teams-app.ts';
import { isLoopbackHost } from './config/formats.ts';
import { digestAction } from './reports/digest.ts';
import { topCampaigns } from './store/campaigns.ts';
import { postDigests, type DigestPort } from './jobs/digest-job.ts';
import { ManagementActivityClient } from './vendors/management-activity/client.ts';
import { o365Actions } from './actions/o365/index.ts';
import { messageTraceActions } from './actions/message-trace/index.ts';
import { managementActivityActions } from './actions/management-activity/index.ts';
import { MESSAGE_TRACE_JOB, fetchMessageTraces } from './jobs/message-trace-fetch.ts';
import { MANAGEMENT_ACTIVITY_JOB, fetchManagementActivity } from './jobs/management-activity-fetch.ts';
import { bootSandbox, SANDBOX_BANNER, SANDBOX_DATABASE_URL, SANDBOX_USERS, type Sandbox } from './sandbox/boot.ts';
import { createConsoleAdapter, type ConsoleAdapter } from '../adapters/console/console-app.ts';

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
  /**
   * Run the sandbox (simulators + console) when nothing is configured. `npm start` does; in-process
   * callers opt in, so a test with an empty environment gets the bare bot. Real configuration
   * always wins: with any platform or vendor configured there is no sandbox either way.
   */
  sandbox?: boolean;
  /** Test seams for Teams: the Bot Framework keys' location (local JWKS) and the invoke ack budget. */
  teams?: { openIdMetadataUrl?: string; ackBudgetMs?: number; defaultServiceUrl?: string };
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
  sources: { graph?: GraphMailboxSource; folder?: FolderSource; ews?: EwsMailboxSource };
  /** Push-triggered, collapsed ingest rounds (Graph notifications); tests await settled(). */
  triggers: { graph?: RoundTrigger };
  /** Present when HOOKLINE_PUBLIC_URL is set and a Graph reporting mailbox is configured. */
  graphSubscriptions?: GraphSubscriptionManager;
  slack?: SlackAdapter;
  teams?: TeamsAdapter;
  /** Sandbox mode only (no platform, no vendor configured): the simulators and the console. */
  sandbox?: Sandbox;
  console?: ConsoleAdapter;
  stop(): Promise<void>;
}

export async function startHookline(opts: StartOptions = {}): Promise<Hookline> {
  const loaded = loadConfig((opts.env ?? process.env) as NodeJS.ProcessEnv, opts.cwd ? { cwd: opts.cwd } : {});
  const { config } = loaded;
  const log = opts.log ?? createLogger({ level: config.logLevel });
  for (const w of loaded.warnings) log.warn(w);
  // Nothing configured: simulators, a seeded mailbox and the sandbox policy (docs/decisions/0008).
  const sandbox = config.sandbox && opts.sandbox ? await bootSandbox(config, log) : undefined;
  const policy = sandbox?.policy ?? loaded.policy;
  const policySource = sandbox?.policySource ?? loaded.policySource;
  const databaseUrl = sandbox && !(opts.env ?? process.env).HOOKLINE_DATABASE_URL ? SANDBOX_DATABASE_URL : config.database.url;

  const store = await Store.open(databaseUrl, log, opts.cwd ? { cwd: opts.cwd } : {});
  const metrics = new Metrics();
  metrics.describe('hookline_reports_ingested_total', 'counter', 'Reports stored, by source');
  const server = new HookServer({ log, metrics, ready: () => store.ping() });

  // Vendor clients: a vendor without configuration is simply absent.
  const vendors: Vendors = {};
  const http = {
    ...(opts.vendorHttp?.dispatcher ? { dispatcher: opts.vendorHttp.dispatcher } : {}),
    ...(opts.vendorHttp?.sleep ? { sleep: opts.vendorHttp.sleep } : {}),
    // policy limits.httpTimeoutSeconds (the seeds' "timeout"): every vendor request, every vendor.
    http: { timeoutMs: policy.limits.httpTimeoutSeconds * 1000 },
  };
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
    // Same identity, its own token cache (audience = the Management API resource).
    vendors.managementActivity = new ManagementActivityClient({ baseUrl: m.managementUrl, tenantId: m.tenantId, tokens, log, ...http });
    if (m.reportMailbox) vendors.reportMailbox = m.reportMailbox;
  }

  if (config.ews) {
    const e = config.ews;
    vendors.ews = new EwsClient({ url: e.url, auth: { kind: 'basic', username: e.username, password: e.password }, log, ...http });
    if (e.mailbox) vendors.reportMailbox ??= e.mailbox;
    vendors.ewsImpersonation = policy.vendors.ews.impersonation;
  }

  if (config.cofense) {
    const c = config.cofense;
    vendors.cofense = new CofenseClient({ baseUrl: c.baseUrl, clientId: c.clientId, clientSecret: c.clientSecret, log, ...http });
  }

  if (config.mimecast) {
    vendors.mimecast = new MimecastClient({ baseUrl: config.mimecast.baseUrl, auth: config.mimecast.auth, log, ...http });
  }

  if (sandbox) Object.assign(vendors, sandbox.vendors);

  const catalog = new Catalog<Vendors>().register(...reportActions, ...mimecastActions, ...cofenseActions);
  catalog.register(digestAction({ campaigns: topCampaigns }));
  catalog.register(auditRecentAction);
  catalog.register(...o365Actions, ...messageTraceActions, ...managementActivityActions);
  const publisher = new Publisher(store, log, sandbox ? { notice: SANDBOX_BANNER } : {});
  // Cards show the SLA banner (src/jobs/sla.ts); reporters get a DM on every platform that can find them.
  publisher.decorate(withEscalation(store));
  const decisionDeps: DecisionDeps = { store, catalog, vendors, policy, policySource, publisher, log, dryRun: config.dryRun, notifier: chatNotifier(publisher) };

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
      configuredVendors: configuredVendors(config),
      ...(opts.slackRetries !== undefined ? { retries: opts.slackRetries } : {}),
    });
    if (slack.port) publisher.addPort(slack.port);
    else log.warn('SLACK_ALERT_CHANNEL is not set: Slack buttons and commands work, but new reports are not posted to Slack');
  }

  let teams: TeamsAdapter | undefined;
  if (config.teams || config.teamsPlayground) {
    const t = config.teams;
    const alertConversation = t?.alertConversation ?? config.teamsPlayground?.alertConversation;
    teams = await createTeamsAdapter({
      settings: t
        ? { mode: 'bot', clientId: t.clientId, clientSecret: t.clientSecret, tenantId: t.tenantId, loginUrl: t.loginUrl, ...(alertConversation ? { alertConversation } : {}) }
        : { mode: 'playground', ...(alertConversation ? { alertConversation } : {}) },
      server,
      // The host actually bound (tests override it): the Playground switch requires loopback.
      loopback: isLoopbackHost(opts.listen?.host ?? config.server.host),
      decisions: () => decisionDeps,
      store,
      policy,
      policySource,
      catalog,
      log,
      ...(vendors.graph ? { graph: vendors.graph } : {}),
      ...(config.server.publicUrl
        ? {
            downloads: async (file: FileData, actor: Actor) => {
              const { token, expiresAt } = await saveDownload(store, file, actor);
              return { url: `${config.server.publicUrl}/files?t=${token}`, expiresAt };
            },
          }
        : {}),
      ...(opts.teams?.openIdMetadataUrl ? { openIdMetadataUrl: opts.teams.openIdMetadataUrl } : {}),
      ...(opts.teams?.ackBudgetMs !== undefined ? { ackBudgetMs: opts.teams.ackBudgetMs } : {}),
      ...(opts.teams?.defaultServiceUrl ? { defaultServiceUrl: opts.teams.defaultServiceUrl } : {}),
    });
    publisher.addPort(teams.port);
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
        eml: policy.ingest.extractEml,
        body: policy.ingest.addBodyToHeaderArtifacts,
      },
    },
  };
  let consoleAdapter: ConsoleAdapter | undefined;
  if (sandbox) {
    consoleAdapter = createConsoleAdapter({ server, decisions: () => decisionDeps, ingest: ingestDeps, users: SANDBOX_USERS, banner: SANDBOX_BANNER, maxUploadBytes: config.ingest.maxBytes });
    publisher.addPort(consoleAdapter.port);
  }
  server.route('GET', '/files', downloadRoute(store));
  server.route('POST', '/ingest', ingestRoute(ingestDeps, { token: config.ingest.token, maxBytes: config.ingest.maxBytes, onIngested: () => metrics.inc('hookline_reports_ingested_total', { source: 'http' }) }));

  const sources: Hookline['sources'] = {};
  const triggers: Hookline['triggers'] = {};
  const pollSettings = { maxFirstRun: policy.ingest.maxFirstRun, maxPerPoll: policy.ingest.maxPerPoll, order: policy.ingest.order };
  const reportMailbox = config.m365?.reportMailbox ?? sandbox?.reportMailbox;
  if (vendors.graph && reportMailbox) {
    sources.graph = new GraphMailboxSource(vendors.graph, ingestDeps, { mailbox: reportMailbox, folder: config.m365?.reportFolder ?? 'Inbox', poll: pollSettings });
  }
  if (config.ingest.reportDir) sources.folder = new FolderSource(ingestDeps, { dir: config.ingest.reportDir, maxBytes: config.ingest.maxBytes });
  // docs/configuration.md: the reporting mailbox is read with Graph, with EWS when Graph does not read it.
  if (vendors.ews && config.ews && !sources.graph) sources.ews = new EwsMailboxSource(vendors.ews, ingestDeps, { ...(config.ews.mailbox ? { mailbox: config.ews.mailbox } : {}), folder: config.ews.folder, poll: pollSettings });
  const counted = (source: string) => (r: PollResult) => metrics.inc('hookline_reports_ingested_total', { source }, r.ingested);

  const scheduler = new Scheduler(store, log, metrics);
  const startupJobs: string[] = [];
  let graphSubscriptions: GraphSubscriptionManager | undefined;
  if (sources.graph && vendors.graph) {
    const g = sources.graph;
    scheduler.add({ name: 'poll-graph', cron: policy.ingest.schedule, run: async () => counted('graph')(await g.poll()) });
    startupJobs.push('poll-graph');
    const trigger = new RoundTrigger(g.name, async () => counted('graph')(await g.poll()), log);
    triggers.graph = trigger;
    if (config.server.publicUrl) {
      const subs = new GraphSubscriptionManager({ graph: vendors.graph, store, log, metrics, publicUrl: config.server.publicUrl, sources: [g], requestRound: () => trigger.request() });
      graphSubscriptions = subs;
      scheduler.add({ name: SUBSCRIPTION_JOB, cron: SUBSCRIPTION_CRON, run: () => subs.ensureAll() });
      startupJobs.push(SUBSCRIPTION_JOB);
    }
    const subs = graphSubscriptions;
    server.route(
      'POST',
      NOTIFICATION_PATH,
      graphNotificationsRoute({
        store,
        log,
        metrics,
        lookup: async (id) => subs?.lookup(id),
        onChange: () => trigger.request(),
        onLifecycle: (event, id, source) => void subs?.handleLifecycle(event, id, source).catch((err: Error) => log.error({ source, event, err: err.message }, 'handling a Graph lifecycle event failed')),
      }),
    );
  }
  if (sources.folder) {
    const f = sources.folder;
    // The periodic rescan is the safety net under fs.watch, which drops events.
    scheduler.add({ name: 'poll-folder', cron: policy.ingest.schedule, run: async () => counted('folder')(await f.poll()) });
  }
  if (sources.ews) {
    const e = sources.ews;
    scheduler.add({ name: 'poll-ews', cron: policy.ingest.schedule, run: async () => counted('ews')(await e.poll()) });
    startupJobs.push('poll-ews');
  }
  scheduler.add({ name: 'post-alerts', cron: policy.alerts.schedule, run: () => publisher.postNew() });
  // Expired download links and inbound-event dedupe keys are removed every ten minutes.
  scheduler.add({ name: 'housekeeping', cron: '*/10 * * * *', run: async () => Promise.all([pruneDownloads(store), store.pruneSeen()]) });
  scheduler.add({ name: 'approval-expiry', cron: '* * * * *', run: () => expirePendingRequests(decisionDeps) });
  if (policy.sla.minutes > 0) scheduler.add({ name: 'sla', cron: policy.sla.schedule, run: () => escalateOverdue({ store, publisher, policy, log }) });
  const mt = policy.ingest.messageTrace;
  if (vendors.graph && mt.enabled) {
    const graph = vendors.graph;
    scheduler.add({ name: MESSAGE_TRACE_JOB, cron: mt.schedule, run: () => fetchMessageTraces({ graph, store, log }, { maxEventsPerFetch: mt.maxEventsPerFetch, firstFetchMinutes: mt.firstFetchMinutes }) });
  }
  const ma = policy.ingest.managementActivity;
  if (vendors.managementActivity && ma.contentTypes.length) {
    const client = vendors.managementActivity;
    const timeoutMs = policy.limits.httpTimeoutSeconds * 1000;
    scheduler.add({ name: MANAGEMENT_ACTIVITY_JOB, cron: ma.schedule, run: () => fetchManagementActivity({ client, store, log }, { ...ma, timeoutMs }) });
  }
  const digestPorts: DigestPort[] = [...(slack?.digest ? [slack.digest] : []), ...(teams ? [teams.digest] : []), ...(consoleAdapter ? [consoleAdapter.port] : [])];
  if (policy.digest.enabled && digestPorts.length) scheduler.add({ name: 'digest', cron: policy.digest.schedule, run: () => postDigests(store, digestPorts, log, { campaigns: topCampaigns }) });

  const addr = await server.listen(opts.listen?.port ?? config.server.port, opts.listen?.host ?? config.server.host);
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  if (slack) await slack.start();
  if (opts.schedule !== false) {
    scheduler.start();
    if (sources.folder) await sources.folder.start();
    // At start-up rather than a cron interval later: subscribe (needs the server listening, for
    // Graph's validation) and catch up on mail that arrived while Hookline was down.
    const startup = Promise.allSettled(startupJobs.map((job) => scheduler.tick(job)));
    // The sandbox's seeded reports appear on the console at once, not at the next alert minute.
    if (sandbox) void startup.then(() => scheduler.tick('post-alerts'));
  }

  log.info(
    {
      url,
      database: config.database.kind,
      slack: config.slack ? (config.slack.socketMode ? 'socket mode' : 'http') : 'off',
      teams: teams?.mode ?? 'off',
      vendors: Object.keys(vendors).filter((k) => k !== 'reportMailbox'),
      policy: policySource,
      dryRun: config.dryRun,
    },
    'hookline started',
  );
  if (sandbox) {
    log.warn(`${SANDBOX_BANNER}. The console is at ${url}/ ; set SLACK_* or TEAMS_* and M365_* (see .env.example and README) to leave the sandbox.`);
  } else if (config.sandbox) {
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
    triggers,
    ...(graphSubscriptions ? { graphSubscriptions } : {}),
    ...(slack ? { slack } : {}),
    ...(teams ? { teams } : {}),
    ...(sandbox ? { sandbox } : {}),
    ...(consoleAdapter ? { console: consoleAdapter } : {}),
    async stop() {
      await scheduler.stop();
      await sources.folder?.close();
      await triggers.graph?.settled();
      await sources.graph?.close();
      await sources.ews?.close();
      await slack?.stop();
      await teams?.stop();
      await server.close();
      await store.close();
      await sandbox?.close();
    },
  };
}

async function main(): Promise<void> {
  let hook: Hookline;
  try {
    hook = await startHookline({ sandbox: true });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(`Hookline could not start: ${(err as Error).message}`);
    process.exit(1);
  }
  console.log(`Hookline is listening on ${hook.url}`);
  if (hook.sandbox) {
    // The console link uses localhost: the sandbox listens on loopback only (HOOKLINE_HOST default).
    const port = new URL(hook.url).port;
    console.log(`\n  ${SANDBOX_BANNER}\n  Sandbox console: http://localhost:${port}\n`);
  }
  const shutdown = () => {
    void hook.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
