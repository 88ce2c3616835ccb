// Per-recipient containment through Graph mail moves (shared/reference/microsoft.md §2.12 option B):
// find each recipient's copies by Internet Message-ID and move them. This works with Mail.ReadWrite
// alone, so it is the fallback when Defender remediation is unavailable (403: no
// SecurityAnalyzedMessage.ReadWrite.All or no Defender for Office 365 licence), and how such moves
// are undone (each copy back to the folder it came from). At most 4 mailboxes at a time: Outlook
// allows 4 concurrent requests per app per mailbox, and this keeps the whole run gentle.
import type { GraphClient } from '../../vendors/graph/client.ts';
import type { VendorStepOutcome } from '../../store/types.ts';
import { mapPool, reasonOf } from './types.ts';

export const MOVE_CONCURRENCY = 4;

/** One moved copy: where it is now (its id after the move) and where it came from. */
export interface MovedCopy {
  mailbox: string;
  id: string;
  fromFolderId?: string;
}

export interface MoveResult {
  recipients: NonNullable<VendorStepOutcome['recipients']>;
  moved: MovedCopy[];
}

/** Moves every copy of `internetMessageId` in each mailbox to `destination` (deleteditems, junkemail, inbox). */
export async function moveCopies(graph: GraphClient, mailboxes: readonly string[], internetMessageId: string, destination: string): Promise<MoveResult> {
  const per = await mapPool(mailboxes, MOVE_CONCURRENCY, async (mailbox) => {
    try {
      const copies = await graph.findMessages(mailbox, internetMessageId);
      if (copies.length === 0) return { address: mailbox, status: 'failed' as const, error: 'no copy of the message in this mailbox', moved: [] as MovedCopy[] };
      const moved: MovedCopy[] = [];
      for (const c of copies) {
        const r = await graph.moveMessage(mailbox, c.id, destination);
        moved.push({ mailbox, id: r.id, ...(c.parentFolderId ? { fromFolderId: c.parentFolderId } : {}) });
      }
      return { address: mailbox, status: 'ok' as const, moved };
    } catch (err) {
      return { address: mailbox, status: 'failed' as const, error: reasonOf(err), moved: [] as MovedCopy[] };
    }
  });
  return {
    recipients: per.map((p) => ({ address: p.address, status: p.status, ...(p.error ? { error: p.error } : {}) })),
    moved: per.flatMap((p) => p.moved),
  };
}

/** Moves copies back where they came from (the Inbox when that is unknown). */
export async function moveBack(graph: GraphClient, moved: readonly MovedCopy[]): Promise<MoveResult> {
  const byMailbox = new Map<string, MovedCopy[]>();
  for (const m of moved) byMailbox.set(m.mailbox, [...(byMailbox.get(m.mailbox) ?? []), m]);
  const per = await mapPool([...byMailbox.entries()], MOVE_CONCURRENCY, async ([mailbox, copies]) => {
    const errors: string[] = [];
    const back: MovedCopy[] = [];
    for (const c of copies) {
      try {
        const r = await graph.moveMessage(mailbox, c.id, c.fromFolderId ?? 'inbox');
        back.push({ mailbox, id: r.id });
      } catch (err) {
        errors.push(reasonOf(err));
      }
    }
    return { address: mailbox, status: errors.length ? ('failed' as const) : ('ok' as const), error: errors[0], moved: back };
  });
  return {
    recipients: per.map((p) => ({ address: p.address, status: p.status, ...(p.error ? { error: p.error } : {}) })),
    moved: per.flatMap((p) => p.moved),
  };
}
