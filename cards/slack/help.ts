// Help as Block Kit, generated from the catalog (handlers/commands/help.ts): the command overview,
// one vendor's actions, and one action's syntax and parameters. Catalog text is ours, but it is
// escaped like anything else so a description with `<` or `*` cannot break the card.
import type { KnownBlock } from './block-kit.ts';
import type { ActionDef } from '../../src/actions/types.ts';
import type { HelpIndex } from '../../handlers/commands/help.ts';
import { parameterLines, usageOf } from '../../handlers/commands/help.ts';
import type { FormField } from '../../handlers/commands/fields.ts';
import { slackCode, slackText } from '../text.ts';
import { blocksTextLength, clampBlocks, contextBlock, fitLines, headerBlock, sectionBlock } from './limits.ts';
import type { SlackCard } from './report-card.ts';

const RISK_ICON: Record<string, string> = { read: ':mag:', change: ':pencil2:', destructive: ':warning:' };
const code = (s: string, max = 200) => slackCode(s, { max, defang: false });

/** Budget for a help message's block text (below SLACK_LIMITS.blocksTextBudget). */
const HELP_BUDGET = 10_000;

function marks(a: { configured: boolean; allowed?: boolean }): string {
  const m: string[] = [];
  if (!a.configured) m.push(':gear: _not configured_');
  if (a.allowed === false) m.push(':lock: _not allowed for you_');
  return m.length ? ` ${m.join(' ')}` : '';
}

export function helpCard(index: HelpIndex, command: string, vendor?: string): SlackCard {
  const blocks: KnownBlock[] = [];
  if (!vendor) {
    blocks.push(headerBlock('Hookline commands'));
    const usage = [
      `${code(`${command} <vendor> <action> key=value …`)} run an action (quote values with spaces: ${code('key="two words"')}; lists are comma-separated)`,
      `${code(`${command} <vendor> <action>`)} open a form for its parameters`,
      `${code(`${command} help <vendor>`)} the actions of a vendor · ${code(`${command} help <vendor> <action>`)} one action in detail`,
      ...index.aliases.map((a) => `${code(`${command} ${a.word}`)} shorthand for ${code(`${command} ${a.vendor} ${a.action}`)}`),
    ];
    blocks.push(sectionBlock(usage.join('\n')));
    for (const v of index.vendors) {
      const names = v.actions.map((a) => code(a.name, 60)).join(' ');
      blocks.push(sectionBlock(fitLines([`*${slackText(v.vendor, { max: 40 })}*${v.configured ? '' : ' :gear: _not configured_'} (${v.actions.length})`, names])));
    }
    blocks.push(contextBlock([':mag: read · :pencil2: change · :warning: destructive · :gear: vendor not configured · :lock: you lack the role']));
  } else {
    blocks.push(headerBlock(`Hookline: ${slackText(vendor, { max: 60 })} actions`));
    for (const v of index.vendors.filter((x) => x.vendor === vendor)) {
      const lines = v.actions.map((a) => `${RISK_ICON[a.risk] ?? ''} ${code(a.name, 60)} ${slackText(a.summary, { max: 110 })}${marks(a)}`);
      // A vendor with many actions: several sections, each within the section limit.
      for (let i = 0; i < lines.length; i += 12) blocks.push(sectionBlock(fitLines(lines.slice(i, i + 12))));
    }
    blocks.push(contextBlock([`${code(`${command} help ${vendor} <action>`)} for parameters · :mag: read · :pencil2: change · :warning: destructive`]));
  }
  return { text: vendor ? `Hookline: ${slackText(vendor, { max: 60 })} actions` : 'Hookline commands', blocks: withinBudget(blocks) };
}

export function actionHelpCard(
  def: Pick<ActionDef, 'id' | 'vendor' | 'name' | 'title' | 'summary' | 'risk' | 'role' | 'params' | 'decision'>,
  fields: readonly FormField[],
  command: string,
  status: { configured: boolean; missingVariables?: string[]; allowed?: boolean } = { configured: true },
): SlackCard {
  const blocks: KnownBlock[] = [headerBlock(`${slackText(def.title, { max: 120 })}`)];
  blocks.push(sectionBlock(`${slackText(def.summary, { max: 600 })}\n${code(`${command} ${usageOf(def, fields)}`, 1500)}`));
  const facts = [`${RISK_ICON[def.risk] ?? ''} ${def.risk}`, `needs the *${def.role}* role`, code(def.id, 100)];
  if (def.decision) facts.push('runs as a decision on the report card');
  blocks.push(contextBlock([facts.join(' · ')]));
  const params = parameterLines(fields).map((p) => `• ${code(p.name, 80)}${p.required ? ' *(required)*' : ''} ${slackText(p.text, { max: 400 })}`);
  if (params.length) for (let i = 0; i < params.length; i += 10) blocks.push(sectionBlock(fitLines(params.slice(i, i + 10))));
  else blocks.push(sectionBlock('_No parameters._'));
  if (!status.configured) blocks.push(sectionBlock(`:gear: Not configured: set ${(status.missingVariables ?? []).map((v) => code(v, 120)).join(', ') || 'the vendor variables'}.`));
  if (status.allowed === false) blocks.push(sectionBlock(`:lock: You do not hold the *${def.role}* role this action needs.`));
  return { text: `${slackText(def.title, { max: 100 })}: ${slackText(def.summary, { max: 300 })}`, blocks: withinBudget(blocks) };
}

/** Drops trailing sections until the message is within budget (help is long only for huge vendors). */
function withinBudget(blocks: KnownBlock[]): KnownBlock[] {
  let out = clampBlocks(blocks);
  while (out.length > 2 && blocksTextLength(out) > HELP_BUDGET) out = [...out.slice(0, -2), contextBlock(['_More not shown: ask for one vendor or action._'])];
  return out;
}
