// The modal that asks a requester why, when the policy wants a second approver (four-eyes). What
// they write is shown on the card to the approver and kept in the audit log. Pure.
import type { types } from '@slack/bolt';
import type { DecisionButton } from '../model.ts';
import { JUSTIFICATION_MAX, JUSTIFICATION_MIN } from '../../src/policy/four-eyes.ts';
import { slackText } from '../text.ts';
import { plainText, sectionBlock } from './limits.ts';

export type ModalView = types.ModalView;

/** callback_id of the modal; adapters/slack/decision-flow.ts routes its submission. */
export const JUSTIFY_CALLBACK_ID = 'decide:justify';
export const JUSTIFY_BLOCK_ID = 'justification';
export const JUSTIFY_ACTION_ID = 'text';

/** What the modal carries to its submission (private_metadata, JSON). */
export interface JustifyMeta {
  /** Report id. */
  r: string;
  /** The button that was clicked (quarantine, block-sender, ...). */
  b: DecisionButton;
  /** The channel of the card, for a private note back. */
  c?: string;
}

const TITLES: Partial<Record<DecisionButton, string>> = {
  approve: 'Approve',
  quarantine: 'Quarantine',
  block: 'Block',
  'block-sender': 'Block sender',
  'block-domain': 'Block domain',
};

export function justificationModal(meta: JustifyMeta, opts: { subject?: string; approverRole: string }): ModalView {
  const what = TITLES[meta.b] ?? 'This action';
  const subject = slackText(opts.subject, { max: 200 });
  return {
    type: 'modal',
    callback_id: JUSTIFY_CALLBACK_ID,
    private_metadata: JSON.stringify(meta),
    title: plainText('Second approver needed', 24),
    submit: plainText('Request approval', 24),
    close: plainText('Cancel', 24),
    blocks: [
      sectionBlock(
        `*${what}*${subject ? ` of “${subject}”` : ''} needs a second approver under this policy: another person with the ${slackText(opts.approverRole, { max: 20 })} role approves it on the card. Nothing runs before that.`,
      ),
      {
        type: 'input',
        block_id: JUSTIFY_BLOCK_ID,
        label: plainText('Justification (shown to the approver, kept in the audit log)', 2000),
        element: {
          type: 'plain_text_input',
          action_id: JUSTIFY_ACTION_ID,
          multiline: true,
          min_length: JUSTIFICATION_MIN,
          max_length: JUSTIFICATION_MAX,
          placeholder: plainText('e.g. confirmed credential phish, 3 users clicked', 150),
        },
      },
    ],
  };
}

/** The metadata back from a submission, or undefined when it is not ours or malformed. */
export function readJustifyMeta(raw: string | undefined): JustifyMeta | undefined {
  try {
    const m = JSON.parse(raw ?? '') as Partial<JustifyMeta>;
    if (typeof m.r !== 'string' || !m.r || typeof m.b !== 'string' || !(m.b in TITLES)) return undefined;
    return { r: m.r, b: m.b, ...(typeof m.c === 'string' && m.c ? { c: m.c } : {}) };
  } catch {
    return undefined;
  }
}
