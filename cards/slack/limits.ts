// Block Kit limits (shared/reference/chatops.md §1.4) as constants, builders that enforce them
// (clamp / summarise, never an invalid payload) and a validator for whole messages.
//
// The builders take text that is ALREADY rendered for Slack (cards/text.ts output, or our own
// literal mrkdwn); they clamp it but never escape it. Clamping cuts only between grapheme clusters
// and never inside an entity (`&amp;`) or a `<…>` token of ours (a mention), and closes a code
// span it cut open. Lengths are UTF-16 code units (>= Slack's character count).
//
// Identifiers (action_id, block_id, button value) are never truncated — a shortened id would be
// a different id — so an oversized one is a programming error and throws a RangeError.
import type {
  ActionsBlock,
  Button,
  ConfirmationDialog,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from './block-kit.ts';
import { graphemes } from '../text.ts';

export const SLACK_LIMITS = {
  /** Blocks in a message (modals and the Home tab allow 100). */
  blocksPerMessage: 50,
  blocksPerView: 100,
  /** Top-level `text` of a message (Slack truncates beyond this). */
  messageText: 40_000,
  /** Any text object (min 1). */
  textObject: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  accessibilityLabel: 75,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Cumulative text of all `markdown` blocks in one payload. */
  markdownBlocksTotal: 12_000,
  /**
   * Our budget for the sum of all text in a message's blocks. Slack answers `msg_blocks_too_long`
   * at about 13k characters even below the per-block limits (bolt-js#2509, undocumented), so cards
   * stay well under it.
   */
  blocksTextBudget: 12_000,
} as const;

const ELLIPSIS = '…';

// ---------------------------------------------------------------------------------------------
// Clamping rendered text
// ---------------------------------------------------------------------------------------------

/** Atomic pieces of rendered Slack text: entities, `<…>` tokens of ours, else grapheme clusters. */
function units(s: string): string[] {
  const out: string[] = [];
  const re = /&(?:amp|lt|gt);|<[^<>\n]{1,300}>/g;
  let last = 0;
  for (const m of s.matchAll(re)) {
    for (const g of graphemes(s.slice(last, m.index))) out.push(g);
    out.push(m[0]);
    last = m.index + m[0].length;
  }
  for (const g of graphemes(s.slice(last))) out.push(g);
  return out;
}

function clamp(s: string, max: number, closeCode: boolean): string {
  if (s.length <= max) return s;
  if (max < 1) return '';
  const kept: string[] = [];
  let len = 0;
  for (const u of units(s)) {
    if (len + u.length > max - ELLIPSIS.length) break;
    kept.push(u);
    len += u.length;
  }
  const ticks = (): number => kept.reduce((n, u) => n + (u === '`' ? 1 : 0), 0);
  if (closeCode && ticks() % 2 === 1) {
    // make room for the closing backtick
    while (kept.length > 0 && len + 1 > max - ELLIPSIS.length) len -= kept.pop()!.length;
    if (ticks() % 2 === 1) kept.push('`');
  }
  return kept.join('') + ELLIPSIS;
}

/** Shorten rendered mrkdwn to `max`, ending with `…`; closes a code span the cut left open. */
export function clampMrkdwn(s: string, max: number): string {
  return clamp(s, max, true);
}

/** Shorten rendered plain_text to `max`, ending with `…`. */
export function clampPlain(s: string, max: number): string {
  return clamp(s, max, false);
}

/**
 * Join rendered mrkdwn lines with newlines within `max`; lines that do not fit are summarised by
 * one `more(omitted)` line (default `_+K more_`). A single line longer than `max` is clamped.
 */
export function fitLines(
  lines: readonly string[],
  max: number = SLACK_LIMITS.sectionText,
  more: (omitted: number) => string = (k) => `_+${k} more_`,
): string {
  const all = lines.map((l) => clampMrkdwn(l, max));
  const joined = all.join('\n');
  if (joined.length <= max) return joined;
  const kept = [...all];
  while (kept.length > 0) {
    kept.pop();
    const tail = more(all.length - kept.length);
    const text = [...kept, tail].join('\n');
    if (text.length <= max) return text;
  }
  return clampMrkdwn(more(all.length), max);
}

function nonEmpty(s: string): string {
  return s.trim() === '' ? '-' : s;
}

function checkId(kind: string, id: string, max: number): string {
  if (id.length === 0 || id.length > max) throw new RangeError(`${kind} must be 1..${max} characters (got ${id.length})`);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/** A mrkdwn text object with `verbatim: true` (no auto-linking of URLs / channel names). */
export function mrkdwn(text: string, max: number = SLACK_LIMITS.textObject): MrkdwnElement {
  return { type: 'mrkdwn', text: nonEmpty(clampMrkdwn(text, max)), verbatim: true };
}

export function plainText(text: string, max: number = SLACK_LIMITS.textObject, emoji = true): PlainTextElement {
  return { type: 'plain_text', text: nonEmpty(clampPlain(text, max)), emoji };
}

export function headerBlock(text: string, blockId?: string): HeaderBlock {
  return withBlockId({ type: 'header', text: plainText(text, SLACK_LIMITS.headerText) }, blockId);
}

export function sectionBlock(text: string, blockId?: string): SectionBlock {
  return withBlockId({ type: 'section', text: mrkdwn(text, SLACK_LIMITS.sectionText) }, blockId);
}

/** A section of two-column fields; more than 10 are cut to 9 plus a `+K more` field. */
export function fieldsBlock(fields: readonly string[], blockId?: string): SectionBlock {
  const max = SLACK_LIMITS.sectionFields;
  const list =
    fields.length > max ? [...fields.slice(0, max - 1), `_+${fields.length - (max - 1)} more_`] : [...fields];
  return withBlockId(
    { type: 'section', fields: list.map((f) => mrkdwn(f, SLACK_LIMITS.sectionFieldText)) },
    blockId,
  );
}

/** A context block of mrkdwn elements; more than 10 are cut to 10 (the last one says how many were left out). */
export function contextBlock(texts: readonly string[], blockId?: string): ContextBlock {
  const max = SLACK_LIMITS.contextElements;
  const list = texts.length > max ? [...texts.slice(0, max - 1), `_+${texts.length - (max - 1)} more_`] : [...texts];
  return withBlockId({ type: 'context', elements: list.map((t) => mrkdwn(t)) }, blockId);
}

export function dividerBlock(): DividerBlock {
  return { type: 'divider' };
}

export interface ConfirmSpec {
  title: string;
  text: string;
  confirm: string;
  deny: string;
  style?: 'primary' | 'danger';
}

export function confirmDialog(c: ConfirmSpec): ConfirmationDialog {
  const d: ConfirmationDialog = {
    title: plainText(c.title, SLACK_LIMITS.confirmTitle),
    text: plainText(c.text, SLACK_LIMITS.confirmText),
    confirm: plainText(c.confirm, SLACK_LIMITS.confirmButton),
    deny: plainText(c.deny, SLACK_LIMITS.confirmButton),
  };
  if (c.style) d.style = c.style;
  return d;
}

export interface ButtonSpec {
  text: string;
  actionId: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmSpec;
  accessibilityLabel?: string;
}

export function button(b: ButtonSpec): Button {
  const out: Button = {
    type: 'button',
    text: plainText(b.text, SLACK_LIMITS.buttonText),
    action_id: checkId('action_id', b.actionId, SLACK_LIMITS.actionId),
  };
  if (b.value !== undefined) out.value = checkId('button value', b.value, SLACK_LIMITS.buttonValue);
  if (b.url !== undefined) out.url = checkId('button url', b.url, SLACK_LIMITS.buttonUrl);
  if (b.style) out.style = b.style;
  if (b.confirm) out.confirm = confirmDialog(b.confirm);
  if (b.accessibilityLabel) out.accessibility_label = clampPlain(b.accessibilityLabel, SLACK_LIMITS.accessibilityLabel);
  return out;
}

export function actionsBlock(elements: readonly Button[], blockId?: string): ActionsBlock {
  if (elements.length === 0) throw new RangeError('an actions block needs at least one element');
  if (elements.length > SLACK_LIMITS.actionsElements) {
    throw new RangeError(`an actions block holds at most ${SLACK_LIMITS.actionsElements} elements`);
  }
  return withBlockId({ type: 'actions', elements: [...elements] }, blockId);
}

function withBlockId<B extends KnownBlock>(b: B, blockId: string | undefined): B {
  if (blockId !== undefined) b.block_id = checkId('block_id', blockId, SLACK_LIMITS.blockId);
  return b;
}

/**
 * Keep a message within `max` blocks: the first block (header) and every actions block are kept,
 * other blocks are kept in order while there is room, and a context block says how many were
 * left out.
 */
export function clampBlocks(blocks: readonly KnownBlock[], max: number = SLACK_LIMITS.blocksPerMessage): KnownBlock[] {
  if (blocks.length <= max) return [...blocks];
  const must = new Set<number>([0]);
  blocks.forEach((b, i) => {
    if (b.type === 'actions') must.add(i);
  });
  let room = max - 1 - must.size; // one slot for the notice
  const keep = new Set(must);
  for (let i = 0; i < blocks.length && room > 0; i++) {
    if (!keep.has(i)) {
      keep.add(i);
      room--;
    }
  }
  const omitted = blocks.length - keep.size;
  const out: KnownBlock[] = [];
  let noticeAt = -1;
  blocks.forEach((b, i) => {
    if (keep.has(i)) out.push(b);
    else if (noticeAt < 0) {
      noticeAt = out.length;
      out.push(contextBlock([`_${omitted} more blocks not shown_`]));
    }
  });
  return out.slice(0, max);
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Check a message payload against the Block Kit limits we know; returns the violations (empty
 * when valid). Covers the block types cards use (header, section, context, actions with buttons,
 * divider, markdown) and generic rules for all blocks: count, block_id/action_id length and
 * uniqueness, non-empty text objects, well-formed strings (no lone surrogates), the total text
 * budget and the top-level `text` limit.
 */
export function validateMessage(
  msg: { text?: string; blocks?: readonly unknown[] },
  opts: { maxBlocks?: number } = {},
): string[] {
  const errors: string[] = [];
  const blocks = msg.blocks ?? [];
  const maxBlocks = opts.maxBlocks ?? SLACK_LIMITS.blocksPerMessage;
  if (blocks.length > maxBlocks) errors.push(`${blocks.length} blocks > ${maxBlocks}`);
  if (msg.text !== undefined && msg.text.length > SLACK_LIMITS.messageText) {
    errors.push(`text: ${msg.text.length} > ${SLACK_LIMITS.messageText}`);
  }
  if (msg.text !== undefined && !msg.text.isWellFormed()) errors.push('text: lone surrogate');
  if (msg.text === undefined || msg.text.trim() === '') errors.push('text: a notification fallback is required');

  let total = 0;
  let markdownTotal = 0;
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();

  const textObj = (where: string, t: unknown, max: number, plainOnly = false): void => {
    if (!isObj(t) || typeof t.text !== 'string' || (t.type !== 'plain_text' && t.type !== 'mrkdwn')) {
      errors.push(`${where}: not a text object`);
      return;
    }
    if (plainOnly && t.type !== 'plain_text') errors.push(`${where}: must be plain_text`);
    if (t.text.trim().length === 0) errors.push(`${where}: empty text`);
    if (t.text.length > max) errors.push(`${where}: ${t.text.length} > ${max}`);
    total += t.text.length;
  };
  const actionId = (where: string, id: unknown): void => {
    if (id === undefined) return;
    if (typeof id !== 'string' || id.length === 0 || id.length > SLACK_LIMITS.actionId) {
      errors.push(`${where}: action_id length`);
      return;
    }
    if (actionIds.has(id)) errors.push(`${where}: duplicate action_id ${id}`);
    actionIds.add(id);
  };
  const confirmObj = (where: string, c: unknown): void => {
    if (c === undefined) return;
    if (!isObj(c)) return void errors.push(`${where}: confirm is not an object`);
    if (c.title !== undefined) textObj(`${where}.title`, c.title, SLACK_LIMITS.confirmTitle, true);
    textObj(`${where}.text`, c.text, SLACK_LIMITS.confirmText);
    if (c.confirm !== undefined) textObj(`${where}.confirm`, c.confirm, SLACK_LIMITS.confirmButton, true);
    if (c.deny !== undefined) textObj(`${where}.deny`, c.deny, SLACK_LIMITS.confirmButton, true);
  };
  const element = (where: string, e: unknown): void => {
    if (!isObj(e)) return void errors.push(`${where}: not an object`);
    actionId(where, e.action_id);
    if (e.type === 'button') {
      textObj(`${where}.text`, e.text, SLACK_LIMITS.buttonText, true);
      if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > SLACK_LIMITS.buttonValue)) {
        errors.push(`${where}: value longer than ${SLACK_LIMITS.buttonValue}`);
      }
      if (e.url !== undefined && (typeof e.url !== 'string' || e.url.length > SLACK_LIMITS.buttonUrl)) {
        errors.push(`${where}: url longer than ${SLACK_LIMITS.buttonUrl}`);
      }
      if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') errors.push(`${where}: style`);
      if (typeof e.accessibility_label === 'string' && e.accessibility_label.length > SLACK_LIMITS.accessibilityLabel) {
        errors.push(`${where}: accessibility_label too long`);
      }
      confirmObj(`${where}.confirm`, e.confirm);
    }
  };

  blocks.forEach((b, i) => {
    const where = `blocks[${i}]`;
    if (!isObj(b) || typeof b.type !== 'string') return void errors.push(`${where}: not a block`);
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string' || b.block_id.length === 0 || b.block_id.length > SLACK_LIMITS.blockId) {
        errors.push(`${where}: block_id length`);
      } else if (blockIds.has(b.block_id)) errors.push(`${where}: duplicate block_id`);
      else blockIds.add(b.block_id);
    }
    switch (b.type) {
      case 'header':
        textObj(`${where}.text`, b.text, SLACK_LIMITS.headerText, true);
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) errors.push(`${where}: needs text or fields`);
        if (b.text !== undefined) textObj(`${where}.text`, b.text, SLACK_LIMITS.sectionText);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0) errors.push(`${where}: fields`);
          else {
            if (b.fields.length > SLACK_LIMITS.sectionFields) errors.push(`${where}: ${b.fields.length} fields > 10`);
            b.fields.forEach((f, j) => textObj(`${where}.fields[${j}]`, f, SLACK_LIMITS.sectionFieldText));
          }
        }
        if (b.accessory !== undefined) element(`${where}.accessory`, b.accessory);
        break;
      }
      case 'context': {
        const els = b.elements;
        if (!Array.isArray(els) || els.length === 0) errors.push(`${where}: context needs elements`);
        else {
          if (els.length > SLACK_LIMITS.contextElements) errors.push(`${where}: ${els.length} elements > 10`);
          els.forEach((e, j) => {
            if (isObj(e) && e.type === 'image') return;
            textObj(`${where}.elements[${j}]`, e, SLACK_LIMITS.textObject);
          });
        }
        break;
      }
      case 'actions': {
        const els = b.elements;
        if (!Array.isArray(els) || els.length === 0) errors.push(`${where}: actions needs elements`);
        else {
          if (els.length > SLACK_LIMITS.actionsElements) errors.push(`${where}: ${els.length} elements > 25`);
          els.forEach((e, j) => element(`${where}.elements[${j}]`, e));
        }
        break;
      }
      case 'markdown':
        if (typeof b.text !== 'string' || b.text.length === 0) errors.push(`${where}: markdown text`);
        else {
          markdownTotal += b.text.length;
          total += b.text.length;
        }
        break;
      default:
        break;
    }
  });

  if (markdownTotal > SLACK_LIMITS.markdownBlocksTotal) {
    errors.push(`markdown blocks: ${markdownTotal} > ${SLACK_LIMITS.markdownBlocksTotal}`);
  }
  if (total > SLACK_LIMITS.blocksTextBudget) errors.push(`block text: ${total} > ${SLACK_LIMITS.blocksTextBudget}`);
  if (!allStrings(blocks).every((x) => x.isWellFormed())) errors.push('blocks: lone surrogate');
  return errors;
}

function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) allStrings(x, out);
  else if (isObj(v)) for (const x of Object.values(v)) allStrings(x, out);
  return out;
}

/** Sum of the text of all text objects and markdown blocks in `blocks` (what `blocksTextBudget` bounds). */
export function blocksTextLength(blocks: readonly unknown[]): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (isObj(v)) {
      const isText = v.type === 'plain_text' || v.type === 'mrkdwn' || v.type === 'markdown';
      if (isText && typeof v.text === 'string') n += v.text.length;
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(blocks);
  return n;
}
