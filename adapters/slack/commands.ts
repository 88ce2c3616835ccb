// The slash command (SLACK_COMMAND, default /phish), its forms and its result pages, on Slack.
// Everything about commands that is not Slack lives in handlers/commands; this file acknowledges,
// undoes Slack's text encoding, opens modals, and renders outcomes with cards/slack.
//
// Timing: every listener acks first. A command that needs a form opens a loading modal right
// after the ack (its trigger id expires 3 s after the command), then authorises and swaps the real
// form in with views.update. Results arrive through the response_url, or a new message if it has
// expired (replies.ts).
import type { App, BlockAction, ButtonAction, SlashCommand, ViewSubmitAction } from '@slack/bolt';
import type { ActionDef, ActionResult } from '../../src/actions/types.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { Actor } from '../../src/store/types.ts';
import { redact } from '../../src/log/redact.ts';
import { loadResult, saveResult } from '../../src/store/command-results.ts';
import { checkAccess, formFields, helpIndex, prepareCommand, prepareForm, runAction, type ActionOutcome, type CommandDeps, type FormField, type RawValues, type FieldProblem } from '../../handlers/commands/index.ts';
import { actionHelpCard, helpCard } from '../../cards/slack/help.ts';
import { formView, loadingView, noticeView, parseMeta, submissionErrors, submittedValues, FORM_CALLBACK_ID } from '../../cards/slack/modal.ts';
import { PAGE_ACTION_IDS, needsPaging, noticeMessage, parsePageValue, resultMessage, type NoticeTone } from '../../cards/slack/results.ts';
import { slackText } from '../../cards/text.ts';
import type { Background } from './background.ts';
import type { SlackActors } from './actors.ts';
import { decodeCommandText } from './command-text.ts';
import { firstDelivery, interactionKey } from './dedupe.ts';
import type { ReplyTarget, SlackReplies } from './replies.ts';

type WebClient = App['client'];
type AnyDef = ActionDef<any, any, any>;

export interface CommandWiring {
  app: App;
  /** The slash command as configured (`/phish`). */
  command: string;
  deps: () => CommandDeps;
  actors: SlackActors;
  replies: SlackReplies;
  background: Background;
  log: Logger;
}

/** Parameter names that take a vendor's page token, in the order they are tried. */
const PAGE_PARAMS = ['page', 'page_token', 'pageToken', 'next_page_token', 'pageNumber', 'page_number'];

const TONE: Record<Exclude<ActionOutcome['kind'], 'result' | 'decision'>, NoticeTone> = {
  denied: 'denied',
  'not-configured': 'not-configured',
  'needs-second-approver': 'second-approver',
  failed: 'failed',
};

export function registerCommands(w: CommandWiring): void {
  const { app, log } = w;

  app.command(w.command, async ({ ack, command, respond, client }) => {
    await ack();
    // Pure and fast: decide now whether a modal is needed, before the trigger id expires.
    const prepared = prepareCommand(w.deps().catalog, decodeCommandText(command.text ?? ''));
    const to: ReplyTarget = { respond, channel: command.channel_id, user: command.user_id };
    if (prepared.kind === 'form') {
      const opening = client.views.open({ trigger_id: command.trigger_id, view: loadingView(prepared.def.title) }).catch((err: Error) => err);
      w.background.run('command form', async () => {
        if (!(await firstDelivery(w.deps().store, interactionKey(command)!))) return;
        await openForm(w, client, await opening, command, to, prepared.def, prepared.fields, prepared.raw, prepared.problems);
      });
      return;
    }
    w.background.run('command', async () => {
      if (!(await firstDelivery(w.deps().store, interactionKey(command)!))) return;
      const deps = w.deps();
      const actor = await w.actors.actor({ id: command.user_id, name: command.user_name });
      switch (prepared.kind) {
        case 'help': {
          const index = helpIndex(deps.catalog, { vendors: deps.vendors, policy: deps.policy, policySource: deps.policySource, actor, ...(prepared.vendor ? { vendor: prepared.vendor } : {}) });
          await w.replies.private(to, helpCard(index, w.command, prepared.vendor));
          return;
        }
        case 'action-help': {
          const missing = prepared.def.requires?.(deps.vendors) ?? [];
          const allowed = checkAccess(deps, actor, prepared.def)?.kind !== 'denied';
          await w.replies.private(to, actionHelpCard(prepared.def, prepared.fields, w.command, { configured: missing.length === 0, missingVariables: missing, allowed }));
          return;
        }
        case 'error':
          // noticeMessage escapes both the message and the echoed command.
          await w.replies.private(to, noticeMessage('info', prepared.message, `${w.command} ${command.text ?? ''}`.trim().slice(0, 150)));
          return;
        case 'ready':
          await w.replies.private(to, noticeMessage('info', `Running ${prepared.def.title}…`));
          await deliverOutcome(w, to, actor, await runAction(deps, { actor, def: prepared.def, params: prepared.params }));
          return;
      }
    });
  });

  app.view<ViewSubmitAction>(FORM_CALLBACK_ID, async ({ ack, body, view }) => {
    const meta = parseMeta(view.private_metadata);
    const def = meta ? w.deps().catalog.get(meta.a) : undefined;
    if (!meta || !def) {
      await ack({ response_action: 'update', view: noticeView('Hookline', 'This form is from an older version of Hookline and cannot be run any more. Run the command again.', ':warning:') });
      return;
    }
    const fields = formFields(def.params);
    // Validation is pure, so a bad value is answered in the ack itself, next to its input.
    const prepared = prepareForm(def, submittedValues(fields, view.state.values as Parameters<typeof submittedValues>[1]));
    if (prepared.kind === 'form') {
      const { errors, general } = submissionErrors(prepared.problems, fields);
      if (general.length === 0 && Object.keys(errors).length > 0) await ack({ response_action: 'errors', errors });
      else await ack({ response_action: 'update', view: formView(def, fields, prepared.raw, prepared.problems, meta) });
      return;
    }
    await ack();
    const to: ReplyTarget = { channel: meta.c, user: body.user.id };
    w.background.run('form submission', async () => {
      const key = interactionKey(body) ?? `slack:view:${view.id}:${view.hash}`;
      if (!(await firstDelivery(w.deps().store, key))) return;
      const actor = await w.actors.actor(body.user);
      await deliverOutcome(w, to, actor, await runAction(w.deps(), { actor, def, params: prepared.params }));
    });
  });

  app.action<BlockAction<ButtonAction>>({ action_id: new RegExp(`^(${PAGE_ACTION_IDS.next}|${PAGE_ACTION_IDS.back})$`) }, async ({ ack, body, action, respond }) => {
    await ack();
    w.background.run('result page', async () => {
      if (!(await firstDelivery(w.deps().store, interactionKey(body) ?? `slack:page:${body.user.id}:${action.action_ts}`))) return;
      const to = { respond, channel: body.channel?.id ?? body.container?.channel_id, user: body.user.id, messageTs: body.container?.message_ts ?? body.message?.ts } as ReplyTarget & { messageTs?: string };
      const page = parsePageValue(action.value ?? '');
      const saved = page ? await loadResult(w.deps().store, page.resultId) : undefined;
      if (!page || !saved) {
        await w.replies.private(to, noticeMessage('info', 'This result has expired (results are kept for a day). Run the command again.'));
        return;
      }
      const def = w.deps().catalog.get(saved.actionId);
      await w.replies.replace(to, renderResult(w, saved.result, { def, actionId: saved.actionId, actor: saved.actor, resultId: saved.id, offset: page.offset, vendorNext: Boolean(saved.params && def && pageParam(def, saved.result)) }).card);
    });
  });

  app.action<BlockAction<ButtonAction>>(PAGE_ACTION_IDS.vendor, async ({ ack, body, action, respond }) => {
    await ack();
    w.background.run('vendor page', async () => {
      if (!(await firstDelivery(w.deps().store, interactionKey(body) ?? `slack:vendor-page:${action.action_ts}`))) return;
      const to: ReplyTarget = { respond, ...(body.channel?.id ? { channel: body.channel.id } : {}), user: body.user.id };
      const saved = await loadResult(w.deps().store, action.value ?? '');
      const def = saved ? w.deps().catalog.get(saved.actionId) : undefined;
      const field = saved && def ? pageParam(def, saved.result) : undefined;
      if (!saved || !def || !field || !saved.params) {
        await w.replies.private(to, noticeMessage('info', 'The next page is no longer available (results are kept for a day). Run the command again.'));
        return;
      }
      const token = (saved.result.data as { nextPageToken?: string }).nextPageToken!;
      const parsed = def.params.safeParse({ ...saved.params, [field.name]: field.kind === 'number' ? Number(token) : token });
      if (!parsed.success) {
        await w.replies.private(to, noticeMessage('failed', `The vendor's next page cannot be asked for: ${parsed.error.issues[0]?.message ?? 'invalid page'}`));
        return;
      }
      // The clicker runs it: their role is checked and the run is audited under their name.
      const actor = await w.actors.actor(body.user);
      await deliverOutcome(w, to, actor, await runAction(w.deps(), { actor, def, params: parsed.data }));
    });
  });
}

async function openForm(
  w: CommandWiring,
  client: WebClient,
  opened: Awaited<ReturnType<WebClient['views']['open']>> | Error,
  command: SlashCommand,
  to: ReplyTarget,
  def: AnyDef,
  fields: FormField[],
  raw: RawValues,
  problems: FieldProblem[],
): Promise<void> {
  const deps = w.deps();
  const actor = await w.actors.actor({ id: command.user_id, name: command.user_name });
  const blocked = checkAccess(deps, actor, def);
  const viewId = opened instanceof Error ? undefined : opened.view?.id;
  if (!viewId) {
    // The modal could not open (trigger expired, modal limits): say what is needed in a message.
    w.log.info({ err: opened instanceof Error ? opened.message : 'no view id' }, 'could not open the form; answering with help instead');
    if (blocked) return void (await w.replies.private(to, noticeMessage(TONE[blocked.kind], blocked.message)));
    const missing = def.requires?.(deps.vendors) ?? [];
    const card = actionHelpCard(def, fields, w.command, { configured: missing.length === 0, missingVariables: missing });
    if (problems.length) card.blocks.splice(1, 0, noticeMessage('failed', problems.map((p) => p.message).join('\n')).blocks[0]!);
    await w.replies.private(to, card);
    return;
  }
  const view = blocked ? noticeView(def.title, blocked.message, blocked.kind === 'denied' ? ':no_entry:' : ':gear:') : formView(def, fields, raw, problems, { a: def.id, c: command.channel_id });
  await client.views.update({ view_id: viewId, view });
}

/** Sends an outcome to the person (or conversation) it belongs to. */
async function deliverOutcome(w: CommandWiring, to: ReplyTarget, actor: Actor, outcome: ActionOutcome): Promise<void> {
  switch (outcome.kind) {
    case 'decision': {
      const ok = outcome.result.kind === 'executed' && outcome.result.decision.state === 'done';
      const tone: NoticeTone = ok ? 'ok' : outcome.result.kind === 'denied' ? 'denied' : outcome.result.kind === 'executed' ? 'failed' : 'info';
      await w.replies.private(to, noticeMessage(tone, outcome.message, outcome.def.title));
      return;
    }
    case 'result': {
      const { def, result } = outcome;
      if (result.kind === 'file') {
        const file = result.data as { filename: string; contentType: string; bytes: Buffer; comment?: string };
        const comment = [`*${slackText(def.title, { max: 100 })}*: ${slackText(result.summary, { max: 900 })}`, file.comment ? slackText(file.comment, { max: 500 }) : ''].filter(Boolean).join('\n');
        try {
          await w.replies.upload(to, file, comment);
        } catch (err) {
          w.log.warn({ action: def.id, err: (err as Error).message }, 'file upload failed');
          await w.replies.private(to, noticeMessage('failed', `${result.summary}, but the file could not be uploaded to Slack: ${(err as Error).message}`, def.title));
        }
        return;
      }
      const field = pageParam(def, result);
      const deps = w.deps();
      const base = { def, actionId: def.id, actor, vendorNext: false };
      let resultId: string | undefined;
      const storableParams = field ? replayableParams(outcome.params) : undefined;
      if (needsPaging({ actionId: def.id, title: def.title, result, maxRows: deps.policy.limits.maxTableRows }) || storableParams) {
        try {
          resultId = (await saveResult(deps.store, { actionId: def.id, actor, ...(storableParams ? { params: storableParams } : {}), result })).id;
        } catch (err) {
          // The first page is still worth showing; only its page buttons are lost.
          w.log.warn({ action: def.id, err: (err as Error).message }, 'could not keep the result for paging');
        }
      }
      const page = renderResult(w, result, { ...base, vendorNext: Boolean(storableParams && resultId), ...(resultId ? { resultId } : {}) });
      await w.replies.public(to, page.card);
      return;
    }
    default:
      await w.replies.private(to, noticeMessage(TONE[outcome.kind], outcome.message, outcome.def.title));
  }
}

function renderResult(
  w: CommandWiring,
  result: ActionResult,
  o: { def?: AnyDef | undefined; actionId: string; actor: Actor; resultId?: string; offset?: number; vendorNext: boolean },
) {
  const deps = w.deps();
  return resultMessage({
    actionId: o.actionId,
    title: o.def?.title ?? o.actionId,
    result,
    actor: o.actor,
    dryRun: deps.dryRun,
    maxRows: deps.policy.limits.maxTableRows,
    ...(o.resultId ? { resultId: o.resultId } : {}),
    ...(o.offset !== undefined ? { offset: o.offset } : {}),
    vendorNext: o.vendorNext,
    ...(o.def ? { vendorName: o.def.vendor } : {}),
  });
}

/** The parameter that takes the vendor's next-page token, when the result has one and the action accepts it. */
function pageParam(def: AnyDef, result: ActionResult): FormField | undefined {
  if (result.kind !== 'table') return undefined;
  const token = (result.data as { nextPageToken?: unknown } | null)?.nextPageToken;
  if (typeof token !== 'string' || token === '') return undefined;
  const fields = formFields(def.params);
  for (const name of PAGE_PARAMS) {
    const f = fields.find((x) => x.name === name && (x.kind === 'text' || x.kind === 'number'));
    if (f) return f;
  }
  return undefined;
}

/** Parameters safe to keep for a re-run: none when any of them is a secret (it would be stored). */
function replayableParams(params: unknown): Record<string, unknown> | undefined {
  if (params === null || typeof params !== 'object') return undefined;
  const plain = JSON.parse(JSON.stringify(params)) as Record<string, unknown>;
  return JSON.stringify(redact(plain)) === JSON.stringify(plain) ? plain : undefined;
}

