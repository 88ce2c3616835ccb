// Command text -> what to do next, without any I/O: help to show, a form to open (parameters
// missing or invalid), an action ready to run, or an error with suggestions. Pure and fast, so an
// adapter can call it after acknowledging and still open a form within the platform's trigger
// window (Slack: 3 s) before anything slow (authorisation lookups, vendors) happens.
import type { Catalog } from '../../src/actions/catalog.ts';
import type { ActionDef } from '../../src/actions/types.ts';
import { closest } from '../../src/config/formats.ts';
import { formFields, type FormField } from './fields.ts';
import { parseCommand, type ParsedCommand } from './parse.ts';
import { collectArgs, collectForm, missingFields, validate, type FieldProblem, type RawValues } from './values.ts';

export type Prepared =
  | { kind: 'help'; vendor?: string }
  | { kind: 'action-help'; def: ActionDef<any, any, any>; fields: FormField[] }
  /** Something is missing or wrong: show a form prefilled with `raw`, listing `problems`. */
  | { kind: 'form'; def: ActionDef<any, any, any>; fields: FormField[]; raw: RawValues; problems: FieldProblem[] }
  | { kind: 'ready'; def: ActionDef<any, any, any>; params: unknown }
  | { kind: 'error'; message: string };

export function prepareCommand<V>(catalog: Catalog<V>, text: string): Prepared {
  return prepareParsed(catalog, parseCommand(text));
}

export function prepareParsed<V>(catalog: Catalog<V>, parsed: ParsedCommand): Prepared {
  switch (parsed.kind) {
    case 'syntax-error':
      return { kind: 'error', message: parsed.message };
    case 'help': {
      if (!parsed.vendor) return { kind: 'help' };
      const vendors = catalog.vendors();
      if (!vendors.includes(parsed.vendor)) return { kind: 'error', message: unknownVendor(vendors, parsed.vendor) };
      if (!parsed.action) return { kind: 'help', vendor: parsed.vendor };
      const def = catalog.find(parsed.vendor, parsed.action);
      if (!def) return { kind: 'error', message: unknownAction(catalog, parsed.vendor, parsed.action) };
      return { kind: 'action-help', def, fields: formFields(def.params) };
    }
    case 'action': {
      const vendors = catalog.vendors();
      if (!vendors.includes(parsed.vendor)) return { kind: 'error', message: unknownVendor(vendors, parsed.vendor) };
      const def = catalog.find(parsed.vendor, parsed.action);
      if (!def) return { kind: 'error', message: unknownAction(catalog, parsed.vendor, parsed.action) };
      const fields = formFields(def.params);
      const got = collectArgs(fields, parsed.args, parsed.positional);
      return decide(def, fields, got.raw, got.values, got.problems, parsed.args.size + parsed.positional.length === 0);
    }
  }
}

/** A submitted form -> ready, or the same form again with its problems. */
export function prepareForm(def: ActionDef<any, any, any>, raw: RawValues): Extract<Prepared, { kind: 'form' | 'ready' }> {
  const fields = formFields(def.params);
  const got = collectForm(fields, raw);
  return decide(def, fields, got.raw, got.values, got.problems, false);
}

function decide(
  def: ActionDef<any, any, any>,
  fields: FormField[],
  raw: RawValues,
  values: Record<string, unknown>,
  problems: FieldProblem[],
  nothingGiven: boolean,
): Extract<Prepared, { kind: 'form' | 'ready' }> {
  if (problems.length) return { kind: 'form', def, fields, raw, problems };
  const missing = missingFields(fields, values);
  if (missing.length) {
    // Typing only `vendor action` is a request for the form, not a mistake: no problems listed.
    const listed = nothingGiven ? [] : missing.map((name) => ({ field: name, message: `${name} is required` }));
    return { kind: 'form', def, fields, raw, problems: listed };
  }
  const v = validate(def.params, fields, values);
  if (!v.ok) return { kind: 'form', def, fields, raw, problems: v.problems };
  return { kind: 'ready', def, params: v.params };
}

function unknownVendor(vendors: string[], word: string): string {
  const guess = closest(word, vendors, 3);
  return `There is no "${word}" command${guess ? `; did you mean ${guess}?` : ''}. Vendors: ${vendors.join(', ')}. Try \`help\`.`;
}

function unknownAction<V>(catalog: Catalog<V>, vendor: string, action: string): string {
  const names = catalog
    .list()
    .filter((d) => d.vendor === vendor)
    .map((d) => d.name);
  const guess = closest(action, names, 4);
  return `${vendor} has no action "${action}"${guess ? `; did you mean ${guess}?` : ''}. Try \`help ${vendor}\` for the list.`;
}
