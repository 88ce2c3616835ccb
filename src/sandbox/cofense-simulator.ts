// A local, stateful simulator of the slice of Cofense Vision Hookline uses (API v4, UAA token
// endpoint, IOC repository v1), answering with the shapes documented in
// shared/reference/mimecast_cofense.md §7–8. Used by the tests and by the product's sandbox mode.
// State lives in memory; the sample data uses example.com / example.net / example.org only.
//
// Routes: POST /uaa/oauth/token, GET /actuator/health (no auth); with a bearer token this
// simulator issued (401 otherwise): /api/v4/messages/metadata, /api/v4/messages (token + zip),
// /api/v4/attachment, /api/v4/quarantineJobs[/filter|/{id}[/approve|/restore|/stop]],
// /api/v4/searches[/{id}[/results]], /api/v4/config/searchableHeaders, /api/v4/download/logs,
// /iocrepository/v1/iocs[/last|/{md5}] (X-Cofense-IOC-Source required except on PUT /{md5}).
//
// Where Vision's behaviour is not documented the simulator makes a choice, marked SIM: e.g. jobs
// wait in PENDING_APPROVAL when `requireApproval` is on (real Vision does so for auto-quarantine
// jobs when configured), emails become QUARANTINED / RESTORED, IOC ids are md5(TYPE:value).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createZip } from '../util/zip.ts';
import type { Ioc, MessageSearch, QuarantineEmail, QuarantineJob, QuarantineJobRun } from '../vendors/cofense/types.ts';

export interface CofenseSimulatorOptions {
  /** Serve HTTPS with this key/cert; plain HTTP otherwise. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  port?: number;
  /** Listen address, also used in the URL (default 127.0.0.1). */
  host?: string;
  /** The API client the token endpoint accepts (default hookline-sim / sim-client-secret). */
  clientId?: string;
  clientSecret?: string;
  /** Token lifetime in seconds (default 1799, as Vision's UAA). */
  tokenLifetimeSec?: number;
  /** The simulator's clock (token expiry, timestamps). */
  now?: () => Date;
  /** Load the small sample data set (default true). */
  seed?: boolean;
  /** SIM: new quarantine jobs wait in PENDING_APPROVAL until approved (default true). */
  requireApproval?: boolean;
  /** SIM: upserting an IOC creates an auto-quarantine job for the messages it matches (default false). */
  autoQuarantine?: boolean;
  /** What /actuator/health reports (default UP). */
  health?: string;
  searchableHeaders?: string[];
}

export interface CofenseSimRequest {
  method: string;
  /** Decoded pathname. */
  path: string;
  /** Query parameters; a repeated one (sort) is an array. */
  query: Record<string, string | string[]>;
  /** Lower-case request headers WITHOUT authorization. */
  headers: Record<string, string>;
  /** An `Authorization: Bearer ...` header was sent. */
  hasBearer: boolean;
  /** ... and it was a live token this simulator issued. */
  bearerValid: boolean;
  json?: unknown;
  /** Form body (token route), client_secret replaced by "[redacted]". */
  form?: Record<string, string>;
  text?: string;
  status: number;
  at: Date;
}

export interface SimAttachment {
  id: number;
  filename: string;
  contentType: string;
  content: Buffer;
  md5: string;
  sha256: string;
}

export interface SimRecipient {
  address: string;
  personal?: string;
  recipientType: 'to' | 'cc' | 'bcc';
}

export interface SimMessage {
  id: number;
  internetMessageId: string;
  subject: string;
  from: { address: string; personal?: string };
  recipients: SimRecipient[];
  receivedOn: string;
  sentOn: string;
  processedOn: string;
  textBody: string | null;
  htmlBody: string | null;
  headers: { name: string; value: string }[];
  attachments: SimAttachment[];
}

export interface SimMessageInput {
  id?: number;
  internetMessageId: string;
  subject: string;
  from: string | { address: string; personal?: string };
  to: string[];
  cc?: string[];
  receivedOn?: string;
  textBody?: string;
  htmlBody?: string;
  headers?: Record<string, string>;
  attachments?: { filename: string; contentType: string; content: string | Buffer }[];
}

interface SimIocSource {
  id: string;
  threat_level: string;
  created_at: string;
  updated_at: string;
  requested_expiration: string | null;
}

export interface SimIoc {
  id: string;
  threatType: string;
  threatValue: string;
  /** Per IOC source, what that source said about it. */
  sources: Map<string, SimIocSource>;
  createdAt: string;
  expiresAt: string;
  wildcard: boolean;
  matchCount: number;
  quarantineCount: number;
}

export interface CofenseSimState {
  messages: SimMessage[];
  searches: Map<number, MessageSearch>;
  jobs: Map<number, QuarantineJob>;
  iocs: Map<string, SimIoc>;
  /** Where each (recipient, internet message id) copy is: `inbox` or `quarantine`. */
  mailboxes: Map<string, 'inbox' | 'quarantine'>;
  searchableHeaders: string[];
  /** Approvals received (job id, messageCount) in order. */
  approvals: { jobId: number; messageCount?: number }[];
}

export interface FailMatch {
  method?: string;
  /** Substring of the decoded path. */
  path?: string;
}

export interface FailResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON, a string as text. */
  body?: unknown;
}

export interface CofenseSimulator {
  /** COFENSE_BASE_URL for this simulator. */
  url: string;
  clientId: string;
  clientSecret: string;
  requests: CofenseSimRequest[];
  state: CofenseSimState;
  /** Adds a message to Vision's store (and to its recipients' mailboxes). */
  addMessage(input: SimMessageInput): SimMessage;
  /** The next `times` (default 1) matching requests get `response` instead of being served. */
  failNext(match: FailMatch, response: FailResponse, times?: number): void;
  /** Invalidates every issued token (API calls answer 401 invalid_token until a new one is fetched). */
  revokeTokens(): void;
  /** Token endpoint requests only. */
  tokenRequests(): CofenseSimRequest[];
  /** API requests only (not token / health). */
  apiRequests(): CofenseSimRequest[];
  close(): Promise<void>;
}

const MAX_PAGE_SIZE = 2000;
const MAX_SEARCH_VALUES = 3;
const THREAT_TYPES = ['DOMAIN', 'MD5', 'SENDER', 'SHA256', 'SUBJECT', 'URL'];
const JOB_STATUSES = ['NEW', 'PENDING_APPROVAL', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED'];
const SOURCE_PATTERN = /^[A-Za-z0-9._~-]+$/;
const DAY_MS = 86_400_000;

class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

const spring = (status: number, code: string, message: string, details: string[]) => new HttpError(status, { status: code, message, details });
const notFound = (what: string) => spring(404, 'NOT_FOUND', 'Object not found', [`Unable to find the requested object: ${what}`]);
const badRequest = (...details: string[]) => spring(400, 'BAD_REQUEST', 'Invalid request parameters', details);
const unprocessable = (...details: string[]) => spring(422, 'UNPROCESSABLE_ENTITY', 'Validation failed for request data', details);

export async function startCofenseSimulator(opts: CofenseSimulatorOptions = {}): Promise<CofenseSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const clientId = opts.clientId ?? 'hookline-sim';
  const clientSecret = opts.clientSecret ?? 'sim-client-secret';
  const lifetime = opts.tokenLifetimeSec ?? 1799;
  const now = opts.now ?? (() => new Date());
  const requireApproval = opts.requireApproval ?? true;

  const requests: CofenseSimRequest[] = [];
  const failures: { match: FailMatch; response: FailResponse; remaining: number }[] = [];
  const tokens = new Map<string, number>(); // token -> expiry (ms)
  const downloads = new Map<string, { kind: 'message'; message: SimMessage; password?: string } | { kind: 'attachment'; attachment: SimAttachment; password?: string }>();
  const state: CofenseSimState = {
    messages: [],
    searches: new Map(),
    jobs: new Map(),
    iocs: new Map(),
    mailboxes: new Map(),
    searchableHeaders: opts.searchableHeaders ?? ['X-Originating-IP', 'X-MS-Exchange-Organization-AuthSource', 'Reply-To', 'Return-Path'],
    approvals: [],
  };
  // The real client_secret of a token request, kept out of the recorded request.
  const formSecret = new WeakMap<CofenseSimRequest, string>();
  const seq = { message: 1000, attachment: 6_619_840, job: 0, run: 60, email: 0, search: 0, person: 2_616_080 };

  // ------------------------------------------------------------------ time formats

  /** Jobs and searches: zone-less timestamps with microseconds (`2022-07-15T05:43:39.136018`). */
  const localTs = (d: Date = now()) => `${d.toISOString().slice(0, 23)}000`;
  /** Messages and IOCs: `2022-07-07T09:58:57.170+00:00`. */
  const zonedTs = (d: Date = now()) => d.toISOString().replace('Z', '+00:00');
  const parseTs = (v: string | null | undefined): number => {
    if (!v) return Number.NaN;
    if (/^\d+$/.test(v)) return Number(v);
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(v);
    return Date.parse(hasZone ? v : `${v}Z`);
  };

  // ------------------------------------------------------------------ messages

  const mailboxKey = (recipient: string, imid: string) => `${recipient.toLowerCase()}\n${imid}`;
  const knownMailboxes = () => new Set(state.messages.flatMap((m) => m.recipients.map((r) => r.address.toLowerCase())));

  function addMessage(input: SimMessageInput): SimMessage {
    const from = typeof input.from === 'string' ? { address: input.from } : input.from;
    const received = input.receivedOn ? new Date(parseTs(input.receivedOn)) : now();
    const recipients: SimRecipient[] = [
      ...input.to.map((a) => ({ address: a, recipientType: 'to' as const })),
      ...(input.cc ?? []).map((a) => ({ address: a, recipientType: 'cc' as const })),
    ];
    const attachments = (input.attachments ?? []).map((a) => {
      const content = Buffer.isBuffer(a.content) ? a.content : Buffer.from(a.content);
      return { id: ++seq.attachment, filename: a.filename, contentType: a.contentType, content, md5: hash('md5', content), sha256: hash('sha256', content) };
    });
    const headers = [
      { name: 'From', value: from.personal ? `${from.personal} <${from.address}>` : from.address },
      { name: 'To', value: input.to.join(', ') },
      ...(input.cc?.length ? [{ name: 'CC', value: input.cc.join(', ') }] : []),
      { name: 'Subject', value: input.subject },
      { name: 'Date', value: received.toUTCString() },
      { name: 'Message-ID', value: input.internetMessageId },
      { name: 'MIME-Version', value: '1.0' },
      ...Object.entries(input.headers ?? {}).map(([name, value]) => ({ name, value })),
    ];
    const msg: SimMessage = {
      id: input.id ?? ++seq.message,
      internetMessageId: input.internetMessageId,
      subject: input.subject,
      from,
      recipients,
      receivedOn: zonedTs(received),
      sentOn: zonedTs(new Date(received.getTime() - 1000)),
      processedOn: zonedTs(new Date(received.getTime() + 3000)),
      textBody: input.textBody ?? null,
      htmlBody: input.htmlBody ?? null,
      headers,
      attachments,
    };
    state.messages.push(msg);
    for (const r of recipients) state.mailboxes.set(mailboxKey(r.address, msg.internetMessageId), 'inbox');
    return msg;
  }

  function renderMessage(m: SimMessage): Record<string, unknown> {
    const raw = messageEml(m);
    return {
      id: m.id,
      subject: m.subject,
      receivedOn: m.receivedOn,
      sentOn: m.sentOn,
      deliveredOn: null,
      processedOn: m.processedOn,
      textBody: m.textBody,
      htmlBody: m.htmlBody,
      md5: hash('md5', raw),
      sha1: hash('sha1', raw),
      sha256: hash('sha256', raw),
      internetMessageId: m.internetMessageId,
      from: [{ id: personId(m.from.address), personal: m.from.personal ?? null, address: m.from.address }],
      recipients: m.recipients.map((r) => ({ id: personId(r.address), personal: r.personal ?? null, address: r.address, recipientType: r.recipientType })),
      headers: m.headers,
      attachments: m.attachments.map((a) => ({
        id: a.id,
        filename: a.filename,
        contentType: a.contentType,
        detectedContentType: a.contentType,
        md5: a.md5,
        sha256: a.sha256,
        size: a.content.length,
      })),
    };
  }

  const personIds = new Map<string, number>();
  function personId(address: string): number {
    const k = address.toLowerCase();
    let id = personIds.get(k);
    if (id === undefined) personIds.set(k, (id = ++seq.person));
    return id;
  }

  function messageEml(m: SimMessage): Buffer {
    const head = m.headers.map((h) => `${h.name}: ${h.value}`).join('\r\n');
    const body = m.htmlBody ?? m.textBody ?? '';
    const type = m.htmlBody ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
    return Buffer.from(`${head}\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`);
  }

  const bodyText = (m: SimMessage) => `${m.textBody ?? ''}\n${m.htmlBody ?? ''}`;
  const urlsOf = (m: SimMessage) => [...bodyText(m).matchAll(/https?:\/\/[^\s"'<>]+/gi)].map((x) => x[0]);
  const hostOf = (u: string) => {
    try {
      return new URL(u).hostname.toLowerCase();
    } catch {
      return '';
    }
  };
  const inDomain = (h: string, d: string) => h === d.toLowerCase() || h.endsWith(`.${d.toLowerCase()}`);

  function findMessage(imid: string, recipient?: string): SimMessage | undefined {
    return state.messages.find((m) => m.internetMessageId === imid && (!recipient || m.recipients.some((r) => r.address.toLowerCase() === recipient.toLowerCase())));
  }

  // ------------------------------------------------------------------ quarantine jobs

  function newJob(emails: { recipientAddress: string; internetMessageId: string }[], extra: Partial<QuarantineJob> = {}): QuarantineJob {
    const ts = localTs();
    const id = ++seq.job;
    const job: QuarantineJob = {
      id,
      createdBy: clientId,
      createdDate: ts,
      modifiedBy: clientId,
      modifiedDate: ts,
      stopRequested: false,
      emailCount: emails.length,
      autoQuarantine: false,
      searchId: null,
      matchingIOCs: [],
      matchingSources: [],
      matchingIocInfo: [],
      quarantineEmails: emails.map((e) => ({
        id: ++seq.email,
        recipientAddress: e.recipientAddress,
        internetMessageId: e.internetMessageId,
        ewsMessageId: null,
        status: 'NEW',
        errorMessage: null,
        createdDate: ts,
        quarantinedDate: null,
        originalFolderId: null,
      })),
      quarantineJobRuns: [{ id: ++seq.run, jobRunType: 'QUARANTINE', status: 'NEW', startedDate: null, completedDate: null, total: emails.length, error: 0 }],
      ...extra,
    };
    state.jobs.set(id, job);
    return job;
  }

  const lastRun = (job: QuarantineJob): QuarantineJobRun | undefined => job.quarantineJobRuns?.[job.quarantineJobRuns.length - 1];
  const jobStatus = (job: QuarantineJob) => lastRun(job)?.status ?? 'NEW';

  function touch(job: QuarantineJob, by = clientId): void {
    job.modifiedBy = by;
    job.modifiedDate = localTs();
  }

  /** What Vision does once a job may run: pull each message out of each mailbox. */
  function runQuarantine(job: QuarantineJob): void {
    const run = lastRun(job);
    if (!run) return;
    const known = knownMailboxes();
    let errors = 0;
    run.startedDate = localTs();
    for (const e of job.quarantineEmails ?? []) {
      const key = mailboxKey(e.recipientAddress, e.internetMessageId);
      if (!known.has(e.recipientAddress.toLowerCase())) {
        e.status = 'UNKNOWN_MAILBOX';
        e.errorMessage = `No primary addresses were found for ${e.recipientAddress}`;
        errors++;
      } else if (state.mailboxes.get(key) !== 'inbox') {
        e.status = 'NOT_FOUND'; // SIM
        e.errorMessage = `Message ${e.internetMessageId} was not found in the mailbox of ${e.recipientAddress}`;
        errors++;
      } else {
        state.mailboxes.set(key, 'quarantine');
        e.status = 'QUARANTINED'; // SIM
        e.errorMessage = null;
        e.quarantinedDate = localTs();
        e.ewsMessageId = `AAMkAD${randomBytes(12).toString('base64url')}`;
        e.originalFolderId = 'AQMkADInbox';
        for (const ioc of state.iocs.values()) if (job.matchingIOCs?.includes(ioc.id)) ioc.quarantineCount++;
      }
    }
    run.status = 'COMPLETED';
    run.completedDate = localTs();
    run.error = errors;
    touch(job, 'system');
  }

  function runRestore(job: QuarantineJob): void {
    const run: QuarantineJobRun = { id: ++seq.run, jobRunType: 'RESTORE', status: 'RUNNING', startedDate: localTs(), completedDate: null, total: 0, error: 0 };
    job.quarantineJobRuns = [...(job.quarantineJobRuns ?? []), run];
    for (const e of job.quarantineEmails ?? []) {
      if (e.status !== 'QUARANTINED') continue;
      run.total = (run.total ?? 0) + 1;
      state.mailboxes.set(mailboxKey(e.recipientAddress, e.internetMessageId), 'inbox');
      e.status = 'RESTORED'; // SIM
    }
    run.status = 'COMPLETED';
    run.completedDate = localTs();
    touch(job, 'system');
  }

  /** After the create response: the job either waits for approval or runs at once. */
  function progress(job: QuarantineJob): void {
    const run = lastRun(job);
    if (!run || run.status !== 'NEW') return;
    if (requireApproval) {
      run.status = 'PENDING_APPROVAL';
      touch(job, 'system');
    } else {
      runQuarantine(job);
    }
  }

  // ------------------------------------------------------------------ searches

  function wildcard(pattern: string, value: string): boolean {
    const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    return re.test(value);
  }

  function matches(m: SimMessage, s: MessageSearch): boolean {
    const lc = (v: string) => v.toLowerCase();
    if (s.subjects?.length && !s.subjects.some((x) => lc(m.subject).includes(lc(x)))) return false;
    if (s.senders?.length && !s.senders.some((x) => lc(x) === lc(m.from.address))) return false;
    if (s.recipient && !m.recipients.some((r) => wildcard(s.recipient as string, r.address))) return false;
    if (s.url && !urlsOf(m).some((u) => wildcard(s.url as string, u))) return false;
    if (s.internetMessageId && s.internetMessageId !== m.internetMessageId) return false;
    if (s.attachmentNames?.length && !s.attachmentNames.some((n) => m.attachments.some((a) => lc(a.filename).includes(lc(n))))) return false;
    const hashes = s.attachmentHashCriteria?.attachmentHashes ?? [];
    if (hashes.length) {
      const has = (h: { hashType: string; hashString: string }) => m.attachments.some((a) => (h.hashType === 'MD5' ? a.md5 : a.sha256) === lc(h.hashString));
      if (s.attachmentHashCriteria?.type === 'ALL' ? !hashes.every(has) : !hashes.some(has)) return false;
    }
    if (s.attachmentMimeTypes?.length && !s.attachmentMimeTypes.some((t) => m.attachments.some((a) => lc(a.contentType).startsWith(lc(t))))) return false;
    if (s.attachmentExcludeMimeTypes?.length && m.attachments.some((a) => s.attachmentExcludeMimeTypes!.some((t) => lc(a.contentType).startsWith(lc(t))))) return false;
    const domains = s.domainCriteria?.domains ?? [];
    if (domains.length) {
      const hosts = urlsOf(m).map(hostOf);
      const has = (d: string) => hosts.some((h) => inDomain(h, d));
      if (s.domainCriteria?.type === 'ALL' ? !domains.every(has) : !domains.some(has)) return false;
    }
    for (const h of s.headers ?? []) {
      const found = m.headers.some((mh) => lc(mh.name) === lc(h.key) && h.values.some((v) => lc(mh.value).includes(lc(v))));
      if (!found) return false;
    }
    const received = parseTs(m.receivedOn);
    if (s.receivedAfterDate && received < parseTs(s.receivedAfterDate)) return false;
    if (s.receivedBeforeDate && received > parseTs(s.receivedBeforeDate)) return false;
    return true;
  }

  function createSearch(body: Record<string, unknown>): MessageSearch {
    const list = (k: string): string[] => {
      const v = body[k];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw unprocessable(`${k}: must be a list of strings`);
      if (v.length > MAX_SEARCH_VALUES) throw unprocessable(`${k}: size must be between 0 and ${MAX_SEARCH_VALUES}`);
      return v as string[];
    };
    const str = (k: string): string | null => (typeof body[k] === 'string' && body[k] !== '' ? (body[k] as string) : null);
    const date = (k: string): string | null => {
      const v = str(k);
      if (v !== null && Number.isNaN(parseTs(v))) throw unprocessable(`${k}: invalid date ${v}`);
      return v;
    };
    const ahc = isObj(body.attachmentHashCriteria) ? body.attachmentHashCriteria : {};
    const hashes = Array.isArray(ahc.attachmentHashes) ? (ahc.attachmentHashes as { hashType?: unknown; hashString?: unknown }[]) : [];
    if (hashes.length > MAX_SEARCH_VALUES) throw unprocessable(`attachmentHashCriteria.attachmentHashes: size must be between 0 and ${MAX_SEARCH_VALUES}`);
    for (const h of hashes) if (!['MD5', 'SHA256'].includes(String(h.hashType)) || typeof h.hashString !== 'string') throw unprocessable('attachmentHashCriteria.attachmentHashes: hashType must be MD5 or SHA256');
    const dc = isObj(body.domainCriteria) ? body.domainCriteria : {};
    const domains = Array.isArray(dc.domains) ? (dc.domains as string[]) : [];
    if (domains.length > MAX_SEARCH_VALUES) throw unprocessable(`domainCriteria.domains: size must be between 0 and ${MAX_SEARCH_VALUES}`);
    const headers = Array.isArray(body.headers) ? (body.headers as { key?: unknown; values?: unknown }[]) : [];
    if (headers.length > MAX_SEARCH_VALUES) throw unprocessable(`headers: size must be between 0 and ${MAX_SEARCH_VALUES}`);
    for (const h of headers) {
      if (typeof h.key !== 'string' || !Array.isArray(h.values)) throw unprocessable('headers: each header needs a key and values');
      if (!state.searchableHeaders.some((x) => x.toLowerCase() === (h.key as string).toLowerCase())) throw unprocessable(`headers: ${h.key} is not a searchable header`);
    }
    const ts = localTs();
    const search: MessageSearch = {
      id: ++seq.search,
      createdBy: clientId,
      createdDate: ts,
      modifiedBy: clientId,
      modifiedDate: ts,
      subjects: list('subjects'),
      senders: list('senders'),
      recipient: str('recipient'),
      attachmentNames: list('attachmentNames'),
      attachmentHashCriteria: { type: ahc.type === 'ALL' ? 'ALL' : 'ANY', attachmentHashes: hashes as { hashType: 'MD5' | 'SHA256'; hashString: string }[] },
      domainCriteria: { type: dc.type === 'ALL' ? 'ALL' : 'ANY', domains, whiteListUrls: Array.isArray(dc.whiteListUrls) ? (dc.whiteListUrls as string[]) : [] },
      attachmentMimeTypes: list('attachmentMimeTypes'),
      attachmentExcludeMimeTypes: list('attachmentExcludeMimeTypes'),
      receivedAfterDate: date('receivedAfterDate'),
      receivedBeforeDate: date('receivedBeforeDate'),
      url: str('url'),
      internetMessageId: str('internetMessageId'),
      headers: headers as { key: string; values: string[] }[],
      partialIngest: typeof body.partialIngest === 'boolean' ? body.partialIngest : null,
    };
    state.searches.set(search.id, search);
    return search;
  }

  // ------------------------------------------------------------------ IOCs

  const iocIdOf = (type: string, value: string) => hash('md5', Buffer.from(`${type.toUpperCase()}:${value.toLowerCase()}`));

  function renderIoc(ioc: SimIoc, source?: string): Ioc {
    const src = source ? ioc.sources.get(source) : [...ioc.sources.values()][0];
    const expired = parseTs(ioc.expiresAt) <= now().getTime();
    return {
      id: ioc.id,
      type: 'ioc',
      attributes: { threat_type: ioc.threatType, threat_value: ioc.threatValue },
      metadata: {
        source: src ? { ...src } : null,
        quarantine: {
          source_names: [...ioc.sources.keys()],
          created_at: ioc.createdAt,
          expires_at: ioc.expiresAt,
          expired,
          first_quarantined_at: null,
          last_quarantined_at: null,
          match_count: ioc.matchCount,
          quarantine_count: ioc.quarantineCount,
          wildcard: ioc.wildcard,
        },
      },
    };
  }

  function iocMatches(ioc: SimIoc, m: SimMessage): boolean {
    const v = ioc.threatValue.toLowerCase();
    const test = (x: string) => (ioc.wildcard ? wildcard(ioc.threatValue, x) : x.toLowerCase() === v);
    switch (ioc.threatType) {
      case 'SENDER':
        return test(m.from.address);
      case 'SUBJECT':
        return ioc.wildcard ? test(m.subject) : m.subject.toLowerCase().includes(v);
      case 'URL':
        return urlsOf(m).some(test);
      case 'DOMAIN':
        return inDomain(m.from.address.split('@')[1]?.toLowerCase() ?? '', v) || urlsOf(m).some((u) => inDomain(hostOf(u), v));
      case 'MD5':
        return m.attachments.some((a) => a.md5 === v);
      case 'SHA256':
        return m.attachments.some((a) => a.sha256 === v);
      default:
        return false;
    }
  }

  function upsertIoc(source: string, item: unknown, index: number): { ioc: SimIoc; created: boolean } {
    const where = `data[${index}]`;
    if (!isObj(item)) throw unprocessable(`${where}: must be an object`);
    const attrs = isObj(item.attributes) ? item.attributes : {};
    const meta = isObj(item.metadata) ? item.metadata : {};
    const src = isObj(meta.source) ? meta.source : {};
    const type = typeof attrs.threat_type === 'string' ? attrs.threat_type.toUpperCase() : '';
    if (!THREAT_TYPES.includes(type)) throw unprocessable(`${where}.attributes.threat_type: must be one of ${THREAT_TYPES.join(', ')}`);
    const value = typeof attrs.threat_value === 'string' ? attrs.threat_value.trim() : '';
    if (!value) throw unprocessable(`${where}.attributes.threat_value: must not be blank`);
    for (const k of ['threat_level', 'id', 'created_at']) {
      if (typeof src[k] !== 'string' || src[k] === '') throw unprocessable(`${where}.metadata.source.${k}: must not be blank`);
    }
    for (const k of ['created_at', 'updated_at', 'requested_expiration']) {
      if (typeof src[k] === 'string' && Number.isNaN(parseTs(src[k] as string))) throw unprocessable(`${where}.metadata.source.${k}: invalid date`);
    }
    const quarantine = isObj(meta.quarantine) ? meta.quarantine : {};
    const id = iocIdOf(type, value);
    const norm = (v: unknown) => (typeof v === 'string' ? zonedTs(new Date(parseTs(v))) : null);
    const entry: SimIocSource = {
      id: src.id as string,
      threat_level: src.threat_level as string,
      created_at: norm(src.created_at) as string,
      updated_at: norm(src.updated_at) ?? zonedTs(),
      requested_expiration: norm(src.requested_expiration),
    };
    let ioc = state.iocs.get(id);
    const created = !ioc;
    if (!ioc) {
      ioc = {
        id,
        threatType: type,
        threatValue: value,
        sources: new Map(),
        createdAt: zonedTs(),
        expiresAt: entry.requested_expiration ?? zonedTs(new Date(now().getTime() + 90 * DAY_MS)),
        wildcard: quarantine.wildcard === true,
        matchCount: 0,
        quarantineCount: 0,
      };
      state.iocs.set(id, ioc);
    } else if (entry.requested_expiration) {
      ioc.expiresAt = entry.requested_expiration;
    }
    ioc.sources.delete(source); // re-insert: Map order = update order, for /last
    ioc.sources.set(source, entry);
    ioc.matchCount = state.messages.filter((m) => iocMatches(ioc, m)).length;
    return { ioc, created };
  }

  function autoQuarantineFor(ioc: SimIoc, source: string): void {
    const emails = state.messages
      .filter((m) => iocMatches(ioc, m))
      .flatMap((m) => m.recipients.filter((r) => state.mailboxes.get(mailboxKey(r.address, m.internetMessageId)) === 'inbox').map((r) => ({ recipientAddress: r.address, internetMessageId: m.internetMessageId })));
    if (emails.length === 0) return;
    const job = newJob(emails, { autoQuarantine: true, createdBy: 'system', modifiedBy: 'system', matchingIOCs: [ioc.id], matchingSources: [source], matchingIocInfo: [renderIoc(ioc, source)] });
    progress(job);
  }

  function lastUpdated(source: string): SimIoc | undefined {
    let best: SimIoc | undefined;
    let bestAt = -Infinity;
    for (const ioc of state.iocs.values()) {
      const s = ioc.sources.get(source);
      if (!s) continue;
      const at = parseTs(s.updated_at);
      if (at >= bestAt) {
        best = ioc;
        bestAt = at;
      }
    }
    return best;
  }

  // ------------------------------------------------------------------ paging & sorting

  function paged<T>(items: T[], query: Record<string, string | string[]>, field: (item: T, name: string) => unknown): T[] {
    const page = Number(one(query.page) ?? 0);
    const size = Number(one(query.size) ?? 50);
    if (!Number.isInteger(page) || page < 0) throw badRequest('page must be greater than or equal to 0');
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw badRequest(`size must be between 1 and ${MAX_PAGE_SIZE}`);
    const sorts = all(query.sort).map((s) => {
      const [name, dir] = s.split(',');
      return { name: name ?? '', desc: (dir ?? 'asc').toLowerCase() === 'desc' };
    });
    const sorted = [...items];
    if (sorts.length) {
      sorted.sort((a, b) => {
        for (const s of sorts) {
          const c = compare(field(a, s.name), field(b, s.name));
          if (c !== 0) return s.desc ? -c : c;
        }
        return 0;
      });
    }
    return sorted.slice(page * size, page * size + size);
  }

  // ------------------------------------------------------------------ sample data

  if (opts.seed ?? true) {
    const base = now().getTime();
    addMessage({
      internetMessageId: '<phish-1001@mail-security.example.net>',
      subject: 'Action required: verify your mailbox',
      from: { address: 'helpdesk@mail-security.example.net', personal: 'IT Helpdesk' },
      to: ['alice@example.com', 'bob@example.com'],
      cc: ['carol@example.com'],
      receivedOn: new Date(base - 2 * 3_600_000).toISOString(),
      htmlBody: '<p>Your mailbox is almost full. <a href="https://verify.example.net/login?u=alice">Verify now</a></p>',
      headers: { 'X-Originating-IP': '192.0.2.45', 'Reply-To': 'helpdesk@mail-security.example.net' },
    });
    addMessage({
      internetMessageId: '<inv-2291@invoices.example.org>',
      subject: 'Invoice INV-2291 overdue',
      from: { address: 'billing@invoices.example.org', personal: 'Billing' },
      to: ['alice@example.com'],
      receivedOn: new Date(base - 90 * 60_000).toISOString(),
      textBody: 'Please find the overdue invoice attached. Pay at https://pay.invoices.example.org/inv/2291',
      attachments: [{ filename: 'INV-2291.html', contentType: 'text/html', content: '<html><body><form action="https://pay.invoices.example.org/collect">Invoice INV-2291</form></body></html>' }],
      headers: { 'X-Originating-IP': '198.51.100.7' },
    });
    addMessage({
      internetMessageId: '<lunch-1003@example.com>',
      subject: 'Team lunch on Friday',
      from: { address: 'dave@example.com', personal: 'Dave' },
      to: ['alice@example.com', 'bob@example.com'],
      receivedOn: new Date(base - 30 * 60_000).toISOString(),
      textBody: 'Pizza at noon? Menu: https://www.example.com/menu',
    });
    const seeded = upsertIoc(
      'Triage-1',
      {
        type: 'ioc',
        attributes: { threat_type: 'URL', threat_value: 'https://verify.example.net/login?u=alice' },
        metadata: { source: { threat_level: 'Malicious', id: 'triage-report-77', created_at: new Date(base - 3_600_000).toISOString(), updated_at: new Date(base - 3_600_000).toISOString() } },
      },
      0,
    );
    autoQuarantineFor(seeded.ioc, 'Triage-1');
  }

  // ------------------------------------------------------------------ routing

  async function route(req: IncomingMessage, rec: CofenseSimRequest, body: Buffer): Promise<{ status: number; body?: unknown; headers?: Record<string, string>; raw?: Buffer; text?: string }> {
    const { method, path, query } = rec;

    if (method === 'POST' && path === '/uaa/oauth/token') return tokenRoute(req, rec);
    if (method === 'GET' && path === '/actuator/health') return { status: 200, body: { status: opts.health ?? 'UP' } };

    if (!path.startsWith('/api/') && !path.startsWith('/iocrepository/')) throw new HttpError(404, { timestamp: zonedTs(), status: 404, error: 'Not Found', path });

    // Bearer token check (UAA-style errors).
    const auth = req.headers.authorization ?? '';
    if (!/^Bearer\s+\S+/i.test(auth)) throw new HttpError(401, { error: 'unauthorized', error_description: 'Full authentication is required to access this resource' });
    if (!rec.bearerValid) {
      const exp = tokens.get(auth.replace(/^Bearer\s+/i, '').trim());
      throw new HttpError(401, { error: 'invalid_token', error_description: exp !== undefined ? 'Access token expired' : 'Invalid access token' });
    }

    const json = (): Record<string, unknown> => {
      if (rec.json === undefined) throw badRequest('Required request body is missing');
      if (!isObj(rec.json)) throw badRequest('Request body must be a JSON object');
      return rec.json;
    };
    let m: RegExpExecArray | null;

    // ---- messages
    if (method === 'GET' && path === '/api/v4/messages/metadata') {
      const imid = one(query.internetMessageId);
      const rcpt = one(query.recipientAddress);
      if (!imid || !rcpt) throw badRequest('internetMessageId and recipientAddress are required');
      const msg = findMessage(imid, rcpt);
      if (!msg) throw notFound(`message ${imid} for ${rcpt}`);
      return { status: 200, body: renderMessage(msg) };
    }
    if (method === 'POST' && path === '/api/v4/messages') {
      const b = json();
      const imid = typeof b.internetMessageId === 'string' ? b.internetMessageId : '';
      const rcpt = typeof b.recipientAddress === 'string' ? b.recipientAddress : '';
      if (!imid || !rcpt) throw badRequest('internetMessageId and recipientAddress are required');
      const msg = findMessage(imid, rcpt);
      if (!msg) throw notFound(`message ${imid} for ${rcpt}`);
      const token = randomUUID();
      downloads.set(token, { kind: 'message', message: msg, ...(typeof b.password === 'string' && b.password ? { password: b.password } : {}) });
      // Vision's quirk: the token is plain text under a JSON content type.
      return { status: 200, text: token, headers: { 'content-type': 'application/json' } };
    }
    if (method === 'GET' && path === '/api/v4/messages') {
      const d = takeDownload(one(query.token));
      if (d.kind !== 'message') throw badRequest('Download token is either missing or has already been used: invalid_token');
      const zip = makeZip([{ name: `${d.message.id}.eml`, data: messageEml(d.message) }], d.password, now());
      return { status: 200, raw: zip, headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="message_${d.message.id}.zip"` } };
    }
    if (path === '/api/v4/attachment') {
      if (method === 'POST') {
        const b = json();
        const att = findAttachment(typeof b.md5 === 'string' ? b.md5 : undefined, typeof b.sha256 === 'string' ? b.sha256 : undefined);
        const token = randomUUID();
        downloads.set(token, { kind: 'attachment', attachment: att, ...(typeof b.password === 'string' && b.password ? { password: b.password } : {}) });
        return { status: 200, text: token, headers: { 'content-type': 'application/json' } };
      }
      if (method === 'GET') {
        const token = one(query.token);
        if (token !== undefined) {
          const d = takeDownload(token);
          if (d.kind !== 'attachment') throw badRequest('Download token is either missing or has already been used: invalid_token');
          const zip = makeZip([{ name: d.attachment.filename, data: d.attachment.content }], d.password, now());
          return { status: 200, raw: zip, headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${d.attachment.filename}.zip"` } };
        }
        const att = findAttachment(one(query.md5), one(query.sha256));
        return { status: 200, raw: att.content, headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${att.filename}"` } };
      }
    }

    // ---- quarantine jobs
    if (method === 'POST' && path === '/api/v4/quarantineJobs/filter') {
      const b = rec.json === undefined ? {} : json();
      const f = isObj(b.filterOptions) ? b.filterOptions : {};
      const statuses = (k: string) => {
        const v = Array.isArray(f[k]) ? (f[k] as unknown[]).map(String) : [];
        const bad = v.find((s) => !JOB_STATUSES.includes(s));
        if (bad) throw badRequest(`${k}: unknown status ${bad}`);
        return v;
      };
      const include = statuses('includeStatus');
      const exclude = statuses('excludeStatus');
      const iocs = Array.isArray(f.iocs) ? (f.iocs as string[]) : [];
      const sources = Array.isArray(f.sources) ? (f.sources as string[]) : [];
      const after = typeof f.modifiedDateAfter === 'string' ? parseTs(f.modifiedDateAfter) : undefined;
      if (after !== undefined && Number.isNaN(after)) throw badRequest('modifiedDateAfter: invalid date');
      let jobs = [...state.jobs.values()];
      if (f.autoQuarantine === true) jobs = jobs.filter((j) => j.autoQuarantine);
      if (include.length) jobs = jobs.filter((j) => include.includes(jobStatus(j)));
      if (exclude.length) jobs = jobs.filter((j) => !exclude.includes(jobStatus(j)));
      if (iocs.length) jobs = jobs.filter((j) => j.matchingIOCs?.some((i) => iocs.includes(i)));
      if (sources.length) jobs = jobs.filter((j) => j.matchingSources?.some((s) => sources.includes(s)));
      if (after !== undefined) jobs = jobs.filter((j) => parseTs(j.modifiedDate) > after);
      const page = paged(jobs, query, (j, k) => (j as Record<string, unknown>)[k]);
      const exclEmails = one(query.excludeQuarantineEmails) === 'true';
      return { status: 200, body: { quarantineJobs: page.map((j) => (exclEmails ? { ...clone(j), quarantineEmails: [] } : clone(j))) } };
    }
    if (path === '/api/v4/quarantineJobs') {
      if (method === 'GET') return { status: 200, body: { quarantineJobs: [...state.jobs.values()].map(clone) } };
      if (method === 'POST') {
        const b = json();
        const list = b.quarantineEmails;
        if (!Array.isArray(list) || list.length === 0) throw badRequest('quarantineEmails must not be empty');
        const emails = list.map((e, i) => {
          if (!isObj(e) || typeof e.recipientAddress !== 'string' || !e.recipientAddress || typeof e.internetMessageId !== 'string' || !e.internetMessageId) {
            throw unprocessable(`quarantineEmails[${i}]: recipientAddress and internetMessageId are required`);
          }
          return { recipientAddress: e.recipientAddress, internetMessageId: e.internetMessageId };
        });
        const job = newJob(emails);
        const snapshot = clone(job);
        progress(job);
        return { status: 200, body: snapshot };
      }
    }
    if ((m = /^\/api\/v4\/quarantineJobs\/(\d+)(?:\/(approve|restore|stop))?$/.exec(path))) {
      const id = Number(m[1]);
      const job = state.jobs.get(id);
      if (!job) throw notFound(`quarantine job ${id}`);
      const verb = m[2];
      if (!verb && method === 'GET') return { status: 200, body: clone(job) };
      if (!verb && method === 'DELETE') {
        state.jobs.delete(id);
        return { status: 200 };
      }
      if (verb === 'approve' && method === 'PUT') {
        if (jobStatus(job) !== 'PENDING_APPROVAL') throw badRequest(`Quarantine job ${id} is not pending approval (status ${jobStatus(job)})`);
        const mc = one(query.messageCount);
        if (mc !== undefined && !/^\d+$/.test(mc)) throw badRequest('messageCount must be a number');
        state.approvals.push({ jobId: id, ...(mc !== undefined ? { messageCount: Number(mc) } : {}) });
        touch(job);
        runQuarantine(job);
        return { status: 200 };
      }
      if (verb === 'restore' && method === 'PUT') {
        const quarantined = (job.quarantineEmails ?? []).some((e) => e.status === 'QUARANTINED');
        if (!quarantined) throw badRequest(`Quarantine job ${id} has no quarantined emails to restore (status ${jobStatus(job)})`);
        touch(job);
        runRestore(job);
        return { status: 200 };
      }
      if (verb === 'stop' && method === 'PUT') {
        job.stopRequested = true;
        touch(job);
        return { status: 200, body: clone(job) };
      }
    }

    // ---- searches
    if (path === '/api/v4/searches') {
      if (method === 'GET') {
        const page = paged([...state.searches.values()], query, (s, k) => (s as Record<string, unknown>)[k]);
        return { status: 200, body: { searches: page.map(clone) } };
      }
      if (method === 'POST') return { status: 200, body: clone(createSearch(json())) };
    }
    if ((m = /^\/api\/v4\/searches\/(\d+)(\/results)?$/.exec(path)) && method === 'GET') {
      const id = Number(m[1]);
      const search = state.searches.get(id);
      if (!search) throw notFound(`search ${id}`);
      if (!m[2]) return { status: 200, body: clone(search) };
      const hits = state.messages.filter((msg) => matches(msg, search)).map(renderMessage);
      const page = paged(hits, query, (x, k) => x[k]);
      return { status: 200, body: { messages: page, search: clone(search) } };
    }

    // ---- configuration & diagnostics
    if (method === 'GET' && path === '/api/v4/config/searchableHeaders') return { status: 200, body: { headers: [...state.searchableHeaders] } };
    if (method === 'GET' && path === '/api/v4/download/logs') {
      const t = now().toISOString();
      const zip = makeZip(
        [
          { name: 'vision/application.log', data: Buffer.from(`${t} INFO  Cofense Vision simulator started\n${t} INFO  ${state.messages.length} messages, ${state.jobs.size} quarantine jobs\n`) },
          { name: 'uaa/uaa.log', data: Buffer.from(`${t} INFO  ${tokens.size} tokens issued\n`) },
        ],
        undefined,
        now(),
      );
      return { status: 200, raw: zip, headers: { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="logfiles.zip"' } };
    }

    // ---- IOC repository
    if (path.startsWith('/iocrepository/v1/iocs')) {
      const rest = path.slice('/iocrepository/v1/iocs'.length);
      const single = /^\/([a-f0-9]{32})$/i.exec(rest);
      const headerSource = rec.headers['x-cofense-ioc-source'];
      const requireSource = (): string => {
        if (headerSource === undefined || headerSource === '') throw unprocessable('X-Cofense-IOC-Source header is required');
        if (!SOURCE_PATTERN.test(headerSource)) throw unprocessable('X-Cofense-IOC-Source must only have alphanumeric characters and - . _ ~');
        return headerSource;
      };
      if (rest === '' && method === 'GET') {
        const source = requireSource();
        const includeExpired = one(query.includeExpired) === 'true';
        const sinceRaw = one(query.since);
        const since = sinceRaw !== undefined ? parseTs(sinceRaw) : undefined;
        if (since !== undefined && Number.isNaN(since)) throw badRequest(`since: invalid date ${sinceRaw}`);
        let list = [...state.iocs.values()].filter((i) => i.sources.has(source));
        if (!includeExpired) list = list.filter((i) => parseTs(i.expiresAt) > now().getTime());
        if (since !== undefined) list = list.filter((i) => parseTs(i.createdAt) >= since);
        const page = paged(list, query, (i, k) => (k === 'updatedAt' ? parseTs(i.sources.get(source)?.updated_at) : undefined));
        return { status: 200, body: { data: page.map((i) => renderIoc(i, source)) } };
      }
      if (rest === '' && method === 'PUT') {
        const source = requireSource();
        const b = json();
        if (!Array.isArray(b.data) || b.data.length === 0) throw unprocessable('data: must not be empty');
        const out = b.data.map((item, i) => upsertIoc(source, item, i));
        if (opts.autoQuarantine) for (const r of out) if (r.created) autoQuarantineFor(r.ioc, source);
        return { status: 200, body: { data: out.map((r) => renderIoc(r.ioc, source)) } };
      }
      if (rest === '/last' && method === 'GET') {
        const source = requireSource();
        const ioc = lastUpdated(source);
        if (!ioc) throw notFound(`IOC for source ${source}`);
        return { status: 200, body: { data: renderIoc(ioc, source) } };
      }
      if (single) {
        const id = (single[1] as string).toLowerCase();
        const ioc = state.iocs.get(id);
        if (method === 'PUT') {
          // The single-IOC update is keyed by id alone (integrations send no source header).
          if (!ioc) throw notFound(`IOC ${id}`);
          const b = json();
          const data = isObj(b.data) ? b.data : {};
          const meta = isObj(data.metadata) ? data.metadata : {};
          const q = isObj(meta.quarantine) ? meta.quarantine : {};
          if (typeof q.expires_at !== 'string' || Number.isNaN(parseTs(q.expires_at))) throw unprocessable('data.metadata.quarantine.expires_at: must be a date');
          ioc.expiresAt = zonedTs(new Date(parseTs(q.expires_at)));
          return { status: 200, body: { data: renderIoc(ioc, headerSource && ioc.sources.has(headerSource) ? headerSource : undefined) } };
        }
        const source = requireSource();
        if (!ioc || !ioc.sources.has(source)) throw notFound(`IOC ${id} for source ${source}`);
        if (method === 'GET') return { status: 200, body: { data: renderIoc(ioc, source) } };
        if (method === 'DELETE') {
          const rendered = renderIoc(ioc, source);
          ioc.sources.delete(source);
          if (ioc.sources.size === 0) state.iocs.delete(id);
          return { status: 200, body: { data: rendered } };
        }
      }
    }

    throw new HttpError(405, { status: 'METHOD_NOT_ALLOWED', message: `${method} ${path} is not supported by the simulator`, details: [] });
  }

  function findAttachment(md5: string | undefined, sha256: string | undefined): SimAttachment {
    if (!md5 && !sha256) throw badRequest('md5 or sha256 is required');
    for (const msg of state.messages) {
      for (const a of msg.attachments) {
        if ((md5 === undefined || a.md5 === md5.toLowerCase()) && (sha256 === undefined || a.sha256 === sha256.toLowerCase())) return a;
      }
    }
    throw notFound(`attachment ${md5 ?? sha256}`);
  }

  function takeDownload(token: string | undefined) {
    const d = token ? downloads.get(token) : undefined;
    if (!token || !d) throw badRequest('Download token is either missing or has already been used: invalid_token');
    downloads.delete(token);
    return d;
  }

  function tokenRoute(req: IncomingMessage, rec: CofenseSimRequest): { status: number; body: unknown } {
    const form = rec.form ?? {};
    let id = form.client_id;
    let secret = formSecret.get(rec);
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (basic?.[1]) {
      const [u, p] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      id = u;
      secret = p;
    }
    if (form.grant_type !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${form.grant_type ?? ''}` } };
    }
    if (id !== clientId || secret !== clientSecret) return { status: 401, body: { error: 'unauthorized', error_description: 'Bad credentials' } };
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, now().getTime() + lifetime * 1000);
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: lifetime, scope: 'uaa.resource', jti: randomUUID().replace(/-/g, '') } };
  }

  // ------------------------------------------------------------------ server

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://sim');
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of url.searchParams) {
        const cur = query[k];
        query[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (k !== 'authorization' && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const auth = req.headers.authorization ?? '';
      const bearer = /^Bearer\s+(\S+)/i.exec(auth)?.[1];
      const exp = bearer ? tokens.get(bearer) : undefined;
      const rec: CofenseSimRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query,
        headers,
        hasBearer: bearer !== undefined,
        bearerValid: exp !== undefined && exp > now().getTime(),
        status: 0,
        at: now(),
      };
      const type = (req.headers['content-type'] ?? '').toLowerCase();
      const text = body.toString('utf8');
      if (text) {
        if (type.includes('application/x-www-form-urlencoded')) {
          const form: Record<string, string> = {};
          for (const [k, v] of new URLSearchParams(text)) form[k] = v;
          if (form.client_secret !== undefined) {
            formSecret.set(rec, form.client_secret);
            form.client_secret = '[redacted]';
          }
          rec.form = form;
        } else if (type.includes('json')) {
          try {
            rec.json = JSON.parse(text);
          } catch {
            rec.text = text;
          }
        } else {
          rec.text = text;
        }
      }
      requests.push(rec);

      const failure = failures.find((f) => f.remaining > 0 && (!f.match.method || f.match.method.toUpperCase() === rec.method) && (!f.match.path || rec.path.includes(f.match.path)));
      if (failure) {
        failure.remaining--;
        rec.status = failure.response.status;
        const b = failure.response.body;
        if (b === undefined) send(res, rec.status, undefined, failure.response.headers);
        else if (typeof b === 'string') sendText(res, rec.status, b, { 'content-type': 'text/plain', ...failure.response.headers });
        else send(res, rec.status, b, failure.response.headers);
        return;
      }

      route(req, rec, body)
        .then((out) => {
          rec.status = out.status;
          if (out.raw) {
            res.writeHead(out.status, { 'content-length': String(out.raw.length), ...out.headers });
            res.end(out.raw);
          } else if (out.text !== undefined) {
            sendText(res, out.status, out.text, out.headers);
          } else {
            send(res, out.status, out.body, out.headers);
          }
        })
        .catch((err: unknown) => {
          if (err instanceof HttpError) {
            rec.status = err.status;
            send(res, err.status, err.body);
            return;
          }
          rec.status = 500;
          send(res, 500, { status: 'INTERNAL_SERVER_ERROR', message: 'Simulator error', details: [err instanceof Error ? err.message : String(err)] });
        });
    });
  };

  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `${opts.tls ? 'https' : 'http'}://${host}:${port}`;

  return {
    url,
    clientId,
    clientSecret,
    requests,
    state,
    addMessage,
    failNext(match, response, times = 1) {
      failures.push({ match, response, remaining: times });
    },
    revokeTokens() {
      tokens.clear();
    },
    tokenRequests: () => requests.filter((r) => r.path === '/uaa/oauth/token'),
    apiRequests: () => requests.filter((r) => r.path.startsWith('/api/') || r.path.startsWith('/iocrepository/')),
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// ------------------------------------------------------------------ helpers

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, { 'content-length': '0', ...extra });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...extra });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(text)), ...extra });
  res.end(text);
}

function hash(alg: 'md5' | 'sha1' | 'sha256', data: Buffer): string {
  return createHash(alg).update(data).digest('hex');
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function all(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b));
}

// ------------------------------------------------------------------ zip (stored, optional ZipCrypto)

/** A zip archive with stored (uncompressed) entries; encrypted with ZipCrypto when a password is given. */
export function makeZip(files: { name: string; data: Buffer }[], password: string | undefined, when: Date): Buffer {
  return createZip(
    files.map((f) => ({ name: f.name, data: f.data, date: when })),
    { password: password || undefined, compression: 'store', rawNames: true },
  );
}

/** Reads back the entry names of a zip made by makeZip (tests and the console use it). */
export function zipEntries(zip: Buffer): { name: string; encrypted: boolean; size: number }[] {
  const out: { name: string; encrypted: boolean; size: number }[] = [];
  let i = 0;
  while (i + 30 <= zip.length && zip.readUInt32LE(i) === 0x04034b50) {
    const flags = zip.readUInt16LE(i + 6);
    const comp = zip.readUInt32LE(i + 18);
    const size = zip.readUInt32LE(i + 22);
    const nameLen = zip.readUInt16LE(i + 26);
    const extra = zip.readUInt16LE(i + 28);
    out.push({ name: zip.subarray(i + 30, i + 30 + nameLen).toString('utf8'), encrypted: (flags & 1) === 1, size });
    i += 30 + nameLen + extra + comp;
  }
  return out;
}
