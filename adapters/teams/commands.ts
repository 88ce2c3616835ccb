// Bot commands in Teams: the text of an @mention (or of a personal-chat message) goes through the
// platform-neutral command layer (handlers/commands: parse, help, forms, run with authorisation and
// audit) and comes back rendered by cards/teams/command-cards.ts. Nothing here parses commands.
//
// Missing or invalid parameters open an input card; its Run button (Action.Execute verb `command`)
// comes back as an invoke, answered within the ack budget: problems re-open the card, a quick
// result replaces it, a slow action answers "running…" and posts the result when it is done.
import type { Logger } from '../../src/log/logger.ts';
import type { Actor } from '../../src/store/types.ts';
import type { DecisionDeps } from '../../src/actions/decisions.ts';
import type { FileData } from '../../src/actions/types.ts';
import { authorize } from '../../src/policy/authorize.ts';
import { checkAccess, helpIndex, prepareCommand, prepareForm, runAction, formFields, type ActionOutcome } from '../../handlers/commands/index.ts';
import { COMMAND_DATA, COMMAND_VERB, formValues, teamsActionHelpCard, teamsFormCard, teamsHelpCard, teamsNoticeCard, teamsResultCard, type NoticeTone } from '../../cards/teams/command-cards.ts';
import type { AdaptiveCard } from '../../cards/teams/adaptive.ts';
import type { OutgoingActivity } from './connector.ts';
import { cardMessage } from './teams-chat-port.ts';
import { cardAnswer, type InvokeAnswer } from './card-actions.ts';

export interface TeamsCommandDeps {
  decisions: () => DecisionDeps;
  log: Logger;
  /**
   * Saves a file result behind a short-lived link (src/store/file-downloads.ts); undefined when
   * HOOKLINE_PUBLIC_URL is not set. Teams bots cannot upload a file into a channel conversation.
   */
  downloads?: (file: FileData, actor: Actor) => Promise<{ url: string; expiresAt: string } | undefined>;
}

/** The action's outcome, with a download link attached when it is a file. */
async function withDownload(deps: TeamsCommandDeps, actor: Actor, outcome: ActionOutcome): Promise<{ outcome: ActionOutcome; download?: { url: string; expiresAt: string } }> {
  if (outcome.kind !== 'result' || outcome.result.kind !== 'file' || !deps.downloads) return { outcome };
  try {
    const download = await deps.downloads(outcome.result.data as FileData, actor);
    return download ? { outcome, download } : { outcome };
  } catch (err) {
    deps.log.warn({ err: (err as Error).message }, 'could not offer the file result as a download');
    return { outcome };
  }
}

const TONE: Record<Exclude<ActionOutcome['kind'], 'result' | 'decision'>, NoticeTone> = {
  denied: 'denied',
  'not-configured': 'not-configured',
  'needs-second-approver': 'second-approver',
  failed: 'failed',
};

/** How an action's outcome is shown. */
export function outcomeCard(deps: DecisionDeps, actor: Actor, outcome: ActionOutcome, download?: { url: string; expiresAt: string }): AdaptiveCard {
  switch (outcome.kind) {
    case 'result':
      return teamsResultCard({ actionId: outcome.def.id, title: outcome.def.title, result: outcome.result, actor, dryRun: deps.dryRun, maxRows: deps.policy.limits.maxTableRows, ...(download ? { download } : {}) });
    case 'decision':
      return teamsNoticeCard(outcome.result.kind === 'executed' && outcome.result.decision.state === 'done' ? 'ok' : 'info', outcome.message, outcome.def.title);
    default:
      return teamsNoticeCard(TONE[outcome.kind], outcome.message, outcome.def.title);
  }
}

/** Answers a command typed to the bot with the messages to send back. */
export async function teamsCommand(deps: TeamsCommandDeps, actor: Actor, text: string): Promise<OutgoingActivity[]> {
  const d = deps.decisions();
  const prepared = prepareCommand(d.catalog, text);
  switch (prepared.kind) {
    case 'help':
      return [cardMessage(teamsHelpCard(helpIndex(d.catalog, { vendors: d.vendors, policy: d.policy, policySource: d.policySource, actor, ...(prepared.vendor ? { vendor: prepared.vendor } : {}) }), prepared.vendor))];
    case 'action-help': {
      const def = prepared.def;
      const missing = def.requires?.(d.vendors) ?? [];
      const allowed = authorize(d.policy, d.policySource, actor, def).ok;
      return [cardMessage(teamsActionHelpCard(def, prepared.fields, { configured: missing.length === 0, missingVariables: missing, allowed }))];
    }
    case 'error':
      return [cardMessage(teamsNoticeCard('info', prepared.message))];
    case 'form': {
      const blocked = checkAccess(d, actor, prepared.def);
      if (blocked) return [cardMessage(outcomeCard(d, actor, blocked))];
      return [cardMessage(teamsFormCard(prepared.def, prepared.fields, prepared.raw, prepared.problems))];
    }
    case 'ready': {
      const { outcome, download } = await withDownload(deps, actor, await runAction(d, { actor, def: prepared.def, params: prepared.params }));
      return [cardMessage(outcomeCard(d, actor, outcome, download))];
    }
  }
}

/** The data of an input card's Run button (Action.Execute data, or an Action.Submit value). */
export function parseCommandData(data: unknown): { actionId: string; data: Record<string, unknown> } | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const d = data as Record<string, unknown>;
  if (d.hookline !== COMMAND_DATA || typeof d.action !== 'string' || d.action.length > 200) return undefined;
  return { actionId: d.action, data: d };
}

export interface FormSubmitOptions {
  ackBudgetMs: number;
  /** Posts a message to the conversation (the result of an action that outlived the ack budget). */
  reply: (activity: OutgoingActivity) => Promise<void>;
  /** Keeps work that outlives the answer visible to the adapter (idle(), shutdown). */
  track?: (p: Promise<unknown>) => void;
}

/** An input card's Run button: validate, then run (or show the card again with the problems). */
export async function answerCommandForm(deps: TeamsCommandDeps, actor: Actor, verb: string, data: unknown, o: FormSubmitOptions): Promise<InvokeAnswer> {
  const d = deps.decisions();
  const parsed = parseCommandData(data);
  const def = parsed ? d.catalog.get(parsed.actionId) : undefined;
  if (verb !== COMMAND_VERB || !parsed || !def) return cardAnswer(teamsNoticeCard('info', 'This form is out of date: type the command again.'));
  const blocked = checkAccess(d, actor, def);
  if (blocked) return cardAnswer(outcomeCard(d, actor, blocked));
  const fields = formFields(def.params);
  const prepared = prepareForm(def, formValues(parsed.data, fields));
  if (prepared.kind === 'form') return cardAnswer(teamsFormCard(def, fields, prepared.raw, prepared.problems));

  const work = runAction(d, { actor, def, params: prepared.params }).then((outcome) => withDownload(deps, actor, outcome));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), o.ackBudgetMs);
  });
  const first = await Promise.race([work, late]).finally(() => clearTimeout(timer));
  if (first !== 'late') return cardAnswer(outcomeCard(d, actor, first.outcome, first.download));
  const followUp = work
    .then(({ outcome, download }) => o.reply(cardMessage(outcomeCard(d, actor, outcome, download))))
    .catch((err: unknown) => deps.log.error({ err: (err as Error).message, action: def.id }, 'Teams command failed after the form was answered'));
  o.track?.(followUp);
  return cardAnswer(teamsNoticeCard('info', `Running ${def.title}… the result is posted here when it is done.`));
}
