#!/usr/bin/env node
// The pack-and-install test: release.mjs --pack builds and packs every public package, a fresh npm project in
// the system temp folder (outside the repository) installs only the tarballs from the npm registry, and
// consumer.mjs imports each one and joins the emulator. Prints consumer.mjs's `RESULT` line.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'voicewire-pack-'));
const fail = (why) => {
  console.log(why);
  console.log(`RESULT ${JSON.stringify({ suite: 'pack', passed: 0, failed: 1 })}`);
  process.exit(1);
};
try {
  const packs = join(work, 'packs');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'release.mjs'), '--pack', packs], { cwd: root, encoding: 'utf8', env: process.env });
  if (r.status !== 0) fail(`packing failed:\n${r.stdout}${r.stderr}`);
  const app = join(work, 'app');
  spawnSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'voicewire-consumer', private: true, type: 'module' }));
  const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz')).map((f) => join(packs, f));
  const i = spawnSync('npm', ['install', '--no-audit', '--no-fund', ...tarballs], { cwd: app, encoding: 'utf8', env: process.env, timeout: 600_000 });
  if (i.status !== 0) fail(`npm install of the tarballs failed:\n${i.stdout}${i.stderr}`);
  copyFileSync(join(here, 'consumer.mjs'), join(app, 'consumer.mjs'));
  const c = spawnSync(process.execPath, ['consumer.mjs'], { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
  process.stdout.write(c.stdout ?? '');
  process.stderr.write(c.stderr ?? '');
  if (!(c.stdout ?? '').includes('RESULT ')) fail(`the consumer printed no result (exit ${c.status})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
