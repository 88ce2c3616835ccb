// The reporting mailbox through Microsoft Graph: a delta query over the folder whose deltaLink is
// the persisted cursor. The cursor moves only after every new message of the round is committed,
// so a crash between fetching and storing re-fetches (and the store's dedupe absorbs the replay).
import type { Logger } from '../../log/logger.ts';
import type { Store } from '../../store/store.ts';
import type { GraphClient } from '../../vendors/graph/client.ts';
import { ingestRaw, type IngestDeps } from '../pipeline.ts';

export interface GraphSourceOptions {
  mailbox: string;
  /** Folder path (`Inbox`, `Inbox/Phish\/Reports`). */
  folder: string;
}

export class GraphMailboxSource {
  readonly name: string;
  private folderId: string | undefined;
  private running: Promise<{ ingested: number }> | undefined;
  private readonly graph: GraphClient;
  private readonly deps: IngestDeps;
  private readonly opts: GraphSourceOptions;

  constructor(graph: GraphClient, deps: IngestDeps, opts: GraphSourceOptions) {
    this.graph = graph;
    this.deps = deps;
    this.opts = opts;
    this.name = `graph:${opts.mailbox.toLowerCase()}:${opts.folder}`;
  }

  /** Runs one delta round; concurrent calls (timer + notification) share the round in flight. */
  poll(): Promise<{ ingested: number }> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<{ ingested: number }> {
    const { store, log } = this.deps as { store: Store; log: Logger };
    this.folderId ??= await this.graph.resolveFolderId(this.opts.mailbox, this.opts.folder);
    const cursor = await store.getCursor(this.name);
    const delta = await this.graph.messagesDelta(this.opts.mailbox, this.folderId, cursor);
    let ingested = 0;
    for (const m of delta.added) {
      if (await store.getReportByDedupeKey(`graph:${m.id}`)) continue;
      const mime = await this.graph.getMessageMime(this.opts.mailbox, m.id);
      const { created } = await ingestRaw(this.deps, {
        source: 'graph',
        sourceRef: m.id,
        raw: mime,
        ...(m.receivedDateTime ? { receivedAt: m.receivedDateTime } : {}),
      });
      if (created) ingested++;
    }
    await store.setCursor(this.name, delta.deltaLink);
    if (ingested) log.info({ source: this.name, ingested }, 'reporting mailbox polled');
    return { ingested };
  }
}
