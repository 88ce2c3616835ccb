// Help, generated from the catalog: which vendors and actions exist, which are configured and which
// the asking person may run, and the exact syntax of one action. Platform-neutral data; the Slack
// and Teams cards render it.
import type { Catalog } from '../../src/actions/catalog.ts';
import type { ActionDef, Risk, Role } from '../../src/actions/types.ts';
import type { Policy } from '../../src/config/policy.ts';
import { authorize } from '../../src/policy/authorize.ts';
import type { Actor } from '../../src/store/types.ts';
import { describeValue, formFields, type FormField } from './fields.ts';
import { COMMAND_ALIASES } from './parse.ts';

export interface HelpAction {
  id: string;
  vendor: string;
  name: string;
  title: string;
  summary: string;
  risk: Risk;
  role: Role;
  /** False when the vendor behind it is not configured (it would answer "not configured"). */
  configured: boolean;
  /** Whether the asking person holds the role (undefined when nobody asked). */
  allowed?: boolean;
}

export interface HelpIndex {
  vendors: { vendor: string; configured: boolean; actions: HelpAction[] }[];
  /** One-word shorthands (`digest` -> `report digest`). */
  aliases: { word: string; vendor: string; action: string }[];
}

export function helpIndex<V>(catalog: Catalog<V>, opts: { vendors: V; policy?: Policy; policySource?: string; actor?: Actor; vendor?: string }): HelpIndex {
  const byVendor = new Map<string, HelpAction[]>();
  for (const def of catalog.list()) {
    if (opts.vendor && def.vendor !== opts.vendor) continue;
    const entry: HelpAction = {
      id: def.id,
      vendor: def.vendor,
      name: def.name,
      title: def.title,
      summary: def.summary,
      risk: def.risk,
      role: def.role,
      configured: !(def.requires?.(opts.vendors)?.length ?? 0),
    };
    if (opts.actor && opts.policy) entry.allowed = authorize(opts.policy, opts.policySource ?? 'policy', opts.actor, def).ok;
    const list = byVendor.get(def.vendor) ?? [];
    list.push(entry);
    byVendor.set(def.vendor, list);
  }
  return {
    vendors: [...byVendor.entries()].map(([vendor, actions]) => ({ vendor, configured: actions.some((a) => a.configured), actions })),
    aliases: Object.entries(COMMAND_ALIASES)
      .filter(([, a]) => catalog.find(a.vendor, a.action))
      .map(([word, a]) => ({ word, ...a })),
  };
}

/** `report quarantine reportId=<text>` (required first, optional in brackets). */
export function usageOf(def: Pick<ActionDef, 'vendor' | 'name' | 'params'>, fields: readonly FormField[] = formFields(def.params)): string {
  const part = (f: FormField) => `${f.name}=<${f.kind === 'enum' ? f.options!.join('|') : f.kind === 'list' ? 'a,b,…' : f.kind === 'boolean' ? 'true|false' : f.kind}>`;
  const req = fields.filter((f) => f.required).map(part);
  const opt = fields.filter((f) => !f.required).map((f) => `[${part(f)}]`);
  return [def.vendor, def.name, ...req, ...opt].join(' ');
}

/** One line per parameter: `name (required): description — kind, bounds, default`. */
export function parameterLines(fields: readonly FormField[]): { name: string; required: boolean; text: string }[] {
  return fields.map((f) => ({ name: f.name, required: f.required, text: [f.description, describeValue(f)].filter(Boolean).join(' — ') }));
}

/** The usage hint for a platform's command list: every vendor word, built from the catalog. */
export function usageHint<V>(catalog: Catalog<V>): string {
  const aliases = Object.keys(COMMAND_ALIASES).filter((w) => {
    const a = COMMAND_ALIASES[w]!;
    return catalog.find(a.vendor, a.action);
  });
  return ['help', ...aliases, `<${catalog.vendors().join('|')}> <action> key=value …`].join(' | ');
}
