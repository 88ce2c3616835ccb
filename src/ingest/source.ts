// The one contract every report source implements (Graph delta, EWS, the watched folder, ...).
// main.ts only ever sees this interface: it schedules poll() on a timer, and push channels (Graph
// change notifications, fs.watch) merely ask for an earlier poll. What a source must guarantee is
// written here once, so every source keeps the same promise: a report is never lost.
//
// CURSOR SEMANTICS (read this before writing a source)
//
//  1. The cursor is the source's own opaque text, kept in the store's `cursors` table under the
//     source's `name` (store.getCursor / store.setCursor). Nobody else reads it. A source that
//     needs structure stores JSON; the folder source needs none (the folder is its cursor: a file
//     still in REPORT_DIR is not done).
//  2. The cursor moves only AFTER every report it covers is committed, i.e. after ingestRaw() has
//     resolved for each of them. A crash (SIGKILL, power loss) anywhere before that replays the
//     round from the previous cursor; ingestRaw() dedupes on `${kind}:${sourceRef}`, so the replay
//     stores nothing twice. Order inside a round is therefore: fetch -> ingestRaw -> ... -> setCursor.
//  3. sourceRef is the message's IMMUTABLE id in that source (Graph immutable id, EWS ItemId,
//     sha256 of a file's bytes): the same message must always get the same sourceRef.
//  4. A round may stop early (PollSettings.maxPerPoll). It must then persist a cursor that resumes
//     AT the first message it did not store, never past it: the next round continues there and
//     nothing is skipped. Messages already stored are recognised before their content is fetched.
//  5. Only the very first run (no cursor yet) may leave messages out on purpose
//     (PollSettings.maxFirstRun); the source logs how many it skipped and why, and reports them
//     in PollResult.skipped.
//  6. poll() never runs two rounds of one source at once in one process: a caller arriving while
//     a round is in flight shares it (use SharedRound below). Across replicas, two rounds may
//     overlap; rules 2-4 make that safe (every cursor written is a valid resume point, and a
//     replay is absorbed by the dedupe).
//  7. poll() throws when the source cannot be read (vendor down, bad credentials); the cursor is
//     then where the last successful commit left it. A message that can be fetched but not
//     parsed is NOT an error: ingestRaw() stores it as an unparseable report with its reason.
//  8. Logs carry ids, counts and sizes only: never a subject, body, token or credential.
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';

/** How a round picks messages, from the policy file's `ingest` section (seed 000 "on poll" settings). */
export type IngestOrder = 'oldest-first' | 'latest-first';

export interface PollSettings {
  /** The very first run stores at most this many (the newest or oldest N per `order`); the rest are skipped by design. */
  maxFirstRun: number;
  /** Every later round stores at most this many; the rest wait for the next round (never skipped). */
  maxPerPoll: number;
  /** Which messages of a backlog are stored first. */
  order: IngestOrder;
}

export const DEFAULT_POLL_SETTINGS: PollSettings = { maxFirstRun: 50, maxPerPoll: 100, order: 'oldest-first' };

export interface PollResult {
  /** Reports newly stored by this round. */
  ingested: number;
  /** Messages seen but left for a later round (maxPerPoll reached); the cursor still points at them. */
  pending: number;
  /** Messages left out on purpose (maxFirstRun on the first run), or unreadable and set aside (folder source). */
  skipped: number;
}

export const emptyPollResult = (): PollResult => ({ ingested: 0, pending: 0, skipped: 0 });

export interface Source {
  /** Stable and unique per configured source; also the cursor key (e.g. `graph:reports@contoso.com:Inbox`). */
  readonly name: string;
  /** The RawReport.source every report of this source carries ('graph', 'ews', 'folder'): the dedupe namespace. */
  readonly kind: string;
  /** One round: store what is new since the cursor, then move the cursor (see the rules above). */
  poll(): Promise<PollResult>;
  /** Starts push channels (fs.watch, ...) that call poll() sooner than the timer. Optional. */
  start?(): void | Promise<void>;
  /** Stops them and waits for a round in flight. Optional. */
  close?(): Promise<void>;
}

/** The dedupe key ingestRaw() stores a report under (src/ingest/pipeline.ts builds the same key). */
export const reportKey = (kind: string, sourceRef: string): string => `${kind}:${sourceRef}`;

/** True when this message is already a report: lets a round skip the content fetch entirely. */
export async function alreadyStored(store: Store, kind: string, sourceRef: string): Promise<boolean> {
  return (await store.getReportByDedupeKey(reportKey(kind, sourceRef))) !== undefined;
}

/**
 * Sorts by receive time per `order`, stably (ties keep the source's own order). A missing time
 * sorts as the oldest: it is usually a message the server could not date, and oldest-first must
 * not starve it.
 */
export function orderByReceived<T>(items: readonly T[], order: IngestOrder, receivedAt: (item: T) => string | undefined): T[] {
  const keyed = items.map((item, i) => ({ item, i, t: timeOf(receivedAt(item)) }));
  keyed.sort((a, b) => (a.t === b.t ? a.i - b.i : order === 'oldest-first' ? a.t - b.t : b.t - a.t));
  return keyed.map((k) => k.item);
}

function timeOf(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/**
 * One round at a time per source in this process: callers arriving while a round runs get that
 * round's promise (rule 6). Used by every source's poll().
 */
export class SharedRound<T> {
  private running: Promise<T> | undefined;
  private readonly run: () => Promise<T>;

  constructor(run: () => Promise<T>) {
    this.run = run;
  }

  get inFlight(): boolean {
    return this.running !== undefined;
  }

  start(): Promise<T> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves when no round is running (errors of that round are not rethrown here). */
  async settled(): Promise<void> {
    await this.running?.catch(() => undefined);
  }
}

/** A receive-time range (ISO timestamps, both ends included): what a first run skipped by design. */
export interface ReceivedRange {
  from: string;
  to: string;
}

/** The earliest and latest valid receive times among `times`; undefined when there is none. */
export function receivedRangeOf(times: readonly (string | undefined)[]): ReceivedRange | undefined {
  const valid = times.filter((t): t is string => t !== undefined && !Number.isNaN(Date.parse(t))).sort((a, b) => Date.parse(a) - Date.parse(b));
  const from = valid[0];
  const to = valid.at(-1);
  return from && to ? { from, to } : undefined;
}

/** True when `t` is a valid time inside `range` (ends included). */
export function withinRange(t: string | undefined, range: ReceivedRange): boolean {
  const v = t ? Date.parse(t) : Number.NaN;
  return !Number.isNaN(v) && v >= Date.parse(range.from) && v <= Date.parse(range.to);
}

/** One message a mailbox round listed (metadata only), and the page that listed it. */
export interface MailboxCandidate {
  /** The sourceRef. */
  id: string;
  receivedAt: string | undefined;
  page: number;
}

export interface MailboxRound<C extends MailboxCandidate> {
  source: { readonly name: string; readonly kind: string; readonly settings: PollSettings };
  store: Store;
  log: Logger;
  /** Everything the walk listed. */
  candidates: readonly C[];
  /** No cursor yet: maxFirstRun applies. */
  firstRun: boolean;
  /** A full sync (resync): messages in `skippedRange` are left out again. */
  resync: boolean;
  /** The range the first run skipped, from the cursor. */
  skippedRange: ReceivedRange | undefined;
  /** The log field naming a message id (`itemId`, `messageId`). */
  idField: string;
  /** Fetches one message and commits it with ingestRaw(); false when it was already stored or is gone. */
  ingest: (c: C) => Promise<boolean>;
  /**
   * Writes the cursor (rule 2): `resumePage` is the earliest page holding a message not stored
   * (undefined: all stored); `skipped` is the range to remember.
   */
  commit: (resumePage: number | undefined, skipped: ReceivedRange | undefined) => Promise<void>;
}

/**
 * The store half of a mailbox round (Graph, EWS), once the walk has listed its candidates: leaves
 * out the first run's skipped range on a resync, orders per policy, applies maxFirstRun /
 * maxPerPoll, stores each message not stored yet, commits the cursor, logs, and throws when every
 * fetch failed (rule 7).
 */
export async function storeMailboxRound<C extends MailboxCandidate>(r: MailboxRound<C>): Promise<PollResult> {
  const { source, store, log, firstRun, skippedRange } = r;
  const settings = source.settings;
  let candidates = r.candidates;
  if (r.resync && skippedRange) candidates = candidates.filter((c) => !withinRange(c.receivedAt, skippedRange));
  const ordered = orderByReceived(candidates, settings.order, (c) => c.receivedAt);
  // The first run decides its N before looking at the store, so a first run that crashed and
  // runs again picks the same N instead of N more.
  const work = firstRun ? ordered.slice(0, settings.maxFirstRun) : ordered;
  const skippedOut = firstRun ? ordered.slice(settings.maxFirstRun) : [];
  const cap = firstRun ? Number.POSITIVE_INFINITY : settings.maxPerPoll;

  const result = emptyPollResult();
  result.skipped = skippedOut.length;
  let attempts = 0;
  let failures = 0;
  let firstError: unknown;
  let resumePage: number | undefined;
  const leave = (c: C) => {
    result.pending++;
    resumePage = Math.min(resumePage ?? c.page, c.page);
  };
  for (const c of work) {
    if (await alreadyStored(store, source.kind, c.id)) continue;
    if (attempts >= cap) {
      leave(c);
      continue;
    }
    attempts++;
    try {
      if (await r.ingest(c)) result.ingested++;
    } catch (err) {
      // One message that cannot be fetched must not hold up the others; it stays pending and
      // the cursor stays at or before it, so the next round tries it again.
      failures++;
      firstError ??= err;
      log.warn({ source: source.name, [r.idField]: c.id, err: (err as Error).message }, 'could not fetch a reported message; it will be tried again next round');
      leave(c);
    }
  }

  await r.commit(resumePage, firstRun ? receivedRangeOf(skippedOut.map((c) => c.receivedAt)) : skippedRange);

  if (firstRun && skippedOut.length) {
    log.info(
      { source: source.name, ingested: result.ingested, inFolder: ordered.length, skipped: skippedOut.length, maxFirstRun: settings.maxFirstRun, order: settings.order },
      `first run: kept the ${settings.order === 'latest-first' ? 'newest' : 'oldest'} ${settings.maxFirstRun} messages of the folder; the other ${skippedOut.length} are skipped by design (policy ingest.maxFirstRun) and will not be ingested`,
    );
  }
  if (result.pending && failures < result.pending) {
    log.info({ source: source.name, ingested: result.ingested, pending: result.pending, maxPerPoll: settings.maxPerPoll }, 'round stopped at ingest.maxPerPoll; the rest wait for the next round');
  }
  if (result.ingested) log.info({ source: source.name, ingested: result.ingested }, 'reporting mailbox polled');
  // Every fetch failed: the mailbox cannot be read right now (the cursor is still safe).
  if (failures && failures === attempts) throw firstError;
  return result;
}
