// The contract of one vendor call in a button's playbook (shared/DESIGN.md §4). A step first PLANS
// (reads only: message trace, the held queue, existing entries) so the card can show a dry-run
// preview and an approver approves exactly what will run; then it RUNS that plan; and, where the
// vendor allows it, it leaves UNDO handles (ids of what it created or moved) so the Undo button can
// reverse it. Steps never throw: a vendor failure is an outcome with the reason.
import type { DecisionAction, ReportRecord, VendorStepOutcome } from '../../store/types.ts';
import type { ActionContext } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import type { PlaybookStepConfig, Policy } from '../../config/policy.ts';

/** What Block blocks of the sender: the address, or the whole (registrable) domain. */
export type BlockScope = 'sender' | 'domain';

/** One platform's answer to "tell this person in chat". */
export interface ChatNotice {
  platform: string;
  delivered: boolean;
  /** Why not (e.g. "no Slack account with this email address"). */
  reason?: string;
}

/**
 * Tells a reporter the outcome by direct message on the chat platforms where an account with their
 * email address exists. `text` is plain text: the platform escapes it (it quotes the subject of a
 * phish, which is attacker-controlled).
 */
export interface ReporterNotifier {
  notifyUser(email: string, text: string): Promise<ChatNotice[]>;
}

export interface StepContext extends ActionContext<Vendors> {
  policy: Policy;
  report: ReportRecord;
  /** The button this playbook belongs to. */
  decision: DecisionAction;
  /** Block only: sender address or sender domain, as the responder chose. */
  scope?: BlockScope;
  notifier?: ReporterNotifier;
}

/** What a step would do, computed with read-only calls. Stored with the request (JSON). */
export interface StepPlan {
  /** The step's configuration, so a confirm or retry after a restart runs the same step. */
  config: PlaybookStepConfig;
  vendor: string;
  /** `graph.remediate`, `mimecast.block-url`, ... */
  step: string;
  /** For the preview: "would soft-delete this message in 35 mailboxes (recipients from message trace)". */
  summary: string;
  /** What the run acts on: mailboxes, URLs, held-message ids, IOC values. */
  targets: string[];
  /** Step-specific facts the run needs (JSON). */
  data?: Record<string, unknown>;
  /** Why this step cannot run: the run fails with this reason and calls nothing. */
  blocked?: string;
  /** Nothing to do (e.g. no held copy to release): the run is skipped with this reason. */
  nothing?: string;
}

/** What an undo needs, as JSON: the ids the vendor gave back, the mailboxes touched, ... */
export interface UndoHandle {
  kind: string;
  [key: string]: unknown;
}

export interface StepOutcome extends VendorStepOutcome {
  /** How to reverse this run (absent: nothing to reverse, see `irreversible`). */
  undo?: UndoHandle[];
  /** Why the Undo button cannot reverse this step, for the undo outcome. */
  irreversible?: string;
  /** Not attempted because an earlier step failed with onError: stop (a retry runs it). */
  notRun?: boolean;
  /** Every request id the vendor returned (the audit log keeps them). */
  requestIds?: string[];
  /** What `recipients` counts, singular and plural (default mailbox / mailboxes). */
  unit?: [string, string];
  /** On an undo outcome: the position of the playbook step it reverses. */
  index?: number;
}

export interface PlaybookStep {
  config: PlaybookStepConfig;
  vendor: string;
  step: string;
  /** Read-only; never throws (a failed lookup becomes `blocked` or a note in the summary). */
  plan(ctx: StepContext): Promise<StepPlan>;
  /** Runs the plan (or describes it under dry run). Never throws. */
  run(ctx: StepContext, plan: StepPlan): Promise<StepOutcome>;
}

/** Reverses runs of one kind from their handles. Never throws. */
export type Undoer = (ctx: StepContext, handles: UndoHandle[]) => Promise<StepOutcome>;

/** The step id as shown and audited: `graph.remediate`. */
export const stepId = (c: PlaybookStepConfig): string => `${c.vendor}.${c.step}`;

export function outcomeOf(plan: Pick<StepPlan, 'vendor' | 'step'>, status: StepOutcome['status'], detail: string, extra: Partial<StepOutcome> = {}): StepOutcome {
  return { vendor: plan.vendor, step: plan.step, status, detail, ...extra };
}

/** ok when every target succeeded, failed when none did, partial in between. */
export function statusOf(ok: number, total: number): 'ok' | 'partial' | 'failed' {
  if (total === 0 || ok === total) return 'ok';
  return ok === 0 ? 'failed' : 'partial';
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A short, secret-free reason from anything thrown by a vendor client. */
export function reasonOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.length > 300 ? `${msg.slice(0, 297)}...` : msg;
}

/** Runs `fn` over `items` with at most `limit` in flight (Graph allows 4 concurrent calls per mailbox). */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
