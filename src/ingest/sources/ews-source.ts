// The reporting mailbox on Exchange Server on-prem, through EWS SyncFolderItems. Implements the
// Source contract (../source.ts); what follows is how it keeps it.
//
// SyncFolderItems is Exchange's own change cursor for a folder: from a SyncState it lists what was
// created, changed or deleted since, at most 512 changes per call, and returns the next SyncState.
// Unlike Splunk's connector (FindItem on LastModifiedTime, which re-ingests a message that is
// moved, read or categorised, and loops on equal timestamps), nothing here depends on clocks.
//
// A round walks every sync page from the cursor to the end, keeping metadata only (id, item
// kind, receive time), then stores messages in the policy's order: a message already stored is
// recognised by its ItemId without fetching it; otherwise its MimeContent is fetched (GetItem)
// and committed with ingestRaw(). Only then is the cursor written:
//  - every message of the round stored: the cursor becomes the last SyncState;
//  - the round stopped at maxPerPoll (or a message could not be fetched): the cursor becomes the
//    SyncState the EARLIEST page holding a message not yet stored was read FROM. Re-syncing from
//    that state lists that message (and everything after it) again; the ones already stored are
//    recognised and skipped. A SyncState never moves past a message that is not stored.
//  - the very first run (no cursor) stores at most maxFirstRun messages (the newest or oldest N)
//    and skips the rest of the folder BY DESIGN (logged, remembered as a receive-time range so a
//    later full resync does not bring them back).
// A SyncState Exchange no longer accepts (ErrorInvalidSyncStateData: mailbox moved, state
// expired) starts a full resync; stored messages are recognised, the skipped range stays skipped.
//
// sourceRef is the EWS ItemId. Exchange Server has no immutable ids: an item moved out of the
// folder and back gets a new id, and is then a new report (the same mail, reported again).
import type { Logger } from '../../log/logger.ts';
import type { Store } from '../../store/store.ts';
import type { EwsCallOptions, EwsClient } from '../../vendors/ews/client.ts';
import { EwsError } from '../../vendors/ews/errors.ts';
import type { EwsItem } from '../../vendors/ews/types.ts';
import { ingestRaw, type IngestDeps } from '../pipeline.ts';
import { DEFAULT_POLL_SETTINGS, SharedRound, storeMailboxRound, type MailboxCandidate, type PollResult, type PollSettings, type Source } from '../source.ts';

/** Safety stop for a server that never says "last page". */
const MAX_PAGES = 10_000;
/** Changes per SyncFolderItems call: EWS's maximum, so a backlog takes few calls. */
const SYNC_PAGE = 512;

/**
 * Item kinds a reporting folder can hold that are reports: mail, and meeting messages (a phishing
 * "invitation" arrives as a MeetingRequest). Calendar items, contacts, tasks are not.
 */
const REPORT_KINDS: ReadonlySet<string> = new Set(['Message', 'MeetingRequest', 'MeetingResponse', 'MeetingCancellation', 'MeetingMessage', 'PostItem', 'Item']);

export interface EwsSourceOptions {
  /** REPORT_MAILBOX: read through impersonation. Absent: the EWS account's own mailbox. */
  mailbox?: string;
  /** REPORT_FOLDER path (`Inbox`, `Inbox/Phish\/Reports`). */
  folder: string;
  poll?: Partial<PollSettings>;
  /** Changes per SyncFolderItems call (1..512; default 512). */
  pageSize?: number;
}

/** The persisted cursor: JSON text in the cursors table. */
export interface EwsCursor {
  /** Where the next round starts. Absent: a full sync from the start that is NOT a first run. */
  syncState?: string;
  /** Receive times the first run skipped by design: a full resync leaves them out again. */
  skipped?: { from: string; to: string };
}

export function parseEwsCursor(value: string | undefined): EwsCursor | undefined {
  if (value === undefined) return undefined;
  try {
    const c = JSON.parse(value) as EwsCursor;
    return {
      ...(typeof c.syncState === 'string' && c.syncState ? { syncState: c.syncState } : {}),
      ...(c.skipped && typeof c.skipped.from === 'string' && typeof c.skipped.to === 'string' ? { skipped: { from: c.skipped.from, to: c.skipped.to } } : {}),
    };
  } catch {
    // A cursor we cannot read must not stop ingestion: a full resync is safe (dedupe).
    return {};
  }
}

export const formatEwsCursor = (c: EwsCursor): string => JSON.stringify(c);

interface Candidate extends MailboxCandidate {
  item: EwsItem & { itemId: NonNullable<EwsItem['itemId']> };
  /** The page that first listed it. */
  page: number;
}

interface Walk {
  /** The SyncState each page was read from (undefined: from the beginning). */
  pageStates: (string | undefined)[];
  candidates: Map<string, Candidate>;
  finalState: string;
}

export class EwsMailboxSource implements Source {
  readonly name: string;
  readonly kind = 'ews';
  readonly mailbox: string | undefined;
  readonly folder: string;
  readonly settings: PollSettings;
  private readonly ews: EwsClient;
  private readonly deps: IngestDeps;
  private readonly call: EwsCallOptions;
  private readonly pageSize: number;
  private readonly shared = new SharedRound(() => this.round());

  constructor(ews: EwsClient, deps: IngestDeps, opts: EwsSourceOptions) {
    this.ews = ews;
    this.deps = deps;
    this.mailbox = opts.mailbox;
    this.folder = opts.folder;
    this.settings = { ...DEFAULT_POLL_SETTINGS, ...opts.poll };
    this.call = opts.mailbox ? { impersonate: opts.mailbox } : {};
    this.pageSize = Math.min(SYNC_PAGE, Math.max(1, opts.pageSize ?? SYNC_PAGE));
    this.name = `ews:${(opts.mailbox ?? 'own-mailbox').toLowerCase()}:${opts.folder}`;
  }

  /** Runs one round; concurrent calls share the round in flight. */
  poll(): Promise<PollResult> {
    return this.shared.start();
  }

  async close(): Promise<void> {
    await this.shared.settled();
  }

  private async round(): Promise<PollResult> {
    const { store, log } = this.deps as { store: Store; log: Logger };
    const cursor = parseEwsCursor(await store.getCursor(this.name));
    const firstRun = cursor === undefined;
    let resync = cursor !== undefined && cursor.syncState === undefined;
    let walk: Walk;
    try {
      walk = await this.walk(cursor?.syncState);
    } catch (err) {
      if (!cursor?.syncState || !(err instanceof EwsError) || err.responseCode !== 'ErrorInvalidSyncStateData') throw err;
      log.warn({ source: this.name, code: err.responseCode }, 'EWS sync state no longer valid: running a full resync (stored reports are recognised without fetching them; mail the first run skipped stays skipped)');
      walk = await this.walk(undefined);
      resync = true;
    }

    return storeMailboxRound({
      source: this,
      store,
      log,
      candidates: [...walk.candidates.values()],
      firstRun,
      resync,
      skippedRange: cursor?.skipped,
      idField: 'itemId',
      ingest: (c) => this.ingestOne(c.item),
      commit: async (resumePage, skipped) => {
        const resumeState = resumePage === undefined ? walk.finalState : walk.pageStates[resumePage];
        await store.setCursor(this.name, formatEwsCursor({ ...(resumeState ? { syncState: resumeState } : {}), ...(skipped ? { skipped } : {}) }));
      },
    });
  }

  /** Fetches one item's MIME and commits it; false when it was already stored or is gone. */
  private async ingestOne(item: Candidate['item']): Promise<boolean> {
    let mime: Buffer;
    try {
      mime = await this.ews.getMime(item.itemId, this.call);
    } catch (err) {
      if (err instanceof EwsError && err.responseCode === 'ErrorItemNotFound') {
        // Moved or deleted between the listing and the fetch: the next sync lists where it went.
        this.deps.log.warn({ source: this.name, itemId: item.itemId.id }, 'reported message was moved or deleted before it could be fetched');
        return false;
      }
      throw err;
    }
    const { created } = await ingestRaw(this.deps, {
      source: this.kind,
      sourceRef: item.itemId.id,
      raw: mime,
      ...(item.dateTimeReceived ? { receivedAt: item.dateTimeReceived } : {}),
    });
    return created;
  }

  /** Reads every sync page from `start` (undefined: the whole folder) to the end; metadata only. */
  private async walk(start: string | undefined): Promise<Walk> {
    const pageStates: (string | undefined)[] = [];
    const candidates = new Map<string, Candidate>();
    const target = { path: this.folder };
    let state = start;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = await this.ews.syncFolderItems(target, { ...(state ? { syncState: state } : {}), max: this.pageSize }, this.call);
      pageStates.push(state);
      for (const change of page.changes) {
        if (change.type === 'delete') candidates.delete(change.itemId.id);
        else if (change.type === 'create') {
          const { item } = change;
          if (!item.itemId || !REPORT_KINDS.has(item.kind)) continue;
          if (!candidates.has(item.itemId.id)) candidates.set(item.itemId.id, { item: item as Candidate['item'], id: item.itemId.id, receivedAt: item.dateTimeReceived, page: i });
        }
        // Updates and read-flag changes concern items already listed (or stored): nothing to ingest.
      }
      if (page.includesLastItemInRange || page.syncState === state) return { pageStates, candidates, finalState: page.syncState };
      state = page.syncState;
    }
    throw new Error(`${this.name}: more than ${MAX_PAGES} sync pages in one round`);
  }
}
