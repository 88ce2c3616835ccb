// Builds the Teams app package: a zip of manifest.json, color.png (192x192) and outline.png (32x32,
// white on transparent), ready to upload in Teams (Apps -> Manage your apps -> Upload an app) or
// the Teams admin center.
//
//   npx node scripts/build-teams-package.ts --app-id <TEAMS_CLIENT_ID> --host <your public host> [--out dist/hookline-teams.zip]
//   npx node scripts/build-teams-package.ts --generate     rewrite manifest/teams/ from the catalog (and draw the icons)
//
// The committed manifest/teams/manifest.json carries placeholders (an all-zero app id and
// hookline.example.com); packaging puts the bot's id and host in. `--generate` takes the command
// menus from the action catalog of a sandbox Hookline, so they never drift (a test checks it).
//
// No zip package is installed: the archive is written by src/util/zip.ts (plain ZIP, deflate from
// node:zlib), with fixed timestamps so the same input always gives the same bytes.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { createZip } from '../src/util/zip.ts';
import type { ZipEntry } from '../src/util/zip.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MANIFEST_DIR = path.join(ROOT, 'manifest', 'teams');

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

// ---------------------------------------------------------------------------------------------
// ZIP

/** 1980-01-01 00:00: reproducible archives. */
const ZIP_DATE = new Date(Date.UTC(1980, 0, 1));

/** Deflated (level 9), names as given, fixed timestamps: the same input always gives the same bytes. */
export function zip(entries: readonly ZipEntry[]): Buffer {
  return createZip(
    entries.map((e) => ({ name: e.name, data: e.data, date: ZIP_DATE })),
    { compression: 'deflate', level: 9, rawNames: true },
  );
}

// ---------------------------------------------------------------------------------------------
// Icons: a fish hook, drawn with anti-aliased distance fields.

type Shape = (x: number, y: number) => number; // distance (in icon units) outside the stroke; <= 0 inside

function segment(ax: number, ay: number, bx: number, by: number, width: number): Shape {
  return (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) - width / 2;
  };
}

/** The lower half of a circle (a hook's bend). */
function lowerArc(cx: number, cy: number, r: number, width: number): Shape {
  return (x, y) => {
    if (y >= cy) return Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2;
    return Math.min(Math.hypot(x - (cx - r), y - cy), Math.hypot(x - (cx + r), y - cy)) - width / 2;
  };
}

function circle(cx: number, cy: number, r: number, width: number): Shape {
  return (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2;
}

function hook(width: number): Shape {
  const parts = [circle(0.6, 0.17, 0.06, width * 0.8), segment(0.6, 0.23, 0.6, 0.62, width), lowerArc(0.43, 0.62, 0.17, width), segment(0.26, 0.62, 0.26, 0.5, width), segment(0.26, 0.5, 0.35, 0.58, width * 0.9)];
  return (x, y) => Math.min(...parts.map((p) => p(x, y)));
}

function draw(size: number, paint: (coverage: number, x: number, y: number) => [number, number, number, number], strokeWidth: number): Buffer {
  const png = new PNG({ width: size, height: size });
  const shape = hook(strokeWidth);
  const px = 1 / size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = shape((x + 0.5) / size, (y + 0.5) / size);
      const coverage = Math.max(0, Math.min(1, 0.5 - d / px));
      const [r, g, b, a] = paint(coverage, x, y);
      const i = (y * size + x) * 4;
      png.data[i] = r;
      png.data[i + 1] = g;
      png.data[i + 2] = b;
      png.data[i + 3] = a;
    }
  }
  return PNG.sync.write(png);
}

/** color.png 192x192 (the hook on the accent colour) and outline.png 32x32 (white, transparent). */
export function drawIcons(): { color: Buffer; outline: Buffer } {
  const accent = [0x1f, 0x4e, 0x79];
  const color = draw(
    192,
    (c) => [Math.round(accent[0]! + (255 - accent[0]!) * c), Math.round(accent[1]! + (255 - accent[1]!) * c), Math.round(accent[2]! + (255 - accent[2]!) * c), 255],
    0.075,
  );
  const outline = draw(32, (c) => [255, 255, 255, Math.round(255 * c)], 0.1);
  return { color, outline };
}

// ---------------------------------------------------------------------------------------------
// The package

export interface PackageOptions {
  appId: string;
  host: string;
  manifestDir?: string;
}

/** The manifest with the bot's app id and host in place of the placeholders. */
export function fillManifest(template: Record<string, any>, appId: string, host: string): Record<string, any> {
  if (!GUID.test(appId)) throw new Error(`--app-id must be the bot's Microsoft App ID (TEAMS_CLIENT_ID), a GUID; got "${appId}"`);
  if (!HOST.test(host)) throw new Error(`--host must be the public host name Hookline is reached at (no scheme, no path), e.g. hookline.contoso.com; got "${host}"`);
  const text = JSON.stringify(template).replaceAll('00000000-0000-0000-0000-000000000000', appId.toLowerCase()).replaceAll('hookline.example.com', host.toLowerCase());
  return JSON.parse(text) as Record<string, any>;
}

export function buildPackage(opts: PackageOptions): Buffer {
  const dir = opts.manifestDir ?? MANIFEST_DIR;
  const template = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, any>;
  const manifest = fillManifest(template, opts.appId, opts.host);
  return zip([
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: 'color.png', data: readFileSync(path.join(dir, 'color.png')) },
    { name: 'outline.png', data: readFileSync(path.join(dir, 'outline.png')) },
  ]);
}

/** Rewrites manifest/teams/ from the catalog of a sandbox Hookline (in-memory database). */
export async function generate(dir = MANIFEST_DIR): Promise<void> {
  const { startHookline } = await import('../src/main.ts');
  const { silentLogger } = await import('../src/log/logger.ts');
  const { teamsManifest } = await import('../adapters/teams/manifest.ts');
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'hookline-manifest-'));
  const hook = await startHookline({ cwd, env: { HOOKLINE_DATABASE_URL: 'sqlite::memory:' }, log: silentLogger(), listen: { port: 0, host: '127.0.0.1' }, schedule: false });
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(teamsManifest(hook.catalog), null, 2)}\n`);
    const icons = drawIcons();
    writeFileSync(path.join(dir, 'color.png'), icons.color);
    writeFileSync(path.join(dir, 'outline.png'), icons.outline);
  } finally {
    await hook.stop();
  }
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--generate')) {
    await generate();
    console.log(`wrote ${path.relative(process.cwd(), MANIFEST_DIR)}/manifest.json, color.png, outline.png`);
    return;
  }
  const appId = arg(argv, '--app-id') ?? process.env.TEAMS_CLIENT_ID;
  const host = arg(argv, '--host');
  if (!appId || !host) {
    console.error('usage: npx node scripts/build-teams-package.ts --app-id <TEAMS_CLIENT_ID> --host <public host> [--out dist/hookline-teams.zip]\n       npx node scripts/build-teams-package.ts --generate');
    process.exit(2);
  }
  const out = path.resolve(arg(argv, '--out') ?? path.join(ROOT, 'dist', 'hookline-teams.zip'));
  let pkg: Buffer;
  try {
    pkg = buildPackage({ appId, host });
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, pkg);
  console.log(`wrote ${out} (${pkg.length} bytes)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main(process.argv.slice(2));
