// What a decision row's `outcome` JSON holds beyond the per-step results: the request (its preview,
// justification, who may approve it and until when), the undo window, and the undo itself. Keeping
// all of it in the decision row means every change is one conditional UPDATE committed with its
// audit entry (Store.transitionDecision), so nothing is ever half-recorded (docs/decisions/0006).
// Pure: no I/O, safe for cards/ to import.
import type { Actor, DecisionAction, DecisionOutcome, DecisionRecord, Platform } from '../../store/types.ts';
import type { Role } from '../types.ts';
import type { BlockScope, StepOutcome, StepPlan } from './types.ts';

export type Resolution = 'approved' | 'confirmed' | 'cancelled' | 'denied' | 'expired';

/** A destructive (or four-eyes) decision waits for this before anything runs. */
export interface ApprovalRequest {
  action: DecisionAction;
  scope?: BlockScope;
  /**
   * Four-eyes: a second person, not the requester, must approve (Approve request / Deny).
   * Otherwise the preview only needs a Confirm (the requester or any holder of the role).
   */
  needsSecond: boolean;
  /** The role the person who approves or confirms must hold. */
  approverRole: Role;
  justification?: string;
  requestedAt: string;
  expiresAt: string;
  resolution?: { kind: Resolution; by?: Actor; at: string; reason?: string };
}

export interface UndoRecord {
  state: 'executing' | 'done' | 'failed';
  /** The decision's state before the undo started (it returns there). */
  from: 'done' | 'failed';
  by: Actor;
  at: string;
  attempts: number;
  steps: StepOutcome[];
  error?: string;
}

/** The decision's outcome as Hookline writes it (a superset of DecisionOutcome). */
export interface DecisionFile extends DecisionOutcome {
  steps: StepOutcome[];
  /**
   * The dry-run plan of every step (the preview): what a confirmer or approver approves is exactly
   * what runs, and a retry after a restart runs the same steps.
   */
  plans?: StepPlan[];
  /** Where the steps came from: the policy file's playbook or the built-in defaults. */
  playbook?: 'policy' | 'default';
  request?: ApprovalRequest;
  scope?: BlockScope;
  /** When the playbook finished (done or failed). */
  finishedAt?: string;
  /** The Undo button is offered until then (policy.undoWindowMinutes after finishing). */
  undoUntil?: string;
  undo?: UndoRecord;
  /** A failed decision replaced by a new request on the same report. */
  superseded?: { at: string; by: Actor };
  dryRun?: boolean;
}

/** A DecisionFile where the store expects a DecisionOutcome (it stores the JSON whole). */
export const asOutcome = (f: DecisionFile): DecisionOutcome => f;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The outcome of a decision as a DecisionFile, tolerant of rows written by older versions. */
export function fileOf(d: DecisionRecord | undefined): DecisionFile {
  const o = d?.outcome as unknown;
  if (!isObject(o)) return { steps: [] };
  const steps = Array.isArray(o.steps) ? (o.steps as StepOutcome[]) : [];
  return { ...(o as Partial<DecisionFile>), steps };
}

/** The report is open again: the last decision was cancelled, denied, expired, superseded or undone. */
export function reopened(d: DecisionRecord | undefined): boolean {
  if (!d) return true;
  if (d.state === 'dismissed' || d.state === 'expired') return true;
  return (d.state === 'done' || d.state === 'failed') && fileOf(d).undo?.state === 'done';
}

/** Steps of a finished decision that left something Undo can reverse. */
export function undoableSteps(f: DecisionFile): StepOutcome[] {
  return f.steps.filter((s) => (s.undo?.length ?? 0) > 0);
}

/**
 * Whether the Undo button applies now: a finished Quarantine or Block that changed something, not
 * undone yet, inside the window. An undo that failed may be tried again inside the window.
 */
export function undoOffered(d: DecisionRecord | undefined, now: Date | undefined): boolean {
  if (!d || (d.state !== 'done' && d.state !== 'failed') || d.action === 'approve') return false;
  const f = fileOf(d);
  if (!f.undoUntil || f.undo?.state === 'done' || f.undo?.state === 'executing') return false;
  if (undoableSteps(f).length === 0) return false;
  return !now || now.getTime() < new Date(f.undoUntil).getTime();
}

/** Two actors are the same person (on the same platform; ids are compared as the platform does). */
export function sameActor(a: Pick<Actor, 'platform' | 'id'>, b: Pick<Actor, 'platform' | 'id'>): boolean {
  if (a.platform !== b.platform) return false;
  const fold = (p: Platform, s: string) => (p === 'teams' ? s.toLowerCase() : s);
  return fold(a.platform, a.id) === fold(b.platform, b.id);
}
