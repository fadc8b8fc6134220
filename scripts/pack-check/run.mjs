#!/usr/bin/env node
// The pack-and-install test: release.mjs --pack builds and packs every public package, a fresh npm project in
// the system temp folder (outside the repository) installs only the tarballs (and discord.js) from the npm registry, and
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
  // discord.js from the registry, at the version the repository's tests use: the user's project has it
  const i = spawnSync('npm', ['install', '--no-audit', '--no-fund', ...tarballs, 'discord.js@14.28.1'], { cwd: app, encoding: 'utf8', env: process.env, timeout: 600_000 });
  if (i.status !== 0) fail(`npm install of the tarballs failed:\n${i.stdout}${i.stderr}`);
  copyFileSync(join(here, 'consumer.mjs'), join(app, 'consumer.mjs'));
  const c = spawnSync(process.execPath, ['consumer.mjs'], { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
  process.stderr.write(c.stderr ?? '');
  const result = /RESULT (.*)/.exec(c.stdout ?? '');
  process.stdout.write((c.stdout ?? '').replace(/RESULT .*\n?/, ''));
  if (!result) fail(`the consumer printed no result (exit ${c.status})`);
  // The published types, per export condition: a bot type-checks against dist/node.d.ts as Node's TypeScript
  // resolves it, and against dist/bun.d.ts with the condition a Bun project sets (customConditions: ["bun"]).
  const totals = JSON.parse(result[1]);
  copyFileSync(join(root, 'packages', 'voicewire', 'test', 'bun-types', 'bot.ts'), join(app, 'bot.ts'));
  const base = { strict: true, skipLibCheck: true, noEmit: true, target: 'ES2022', lib: ['ES2022', 'DOM'], types: [] };
  for (const [name, options, expect] of [
    ['node', { module: 'NodeNext', moduleResolution: 'NodeNext' }, 'voicewire/dist/node.d.ts'],
    ['bun', { module: 'ESNext', moduleResolution: 'bundler', customConditions: ['bun'] }, 'voicewire/dist/bun.d.ts'],
  ]) {
    writeFileSync(join(app, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...base, ...options }, files: ['bot.ts'] }));
    const t = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', `tsconfig.${name}.json`, '--listFiles'], { cwd: app, encoding: 'utf8' });
    const ok = t.status === 0 && t.stdout.includes(expect);
    console.log(`  ${ok ? '✓' : '✗'} a bot type-checks against the published types of the ${name} condition (${expect})${ok ? '' : `:\n${t.stdout.split('\n').filter((l) => l.includes('error')).join('\n')}`}`);
    ok ? totals.passed++ : totals.failed++;
  }
  console.log(`RESULT ${JSON.stringify(totals)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
