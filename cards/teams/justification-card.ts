// The card that asks a requester why, when the policy wants a second approver (four-eyes): Teams'
// counterpart of Slack's justification modal (cards/slack/justification-modal.ts). It replaces the
// report card for the clicker only (the invoke answer); "Request approval" sends the same button
// again with the text (Teams adds the input to the action data), "Back" shows the report again.
import type { DecisionButton } from '../model.ts';
import { JUSTIFICATION_MAX, JUSTIFICATION_MIN } from '../../src/policy/four-eyes.ts';
import { teamsText } from '../text.ts';
import { card, execute, text, type AdaptiveCard, type CardElement } from './adaptive.ts';
import { DECIDE_DATA, REFRESH_DATA, TEAMS_VERBS } from './report-card.ts';

/** Id of the justification input: its value arrives as `data.justification`. */
export const JUSTIFICATION_INPUT = 'justification';

const TITLES: Partial<Record<DecisionButton, string>> = {
  approve: 'Approve',
  quarantine: 'Quarantine',
  block: 'Block',
  'block-sender': 'Block sender',
  'block-domain': 'Block domain',
};

export function teamsJustificationCard(o: { reportId: string; button: DecisionButton; subject?: string; approverRole: string; problem?: string; value?: string }): AdaptiveCard {
  const what = TITLES[o.button] ?? 'This action';
  const subject = teamsText(o.subject, { max: 200 });
  const body: CardElement[] = [
    text('Second approver needed', { size: 'Medium', weight: 'Bolder', style: 'heading' }),
    text(`**${what}**${subject ? ` of “${subject}”` : ''} needs a second approver under this policy: another person with the ${teamsText(o.approverRole, { max: 20 }) || 'responder'} role approves it on the card. Nothing runs before that.`),
    {
      type: 'Input.Text',
      id: JUSTIFICATION_INPUT,
      label: 'Justification (shown to the approver, kept in the audit log)',
      placeholder: 'e.g. confirmed credential phish, 3 users clicked',
      isMultiline: true,
      isRequired: true,
      maxLength: JUSTIFICATION_MAX,
      errorMessage: `At least ${JUSTIFICATION_MIN} characters`,
      // What was typed last time stays (the card stays with the clicker).
      ...(o.value ? { value: o.value.slice(0, JUSTIFICATION_MAX) } : {}),
    },
  ];
  if (o.problem) body.push(text(`❌ ${teamsText(o.problem, { max: 300 })}`, { color: 'Attention', size: 'Small' }));
  return card(body, {
    fallbackText: `${what} needs a second approver: give a justification`,
    actions: [
      execute('Request approval', o.button, { hookline: DECIDE_DATA, button: o.button, value: o.reportId }, 'positive'),
      execute('Back', TEAMS_VERBS.refresh, { hookline: REFRESH_DATA, reportId: o.reportId }),
    ],
  });
}
