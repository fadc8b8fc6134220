#!/usr/bin/env node
// The non-Node runtimes of the test command (issue 7): Bun and Deno from npm. Each suite prints a
// `RESULT {json}` line; the totals go to .test-results/runtimes.json for scripts/test.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (n) => join(root, 'node_modules', '.bin', n);
const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` };
const totals = { passed: 0, failed: 0, suites: [] };

function suite(label, cmd, args, timeoutMs = 180_000) {
  const t0 = Date.now();
  console.log(`\n[voicewire] ${label}`);
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env, timeout: timeoutMs });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const line = (r.stdout ?? '').split('\n').reverse().find((l) => l.startsWith('RESULT '));
  if (!line) {
    console.log(`[voicewire] ${label}: FAILED (no result${r.error ? `: ${r.error.message}` : `, exit ${r.status}`}) in ${seconds}s`);
    totals.failed++;
    totals.suites.push({ label, passed: 0, failed: 1, seconds });
    return;
  }
  const res = JSON.parse(line.slice(7));
  totals.passed += res.passed;
  totals.failed += res.failed;
  totals.suites.push({ label, passed: res.passed, failed: res.failed, seconds });
  console.log(`[voicewire] ${label}: ${res.passed} passed, ${res.failed} failed in ${seconds}s`);
}

for (const tool of ['bun', 'deno', 'tsup']) {
  if (!existsSync(bin(tool))) {
    console.error(`[voicewire] ${tool} is not installed in node_modules/.bin; run the install again`);
    totals.failed++;
  }
}
// Build the core as npm users get it, then import the build natively in every runtime.
const build = spawnSync(bin('tsup'), [], { cwd: join(root, 'packages', 'voice-protocol'), encoding: 'utf8', env });
if (build.status !== 0) {
  console.error(`[voicewire] building voice-protocol failed:\n${build.stdout}${build.stderr}`);
  totals.failed++;
}
const smoke = 'packages/voice-protocol/test/dist-smoke.mjs';
suite('built core on Node', process.execPath, [smoke]);
suite('built core on Bun', bin('bun'), [smoke]);
suite('built core on Deno', bin('deno'), ['run', '--allow-read', smoke]);
suite('portable core suite on Bun', bin('bun'), ['packages/testkit/portable/run.ts']);
suite('portable core suite on Deno', bin('deno'), ['run', '-A', '--unstable-sloppy-imports', 'packages/testkit/portable/run.ts']);
suite('transport-bun: conformance, crypto, end to end on Bun', bin('bun'), ['packages/transport-bun/test/run.bun.ts']);

mkdirSync(join(root, '.test-results'), { recursive: true });
writeFileSync(join(root, '.test-results', 'runtimes.json'), JSON.stringify(totals, null, 2));
console.log(`\n[voicewire] other runtimes: ${totals.passed} passed, ${totals.failed} failed`);
for (const s of totals.suites) console.log(`  ${s.label}: ${s.passed} passed, ${s.failed} failed, ${s.seconds}s`);
process.exit(totals.failed === 0 ? 0 : 1);
