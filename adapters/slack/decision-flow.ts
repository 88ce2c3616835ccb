// The report card's buttons in Slack (ids and values: cards/model.ts). A click is acknowledged
// first; the work runs in the background and its outcome reaches people as a card update, or as a
// private note to the clicker. When the policy wants a second approver, the requester's click is
// handled at once instead (Slack's trigger id for opening a modal lives 3 s): the decision service
// checks the role and says a justification is needed, and the justification modal opens; its
// submission makes the request, which then waits on the card for a different person to approve.
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from '../../src/log/logger.ts';
import type { DecisionDeps } from '../../src/actions/decisions.ts';
import { onDecisionButton } from '../../handlers/decision-buttons.ts';
import { requestNeeds } from '../../src/actions/decisions.ts';
import { buttonRequest } from '../../handlers/decision-buttons.ts';
import { justificationProblem } from '../../src/policy/four-eyes.ts';
import { buttonOf } from '../../cards/model.ts';
import { JUSTIFY_ACTION_ID, JUSTIFY_BLOCK_ID, JUSTIFY_CALLBACK_ID, justificationModal, readJustifyMeta } from '../../cards/slack/justification-modal.ts';
import type { SlackActors } from './actors.ts';
import type { Background } from './background.ts';
import { firstDelivery, interactionKey } from './dedupe.ts';

export interface DecisionFlowOptions {
  app: App;
  deps: () => DecisionDeps;
  actors: SlackActors;
  background: Background;
  log: Logger;
}

export function registerDecisionFlow(o: DecisionFlowOptions): void {
  const { app, deps, actors, background, log } = o;

  app.action<BlockAction<ButtonAction>>(/^decide:/, async ({ ack, body, action, respond, client }) => {
    await ack();
    const button = buttonOf(action.action_id);
    if (!button) return;
    const value = action.value ?? '';
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text }).catch(() => {});
    const work = async () => {
      const key = interactionKey(body);
      if (key && !(await firstDelivery(deps().store, key))) return;
      try {
        const actor = await actors.actor(body.user);
        const { result, notice } = await onDecisionButton(deps(), { actor, button, value });
        if (result.kind === 'needs-justification' && body.trigger_id) {
          const report = await deps().store.getReport(value);
          const meta = { r: value, b: button, ...(body.channel?.id ? { c: body.channel.id } : {}) };
          await client.views.open({ trigger_id: body.trigger_id, view: justificationModal(meta, { ...(report ? { subject: report.original.subject } : {}), approverRole: deps().policy.fourEyes.approverRole }) });
          return;
        }
        if (notice) await say(notice);
      } catch (err) {
        log.error({ err: (err as Error).message, action: action.action_id }, 'decision button failed');
        await say(`Hookline could not handle that click: ${(err as Error).message}`);
      }
    };
    const req = buttonRequest(button);
    if (req && requestNeeds(deps(), req.action).justification) await work();
    else background.run('decision button', work);
  });

  app.view(JUSTIFY_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const text = view.state.values[JUSTIFY_BLOCK_ID]?.[JUSTIFY_ACTION_ID]?.value ?? '';
    const problem = justificationProblem(text);
    if (problem) {
      await ack({ response_action: 'errors', errors: { [JUSTIFY_BLOCK_ID]: problem } });
      return;
    }
    await ack();
    const meta = readJustifyMeta(view.private_metadata);
    if (!meta) return;
    background.run('justified request', async () => {
      try {
        const actor = await actors.actor(body.user);
        const { notice } = await onDecisionButton(deps(), { actor, button: meta.b, value: meta.r, justification: text });
        if (notice && meta.c) await client.chat.postEphemeral({ channel: meta.c, user: body.user.id, text: notice }).catch(() => {});
      } catch (err) {
        log.error({ err: (err as Error).message }, 'justified decision request failed');
      }
    });
  });
}
