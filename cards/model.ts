// The report card's decision part as a platform-neutral model: which phase the card is in, what it
// says, and which buttons it offers with which ids and values. cards/slack/report-card.ts renders it
// as Block Kit; cards/teams renders the same model as an Adaptive Card. Pure: a function of the
// snapshot and "now".
//
// Phases (what the card shows -> buttons, by action_id / Teams verb; value in brackets):
//   open                   no decision yet, or the last one was cancelled, denied, expired or undone
//                          (the card says which, by whom)
//                          -> decide:approve, decide:quarantine, decide:block-sender, decide:block-domain [report id]
//   preparing              a request was made, its dry-run preview is being computed -> none
//   awaiting-confirmation  destructive action, one person: the preview ("would soft-delete this message
//                          in 35 mailboxes"), requester, expiry -> decide:confirm "Confirm <action>", decide:cancel "Cancel"
//   awaiting-approval      four-eyes: the preview, requester, justification, who may approve (not the
//                          requester; the approver role), expiry -> decide:confirm "Approve request", decide:cancel "Deny"
//   executing              playbook running (or a retry) -> none
//   undoing                undo running -> none
//   done                   per-vendor, per-recipient outcome; partial shown as such; undo deadline
//                          -> decide:undo [decision id] while the undo window is open
//   failed                 the reason per step -> decide:retry [decision id], decide:undo (if something
//                          was changed and the window is open), and the open buttons
// Also: an SLA banner while the report is undecided (snapshot.escalation), and after an undo, its
// own per-step outcome. The legacy decide:block [report id] (Block with the policy's default scope)
// is still accepted from older cards and commands.
import type { ReportSnapshot } from '../src/chat/port.ts';
import type { DecisionAction, DecisionRecord } from '../src/store/types.ts';
import { fileOf, reopened, undoOffered, type ApprovalRequest, type DecisionFile, type UndoRecord } from '../src/actions/steps/record.ts';
import type { StepOutcome, StepPlan } from '../src/actions/steps/types.ts';

/**
 * `approve` / `quarantine` / `block` / `block-sender` / `block-domain` carry a report id;
 * `confirm` (run a previewed request, or approve a four-eyes request), `cancel` (cancel, withdraw
 * or deny a request), `retry` and `undo` carry a decision id.
 */
export type DecisionButton = DecisionAction | 'block-sender' | 'block-domain' | 'confirm' | 'cancel' | 'retry' | 'undo';

/** action_id (Slack) / verb (Teams) of each button; adapters route everything starting with `decide:`. */
export const BUTTON_IDS = {
  approve: 'decide:approve',
  quarantine: 'decide:quarantine',
  block: 'decide:block',
  'block-sender': 'decide:block-sender',
  'block-domain': 'decide:block-domain',
  confirm: 'decide:confirm',
  cancel: 'decide:cancel',
  retry: 'decide:retry',
  undo: 'decide:undo',
} as const satisfies Record<DecisionButton, string>;

/** The button an action id stands for. */
export function buttonOf(actionId: string): DecisionButton | undefined {
  return (Object.keys(BUTTON_IDS) as DecisionButton[]).find((b) => BUTTON_IDS[b] === actionId);
}

export type CardPhase = 'open' | 'preparing' | 'awaiting-confirmation' | 'awaiting-approval' | 'executing' | 'undoing' | 'done' | 'failed';

export interface CardButton {
  button: DecisionButton;
  actionId: string;
  label: string;
  /** A report id or a decision id (see handlers/decision-buttons.ts). */
  value: string;
  style?: 'primary' | 'danger';
}

/** How the previous decision ended when the card is open again. */
export interface ClosedNote {
  how: 'cancelled' | 'denied' | 'expired' | 'undone' | 'superseded';
  action: DecisionAction;
  by?: DecisionRecord['requestedBy'];
  at: string;
  requestedBy: DecisionRecord['requestedBy'];
  undo?: UndoRecord;
}

export interface DecisionView {
  phase: CardPhase;
  decision?: DecisionRecord;
  file: DecisionFile;
  request?: ApprovalRequest;
  /** The dry-run plan (preview) of a pending request. */
  preview: StepPlan[];
  /** Outcome per step of the last run. */
  steps: StepOutcome[];
  /** Open again after this. */
  closed?: ClosedNote;
  /** The Undo button is offered until then. */
  undoUntil?: string;
  /** An undo that ran (done or failed) or is running. */
  undo?: UndoRecord;
  /** The report missed its decision SLA and is still undecided. */
  escalation?: NonNullable<ReportSnapshot['escalation']>;
  buttons: CardButton[];
}

const VERB: Record<DecisionAction, string> = { approve: 'Approve', quarantine: 'Quarantine', block: 'Block' };

function openButtons(reportId: string): CardButton[] {
  return [
    { button: 'approve', actionId: BUTTON_IDS.approve, label: 'Approve', value: reportId },
    { button: 'quarantine', actionId: BUTTON_IDS.quarantine, label: 'Quarantine', value: reportId, style: 'danger' },
    { button: 'block-sender', actionId: BUTTON_IDS['block-sender'], label: 'Block sender', value: reportId },
    { button: 'block-domain', actionId: BUTTON_IDS['block-domain'], label: 'Block domain', value: reportId },
  ];
}

function closedNote(d: DecisionRecord): ClosedNote | undefined {
  const f = fileOf(d);
  if (f.undo?.state === 'done') return { how: 'undone', action: d.action, by: f.undo.by, at: f.undo.at, requestedBy: d.requestedBy, undo: f.undo };
  const r = f.request?.resolution;
  if (d.state === 'expired') return { how: 'expired', action: d.action, at: r?.at ?? d.updatedAt, requestedBy: d.requestedBy };
  if (d.state === 'dismissed') {
    if (f.superseded) return { how: 'superseded', action: d.action, at: f.superseded.at, requestedBy: d.requestedBy };
    if (!r) return { how: 'cancelled', action: d.action, at: d.updatedAt, requestedBy: d.requestedBy };
    return { how: r.kind === 'denied' ? 'denied' : 'cancelled', action: d.action, ...(r.by ? { by: r.by } : {}), at: r.at, requestedBy: d.requestedBy };
  }
  return undefined;
}

export function decisionView(s: ReportSnapshot, now?: Date): DecisionView {
  const d = s.decision;
  const file = fileOf(d);
  const reportId = s.report.id;
  const base = { file, preview: file.plans ?? [], steps: file.steps, ...(d ? { decision: d } : {}), ...(file.request ? { request: file.request } : {}) };
  const undecided = (v: Omit<DecisionView, 'escalation'>): DecisionView => (s.escalation ? { ...v, escalation: s.escalation } : v);

  if (!d || reopened(d)) {
    const closed = d ? closedNote(d) : undefined;
    return undecided({ ...base, phase: 'open', ...(closed ? { closed } : {}), ...(file.undo ? { undo: file.undo } : {}), buttons: openButtons(reportId) });
  }
  const undo = undoOffered(d, now) ? [{ button: 'undo' as const, actionId: BUTTON_IDS.undo, label: 'Undo', value: d.id }] : [];
  const withUndo = { ...(file.undoUntil ? { undoUntil: file.undoUntil } : {}), ...(file.undo ? { undo: file.undo } : {}) };
  switch (d.state) {
    case 'pending_second_approval':
    case 'escalated': {
      const r = file.request;
      // Planning takes a moment (message trace and other reads); the expiry job clears a stuck one.
      if (!r) return undecided({ ...base, phase: 'preparing', buttons: [] });
      return undecided(
        r.needsSecond
          ? {
              ...base,
              phase: 'awaiting-approval',
              buttons: [
                { button: 'confirm', actionId: BUTTON_IDS.confirm, label: 'Approve request', value: d.id, style: 'primary' },
                { button: 'cancel', actionId: BUTTON_IDS.cancel, label: 'Deny', value: d.id, style: 'danger' },
              ],
            }
          : {
              ...base,
              phase: 'awaiting-confirmation',
              buttons: [
                { button: 'confirm', actionId: BUTTON_IDS.confirm, label: `Confirm ${VERB[d.action].toLowerCase()}`, value: d.id, style: d.action === 'quarantine' ? 'danger' : 'primary' },
                { button: 'cancel', actionId: BUTTON_IDS.cancel, label: 'Cancel', value: d.id },
              ],
            },
      );
    }
    case 'executing':
      return { ...base, ...withUndo, phase: file.undo?.state === 'executing' ? 'undoing' : 'executing', buttons: [] };
    case 'failed':
      return undecided({
        ...base,
        ...withUndo,
        phase: 'failed',
        buttons: [...openButtons(reportId), ...(file.undo ? [] : [{ button: 'retry' as const, actionId: BUTTON_IDS.retry, label: 'Retry', value: d.id, style: 'primary' as const }]), ...undo],
      });
    default:
      return { ...base, ...withUndo, phase: 'done', buttons: undo };
  }
}
