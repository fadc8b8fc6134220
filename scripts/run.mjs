#!/usr/bin/env node
// Entry point of the README quick start. Needs only Node: it installs the workspace with pnpm
// (through npx, because corepack 0.34 rejects pnpm 12's signature), then runs the task.
//   node scripts/run.mjs test|demo|fuzz|bench|mutate|voice-server [args…]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = pkg.packageManager.split('@')[1];
const [task = 'test', ...rest] = process.argv.slice(2);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function pnpmCommand() {
  const local = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (local.status === 0 && local.stdout.trim() === pnpmVersion) return ['pnpm', []];
  return ['npx', ['-y', `pnpm@${pnpmVersion}`]];
}

// The install is current when a hash of the lockfile, the workspace file and every package.json matches the
// stamp written after the last successful install.
function installState() {
  const h = createHash('sha256');
  const files = ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json'];
  for (const dir of ['packages', 'apps']) {
    if (!existsSync(join(root, dir))) continue;
    for (const name of readdirSync(join(root, dir)).sort()) files.push(join(dir, name, 'package.json'));
  }
  for (const f of files) if (existsSync(join(root, f))) h.update(f).update(readFileSync(join(root, f)));
  return h.digest('hex');
}
const stamp = join(root, 'node_modules', '.voicewire-install-stamp');
const installed = () => existsSync(stamp) && readFileSync(stamp, 'utf8') === installState();

const [pnpm, pnpmPre] = pnpmCommand();
if (!installed()) {
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  console.log(`[voicewire] installing the workspace with pnpm ${pnpmVersion}…`);
  const status = run(pnpm, [...pnpmPre, 'install', ...frozen], { env: { ...process.env, npm_config_yes: 'true' } });
  if (status !== 0) {
    console.error('[voicewire] pnpm install failed; see the output above.');
    process.exit(status);
  }
  writeFileSync(stamp, installState());
}

const env = { ...process.env, VOICEWIRE_PNPM: [pnpm, ...pnpmPre].join(' ') };
const tasks = {
  test: () => run(process.execPath, [join(root, 'scripts', 'test.mjs'), ...rest], { env }),
  demo: () => run(pnpm, [...pnpmPre, '--filter', '@voicewire/demo-bot', 'start', ...rest], { env }),
  fuzz: () => run(pnpm, [...pnpmPre, '--filter', '@voicewire/voice-protocol', 'fuzz', ...rest], { env }),
  bench: () => run(pnpm, [...pnpmPre, '--filter', '@voicewire/bench', 'bench', ...rest], { env }),
  // Mutation testing of the protocol core with StrykerJS (≈ 20–30 min on 2 cores); report in .test-results/.
  // The API reference (TypeDoc) of every public package into docs/api/ (generated, not committed).
  'docs-api': () => run(join(root, 'node_modules', '.bin', 'typedoc'), ['--options', 'typedoc.json', ...rest], { env }),
  mutate: () => run(join(root, 'node_modules', '.bin', 'stryker'), ['run', ...rest], { env }),
  'voice-server': () => run(pnpm, [...pnpmPre, '--filter', '@voicewire/voice-server', 'start', ...rest], { env }),
};
const fn = tasks[task];
if (!fn) {
  console.error(`unknown task "${task}"; use one of: ${Object.keys(tasks).join(', ')}`);
  process.exit(2);
}
process.exit(fn());
