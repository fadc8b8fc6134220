#!/usr/bin/env node
// The whole test suite: type checks, then every vitest project (and, where present, the Bun and Deno
// suites). Ends with one plain line "N passed, N failed" that CI reads.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
// Tools of the workspace (turbo, pnpm, vitest, bun, deno) come first on PATH.
const env = { ...process.env, NO_COLOR: '1', PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` };
const started = Date.now();

function step(name, cmd, args, opts = {}) {
  const t0 = Date.now();
  console.log(`\n[voicewire] ${name}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...opts });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`[voicewire] ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${seconds}s`);
  return r.status === 0;
}

let passed = 0;
let failed = 0;
let skipped = 0;

// 1. Type checks of every package (the core compiles with `types: []`, so a Node API in it fails here).
//    tsc is run directly, two packages at a time, so the test command does not depend on a pnpm binary.
{
  const dirs = ['packages', 'apps'].flatMap((d) => (existsSync(join(root, d)) ? readdirSync(join(root, d)).map((n) => join(root, d, n)) : [])).filter((d) => existsSync(join(d, 'tsconfig.json')));
  const t0 = Date.now();
  console.log(`\n[voicewire] typecheck (${dirs.length} packages)`);
  const failures = [];
  const queue = [...dirs];
  await Promise.all([0, 1].map(async () => {
    for (let dir = queue.shift(); dir; dir = queue.shift()) {
      const r = await new Promise((resolve) => {
        const child = spawn(bin('tsc'), ['-p', join(dir, 'tsconfig.json')], { cwd: dir, env });
        let out = '';
        child.stdout.on('data', (c) => (out += c));
        child.stderr.on('data', (c) => (out += c));
        child.on('close', (code) => resolve({ code, out }));
      });
      if (r.code !== 0) failures.push(`${relative(root, dir)}:\n${r.out}`);
    }
  }));
  for (const f of failures) console.error(f);
  console.log(`[voicewire] typecheck: ${failures.length ? `FAILED in ${failures.length} package(s)` : 'ok'} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  if (failures.length) failed++;
  else passed++;
}

// 2. Purity of the protocol core.
if (step('voice-protocol purity', process.execPath, [join(root, 'scripts', 'check-purity.mjs'), 'packages/voice-protocol/src'])) passed++;
else failed++;

// 2b. Documentation links stay inside the repository.
if (step('documentation links', process.execPath, [join(root, 'scripts', 'check-links.mjs')])) passed++;
else failed++;

// 3. Vitest: every project, with a JSON report to count tests.
const outDir = join(root, '.test-results');
mkdirSync(outDir, { recursive: true });
const report = join(outDir, 'vitest.json');
rmSync(report, { force: true });
step('vitest (Node)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed += j.numPassedTests;
  failed += j.numFailedTests + (j.numFailedTestSuites ?? 0) + (j.numRuntimeErrorTestSuites ?? 0);
  skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  if (j.numTotalTests === 0) failed++;
} else {
  console.error('[voicewire] vitest wrote no report');
  failed++;
}

// 4. Other runtimes (Bun, Deno), when their suites exist.
const extra = join(root, 'scripts', 'test-runtimes.mjs');
if (existsSync(extra)) {
  const r = spawnSync(process.execPath, [extra], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  const summary = join(outDir, 'runtimes.json');
  if (existsSync(summary)) {
    const s = JSON.parse(readFileSync(summary, 'utf8'));
    passed += s.passed;
    failed += s.failed;
  }
  if (r.status !== 0 && !existsSync(summary)) failed++;
}

const total = ((Date.now() - started) / 1000).toFixed(1);
console.log(`\n[voicewire] whole suite in ${total}s`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
