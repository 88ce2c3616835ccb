// An action's zod parameter schema as form-field descriptors: what a Slack modal, a Teams input
// card and the help text show, and how typed text is turned back into values (values.ts).
//
// The schema is read through zod's own JSON Schema export (input side), not zod internals, so
// defaults, descriptions, enums, limits, optional/required and arrays come out the same for every
// schema style the catalog uses (superRefine, transforms, prefault). Rules zod cannot export
// (custom refinements) are not shown here; they still run when the values are validated.
import { z } from 'zod';
import { isSecretName } from '../../src/log/redact.ts';

export type FieldKind = 'text' | 'number' | 'boolean' | 'enum' | 'list';

export interface FormField {
  /** The parameter name, as typed in `key=value`. */
  name: string;
  /** "Recipient address" for `recipient_address`. */
  label: string;
  /** The schema's `.describe()` text. */
  description?: string;
  kind: FieldKind;
  required: boolean;
  /** The schema default (shown and prefilled; omitting the field gives it). */
  default?: unknown;
  /** Choices of an enum field, or of a list field's items. */
  options?: string[];
  /** number fields (and list items of numbers): whole numbers only. */
  integer?: boolean;
  /** number fields: bounds; text fields: length bounds; list fields: item count bounds. */
  min?: number;
  max?: number;
  /** For list fields: the kind of each item. */
  itemKind?: Exclude<FieldKind, 'list' | 'boolean'>;
  /** A password or key: never echoed back in results, help examples or audit entries. */
  secret: boolean;
}

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

// Bounds zod emits for "no bound" (Number.MIN/MAX_SAFE_INTEGER on .int()).
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

const cache = new WeakMap<z.ZodType, FormField[]>();

/** The form fields of an action's parameter schema, in declaration order. Cached per schema. */
export function formFields(schema: z.ZodType): FormField[] {
  const hit = cache.get(schema);
  if (hit) return hit;
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', cycles: 'ref' }) as JsonSchema;
  } catch {
    json = {};
  }
  const fields = objectFields(json);
  cache.set(schema, fields);
  return fields;
}

function objectFields(json: JsonSchema): FormField[] {
  if (json.properties) {
    const required = new Set(json.required ?? []);
    return Object.entries(json.properties).map(([name, p]) => field(name, p, required.has(name)));
  }
  // A union of objects (one shape or another): every property, none required by the form;
  // the schema itself decides which combination is valid.
  const variants = [...(json.anyOf ?? []), ...(json.oneOf ?? []), ...(json.allOf ?? [])];
  const byName = new Map<string, FormField>();
  for (const v of variants) for (const f of objectFields(v)) if (!byName.has(f.name)) byName.set(f.name, { ...f, required: json.allOf ? f.required : false });
  return [...byName.values()];
}

/** `recipient_address` -> `Recipient address`; `maxResults` -> `Max results`. */
export function labelOf(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
}

/** Drops `null` alternatives (nullable) so the remaining schema decides the kind. */
function unwrapNullable(p: JsonSchema): JsonSchema {
  const alts = p.anyOf ?? p.oneOf;
  if (!alts) return p;
  const nonNull = alts.filter((a) => a.type !== 'null');
  if (nonNull.length === 1) return { ...nonNull[0], ...(p.description ? { description: p.description } : {}), ...(p.default !== undefined ? { default: p.default } : {}) };
  return p;
}

function typeOf(p: JsonSchema): string | undefined {
  if (Array.isArray(p.type)) return p.type.find((t) => t !== 'null');
  return p.type;
}

function choices(p: JsonSchema): string[] | undefined {
  if (p.enum) return p.enum.map(String);
  if (p.const !== undefined) return [String(p.const)];
  const alts = p.anyOf ?? p.oneOf;
  if (alts && alts.length > 0 && alts.every((a) => a.const !== undefined || a.enum)) return alts.flatMap((a) => (a.enum ?? [a.const]).map(String));
  return undefined;
}

function bound(v: number | undefined): number | undefined {
  return v === undefined || Math.abs(v) >= UNBOUNDED ? undefined : v;
}

function field(name: string, raw: JsonSchema, required: boolean): FormField {
  const p = unwrapNullable(raw);
  const description = raw.description ?? p.description;
  const out: FormField = { name, label: labelOf(name), kind: 'text', required, secret: isSecretName(name) };
  if (description) out.description = description;
  const def = raw.default ?? p.default;
  if (def !== undefined) out.default = def;

  const options = choices(p);
  const type = typeOf(p);
  if (options) {
    out.kind = 'enum';
    out.options = options;
  } else if (type === 'integer' || type === 'number') {
    out.kind = 'number';
    out.integer = type === 'integer';
    const min = bound(p.minimum ?? p.exclusiveMinimum);
    const max = bound(p.maximum ?? p.exclusiveMaximum);
    if (min !== undefined) out.min = min;
    if (max !== undefined) out.max = max;
  } else if (type === 'boolean') {
    out.kind = 'boolean';
  } else if (type === 'array') {
    out.kind = 'list';
    const item = unwrapNullable(p.items ?? {});
    const itemOptions = choices(item);
    const itemType = typeOf(item);
    if (itemOptions) {
      out.itemKind = 'enum';
      out.options = itemOptions;
    } else if (itemType === 'integer' || itemType === 'number') {
      out.itemKind = 'number';
      out.integer = itemType === 'integer';
    } else out.itemKind = 'text';
    if (p.minItems !== undefined) out.min = p.minItems;
    if (p.maxItems !== undefined) out.max = p.maxItems;
  } else {
    if (p.minLength !== undefined) out.min = p.minLength;
    if (p.maxLength !== undefined) out.max = p.maxLength;
  }
  return out;
}

/** `key=<value>` as help shows it: the kind, the choices or bounds, the default. */
export function describeValue(f: FormField): string {
  const parts: string[] = [];
  switch (f.kind) {
    case 'enum':
      parts.push(f.options!.join(' | '));
      break;
    case 'number':
      parts.push(f.integer ? 'whole number' : 'number');
      if (f.min !== undefined && f.max !== undefined) parts.push(`${f.min} to ${f.max}`);
      else if (f.min !== undefined) parts.push(`≥ ${f.min}`);
      else if (f.max !== undefined) parts.push(`≤ ${f.max}`);
      break;
    case 'boolean':
      parts.push('true | false');
      break;
    case 'list':
      parts.push(`comma-separated ${f.itemKind === 'enum' ? `(${f.options!.join(' | ')})` : f.itemKind === 'number' ? 'numbers' : 'values'}`);
      if (f.max !== undefined) parts.push(`at most ${f.max}`);
      break;
    default:
      parts.push('text');
      if (f.max !== undefined) parts.push(`up to ${f.max} characters`);
  }
  if (f.default !== undefined && !f.secret) parts.push(`default ${formatDefault(f.default)}`);
  return parts.join(', ');
}

export function formatDefault(v: unknown): string {
  if (Array.isArray(v)) return v.map(String).join(',');
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
