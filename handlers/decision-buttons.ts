// The Approve / Quarantine / Block / Retry buttons, platform-neutral. Adapters acknowledge the
// click first, then call this; the card itself is re-rendered by the decision service, so what
// comes back here is only a private note for the person who clicked, when there is one.
import type { Actor, DecisionAction } from '../src/store/types.ts';
import { decide, retryDecision, type DecisionDeps, type DecideResult } from '../src/actions/decisions.ts';

export type DecisionButton = DecisionAction | 'retry';

export interface ButtonClick {
  actor: Actor;
  button: DecisionButton;
  /** The button's value: a report id, or a decision id for Retry. */
  value: string;
}

const DONE_WORDS: Record<string, string> = { approve: 'approved', quarantine: 'quarantined', block: 'blocked' };

/** A private message for the clicker, or undefined when the card update says it all. */
export function noticeFor(r: DecideResult, click: ButtonClick): string | undefined {
  switch (r.kind) {
    case 'executed':
      return undefined;
    case 'duplicate': {
      const d = r.decision;
      if (d.state === 'executing') return `This report is already being ${DONE_WORDS[d.action] ?? d.action} (requested by someone else); nothing more was done.`;
      if (d.state === 'pending_second_approval') return 'This report is waiting for a second approver; nothing more was done.';
      return `This report was already ${DONE_WORDS[d.action] ?? d.action}; your click did nothing.`;
    }
    case 'denied':
    case 'unavailable':
    case 'not-found':
      return r.message;
  }
}

export async function onDecisionButton(deps: DecisionDeps, click: ButtonClick): Promise<{ result: DecideResult; notice?: string }> {
  const result =
    click.button === 'retry'
      ? await retryDecision(deps, { decisionId: click.value, actor: click.actor })
      : await decide(deps, { reportId: click.value, action: click.button, actor: click.actor });
  const notice = noticeFor(result, click);
  return notice ? { result, notice } : { result };
}
