// The report card's buttons, platform-neutral (cards/model.ts lists them and what each value is).
// Adapters acknowledge the click first, then call onDecisionButton; the card itself is re-rendered
// by the decision service, so what comes back here is only a private note for the person who
// clicked, when there is one.
import type { Actor, DecisionAction } from '../src/store/types.ts';
import {
  cancelDecision,
  confirmDecision,
  decide,
  retryDecision,
  undoDecision,
  type DecideResult,
  type DecisionDeps,
} from '../src/actions/decisions.ts';
import type { BlockScope } from '../src/actions/steps/types.ts';
import type { DecisionButton } from '../cards/model.ts';

/** The buttons and what their values are: cards/model.ts. */
export type { DecisionButton } from '../cards/model.ts';

export const DECISION_BUTTONS: readonly DecisionButton[] = ['approve', 'quarantine', 'block', 'block-sender', 'block-domain', 'confirm', 'cancel', 'retry', 'undo'];

export interface ButtonClick {
  actor: Actor;
  button: DecisionButton;
  /** The button's value: a report id, or a decision id (see DecisionButton). */
  value: string;
  /** Four-eyes requests: the requester's justification (Slack asks for it in a modal). */
  justification?: string;
}

const DONE_WORDS: Record<string, string> = { approve: 'approved', quarantine: 'quarantined', block: 'blocked' };

/** The action and Block scope a report button asks for. */
export function buttonRequest(button: DecisionButton): { action: DecisionAction; scope?: BlockScope } | undefined {
  switch (button) {
    case 'approve':
    case 'quarantine':
    case 'block':
      return { action: button };
    case 'block-sender':
      return { action: 'block', scope: 'sender' };
    case 'block-domain':
      return { action: 'block', scope: 'domain' };
    default:
      return undefined;
  }
}

/** A private message for the clicker, or undefined when the card update says it all. */
export function noticeFor(r: DecideResult, click: ButtonClick): string | undefined {
  switch (r.kind) {
    case 'executed':
    case 'pending':
    case 'updated':
      return undefined;
    case 'duplicate': {
      const d = r.decision;
      const words = DONE_WORDS[d.action] ?? d.action;
      if (click.button === 'undo') return d.state === 'executing' ? 'This is already being undone; nothing more was done.' : 'This was already undone; your click did nothing.';
      if (d.state === 'executing') return `This report is already being ${words} (requested by someone else); nothing more was done.`;
      if (d.state === 'pending_second_approval') {
        return click.button === 'confirm' || click.button === 'cancel'
          ? 'That request is still waiting; nothing more was done.'
          : 'This report already has a request waiting on the card (confirm, approve or cancel it there); nothing more was done.';
      }
      if (d.state === 'dismissed' || d.state === 'expired') return `That request was already ${d.state === 'expired' ? 'expired' : 'cancelled or denied'}; nothing was done.`;
      return `This report was already ${words}; your click did nothing.`;
    }
    case 'needs-justification':
    case 'denied':
    case 'unavailable':
    case 'not-found':
      return r.message;
  }
}

export async function onDecisionButton(deps: DecisionDeps, click: ButtonClick): Promise<{ result: DecideResult; notice?: string }> {
  const req = buttonRequest(click.button);
  let result: DecideResult;
  if (req) {
    result = await decide(deps, { reportId: click.value, action: req.action, actor: click.actor, ...(req.scope ? { scope: req.scope } : {}), ...(click.justification ? { justification: click.justification } : {}) });
  } else {
    const ref = { decisionId: click.value, actor: click.actor };
    switch (click.button) {
      case 'confirm':
        result = await confirmDecision(deps, ref);
        break;
      case 'cancel':
        result = await cancelDecision(deps, ref);
        break;
      case 'undo':
        result = await undoDecision(deps, ref);
        break;
      default:
        result = await retryDecision(deps, ref);
    }
  }
  const notice = noticeFor(result, click);
  return notice ? { result, notice } : { result };
}
