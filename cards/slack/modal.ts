// Slack modals for catalog actions, built from the form-field descriptors (handlers/commands/
// fields.ts): text, number, boolean, enum and list inputs, prefilled with what was typed, with the
// problems listed. Also the loading view (opened first: a trigger id expires 3 s after the click or
// command) and a read-only notice view. Pure: submission text is read back by `submittedValues`.
//
// Modal limits (chatops.md §1.4): title/submit/close 24 characters, 100 blocks, private_metadata
// 3000, label/hint 2000, placeholder 150, select options 100 (text 75, value 150).
import type { types } from '@slack/bolt';
import type { KnownBlock } from './block-kit.ts';
import type { ActionDef } from '../../src/actions/types.ts';
import type { FormField } from '../../handlers/commands/fields.ts';
import { describeValue, formatDefault } from '../../handlers/commands/fields.ts';
import type { FieldProblem, RawValues } from '../../handlers/commands/values.ts';
import { slackPlain, slackText } from '../text.ts';
import { SLACK_LIMITS, clampPlain, contextBlock, fitLines, plainText, sectionBlock } from './limits.ts';

export type ModalView = types.ModalView;
type InputBlock = types.InputBlock;
type Option = types.PlainTextOption;

/** callback_id of the action form (adapters/slack routes its submission). */
export const FORM_CALLBACK_ID = 'cmd:run';
export const FIELD_ACTION_ID = 'value';
const BLOCK_PREFIX = 'f:';
const MODAL_TEXT = 24;
const MAX_OPTIONS = 100;

export const MODAL_LIMITS = { title: MODAL_TEXT, privateMetadata: 3000, blocks: SLACK_LIMITS.blocksPerView, label: 2000, hint: 2000, placeholder: 150, optionText: 75, optionValue: 150 } as const;

/** What the form carries back on submission (validated again when it returns). */
export interface FormMeta {
  /** Catalog action id. */
  a: string;
  /** Channel to post the result in. */
  c: string;
}

export const blockIdOf = (field: string) => `${BLOCK_PREFIX}${field}`;
export const fieldOfBlock = (blockId: string) => (blockId.startsWith(BLOCK_PREFIX) ? blockId.slice(BLOCK_PREFIX.length) : undefined);

function title(s: string): types.PlainTextElement {
  return plainText(clampPlain(slackPlain(s) || 'Hookline', MODAL_TEXT), MODAL_TEXT);
}

export function loadingView(heading = 'Hookline'): ModalView {
  return { type: 'modal', title: title(heading), close: plainText('Close', MODAL_TEXT), blocks: [sectionBlock(':hourglass_flowing_sand: Loading…')] };
}

/** A read-only modal with a message (denied, not configured, done). `message` is escaped here. */
export function noticeView(heading: string, message: string, icon = ':information_source:'): ModalView {
  return { type: 'modal', title: title(heading), close: plainText('Close', MODAL_TEXT), blocks: [sectionBlock(`${icon} ${slackText(message, { max: 2800, singleLine: false }) || '-'}`)] };
}

function option(value: string, text = value): Option {
  // Option values are ours (enum members); a longer one cannot be sent, so it is never offered.
  return { text: plainText(clampPlain(slackPlain(text, { defang: false }), MODAL_LIMITS.optionText), MODAL_LIMITS.optionText), value };
}

function initialText(f: FormField, raw: RawValues): string | undefined {
  if (raw[f.name] !== undefined) return f.secret ? undefined : raw[f.name];
  if (f.default !== undefined && !f.secret) return formatDefault(f.default);
  return undefined;
}

function hintOf(f: FormField): string {
  return [f.description, describeValue(f), f.kind === 'list' ? 'one per line or comma-separated' : undefined].filter(Boolean).join(' · ');
}

function element(f: FormField, raw: RawValues): InputBlock['element'] {
  const initial = initialText(f, raw);
  const base = { action_id: FIELD_ACTION_ID };
  switch (f.kind) {
    case 'boolean': {
      const on = initial !== undefined && /^(true|yes|y|on|1)$/i.test(initial.trim());
      const yes = option('true', 'Yes');
      return { type: 'checkboxes', ...base, options: [yes], ...(on ? { initial_options: [yes] } : {}) };
    }
    case 'enum': {
      const opts = (f.options ?? []).filter((o) => o.length <= MODAL_LIMITS.optionValue);
      if (opts.length > 0 && opts.length <= MAX_OPTIONS && opts.length === (f.options ?? []).length) {
        const options = opts.map((o) => option(o));
        const init = initial !== undefined ? options.find((o) => (o.value ?? '').toLowerCase() === initial.trim().toLowerCase()) : undefined;
        return { type: 'static_select', ...base, options, ...(init ? { initial_option: init } : {}), placeholder: plainText('Choose…', MODAL_LIMITS.placeholder) };
      }
      break;
    }
    case 'number': {
      // A number input cannot show what was typed if it was not a number: fall back to text.
      if (initial === undefined || /^-?\d+(\.\d+)?$/.test(initial.trim())) {
        return {
          type: 'number_input',
          ...base,
          is_decimal_allowed: !f.integer,
          ...(f.min !== undefined ? { min_value: String(f.min) } : {}),
          ...(f.max !== undefined ? { max_value: String(f.max) } : {}),
          ...(initial !== undefined ? { initial_value: initial.trim() } : {}),
        };
      }
      break;
    }
    case 'list':
      return { type: 'plain_text_input', ...base, multiline: true, ...(initial !== undefined ? { initial_value: initial.slice(0, 3000) } : {}) };
  }
  return {
    type: 'plain_text_input',
    ...base,
    ...(initial !== undefined ? { initial_value: initial.slice(0, 3000) } : {}),
    ...(f.kind === 'text' && f.max !== undefined && f.max <= 3000 ? { max_length: f.max } : {}),
  };
}

function input(f: FormField, raw: RawValues): InputBlock {
  return {
    type: 'input',
    block_id: blockIdOf(f.name),
    label: plainText(slackPlain(f.label, { defang: false, max: 200 }) || f.name, MODAL_LIMITS.label),
    hint: plainText(slackPlain(hintOf(f), { max: MODAL_LIMITS.hint }) || f.name, MODAL_LIMITS.hint),
    // A boolean is never "required" as a checkbox: unticked means false.
    optional: !f.required || f.kind === 'boolean',
    element: element(f, raw),
  };
}

/** The form for `def`: its inputs, prefilled with `raw`, with `problems` listed at the top. */
export function formView(
  def: Pick<ActionDef, 'id' | 'title' | 'summary' | 'risk' | 'role'>,
  fields: readonly FormField[],
  raw: RawValues,
  problems: readonly FieldProblem[],
  meta: FormMeta,
): ModalView {
  const intro: KnownBlock[] = [sectionBlock(`*${slackText(def.title, { max: 150 })}*\n${slackText(def.summary, { max: 600 })}`)];
  if (def.risk === 'destructive') intro.push(contextBlock([':warning: *Destructive*: this changes mailboxes or vendor settings and is audited.']));
  else if (def.risk === 'change') intro.push(contextBlock([':pencil2: This changes vendor settings and is audited.']));
  if (problems.length) intro.push(sectionBlock(fitLines([':x: *Please fix:*', ...problems.map((p) => `• ${slackText(p.message, { max: 400 })}`)])));
  const room = MODAL_LIMITS.blocks - intro.length - 1;
  const shown = fields.slice(0, room);
  const blocks: (KnownBlock | InputBlock)[] = [...intro, ...shown.map((f) => input(f, raw))];
  if (shown.length < fields.length) blocks.push(contextBlock([`_${fields.length - shown.length} more parameters can only be given in the command: ${slackText(fields.slice(room).map((f) => f.name).join(', '), { max: 1500 })}_`]));
  if (fields.length === 0) blocks.push(sectionBlock('_This action has no parameters._'));
  const metadata = JSON.stringify(meta);
  if (metadata.length > MODAL_LIMITS.privateMetadata) throw new RangeError('form metadata is too long');
  return {
    type: 'modal',
    callback_id: FORM_CALLBACK_ID,
    private_metadata: metadata,
    title: title(def.title),
    submit: plainText(def.risk === 'read' ? 'Run' : 'Run it', MODAL_TEXT),
    close: plainText('Cancel', MODAL_TEXT),
    blocks: blocks as types.AnyBlock[] as KnownBlock[],
  };
}

export function parseMeta(s: string | undefined): FormMeta | undefined {
  try {
    const m = JSON.parse(s ?? '') as Partial<FormMeta>;
    return typeof m.a === 'string' && typeof m.c === 'string' ? { a: m.a, c: m.c } : undefined;
  } catch {
    return undefined;
  }
}

type StateValue = { type?: string; value?: string | null; selected_option?: { value?: string } | null; selected_options?: { value?: string }[] | null };

/** A submitted form's text per field (empty inputs left out; an unticked box is "false"). */
export function submittedValues(fields: readonly FormField[], values: Record<string, Record<string, StateValue>> | undefined): RawValues {
  const out: RawValues = {};
  for (const f of fields) {
    const v = values?.[blockIdOf(f.name)]?.[FIELD_ACTION_ID];
    if (!v) continue;
    if (v.type === 'checkboxes') {
      const on = (v.selected_options ?? []).some((o) => o.value === 'true');
      if (on || f.required || f.default !== undefined) out[f.name] = on ? 'true' : 'false';
    } else if (v.type === 'static_select') {
      if (v.selected_option?.value) out[f.name] = v.selected_option.value;
    } else if (typeof v.value === 'string' && v.value !== '') out[f.name] = v.value;
  }
  return out;
}

/** Problems as Slack's `response_action: errors` map (block_id -> message); field-less ones are returned apart. */
export function submissionErrors(problems: readonly FieldProblem[], fields: readonly FormField[]): { errors: Record<string, string>; general: string[] } {
  const errors: Record<string, string> = {};
  const general: string[] = [];
  const names = new Set(fields.map((f) => f.name));
  for (const p of problems) {
    if (p.field && names.has(p.field)) {
      const id = blockIdOf(p.field);
      // Error texts are shown as plain text under the input; keep them short.
      errors[id] = errors[id] ? errors[id] : clampPlain(slackPlain(p.message, { max: 300 }), 300);
    } else general.push(p.message);
  }
  return { errors, general };
}
