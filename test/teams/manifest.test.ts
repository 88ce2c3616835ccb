// manifest/teams: the manifest (schema v1.22) matches what the action catalog generates, its
// command menus are commands the bot understands and within Teams' limits, the icons are the sizes
// Teams requires (outline: white on transparent), and the package script builds a valid zip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { COMMAND_LIMITS, MANIFEST_SCHEMA, teamsCommandLists, teamsManifest } from '../../adapters/teams/manifest.ts';
import { prepareCommand } from '../../handlers/commands/index.ts';
import { MANIFEST_DIR, buildPackage, drawIcons, fillManifest, zip } from '../../scripts/build-teams-package.ts';

const manifest = JSON.parse(readFileSync(path.join(MANIFEST_DIR, 'manifest.json'), 'utf8'));

/** Reads a zip through its central directory, inflating and checking each entry's CRC-32. */
function unzip(buf: Buffer): Map<string, Buffer> {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    expect(buf.readUInt32LE(local)).toBe(0x04034b50);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = method === 8 ? inflateRawSync(buf.subarray(dataAt, dataAt + size)) : buf.subarray(dataAt, dataAt + size);
    expect(crc32(data) >>> 0, name).toBe(crc);
    out.set(name, data);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

describe('Teams app manifest', () => {
  let hook: Hookline;

  beforeAll(async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'hookline-manifest-test-'));
    hook = await startHookline({ cwd, env: { HOOKLINE_DATABASE_URL: 'sqlite::memory:' }, log: silentLogger(), listen: { port: 0, host: '127.0.0.1' }, schedule: false });
  });
  afterAll(async () => {
    await hook?.stop();
  });

  it('is what the product catalog generates (run `npx node scripts/build-teams-package.ts --generate` after changing actions)', () => {
    expect(manifest).toEqual(teamsManifest(hook.catalog));
  });

  it('uses the current manifest schema and a single-tenant bot in every scope', () => {
    expect(manifest.$schema).toBe(MANIFEST_SCHEMA);
    expect(manifest.manifestVersion).toBe('1.22');
    expect(manifest.bots).toHaveLength(1);
    expect(manifest.bots[0].scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(manifest.bots[0].botId).toBe(manifest.id);
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(manifest.description.full.length).toBeLessThanOrEqual(4000);
    expect(manifest.icons).toEqual({ outline: 'outline.png', color: 'color.png' });
  });

  it('lists commands the bot understands, within Teams\' limits, covering every vendor of the catalog', () => {
    const lists = manifest.bots[0].commandLists as { scopes: string[]; commands: { title: string; description: string }[] }[];
    expect(lists.flatMap((l) => l.scopes).sort()).toEqual(['groupChat', 'personal', 'team']);
    for (const l of lists) {
      expect(l.commands.length).toBeLessThanOrEqual(COMMAND_LIMITS.perList);
      for (const c of l.commands) {
        expect(c.title.length).toBeLessThanOrEqual(COMMAND_LIMITS.title);
        expect(c.description.length).toBeLessThanOrEqual(COMMAND_LIMITS.description);
        if (c.title === 'set alerts here') continue; // handled by the adapter, not the catalog
        const prepared = prepareCommand(hook.catalog, c.title);
        expect(prepared.kind, c.title).not.toBe('error');
      }
    }
    const personal = lists.find((l) => l.scopes.includes('personal'))!.commands.map((c) => c.title);
    for (const v of hook.catalog.vendors()) if (personal.length < COMMAND_LIMITS.perList) expect(personal).toContain(`help ${v}`);
    expect(lists.find((l) => l.scopes.includes('team'))!.commands.map((c) => c.title)).toContain('set alerts here');
  });

  it('follows the catalog: a new vendor appears in the menus', () => {
    const catalog = hook.catalog;
    const lists = teamsCommandLists({ vendors: () => [...catalog.vendors(), 'acme'], list: () => catalog.list(), find: (v: string, a: string) => catalog.find(v, a) } as never);
    expect(lists[0]!.commands.map((c) => c.title)).toContain('help acme');
  });

  it('has a 192x192 color icon and a 32x32 outline icon that is white on transparent', () => {
    const color = PNG.sync.read(readFileSync(path.join(MANIFEST_DIR, 'color.png')));
    expect([color.width, color.height]).toEqual([192, 192]);
    const outline = PNG.sync.read(readFileSync(path.join(MANIFEST_DIR, 'outline.png')));
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let drawn = 0;
    for (let i = 0; i < outline.data.length; i += 4) {
      const [r, g, b, a] = [outline.data[i]!, outline.data[i + 1]!, outline.data[i + 2]!, outline.data[i + 3]!];
      if (a > 0) {
        expect([r, g, b]).toEqual([255, 255, 255]);
        drawn++;
      }
    }
    expect(drawn).toBeGreaterThan(30);
    expect(drawn).toBeLessThan(32 * 32 / 2);
    // The committed icons are what the generator draws.
    const icons = drawIcons();
    expect(icons.color.equals(readFileSync(path.join(MANIFEST_DIR, 'color.png')))).toBe(true);
    expect(icons.outline.equals(readFileSync(path.join(MANIFEST_DIR, 'outline.png')))).toBe(true);
  });

  it('packages the manifest with the bot id and host, and the icons, as a valid zip', () => {
    const appId = '3F1E2D3C-4B5A-4697-8877-665544332211';
    const pkg = buildPackage({ appId, host: 'hookline.contoso.com' });
    const files = unzip(pkg);
    expect([...files.keys()].sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const m = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    expect(m.id).toBe(appId.toLowerCase());
    expect(m.bots[0].botId).toBe(appId.toLowerCase());
    expect(m.validDomains).toEqual(['hookline.contoso.com']);
    expect(m.developer.websiteUrl).toBe('https://hookline.contoso.com/');
    expect(JSON.stringify(m)).not.toContain('00000000-0000-0000-0000-000000000000');
    expect(files.get('color.png')!.equals(readFileSync(path.join(MANIFEST_DIR, 'color.png')))).toBe(true);
    // Same input, same bytes.
    expect(buildPackage({ appId, host: 'hookline.contoso.com' }).equals(pkg)).toBe(true);
  });

  it('refuses an app id that is not a GUID and a host that is a URL', () => {
    expect(() => fillManifest(manifest, 'my-bot', 'hookline.contoso.com')).toThrow(/--app-id must be the bot's Microsoft App ID/);
    expect(() => fillManifest(manifest, '3f1e2d3c-4b5a-4697-8877-665544332211', 'https://hookline.contoso.com/')).toThrow(/--host must be the public host name/);
  });

  it('writes zips that round-trip, empty and binary entries included', () => {
    const entries = [
      { name: 'empty.txt', data: Buffer.alloc(0) },
      { name: 'bytes.bin', data: Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)) },
      { name: 'ünïcode.json', data: Buffer.from('{"a":1}') },
    ];
    const files = unzip(zip(entries));
    for (const e of entries) expect(files.get(e.name)?.equals(e.data)).toBe(true);
  });
});
