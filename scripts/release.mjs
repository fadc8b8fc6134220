#!/usr/bin/env node
// The release path: build every public package, refuse any whose published entry points (publishConfig
// exports, bin) do not exist in dist/, then publish through changesets (which runs `pnpm publish`: it applies
// publishConfig and resolves workspace:*). `--pack DIR` packs the tarballs into DIR instead (what the
// pack-and-install test installs).  Usage: node scripts/release.mjs [--pack DIR]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pnpm = (process.env.VOICEWIRE_PNPM ?? 'npx -y pnpm@12.21.0').split(' ');
const packAt = process.argv.indexOf('--pack');
const packDir = packAt >= 0 ? resolve(process.argv[packAt + 1] ?? '.test-results/packs') : null;

const publicPackages = readdirSync(join(root, 'packages'))
  .map((name) => ({ dir: join(root, 'packages', name), pkg: JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_yes: 'true' } });
  if (r.status !== 0) {
    console.error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  return r.stdout;
}

/** Every file a published package points at (exports targets, bin). */
function entryFiles(pkg) {
  const out = [];
  const walk = (v) => (typeof v === 'string' ? out.push(v) : v && typeof v === 'object' ? Object.values(v).forEach(walk) : undefined);
  walk(pkg.publishConfig?.exports ?? pkg.exports);
  walk(pkg.publishConfig?.bin ?? pkg.bin);
  return out;
}

// Build two packages at a time (the machine has two cores; each tsup runs esbuild, then the declaration build).
const queue = [...publicPackages];
await Promise.all(
  [0, 1].map(async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { dir } = next;
      const r = await new Promise((resolve) => {
        const child = spawn(join(root, 'node_modules', '.bin', 'tsup'), [], { cwd: dir, env: process.env });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => resolve({ code, out }));
      });
      if (r.code !== 0) {
        console.error(`tsup failed in ${dir}:\n${r.out}`);
        process.exit(1);
      }
    }
  }),
);
for (const { dir, pkg } of publicPackages) {
  // every file `files` names that is not a folder or a pattern (README.md, LICENSE) must exist, or the tarball lacks it
  const listed = (pkg.files ?? []).filter((f) => /\.[a-z]+$/i.test(f) && !f.includes('*') && !f.startsWith('dist'));
  const missing = [...entryFiles(pkg), ...listed].filter((f) => !existsSync(join(dir, f)));
  if (missing.length) {
    console.error(`${pkg.name}: refusing to release, files it publishes are missing after the build: ${missing.join(', ')}`);
    process.exit(1);
  }
}
if (packDir) {
  mkdirSync(packDir, { recursive: true });
  const before = new Set(readdirSync(packDir));
  // one recursive pnpm pack for every public package (it resolves workspace:* and applies publishConfig)
  run(pnpm[0], [...pnpm.slice(1), '-r', ...publicPackages.flatMap(({ pkg }) => ['--filter', pkg.name]), 'pack', '--pack-destination', packDir], root);
  const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz') && !before.has(f)).sort();
  console.log(`packed ${publicPackages.length} packages into ${packDir}:`);
  for (const t of tarballs) console.log(`  ${t}`);
  console.log(
    [
      '',
      'They depend on each other by version, and those versions are not on the registry yet: install them together,',
      'in one npm install, into a project of yours (npm takes every other dependency from the registry):',
      `  npm install ${tarballs.map((t) => join(packDir, t)).join(' ')}`,
      'voicewire alone needs all of them but @voicewire/discordjs, @voicewire/testkit and (for voicewire/emulator) @voicewire/voice-server.',
    ].join('\n'),
  );
} else {
  run(join(root, 'node_modules', '.bin', 'changeset'), ['publish'], root);
}
