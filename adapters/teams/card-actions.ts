// The report card's buttons in Teams: Universal Actions (invoke `adaptiveCard/action`) and the
// Action.Submit fallback of old clients (a message whose `value` is the button's data).
//
// Teams gives an invoke about 5 s and retries it after that, and the SDK answers the HTTP request
// only when our handler returns. So a click starts the decision and waits for it at most
// `ackBudgetMs`: denials, "already decided" and other quick answers come back as a message to the
// clicker; a decision that is still running (vendor calls) is answered with the card as it stands
// ("in progress"), and the work continues. Either way the decision service re-renders the card
// for EVERYONE in the conversation (Publisher.refresh -> TeamsChatPort.updateReport, a PUT of
// the shared activity); the invoke answer only replaces the clicker's view.
//
// `refresh` invokes (Teams asking for a user's personal view) only return a card: the buttons for
// someone who may decide, the state for everybody else. They never change anything.
import type { Logger } from '../../src/log/logger.ts';
import type { Actor } from '../../src/store/types.ts';
import type { DecisionDeps } from '../../src/actions/decisions.ts';
import { DECISION_BUTTONS, buttonRequest, onDecisionButton } from '../../handlers/decision-buttons.ts';
import { DECIDE_DATA, REFRESH_DATA, teamsReportCard, type TeamsButton } from '../../cards/teams/report-card.ts';
import { JUSTIFICATION_INPUT, teamsJustificationCard } from '../../cards/teams/justification-card.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE, type AdaptiveCard } from '../../cards/teams/adaptive.ts';

export type InvokeAnswer =
  | { statusCode: 200; type: typeof ADAPTIVE_CARD_CONTENT_TYPE; value: AdaptiveCard }
  | { statusCode: 200; type: 'application/vnd.microsoft.activity.message'; value: string }
  | { statusCode: 400; type: 'application/vnd.microsoft.error'; value: { code: string; message: string } };

export const cardAnswer = (value: AdaptiveCard): InvokeAnswer => ({ statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value });
export const messageAnswer = (value: string): InvokeAnswer => ({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value });
export const errorAnswer = (code: string, message: string): InvokeAnswer => ({ statusCode: 400, type: 'application/vnd.microsoft.error', value: { code, message } });

export interface DecideClick {
  button: TeamsButton;
  /** A report id or a decision id (cards/model.ts). */
  value: string;
  /** Four-eyes: what the requester typed in the justification card. */
  justification?: string;
}

/** A click on one of our decision buttons, from Action.Execute data or an Action.Submit value. */
export function parseDecideData(data: unknown): DecideClick | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const d = data as Record<string, unknown>;
  if (d.hookline !== DECIDE_DATA) return undefined;
  const button = d.button;
  const value = d.value;
  if (typeof button !== 'string' || !(DECISION_BUTTONS as readonly string[]).includes(button)) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) return undefined;
  const why = d[JUSTIFICATION_INPUT];
  // Bounded here; its rules (length) are the decision service's (four-eyes.ts).
  const justification = typeof why === 'string' && why.trim() ? why.slice(0, 2000) : undefined;
  return { button: button as TeamsButton, value, ...(justification ? { justification } : {}) };
}

export interface CardActionDeps {
  decisions: () => DecisionDeps;
  canDecide: (actor: Actor) => boolean;
  log: Logger;
  /** How long a click waits for its decision before answering with the card as it stands. */
  ackBudgetMs: number;
  /** Keeps work that outlives the answer visible to the adapter (idle(), shutdown). */
  track?: (p: Promise<unknown>) => void;
}

type Settled<T> = { value: T } | { late: true };

function within<T>(p: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ late: true }), ms);
  });
  return Promise.race([p.then((value) => ({ value })), late]).finally(() => clearTimeout(timer));
}

async function personalCard(deps: CardActionDeps, reportId: string, actor: Actor): Promise<AdaptiveCard | undefined> {
  const snap = await deps.decisions().publisher.snapshot(reportId);
  return snap ? teamsReportCard(snap, { view: 'personal', canDecide: deps.canDecide(actor) }) : undefined;
}

/** Report buttons carry the report id; Confirm, Cancel, Retry and Undo a decision id. */
async function reportIdOf(deps: CardActionDeps, click: DecideClick): Promise<string | undefined> {
  if (buttonRequest(click.button)) return click.value;
  return (await deps.decisions().store.getDecision(click.value))?.reportId;
}

/** Answers an `adaptiveCard/action` invoke (Action.Execute or refresh). Never throws. */
export async function answerCardAction(deps: CardActionDeps, actor: Actor, action: { verb?: unknown; data?: unknown }): Promise<InvokeAnswer> {
  try {
    const verb = typeof action.verb === 'string' ? action.verb : '';
    const data = (action.data ?? {}) as Record<string, unknown>;

    if (verb === 'refresh' && data.hookline === REFRESH_DATA && typeof data.reportId === 'string') {
      const card = await personalCard(deps, data.reportId, actor);
      return card ? cardAnswer(card) : messageAnswer('This report no longer exists in Hookline.');
    }

    const click = parseDecideData(data);
    if (!click || click.button !== verb) return errorAnswer('BadRequest', 'This button is not one of Hookline\'s (or the card is out of date).');

    const work = onDecisionButton(deps.decisions(), { actor, button: click.button, value: click.value, ...(click.justification ? { justification: click.justification } : {}) });
    const settled = await within(work, deps.ackBudgetMs);
    if ('late' in settled) {
      // Still running: the card update reaches everyone when it is done; failures are logged.
      deps.track?.(work.catch((err: unknown) => deps.log.error({ err: (err as Error).message, button: click.button }, 'Teams decision failed after the click was answered')));
      const reportId = await reportIdOf(deps, click);
      const card = reportId ? await personalCard(deps, reportId, actor) : undefined;
      return card ? cardAnswer(card) : messageAnswer('Working on it: the card updates when it is done.');
    }
    const { result, notice } = settled.value;
    if (result.kind === 'needs-justification') {
      // Four-eyes: ask why, on a card only the clicker sees; its button sends this click again with the text.
      const d = deps.decisions();
      const report = await d.store.getReport(result.reportId);
      return cardAnswer(
        teamsJustificationCard({
          reportId: result.reportId,
          button: click.button,
          approverRole: d.policy.fourEyes.approverRole,
          ...(report ? { subject: report.original.subject } : {}),
          ...(click.justification ? { problem: result.message, value: click.justification } : {}),
        }),
      );
    }
    if (notice) return messageAnswer(notice);
    const reportId = 'decision' in result ? result.decision.reportId : await reportIdOf(deps, click);
    const card = reportId ? await personalCard(deps, reportId, actor) : undefined;
    return card ? cardAnswer(card) : messageAnswer('Done.');
  } catch (err) {
    deps.log.error({ err: (err as Error).message }, 'Teams card action failed');
    return messageAnswer(`Hookline could not handle that click: ${(err as Error).message}`);
  }
}

/**
 * An Action.Submit click (clients without Universal Actions). There is no invoke answer: the
 * decision runs, the card updates for everyone, and a note (if any) is posted to the conversation.
 */
export async function handleSubmitClick(deps: CardActionDeps, actor: Actor, click: DecideClick, reply: (markdown: string) => Promise<void>): Promise<void> {
  try {
    const { result, notice } = await onDecisionButton(deps.decisions(), { actor, button: click.button, value: click.value, ...(click.justification ? { justification: click.justification } : {}) });
    if (result.kind === 'needs-justification') {
      await reply(`${result.message} This Teams client cannot show the justification form: click again in a current Teams client (or in Slack).`);
      return;
    }
    if (notice) await reply(notice);
  } catch (err) {
    deps.log.error({ err: (err as Error).message, button: click.button }, 'Teams decision (Action.Submit) failed');
    await reply(`Hookline could not handle that click: ${(err as Error).message}`).catch(() => {});
  }
}
