// The Slack app manifests stay in step with the action catalog: the slash command is SLACK_COMMAND's
// default and its usage hint lists every vendor word the catalog has (as the composition root
// builds it), so what Slack shows in the command picker is what /phish accepts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { ENV_DOCS } from '../../src/config/env.ts';
import { formFields, helpIndex, usageHint } from '../../handlers/commands/index.ts';
import { validateMessage } from '../../cards/slack/limits.ts';
import { actionHelpCard, helpCard } from '../../cards/slack/help.ts';
import { formView, MODAL_LIMITS } from '../../cards/slack/modal.ts';

const dir = fileURLToPath(new URL('../../manifest/slack/', import.meta.url));
const load = (name: string) => parse(readFileSync(dir + name, 'utf8')) as { features: { slash_commands: { command: string; usage_hint: string; description: string }[] } };

describe('Slack manifests and the catalog', () => {
  let hook: Hookline;
  beforeAll(async () => {
    hook = await startHookline({ log: silentLogger(), listen: { port: 0, host: '127.0.0.1' }, schedule: false, env: { HOOKLINE_DATABASE_URL: 'sqlite::memory:' } });
  });
  afterAll(async () => {
    await hook?.stop();
  });

  it.each(['manifest.yaml', 'manifest.socket-mode.yaml'])('%s: the command and its usage hint match the catalog', (file) => {
    const [cmd] = load(file).features.slash_commands;
    expect(cmd!.command).toBe(ENV_DOCS.SLACK_COMMAND.default);
    const expected = usageHint(hook.catalog);
    // When this fails after adding a vendor: set usage_hint in both manifests to the expected text.
    expect(cmd!.usage_hint, `usage_hint in manifest/slack/${file} must be: ${expected}`).toBe(expected);
    for (const vendor of hook.catalog.vendors()) expect(cmd!.usage_hint).toContain(vendor);
    // Slack's limits for these manifest fields.
    expect(cmd!.usage_hint.length).toBeLessThanOrEqual(1000);
    expect(cmd!.description.length).toBeLessThanOrEqual(2000);
  });

  it('renders help and a form for every action of the catalog inside Slack\'s limits', () => {
    const index = helpIndex(hook.catalog, { vendors: hook.vendors });
    expect(validateMessage(helpCard(index, '/phish'))).toEqual([]);
    for (const vendor of hook.catalog.vendors()) expect(validateMessage(helpCard(index, '/phish', vendor)), vendor).toEqual([]);
    for (const def of hook.catalog.list()) {
      const fields = formFields(def.params);
      expect(validateMessage(actionHelpCard(def, fields, '/phish')), def.id).toEqual([]);
      const view = formView(def, fields, {}, [], { a: def.id, c: 'C0ALERTS01' });
      expect(view.blocks.length, def.id).toBeLessThanOrEqual(MODAL_LIMITS.blocks);
      expect(view.title.text.length, def.id).toBeLessThanOrEqual(MODAL_LIMITS.title);
      expect(validateMessage({ text: def.id, blocks: view.blocks }, { maxBlocks: MODAL_LIMITS.blocks }), def.id).toEqual([]);
    }
  });
});
