// Typed text -> parameter values -> the action's own zod validation. The same code serves
// `key=value` commands and submitted forms (Slack modals, Teams input cards), so a value means the
// same thing however it was entered. Bad input is never dropped silently: every problem comes back
// with the field it belongs to, worded for the person who typed it.
import type { z } from 'zod';
import { closest } from '../../src/config/formats.ts';
import type { FormField } from './fields.ts';

export interface FieldProblem {
  /** The field the problem belongs to (undefined: the command as a whole). */
  field?: string;
  message: string;
}

/** What a person entered, per field, as text (what a form is prefilled with). */
export type RawValues = Record<string, string>;

const TRUE = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'no', 'n', 'off', '0']);

/** Finds the field a typed key means: exact, case-insensitive, or with - and _ swapped. */
export function fieldFor(fields: readonly FormField[], key: string): FormField | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/-/g, '_');
  return fields.find((f) => f.name === key) ?? fields.find((f) => norm(f.name) === norm(key));
}

/** Splits a list value: commas or newlines, items trimmed, empty items dropped. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function convertOne(f: FormField, kind: FormField['kind'], text: string): { value?: unknown; problem?: string } {
  const t = text.trim();
  switch (kind) {
    case 'number': {
      const n = Number(t.replace(/_/g, ''));
      if (t === '' || !Number.isFinite(n)) return { problem: `${f.name} must be a number, got "${short(t)}"` };
      if (f.integer && !Number.isInteger(n)) return { problem: `${f.name} must be a whole number, got ${t}` };
      return { value: n };
    }
    case 'boolean': {
      const l = t.toLowerCase();
      if (TRUE.has(l)) return { value: true };
      if (FALSE.has(l)) return { value: false };
      return { problem: `${f.name} must be true or false, got "${short(t)}"` };
    }
    case 'enum': {
      const opts = f.options ?? [];
      const hit = opts.find((o) => o === t) ?? opts.find((o) => o.toLowerCase() === t.toLowerCase());
      if (hit === undefined) return { problem: `${f.name} must be one of ${opts.join(', ')}, got "${short(t)}"` };
      return { value: hit };
    }
    default:
      return { value: text };
  }
}

/** Converts one field's typed text to its value (undefined when left empty). */
export function convertField(f: FormField, text: string): { value?: unknown; problem?: string } {
  if (f.kind === 'list') {
    const items = splitList(text);
    if (items.length === 0) return {};
    const values: unknown[] = [];
    for (const item of items) {
      const r = convertOne(f, f.itemKind ?? 'text', item);
      if (r.problem) return { problem: r.problem };
      values.push(r.value);
    }
    return { value: values };
  }
  if (text.trim() === '' && f.kind !== 'text') return {};
  if (f.kind === 'text' && text === '') return {};
  return convertOne(f, f.kind, text);
}

function short(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

export interface Collected {
  /** Typed text per field (for prefilling a form). */
  raw: RawValues;
  /** Converted values, only for fields that were given and converted. */
  values: Record<string, unknown>;
  problems: FieldProblem[];
}

/**
 * Command arguments (`key=value`, bare values) -> values. Bare values fill the required fields
 * that were not given by name, in order; unknown keys are problems with a "did you mean".
 */
export function collectArgs(fields: readonly FormField[], args: ReadonlyMap<string, readonly string[]>, positional: readonly string[]): Collected {
  const raw: RawValues = {};
  const problems: FieldProblem[] = [];
  for (const [key, list] of args) {
    const f = fieldFor(fields, key);
    if (!f) {
      const guess = closest(key, fields.map((x) => x.name), 3);
      const known = fields.length ? `; parameters: ${fields.map((x) => x.name).join(', ')}` : '; this action takes no parameters';
      problems.push({ message: `unknown parameter "${key}"${guess ? ` (did you mean ${guess}?)` : ''}${known}` });
      continue;
    }
    if (raw[f.name] !== undefined || list.length > 1) {
      if (f.kind !== 'list') {
        problems.push({ field: f.name, message: `${f.name} was given more than once` });
        continue;
      }
    }
    raw[f.name] = [raw[f.name], ...list].filter((v) => v !== undefined).join(',');
  }
  const open = fields.filter((f) => f.required && raw[f.name] === undefined);
  positional.forEach((v, i) => {
    const f = open[i];
    if (f) raw[f.name] = v;
    else {
      const hint = fields.length ? ` (use key=value; parameters: ${fields.map((x) => x.name).join(', ')})` : ' (this action takes no parameters)';
      problems.push({ message: `unexpected value "${short(v)}"${hint}` });
    }
  });
  return { raw, ...convertAll(fields, raw, problems) };
}

/** Submitted form text -> values (empty inputs are simply not given). */
export function collectForm(fields: readonly FormField[], raw: RawValues): Collected {
  const kept: RawValues = {};
  for (const f of fields) if (raw[f.name] !== undefined) kept[f.name] = raw[f.name]!;
  return { raw: kept, ...convertAll(fields, kept, []) };
}

function convertAll(fields: readonly FormField[], raw: RawValues, problems: FieldProblem[]): { values: Record<string, unknown>; problems: FieldProblem[] } {
  const values: Record<string, unknown> = {};
  for (const f of fields) {
    const text = raw[f.name];
    if (text === undefined) continue;
    const r = convertField(f, text);
    if (r.problem) problems.push({ field: f.name, message: r.problem });
    else if (r.value !== undefined) values[f.name] = r.value;
  }
  return { values, problems };
}

/** The names of required fields with no value. */
export function missingFields(fields: readonly FormField[], values: Record<string, unknown>): string[] {
  return fields.filter((f) => f.required && values[f.name] === undefined).map((f) => f.name);
}

export type Validation<T = unknown> = { ok: true; params: T } | { ok: false; problems: FieldProblem[] };

/** Runs the action's own schema (defaults, limits, custom rules) over the converted values. */
export function validate<S extends z.ZodType>(schema: S, fields: readonly FormField[], values: Record<string, unknown>): Validation<z.output<S>> {
  const r = schema.safeParse(values);
  if (r.success) return { ok: true, params: r.data };
  const names = new Set(fields.map((f) => f.name));
  const problems: FieldProblem[] = r.error.issues.map((issue) => {
    const head = issue.path[0];
    const field = typeof head === 'string' && names.has(head) ? head : undefined;
    const missing = field !== undefined && values[field] === undefined && issue.code === 'invalid_type';
    const message = missing ? `${field} is required` : field && !issue.message.includes(field) ? `${field}: ${issue.message}` : issue.message;
    return field ? { field, message } : { message };
  });
  return { ok: false, problems };
}
