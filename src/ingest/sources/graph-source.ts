// The reporting mailbox through Microsoft Graph: a delta query over one folder, walked page by
// page. Implements the Source contract (../source.ts); what follows is how it keeps it.
//
// A round walks every page from the cursor to the round's deltaLink, collecting only metadata
// (id, receive time), then stores messages in the policy's order (oldest-first / latest-first):
// for each, a message already stored is recognised by its immutable id without fetching it;
// otherwise its MIME is fetched and ingestRaw() commits it. Only then is the cursor written:
//  - every change of the round stored: the cursor becomes the round's deltaLink;
//  - the round stopped at maxPerPoll (or a message could not be fetched): the cursor becomes the
//    link of the EARLIEST page that lists a message not yet stored. Every page before it holds
//    only stored messages; re-reading that page (a $skiptoken link can be requested again) and
//    the pages after it brings the rest back, and its chain ends at a deltaLink that covers
//    everything. The final deltaLink is never written while a message of the round is missing.
//  - the very first run (no cursor) stores at most maxFirstRun messages (the newest or oldest N
//    per order) and skips the rest of the initial sync BY DESIGN (logged, and remembered as a
//    receive-time range so that a later full resync does not bring them back).
// A stored link Graph no longer knows (410 Gone / syncStateNotFound) starts a full resync:
// stored messages are recognised and skipped, the first run's skipped range stays skipped. A full
// sync (first run or resync) that stops early is marked `full` in the cursor, so the skipped range
// is still applied when it resumes mid-chain.
import type { Logger } from '../../log/logger.ts';
import type { Store } from '../../store/store.ts';
import { isSyncReset, type GraphClient } from '../../vendors/graph/client.ts';
import type { DeltaMessage } from '../../vendors/graph/types.ts';
import { isVendorError } from '../../vendors/http/errors.ts';
import { ingestRaw, type IngestDeps } from '../pipeline.ts';
import { DEFAULT_POLL_SETTINGS, SharedRound, storeMailboxRound, type MailboxCandidate, type PollResult, type PollSettings, type Source } from '../source.ts';

/** Safety stop for a server that keeps sending nextLinks. */
const MAX_PAGES = 10_000;

export interface GraphSourceOptions {
  mailbox: string;
  /** Folder path (`Inbox`, `Inbox/Phish\/Reports`: `/` separates levels, `\/` is a slash in a name). */
  folder: string;
  poll?: Partial<PollSettings>;
}

/** The persisted cursor: JSON text in the cursors table. */
export interface GraphCursor {
  /**
   * Where the next round starts: a deltaLink (caught up) or a delta page link (a round stopped
   * early). Absent: a full sync from the start that is NOT a first run (after a sync reset).
   */
  link?: string;
  /** The link is a page of a full sync (first run or resync) that stopped early. */
  full?: boolean;
  /** Receive times the first run skipped by design: a full resync leaves them out again. */
  skipped?: { from: string; to: string };
}

export function parseGraphCursor(value: string | undefined): GraphCursor | undefined {
  if (value === undefined) return undefined;
  // Before the cursor was JSON it was the bare deltaLink: still a valid place to resume.
  if (!value.startsWith('{')) return { link: value };
  try {
    const c = JSON.parse(value) as GraphCursor;
    return {
      ...(typeof c.link === 'string' ? { link: c.link } : {}),
      ...(c.full === true ? { full: true } : {}),
      ...(c.skipped && typeof c.skipped.from === 'string' && typeof c.skipped.to === 'string' ? { skipped: { from: c.skipped.from, to: c.skipped.to } } : {}),
    };
  } catch {
    // A cursor we cannot read must not stop ingestion: a full resync is safe (dedupe).
    return {};
  }
}

export const formatGraphCursor = (c: GraphCursor): string => JSON.stringify(c);

interface Change extends MailboxCandidate {
  msg: DeltaMessage;
  /** Index of the last page that listed this message. */
  page: number;
}

interface Walk {
  /** The link each page was read from (undefined: the initial-sync request). */
  pageLinks: (string | undefined)[];
  /** Added or changed messages still in the folder at the end of the walk, by id. */
  changes: Map<string, Change>;
  deltaLink: string;
}

export class GraphMailboxSource implements Source {
  readonly name: string;
  readonly kind = 'graph';
  readonly mailbox: string;
  readonly folder: string;
  readonly settings: PollSettings;
  private folderIdCache: string | undefined;
  private readonly graph: GraphClient;
  private readonly deps: IngestDeps;
  private readonly shared = new SharedRound(() => this.round());

  constructor(graph: GraphClient, deps: IngestDeps, opts: GraphSourceOptions) {
    this.graph = graph;
    this.deps = deps;
    this.mailbox = opts.mailbox;
    this.folder = opts.folder;
    this.settings = { ...DEFAULT_POLL_SETTINGS, ...opts.poll };
    this.name = `graph:${opts.mailbox.toLowerCase()}:${opts.folder}`;
  }

  /** Runs one round; concurrent calls (timer + notification) share the round in flight. */
  poll(): Promise<PollResult> {
    return this.shared.start();
  }

  async close(): Promise<void> {
    await this.shared.settled();
  }

  /** The folder's Graph id (the subscription resource names it). */
  async folderId(): Promise<string> {
    this.folderIdCache ??= await this.graph.resolveFolderId(this.mailbox, this.folder);
    return this.folderIdCache;
  }

  private async round(): Promise<PollResult> {
    const { store, log } = this.deps as { store: Store; log: Logger };
    const folderId = await this.folderId();
    const cursor = parseGraphCursor(await store.getCursor(this.name));
    const firstRun = cursor === undefined;
    // A full sync lists the whole folder, so mail the first run skipped shows up again in it.
    let resync = cursor !== undefined && (cursor.link === undefined || cursor.full === true);
    let walk: Walk;
    try {
      walk = await this.walk(folderId, cursor?.link);
    } catch (err) {
      if (!cursor?.link || !isSyncReset(err)) throw err;
      log.warn(
        { source: this.name, status: isVendorError(err) ? err.status : undefined, code: isVendorError(err) ? err.code : undefined },
        'delta sync state lost: running a full resync (stored reports are recognised without fetching them; mail the first run skipped stays skipped)',
      );
      walk = await this.walk(folderId, undefined);
      resync = true;
    }

    return storeMailboxRound({
      source: this,
      store,
      log,
      candidates: [...walk.changes.values()],
      firstRun,
      resync,
      skippedRange: cursor?.skipped,
      idField: 'messageId',
      ingest: (c) => this.ingestOne(c.msg),
      commit: async (resumePage, skipped) => {
        const next: GraphCursor = resumePage === undefined ? { link: walk.deltaLink } : { ...pageLink(walk.pageLinks[resumePage]), ...(firstRun || resync ? { full: true } : {}) };
        await store.setCursor(this.name, formatGraphCursor({ ...next, ...(skipped ? { skipped } : {}) }));
      },
    });
  }

  /** Fetches one message and commits it; false when it was already stored or is gone. */
  private async ingestOne(msg: DeltaMessage): Promise<boolean> {
    let mime: Buffer;
    try {
      mime = await this.graph.getMessageMime(this.mailbox, msg.id);
    } catch (err) {
      if (isVendorError(err) && err.status === 404) {
        // Deleted from the reporting mailbox between the listing and the fetch: nothing left to ingest.
        this.deps.log.warn({ source: this.name, messageId: msg.id }, 'reported message was deleted before it could be fetched');
        return false;
      }
      throw err;
    }
    const { created } = await ingestRaw(this.deps, {
      source: this.kind,
      sourceRef: msg.id,
      raw: mime,
      ...(msg.receivedDateTime ? { receivedAt: msg.receivedDateTime } : {}),
    });
    return created;
  }

  /** Reads every page from `start` (undefined: the initial sync) to the deltaLink; metadata only. */
  private async walk(folderId: string, start: string | undefined): Promise<Walk> {
    const pageLinks: (string | undefined)[] = [];
    const changes = new Map<string, Change>();
    let link = start;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = await this.graph.messagesDeltaPage(this.mailbox, folderId, link);
      pageLinks.push(link);
      for (const id of page.removedIds) changes.delete(id);
      for (const m of page.added) {
        // Re-inserted so the map keeps the order of the last listing (the tie-break of orderByReceived).
        changes.delete(m.id);
        changes.set(m.id, { msg: m, id: m.id, receivedAt: m.receivedDateTime, page: i });
      }
      if (page.deltaLink) return { pageLinks, changes, deltaLink: page.deltaLink };
      link = page.nextLink;
    }
    throw new Error(`${this.name}: more than ${MAX_PAGES} delta pages in one round`);
  }
}

const pageLink = (link: string | undefined): { link?: string } => (link ? { link } : {});
