// Exchange Web Services for Exchange Server on-prem (Exchange Online is served through Graph:
// EWS there is being switched off, shared/reference/microsoft.md §1). SOAP over the project's one
// HTTP layer: each call is a POST of an envelope built by ./requests.ts and read by ./decode.ts.
//
// Throttling: EWS says "busy" inside the SOAP body (ErrorServerBusy with BackOffMilliseconds),
// which the HTTP layer cannot see. The layer retries what it can see (429/5xx/timeouts) for reads;
// this client only adds the SOAP-level cases the layer cannot: a batched call where some ids came
// back busy (only those are resent), a single answer that is busy, and a write refused whole with
// a busy fault (Exchange did nothing, so resending is safe). Each waits the server's back-off (up
// to the layer's MAX_SERVER_DELAY_MS; longer waits fail with retryAfterMs for the caller to
// reschedule), at most `busyRetries` times.
import type { Dispatcher } from 'undici';
import type { Logger } from '../../log/logger.ts';
import { HttpClient } from '../http/client.ts';
import { backoffDelayMs, MAX_SERVER_DELAY_MS, realSleep } from '../http/retry.ts';
import type { HttpClientOptions } from '../http/types.ts';
import { ewsAuthorizer, type EwsAuth } from './auth.ts';
import {
  decodeError,
  decodeExpandDL,
  decodeFindFolder,
  decodeFindItem,
  decodeGetFolder,
  decodeGetItem,
  decodeMarkAsJunk,
  decodeNewItemId,
  decodeResolveNames,
  decodeSyncFolderItems,
  decodeUpdateItem,
  emptyExpansion,
  messageError,
  responseMessages,
  type ResponseMessage,
} from './decode.ts';
import { EwsError, backOffFrom, describeCode, explainHttpError, faultFromText, isTransientCode } from './errors.ts';
import {
  distinguishedFolderName,
  formatFolderPath,
  isFolderPath,
  looksLikeEwsId,
  parseFolderPath,
  type EwsFolderRef,
  type EwsFolderTarget,
} from './folders.ts';
import { DEFAULT_RANGE, parseRange, type ItemRange } from './params.ts';
import {
  deleteItemRequest,
  expandDlRequest,
  findFolderRequest,
  findItemRequest,
  getFolderRequest,
  getItemRequest,
  markAsJunkRequest,
  moveCopyRequest,
  resolveNamesRequest,
  syncFolderItemsRequest,
  updateItemRequest,
  type BodyType,
  type DeleteType,
  type DlTarget,
  type FieldUri,
  type ItemUpdate,
  type ResolveScope,
  type UpdatableKind,
} from './requests.ts';
import { filterRestriction, type MessageFilter } from './restrictions.ts';
import { DEFAULT_EXCHANGE_VERSION, buildEnvelope, readEnvelope, type ExchangeVersion, type ServerVersionInfo, type SoapAnswer } from './soap.ts';
import type { EwsExpansion, EwsFindItemsPage, EwsFolder, EwsItem, EwsItemId, EwsItemOutcome, EwsMailbox, EwsResolution, EwsSyncResult } from './types.ts';
import { NS, XmlDecodeError, type XmlElement } from './xml.ts';

export interface EwsClientOptions {
  /** EWS_URL: the full endpoint, e.g. https://mail.contoso.com/EWS/Exchange.asmx. */
  url: string;
  auth: EwsAuth;
  log: Logger;
  dispatcher?: Dispatcher;
  /** RequestServerVersion sent with every call (default Exchange2013). */
  serverVersion?: ExchangeVersion;
  /** Passed through to the HttpClient (timeouts, retries, concurrency). */
  http?: Partial<Omit<HttpClientOptions, 'vendor' | 'baseUrl' | 'log' | 'dispatcher' | 'authorize' | 'onUnauthorized'>>;
  /** Shortcut for http.sleep; also used for throttling back-offs (tests record instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
  /** How many times a busy answer is resent after its back-off (default 2). */
  busyRetries?: number;
  /** Most folders one mailbox search visits (default 500). */
  maxSearchFolders?: number;
}

/** Per call: whom to impersonate (ExchangeImpersonation + X-AnchorMailbox), and cancellation. */
export interface EwsCallOptions {
  impersonate?: string;
  signal?: AbortSignal;
}

export interface GetItemOptions {
  /** Include the raw RFC 822 message (default true). */
  mime?: boolean;
  /** Body format (default Text); false: no body. */
  body?: BodyType | false;
  /** Every header as received (PR_TRANSPORT_MESSAGE_HEADERS; default true). */
  transportHeaders?: boolean;
  /** Longest body returned, in bytes (default: the whole body). */
  maxBodySize?: number;
  fields?: readonly FieldUri[];
}

export interface GetItemOutcome extends EwsItemOutcome {
  item?: EwsItem;
}

export interface FindItemsQuery {
  folder: EwsFolderTarget;
  filter?: MessageFilter;
  /** AQS query string; when given, `filter` is not used (EWS: a QueryString search ignores restrictions we would add). */
  query?: string;
  offset?: number;
  limit?: number;
  sort?: 'Ascending' | 'Descending';
  sortBy?: FieldUri;
  fields?: readonly FieldUri[];
}

export interface MailboxSearch {
  /** The mailbox whose folders are searched (delegate access); default the impersonated or own mailbox. */
  mailbox?: string;
  /** Folder path (`Inbox/phishing`); default every mail folder of the mailbox. */
  folder?: string;
  publicFolder?: boolean;
  filter?: MessageFilter;
  /** AQS; when given, subject / sender / body / internet message id filters are ignored (seed 000 "run query"). */
  query?: string;
  /** Per folder: `"0-10"` or { offset, limit } (default 0-10). */
  range?: string | ItemRange;
  /** Search only the folder itself, not its subfolders. */
  ignoreSubfolders?: boolean;
}

export interface FolderSearchResult {
  folder: EwsFolder;
  /** The folder's path from the search root (`Inbox/phishing`). */
  path: string;
  totalItemsInView?: number;
  includesLastItemInRange: boolean;
  items: EwsItem[];
}

export interface MailboxSearchResult {
  folders: FolderSearchResult[];
  /** Every item found, with the path of its folder, in folder order. */
  items: (EwsItem & { folderPath: string })[];
  /** True when the mailbox had more mail folders than were searched. */
  foldersTruncated: boolean;
  /** Filters the call ignored (with an AQS query), named as given. */
  ignoredFilters: string[];
}

export interface ExpandOptions {
  /** Expand nested lists too (seed `recursive`). */
  recursive?: boolean;
  /** Nesting depth limit (default 10). */
  maxDepth?: number;
  /** Most lists expanded in one call (default 200). */
  maxLists?: number;
  /** Most members collected (default 10 000). */
  maxMembers?: number;
}

export interface ConnectivityResult {
  folder: EwsFolder;
  serverVersion?: ServerVersionInfo;
}

type CallKind = 'read' | 'write';

/** Mail folders: the classes Outlook gives mail folders (IPF.Note and its subclasses). */
function isMailFolder(f: EwsFolder): boolean {
  return f.kind === 'Folder' && (f.folderClass?.startsWith('IPF.Note') ?? false);
}

export class EwsClient {
  readonly url: string;
  readonly serverVersion: ExchangeVersion;
  /** What the server said about itself on the last answer (ServerVersionInfo). */
  lastServerVersion: ServerVersionInfo | undefined;
  readonly #http: HttpClient;
  readonly #log: Logger;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #busyRetries: number;
  readonly #maxSearchFolders: number;
  readonly #folderCache = new Map<string, EwsFolderRef>();

  constructor(opts: EwsClientOptions) {
    const url = new URL(opts.url);
    this.url = url.href;
    this.serverVersion = opts.serverVersion ?? DEFAULT_EXCHANGE_VERSION;
    this.#log = opts.log;
    this.#busyRetries = opts.busyRetries ?? 2;
    this.#maxSearchFolders = opts.maxSearchFolders ?? 500;
    const sleep = opts.sleep ?? opts.http?.sleep;
    this.#sleep = sleep ?? realSleep;
    const auth = ewsAuthorizer(opts.auth, url);
    this.#http = new HttpClient({
      ...opts.http,
      ...(sleep ? { sleep } : {}),
      vendor: 'ews',
      baseUrl: url.origin,
      log: opts.log,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      authorize: auth.authorize,
      ...(auth.onUnauthorized ? { onUnauthorized: auth.onUnauthorized } : {}),
      // The HTTP layer keeps only an excerpt of error bodies; a SOAP fault's back-off and response
      // code are read from the whole body here: busy faults wait as long as Exchange asks, and
      // permanent faults (wrong mailbox, schema) are not retried.
      describeError: ({ text }) => {
        const fault = faultFromText(text);
        if (!fault?.responseCode) return undefined;
        const backOff = backOffFrom(fault.messageXml);
        return {
          code: fault.responseCode,
          ...(fault.message ? { message: fault.message } : {}),
          ...(backOff !== undefined ? { retryAfterMs: backOff } : {}),
          retryable: isTransientCode(fault.responseCode),
        };
      },
    });
  }

  // ================================================================ connectivity

  /** Reads the Inbox of `mailbox` (default the impersonated or own one): proves URL, credentials and rights. */
  async testConnectivity(mailbox?: string, call: EwsCallOptions = {}): Promise<ConnectivityResult> {
    const [folder] = await this.getFolders([{ distinguished: 'inbox', ...(mailbox ? { mailbox } : {}) }], call);
    if (!folder) throw decodeError('GetFolder', 'no folder in the answer');
    return { folder, ...(this.lastServerVersion ? { serverVersion: this.lastServerVersion } : {}) };
  }

  // ================================================================ folders

  async getFolders(refs: readonly EwsFolderRef[], call: EwsCallOptions = {}): Promise<EwsFolder[]> {
    const answer = await this.#exchange('GetFolder', getFolderRequest(refs), call, 'read');
    const out: EwsFolder[] = [];
    for (const m of responseMessages(answer, 'GetFolder', this.#who(call, refs[0]))) {
      if (m.responseClass === 'Error') throw messageError(m, 'GetFolder', this.#who(call, refs[0]));
      out.push(...decodeGetFolder(m));
    }
    return out;
  }

  /** The direct subfolders of a folder (all pages). */
  async listChildFolders(parent: EwsFolderRef, call: EwsCallOptions = {}): Promise<EwsFolder[]> {
    return this.#findFolders(parent, 'Shallow', call);
  }

  /**
   * Every folder under `root` (all depths), with its path relative to root. Public folders do not
   * allow a deep traversal, so they (`publicFolder`, or the public folders root) are walked level by level.
   */
  async listFolderTree(
    root: EwsFolderRef,
    call: EwsCallOptions = {},
    opts: { publicFolder?: boolean; limit?: number } = {},
  ): Promise<{ folders: { folder: EwsFolder; path: string }[]; truncated: boolean }> {
    const limit = opts.limit ?? this.#maxSearchFolders;
    if (opts.publicFolder || ('distinguished' in root && root.distinguished === 'publicfoldersroot')) return this.#walkTree(root, call, limit);
    const all = await this.#findFolders(root, 'Deep', call, limit + 1);
    const byId = new Map(all.map((f) => [f.folderId.id, f]));
    const paths = new Map<string, string>();
    const pathOf = (f: EwsFolder, depth = 0): string => {
      const known = paths.get(f.folderId.id);
      if (known !== undefined) return known;
      const parent = f.parentFolderId ? byId.get(f.parentFolderId.id) : undefined;
      const own = formatFolderPath([f.displayName ?? f.folderId.id]);
      // A parent outside the listing is the root itself; depth guards a malformed parent loop.
      const p = parent && depth < 64 ? `${pathOf(parent, depth + 1)}/${own}` : own;
      paths.set(f.folderId.id, p);
      return p;
    };
    const folders = all.slice(0, limit).map((folder) => ({ folder, path: pathOf(folder) }));
    return { folders, truncated: all.length > limit };
  }

  async #walkTree(root: EwsFolderRef, call: EwsCallOptions, limit: number): Promise<{ folders: { folder: EwsFolder; path: string }[]; truncated: boolean }> {
    const out: { folder: EwsFolder; path: string }[] = [];
    const queue: { ref: EwsFolderRef; path: string }[] = [{ ref: root, path: '' }];
    while (queue.length) {
      const { ref, path } = queue.shift() as { ref: EwsFolderRef; path: string };
      for (const f of await this.listChildFolders(ref, call)) {
        if (out.length >= limit) return { folders: out, truncated: true };
        const p = `${path ? `${path}/` : ''}${formatFolderPath([f.displayName ?? f.folderId.id])}`;
        out.push({ folder: f, path: p });
        if ((f.childFolderCount ?? 1) > 0) queue.push({ ref: { id: f.folderId.id }, path: p });
      }
    }
    return { folders: out, truncated: false };
  }

  async #findFolders(parent: EwsFolderRef, traversal: 'Shallow' | 'Deep', call: EwsCallOptions, limit = Number.POSITIVE_INFINITY): Promise<EwsFolder[]> {
    const out: EwsFolder[] = [];
    const pageSize = 500;
    for (let offset = 0, guard = 0; out.length < limit && guard < 1000; guard++) {
      const m = await this.#single('FindFolder', findFolderRequest({ parent, traversal, offset, max: pageSize }), call, 'read', this.#who(call, parent));
      const page = decodeFindFolder(m);
      out.push(...page.folders);
      if (page.includesLastItemInRange || page.folders.length === 0) break;
      offset = page.nextOffset !== undefined && page.nextOffset > offset ? page.nextOffset : offset + page.folders.length;
    }
    return out.slice(0, Number.isFinite(limit) ? limit : undefined);
  }

  /**
   * A folder reference for a target: ids and distinguished names as they are; a path is walked
   * level by level (FindFolder Shallow, display names compared case-insensitively, an exact-case
   * match preferred). Resolved paths are cached per mailbox and path.
   */
  async resolveFolder(target: EwsFolderTarget, call: EwsCallOptions = {}): Promise<EwsFolderRef> {
    if (!isFolderPath(target)) return target;
    const segments = parseFolderPath(target.path);
    if (segments.length === 0) throw new EwsError({ operation: 'ews.resolveFolder', kind: 'decode', attempts: 0, code: 'InvalidFolderPath', message: `the folder path ${JSON.stringify(target.path)} names no folder` });
    const owner = target.publicFolder ? 'public folders' : (target.mailbox ?? call.impersonate ?? 'own mailbox').toLowerCase();
    const key = `${owner}\n${segments.join('\n')}`;
    const cached = this.#folderCache.get(key);
    if (cached) return cached;

    let current: EwsFolderRef;
    let start = 0;
    const first = segments[0] as string;
    const wk = target.publicFolder ? undefined : distinguishedFolderName(first);
    if (target.publicFolder) {
      current = { distinguished: 'publicfoldersroot' };
    } else if (wk) {
      current = { distinguished: wk, ...(target.mailbox ? { mailbox: target.mailbox } : {}) };
      start = 1;
    } else if (segments.length === 1 && looksLikeEwsId(first)) {
      return { id: first };
    } else {
      current = { distinguished: 'msgfolderroot', ...(target.mailbox ? { mailbox: target.mailbox } : {}) };
    }
    for (let i = start; i < segments.length; i++) {
      const name = segments[i] as string;
      const kids = await this.listChildFolders(current, call);
      const match = kids.find((f) => f.displayName === name) ?? kids.find((f) => f.displayName?.toLowerCase() === name.toLowerCase());
      if (!match) {
        const where = i === 0 ? (target.publicFolder ? 'the public folders root' : 'the mailbox root') : `"${formatFolderPath(segments.slice(0, i))}"`;
        const names = kids.map((f) => f.displayName).filter(Boolean).slice(0, 10);
        throw new EwsError({
          operation: 'ews.resolveFolder',
          kind: 'http',
          status: 200,
          attempts: 1,
          responseCode: 'ErrorFolderNotFound',
          message: `folder ${JSON.stringify(formatFolderPath(segments))} not found${target.publicFolder ? ' in the public folders' : ` in ${target.mailbox ?? call.impersonate ?? 'the mailbox'}`}: no "${name}" under ${where}${names.length ? ` (there: ${names.join(', ')}${kids.length > names.length ? ', ...' : ''})` : ''}`,
        });
      }
      current = { id: match.folderId.id };
    }
    this.#folderCache.set(key, current);
    return current;
  }

  // ================================================================ search

  /** One page of FindItem in one folder (Shallow: EWS searches subfolders only in search folders). */
  async findItems(q: FindItemsQuery, call: EwsCallOptions = {}): Promise<EwsFindItemsPage> {
    const folder = await this.resolveFolder(q.folder, call);
    const restriction = q.query === undefined && q.filter ? filterRestriction(q.filter) : undefined;
    const m = await this.#single(
      'FindItem',
      findItemRequest({
        parents: [folder],
        offset: q.offset ?? 0,
        max: q.limit ?? DEFAULT_RANGE.limit,
        ...(restriction ? { restriction } : {}),
        ...(q.query !== undefined ? { queryString: q.query } : {}),
        ...(q.sort ? { sort: q.sort } : {}),
        ...(q.sortBy ? { sortBy: q.sortBy } : {}),
        ...(q.fields ? { fields: q.fields } : {}),
      }),
      call,
      'read',
      this.#who(call, folder),
    );
    return decodeFindItem(m);
  }

  /**
   * The seed's "run query": the folder (or every mail folder of the mailbox) and, unless told
   * otherwise, its subfolders, each searched on its own with the range applied per folder,
   * newest first.
   */
  async searchMailbox(s: MailboxSearch, call: EwsCallOptions = {}): Promise<MailboxSearchResult> {
    const range = typeof s.range === 'object' ? s.range : parseRange(s.range);
    const ignoredFilters = s.query !== undefined && s.filter ? Object.entries(s.filter).filter(([, v]) => v !== undefined && v !== '').map(([k]) => k) : [];
    const targets: { folder: EwsFolder; path: string }[] = [];
    let foldersTruncated = false;
    const mailboxOpt = s.mailbox ? { mailbox: s.mailbox } : {};

    if (s.folder !== undefined && s.folder.trim() !== '') {
      const ref = await this.resolveFolder({ path: s.folder, ...mailboxOpt, ...(s.publicFolder ? { publicFolder: true } : {}) }, call);
      const [folder] = await this.getFolders([ref], call);
      if (!folder) throw decodeError('GetFolder', 'no folder in the answer');
      const rootPath = formatFolderPath(parseFolderPath(s.folder));
      targets.push({ folder, path: rootPath });
      if (!s.ignoreSubfolders) {
        const tree = await this.listFolderTree({ id: folder.folderId.id }, call, { limit: this.#maxSearchFolders - 1, ...(s.publicFolder ? { publicFolder: true } : {}) });
        foldersTruncated = tree.truncated;
        for (const t of tree.folders) if (s.publicFolder || isMailFolder(t.folder)) targets.push({ folder: t.folder, path: `${rootPath}/${t.path}` });
      }
    } else {
      const root: EwsFolderRef = s.publicFolder ? { distinguished: 'publicfoldersroot' } : { distinguished: 'msgfolderroot', ...mailboxOpt };
      if (s.ignoreSubfolders) {
        targets.push(...(await this.listChildFolders(root, call)).filter((f) => s.publicFolder || isMailFolder(f)).map((folder) => ({ folder, path: formatFolderPath([folder.displayName ?? folder.folderId.id]) })));
      } else {
        const tree = await this.listFolderTree(root, call);
        foldersTruncated = tree.truncated;
        targets.push(...tree.folders.filter((t) => s.publicFolder || isMailFolder(t.folder)));
      }
    }

    const results: FolderSearchResult[] = new Array(targets.length);
    // A few folders at a time: the HTTP layer caps concurrency per host anyway, and EWS budgets
    // (EWSMaxConcurrency) are per account.
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < targets.length; i = next++) {
        const t = targets[i] as { folder: EwsFolder; path: string };
        const page = await this.findItems(
          { folder: { id: t.folder.folderId.id }, offset: range.offset, limit: range.limit, ...(s.filter ? { filter: s.filter } : {}), ...(s.query !== undefined ? { query: s.query } : {}) },
          call,
        );
        results[i] = { folder: t.folder, path: t.path, items: page.items, includesLastItemInRange: page.includesLastItemInRange, ...(page.totalItemsInView !== undefined ? { totalItemsInView: page.totalItemsInView } : {}) };
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, targets.length) }, worker));
    return {
      folders: results,
      items: results.flatMap((r) => r.items.map((item) => ({ ...item, folderPath: r.path }))),
      foldersTruncated,
      ignoredFilters,
    };
  }

  // ================================================================ items

  /** Items by id, one outcome per id (a missing id is an outcome, not an exception). */
  async getItems(ids: readonly (string | EwsItemId)[], opts: GetItemOptions = {}, call: EwsCallOptions = {}): Promise<GetItemOutcome[]> {
    const body = opts.body === false ? undefined : (opts.body ?? 'Text');
    return this.#batch(
      'GetItem',
      ids,
      (part) =>
        getItemRequest({
          ids: part,
          mime: opts.mime ?? true,
          ...(body ? { bodyType: body } : {}),
          transportHeaders: opts.transportHeaders ?? true,
          ...(opts.maxBodySize !== undefined ? { maxBodySize: opts.maxBodySize } : {}),
          ...(opts.fields ? { fields: opts.fields } : {}),
        }),
      (m) => {
        const [item] = decodeGetItem(m);
        return item ? { item } : {};
      },
      call,
      'read',
    );
  }

  /** One item, or an EwsError saying why not. */
  async getItem(id: string | EwsItemId, opts: GetItemOptions = {}, call: EwsCallOptions = {}): Promise<EwsItem> {
    const [outcome] = await this.getItems([id], opts, call);
    if (!outcome?.ok || !outcome.item) throw this.#outcomeError('GetItem', outcome, call);
    return outcome.item;
  }

  /** The raw RFC 822 message of an item (what ingestion parses). */
  async getMime(id: string | EwsItemId, call: EwsCallOptions = {}): Promise<Buffer> {
    const item = await this.getItem(id, { mime: true, body: false, transportHeaders: false, fields: ['item:ItemClass'] }, call);
    if (!item.mime) throw new EwsError({ operation: 'ews.getItem', kind: 'decode', attempts: 1, message: 'Exchange returned the item without its MIME content' });
    return item.mime;
  }

  /**
   * Deletes items (several ids in one call). Default MoveToDeletedItems: what seed 000 documents
   * ("moved to the Deleted Items folder"), recoverable by the user.
   */
  async deleteItems(ids: readonly (string | EwsItemId)[], deleteType: DeleteType = 'MoveToDeletedItems', call: EwsCallOptions = {}): Promise<EwsItemOutcome[]> {
    return this.#batch('DeleteItem', ids, (part) => deleteItemRequest(part, deleteType), () => ({}), call, 'write');
  }

  /** Moves items; `newItemId` is set where Exchange returns one (not cross-mailbox, not into public folders). */
  async moveItems(ids: readonly (string | EwsItemId)[], to: EwsFolderTarget, call: EwsCallOptions = {}): Promise<EwsItemOutcome[]> {
    const folder = await this.resolveFolder(to, call);
    return this.#moveCopy('MoveItem', ids, folder, call);
  }

  /** Copies items; `newItemId` as for moveItems. */
  async copyItems(ids: readonly (string | EwsItemId)[], to: EwsFolderTarget, call: EwsCallOptions = {}): Promise<EwsItemOutcome[]> {
    const folder = await this.resolveFolder(to, call);
    return this.#moveCopy('CopyItem', ids, folder, call);
  }

  #moveCopy(op: 'MoveItem' | 'CopyItem', ids: readonly (string | EwsItemId)[], folder: EwsFolderRef, call: EwsCallOptions): Promise<EwsItemOutcome[]> {
    return this.#batch(
      op,
      ids,
      (part) => moveCopyRequest(op, part, folder),
      (m) => {
        const newItemId = decodeNewItemId(m);
        return newItemId ? { newItemId } : {};
      },
      call,
      'write',
    );
  }

  /**
   * Adds (isJunk) or removes the senders of these items to/from the mailbox's Blocked Senders
   * list, optionally moving the items to Junk Email (or back to the Inbox). The item id changes
   * when it moves: `newItemId` is what an undo needs. The list itself cannot be read through EWS.
   */
  async markAsJunk(ids: readonly (string | EwsItemId)[], opts: { isJunk: boolean; moveItem: boolean }, call: EwsCallOptions = {}): Promise<EwsItemOutcome[]> {
    return this.#batch(
      'MarkAsJunk',
      ids,
      (part) => markAsJunkRequest(part, opts.isJunk, opts.moveItem),
      (m) => {
        const newItemId = decodeMarkAsJunk(m);
        return newItemId ? { newItemId } : {};
      },
      call,
      'write',
    );
  }

  /**
   * Sets the subject and/or the categories of an item. Categories REPLACE the existing ones
   * (seed 000 "update email"); [] clears them. Returns the item id with its new change key.
   */
  async updateItem(id: string | EwsItemId, update: ItemUpdate, call: EwsCallOptions = {}, kind: UpdatableKind = 'Message'): Promise<{ itemId: EwsItemId; conflicts: number }> {
    const m = await this.#single('UpdateItem', updateItemRequest(id, update, kind), call, 'write', call.impersonate);
    const decoded = decodeUpdateItem(m);
    return { itemId: decoded.itemId ?? (typeof id === 'string' ? { id } : id), conflicts: decoded.conflicts };
  }

  // ================================================================ directory

  /**
   * Members of a distribution list. With `recursive`, nested lists (PublicDL / PrivateDL members)
   * are expanded too, each list at most once: a list reached again from inside itself is recorded
   * in `cycles` instead of being expanded again (Splunk's connector could loop for 15 minutes).
   */
  async expandDl(target: string | DlTarget, opts: ExpandOptions = {}, call: EwsCallOptions = {}): Promise<EwsExpansion> {
    const maxDepth = opts.maxDepth ?? 10;
    const maxLists = opts.maxLists ?? 200;
    const maxMembers = opts.maxMembers ?? 10_000;
    const result = emptyExpansion();
    const expanded = new Set<string>();
    const memberKeys = new Set<string>();
    const root: DlTarget = typeof target === 'string' ? { email: target } : target;
    const noteCycle = (t: DlTarget) => {
      if (!result.cycles.includes(dlLabel(t))) result.cycles.push(dlLabel(t));
    };

    // Depth first, each list expanded once; `ancestors` tells a cycle (a list inside itself) from
    // a list merely reached twice through two siblings (deduplicated silently).
    const visit = async (t: DlTarget, ancestors: ReadonlySet<string>, depth: number): Promise<void> => {
      const key = dlKey(t);
      expanded.add(key);
      result.expanded.push(dlLabel(t));
      const level = decodeExpandDL(await this.#single('ExpandDL', expandDlRequest(t), call, 'read', call.impersonate));
      if (!level.includesLastItemInRange) result.complete = false;
      const nested: DlTarget[] = [];
      for (const member of level.members) {
        const mKey = memberKey(member);
        if (!mKey || !memberKeys.has(mKey)) {
          if (result.members.length >= maxMembers) {
            result.truncated = true;
            break;
          }
          if (mKey) memberKeys.add(mKey);
          result.members.push(member);
        }
        const next = opts.recursive ? nestedTarget(member) : undefined;
        if (!next) continue;
        const nKey = dlKey(next);
        if (nKey === key || ancestors.has(nKey)) noteCycle(next);
        else if (!expanded.has(nKey)) nested.push(next);
      }
      const lineage = new Set([...ancestors, key]);
      for (const n of nested) {
        if (expanded.has(dlKey(n))) continue;
        if (depth + 1 > maxDepth || result.expanded.length >= maxLists) {
          result.truncated = true;
          continue;
        }
        try {
          await visit(n, lineage, depth + 1);
        } catch (err) {
          // One unreadable nested list (deleted, dynamic, no rights) must not lose the others.
          if (!(err instanceof EwsError) || err.retryable) throw err;
          result.failed.push({ list: dlLabel(n), message: err.detail });
        }
      }
    };
    await visit(root, new Set(), 0);
    return result;
  }

  /** Mailboxes and contacts matching a name or address (ResolveNames). No match is an empty list. */
  async resolveNames(entry: string, opts: { fullContactData?: boolean; scope?: ResolveScope } = {}, call: EwsCallOptions = {}): Promise<EwsResolution[]> {
    const answer = await this.#exchange('ResolveNames', resolveNamesRequest(entry, opts), call, 'read');
    const [m] = responseMessages(answer, 'ResolveNames', call.impersonate);
    if (!m) throw decodeError('ResolveNames', 'ResponseMessages is empty');
    if (m.code === 'ErrorNameResolutionNoResults') return [];
    // Several matches come back as a Warning (ErrorNameResolutionMultipleResults) with the matches.
    if (m.responseClass === 'Error') throw messageError(m, 'ResolveNames', call.impersonate);
    return decodeResolveNames(m);
  }

  // ================================================================ sync

  /**
   * The changes in a folder since `syncState` (from the beginning without one): the cursor of the
   * EWS ingestion source. At most `max` (1..512) changes per call; call again with the returned
   * syncState while includesLastItemInRange is false.
   */
  async syncFolderItems(folder: EwsFolderTarget, opts: { syncState?: string; max?: number; fields?: readonly FieldUri[] } = {}, call: EwsCallOptions = {}): Promise<EwsSyncResult> {
    const ref = await this.resolveFolder(folder, call);
    const m = await this.#single(
      'SyncFolderItems',
      syncFolderItemsRequest({ folder: ref, max: opts.max ?? 100, ...(opts.syncState ? { syncState: opts.syncState } : {}), ...(opts.fields ? { fields: opts.fields } : {}) }),
      call,
      'read',
      this.#who(call, ref),
    );
    return decodeSyncFolderItems(m);
  }

  // ================================================================ plumbing

  /** The mailbox a call concerns, for error hints. */
  #who(call: EwsCallOptions, ref?: EwsFolderRef): string | undefined {
    return (ref && 'mailbox' in ref ? ref.mailbox : undefined) ?? call.impersonate;
  }

  #outcomeError(op: string, outcome: EwsItemOutcome | undefined, call: EwsCallOptions): EwsError {
    const code = outcome?.code ?? 'ErrorItemNotFound';
    return new EwsError({ operation: `ews.${op.charAt(0).toLowerCase()}${op.slice(1)}`, kind: 'http', status: 200, attempts: 1, responseCode: code, message: outcome?.message ?? describeCode(code, undefined, call.impersonate) });
  }

  /** Waits a server-asked back-off (or our own backoff); false when it is too long to wait here. */
  async #backOff(ms: number | undefined, round: number): Promise<boolean> {
    const wait = ms ?? backoffDelayMs(round + 1, 500, 10_000, Math.random);
    if (wait > MAX_SERVER_DELAY_MS) return false;
    this.#log.warn({ vendor: 'ews', delayMs: wait, round: round + 1 }, 'ews busy: waiting the back-off Exchange asked for');
    await this.#sleep(wait);
    return true;
  }

  /** One POST; throws EwsError (HTTP failures explained, SOAP faults decoded). */
  async #post(op: string, body: XmlElement, call: EwsCallOptions, kind: CallKind): Promise<SoapAnswer> {
    const operation = `ews.${op.charAt(0).toLowerCase()}${op.slice(1)}`;
    const headers: Record<string, string> = {
      'content-type': 'text/xml; charset=utf-8',
      accept: 'text/xml',
      soapaction: `"${NS.messages}/${op}"`,
      // Routes the request to the mailbox's server (required by Exchange Online app-only access, harmless on-prem).
      ...(call.impersonate ? { 'x-anchormailbox': call.impersonate } : {}),
    };
    let res;
    try {
      res = await this.#http.request<string>({
        method: 'POST',
        path: this.url,
        body: buildEnvelope(body, { serverVersion: this.serverVersion, ...(call.impersonate ? { impersonate: call.impersonate } : {}) }),
        headers,
        responseType: 'text',
        operation,
        // Reads may be repeated after a 5xx or a timeout; changes only when certainly not processed.
        ...(kind === 'read' ? { retry: true } : {}),
        ...(call.signal ? { signal: call.signal } : {}),
      });
    } catch (err) {
      throw explainHttpError(err, { operation, ...(call.impersonate ? { mailbox: call.impersonate } : {}) });
    }
    try {
      const answer = readEnvelope(res.body);
      if (answer.serverVersion) this.lastServerVersion = answer.serverVersion;
      return answer;
    } catch (err) {
      if (!(err instanceof XmlDecodeError)) throw err;
      throw new EwsError({ operation, kind: 'decode', status: res.status, attempts: res.attempts, ...(res.requestId ? { requestId: res.requestId } : {}), message: `unexpected EWS answer: ${err.message}` });
    }
  }

  /** A POST, resent after a busy fault for writes (Exchange refused the whole request; reads were retried by the HTTP layer). */
  async #exchange(op: string, body: XmlElement, call: EwsCallOptions, kind: CallKind): Promise<SoapAnswer> {
    for (let round = 0; ; round++) {
      try {
        return await this.#post(op, body, call, kind);
      } catch (err) {
        if (err instanceof EwsError && err.responseCode === 'ErrorServerBusy' && err.status === 500 && kind === 'write' && round < this.#busyRetries && (await this.#backOff(err.backOffMs, round))) continue;
        throw err;
      }
    }
  }

  /** A single-answer operation; a busy answer is resent after its back-off, an error answer thrown. */
  async #single(op: string, body: XmlElement, call: EwsCallOptions, kind: CallKind, mailbox?: string): Promise<ResponseMessage> {
    for (let round = 0; ; round++) {
      const answer = await this.#exchange(op, body, call, kind);
      const [m] = responseMessages(answer, op, mailbox);
      if (!m) throw decodeError(op, 'ResponseMessages is empty');
      if (m.responseClass !== 'Error') return m;
      if (m.code === 'ErrorServerBusy' && round < this.#busyRetries && (await this.#backOff(m.backOffMs, round))) continue;
      throw messageError(m, op, mailbox);
    }
  }

  /**
   * A batched operation over ids: one ResponseMessage per id, in order. Ids that came back busy
   * are resent (alone) after the back-off; every other answer becomes that id's outcome.
   */
  async #batch<T extends Partial<GetItemOutcome>>(
    op: string,
    ids: readonly (string | EwsItemId)[],
    build: (part: readonly (string | EwsItemId)[]) => XmlElement,
    decode: (m: ResponseMessage) => T,
    call: EwsCallOptions,
    kind: CallKind,
  ): Promise<(EwsItemOutcome & T)[]> {
    const clean = ids.map((i) => (typeof i === 'string' ? i.trim() : i)).filter((i) => (typeof i === 'string' ? i !== '' : i.id !== ''));
    if (clean.length === 0) throw new EwsError({ operation: `ews.${op.charAt(0).toLowerCase()}${op.slice(1)}`, kind: 'decode', attempts: 0, code: 'NoIds', message: 'no item id given' });
    const outcomes: (EwsItemOutcome & T)[] = new Array(clean.length);
    let pending = clean.map((id, index) => ({ id, index }));
    for (let round = 0; pending.length; round++) {
      const answer = await this.#exchange(op, build(pending.map((p) => p.id)), call, kind);
      const messages = responseMessages(answer, op, call.impersonate);
      if (messages.length !== pending.length) throw decodeError(op, `${messages.length} answers for ${pending.length} ids`);
      const busy: typeof pending = [];
      let backOff: number | undefined;
      messages.forEach((m, i) => {
        const p = pending[i] as { id: string | EwsItemId; index: number };
        const idText = typeof p.id === 'string' ? p.id : p.id.id;
        if (m.code === 'ErrorServerBusy' && round < this.#busyRetries) {
          busy.push(p);
          backOff = Math.max(backOff ?? 0, m.backOffMs ?? 0) || undefined;
          return;
        }
        outcomes[p.index] =
          m.responseClass === 'Error'
            ? ({ id: idText, ok: false, code: m.code, message: describeCode(m.code, m.messageText, call.impersonate) } as EwsItemOutcome & T)
            : ({ id: idText, ok: true, code: m.code, ...decode(m) } as EwsItemOutcome & T);
      });
      if (busy.length && !(await this.#backOff(backOff, round))) {
        for (const p of busy) {
          const idText = typeof p.id === 'string' ? p.id : p.id.id;
          outcomes[p.index] = { id: idText, ok: false, code: 'ErrorServerBusy', message: describeCode('ErrorServerBusy', undefined) } as EwsItemOutcome & T;
        }
        break;
      }
      pending = busy;
    }
    return outcomes;
  }
}

/** A nested list to expand: public lists by address, private (contacts-folder) lists by item id. */
function nestedTarget(m: EwsMailbox): DlTarget | undefined {
  if (m.mailboxType === 'PrivateDL' && m.itemId) return { itemId: m.itemId };
  if (m.mailboxType === 'PublicDL' && m.email) return { email: m.email };
  return undefined;
}

function dlKey(t: DlTarget): string {
  return 'email' in t ? `smtp:${t.email.toLowerCase()}` : `id:${t.itemId.id}`;
}

function dlLabel(t: DlTarget): string {
  return 'email' in t ? t.email : `private list ${t.itemId.id.slice(0, 12)}…`;
}

function memberKey(m: EwsMailbox): string | undefined {
  if (m.mailboxType === 'PrivateDL' && m.itemId) return `id:${m.itemId.id}`;
  return m.email ? `smtp:${m.email.toLowerCase()}` : m.itemId ? `id:${m.itemId.id}` : undefined;
}

