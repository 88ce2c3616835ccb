// The documentation is part of the interface: every variable must be in .env.example and in
// docs/configuration.md, and every policy key in the docs, so nothing can be added undocumented.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ENV_DOCS, ENV_NAMES, SECRET_ENV_NAMES } from '../../src/config/env.ts';
import { PLAYBOOK_STEPS, policySchema } from '../../src/config/policy.ts';
import { CWD, load } from './helpers.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const envExample = readFileSync(join(ROOT, '.env.example'), 'utf8');
const docs = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');

describe('.env.example', () => {
  const parsed = parseEnv(envExample);

  it('has a line for every variable of the env schema', () => {
    const missing = ENV_NAMES.filter((name) => !new RegExp(`^${name}=`, 'm').test(envExample));
    expect(missing).toEqual([]);
  });

  it('names no variable the schema does not know', () => {
    expect(Object.keys(parsed).filter((k) => !(ENV_NAMES as string[]).includes(k))).toEqual([]);
  });

  it('holds no secret value', () => {
    for (const name of SECRET_ENV_NAMES) expect(parsed[name] ?? '', name).toBe('');
  });

  it('shows the documented default wherever it fills one in', () => {
    for (const name of ENV_NAMES) {
      const v = parsed[name];
      if (v) expect(ENV_DOCS[name].default?.startsWith(v), `${name}=${v}`).toBe(true);
    }
  });

  it('loads as a .env unchanged (a valid sandbox)', () => {
    const { config } = load({}, { files: { [`${CWD}/.env`]: envExample } });
    expect(config.sandbox).toBe(true);
  });
});

describe('docs/configuration.md', () => {
  it('has a table row for every variable of the env schema', () => {
    const missing = ENV_NAMES.filter((name) => !new RegExp(`^\\| \`${name}\``, 'm').test(docs));
    expect(missing).toEqual([]);
  });

  it('marks every secret', () => {
    for (const name of SECRET_ENV_NAMES) expect(docs, name).toMatch(new RegExp(`^\\| \`${name}\` 🔒`, 'm'));
  });

  it('documents every policy section and every playbook step', () => {
    for (const key of Object.keys(policySchema.shape)) expect(docs, key).toContain(`\`${key}`);
    for (const [vendor, steps] of Object.entries(PLAYBOOK_STEPS)) {
      for (const step of Object.keys(steps)) expect(docs, `${vendor} ${step}`).toMatch(new RegExp(`\\| \`${vendor}\` \\| \`${step}\` \\|`));
    }
  });
});
