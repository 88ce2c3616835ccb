// The command grammar, the same on every platform (Slack `/phish …`, a Teams bot message):
//
//   help                         what Hookline can do (vendors and their actions)
//   help <vendor>                the actions of one vendor
//   help <vendor> <action>       one action: its parameters, defaults and limits
//   <vendor> <action> --help     the same
//   digest [hours=N]             shorthand for `report digest`
//   <vendor> <action> [value] key=value key="value with spaces" list=a,b …
//
// Vendor and action words are case-insensitive. A bare value (no `key=`) fills the action's
// required parameters in order, so `report quarantine <report-id>` works. A key given twice
// collects both values (for list parameters). Nothing here knows the catalog: lookup, coercion and
// validation happen in prepare.ts.
import { CommandSyntaxError, tokenize } from './tokenize.ts';

export type ParsedCommand =
  | { kind: 'help'; vendor?: string; action?: string }
  | {
      kind: 'action';
      vendor: string;
      action: string;
      /** key -> every value given for it, in order. */
      args: Map<string, string[]>;
      /** Values given without a key. */
      positional: string[];
    }
  | { kind: 'syntax-error'; message: string };

/** One-word commands that stand for a catalog action. */
export const COMMAND_ALIASES: Readonly<Record<string, { vendor: string; action: string }>> = {
  digest: { vendor: 'report', action: 'digest' },
};

const HELP_WORDS = new Set(['help', '?', '-h', '--help', 'usage']);
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseCommand(text: string): ParsedCommand {
  let tokens;
  try {
    tokens = tokenize(text);
  } catch (err) {
    if (err instanceof CommandSyntaxError) return { kind: 'syntax-error', message: err.message };
    throw err;
  }
  const words = tokens.map((t) => t.text);
  const first = words[0]?.toLowerCase();
  if (first === undefined || HELP_WORDS.has(first)) {
    const [vendor, action] = words.slice(1).map((w) => w.toLowerCase());
    return { kind: 'help', ...(vendor ? { vendor } : {}), ...(action ? { action } : {}) };
  }

  let vendor: string;
  let action: string;
  let rest: typeof tokens;
  const alias = COMMAND_ALIASES[first];
  if (alias && (tokens.length === 1 || tokens[1]!.eq >= 0 || HELP_WORDS.has(words[1]!.toLowerCase()))) {
    ({ vendor, action } = alias);
    rest = tokens.slice(1);
  } else {
    const second = tokens[1];
    if (!second || second.eq >= 0) {
      return { kind: 'syntax-error', message: `"${first}" needs an action after it: \`${first} <action> key=value …\` (try \`help ${first}\`)` };
    }
    vendor = first;
    action = second.text.toLowerCase();
    rest = tokens.slice(2);
  }

  if (rest.some((t) => t.eq < 0 && HELP_WORDS.has(t.text.toLowerCase()))) return { kind: 'help', vendor, action };

  const args = new Map<string, string[]>();
  const positional: string[] = [];
  for (const t of rest) {
    const key = t.eq < 0 ? '' : t.text.slice(0, t.eq);
    // `https://x.example/?a=b` typed bare is a value, not `key=value`.
    if (!KEY.test(key)) {
      positional.push(t.text);
      continue;
    }
    const value = t.text.slice(t.eq + 1);
    const list = args.get(key) ?? [];
    list.push(value);
    args.set(key, list);
  }
  return { kind: 'action', vendor, action, args, positional };
}
