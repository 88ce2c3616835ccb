#!/usr/bin/env node
// The CLI entry (`npx hookline ...`). Plain JS so that it can re-exec itself on the project's Node 24
// when started by an older system node, then load the TypeScript CLI through Node's type stripping.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const node24 = path.join(root, 'node_modules', '.bin', 'node');
  if (!fs.existsSync(node24)) {
    console.error('hookline needs Node 24: run `npm ci` in ' + root + ' first.');
    process.exit(1);
  }
  const r = spawnSync(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const { runCli } = await import(pathToFileURL(path.join(root, 'src', 'cli', 'main.ts')).href);
// exitCode, not exit(): stdout may be a pipe that still has JSON lines to flush.
process.exitCode = await runCli(process.argv.slice(2));
