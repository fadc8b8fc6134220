#!/usr/bin/env node
// The other runtimes of the test command: Bun and Deno from npm, and Node 22 and 24 from npm's `node` package. Each suite prints a
// `RESULT {json}` line; the totals go to .test-results/runtimes.json for scripts/test.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (n) => join(root, 'node_modules', '.bin', n);
const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` };
const totals = { passed: 0, failed: 0, suites: [] };

function suite(label, cmd, args, timeoutMs = 180_000, cwd = root) {
  const t0 = Date.now();
  console.log(`\n[voicewire] ${label}`);
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env, timeout: timeoutMs });
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
// Audio on Deno: @voicewire/audio from source with the WebAssembly Opus codec; Deno reads the pnpm node_modules as is.
suite('audio on Deno (WebAssembly Opus, Ogg)', bin('deno'), ['run', '-A', '--unstable-sloppy-imports', '--node-modules-dir=manual', 'test/portable-audio.ts'], 180_000, join(root, 'packages', 'audio'));
suite('transport-bun: conformance, crypto, audio, end to end on Bun', bin('bun'), ['packages/transport-bun/test/run.bun.ts']);

// Node 22 and 24 (the LTS lines people run), from the npm registry's `node` package, cached between runs; every
// vitest project runs there, as on the Node the workspace installs with.
function nodeBinary(major) {
  const dir = join(root, 'node_modules', '.cache', 'voicewire-node', String(major));
  const bin = join(dir, 'node_modules', '.bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"private":true}');
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', `node@${major}`], { cwd: dir, encoding: 'utf8', env, timeout: 300_000 });
    if (r.status !== 0 || !existsSync(bin)) return { error: `npm could not install node@${major}: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ')}` };
  }
  return { bin };
}
// @discordjs/opus is compiled once, for the Node that ran the install, into prebuild/node-v<ABI>-napi-v3-…/opus.node;
// its loader (node-pre-gyp) looks for the folder of the running Node's ABI. The addon is N-API v3, which is
// ABI-stable across Node majors (the reason N-API exists), so the same binary serves Node 22 and 24: place it
// where their loader looks — what an install on that Node would have put there — and prove it loads.
function provideNativeOpus(nodeBin) {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(join(root, 'packages', 'audio', 'package.json')).resolve('@discordjs/opus/package.json'));
  } catch {
    return 'the workspace has no @discordjs/opus';
  }
  const prebuild = join(pkgDir, 'prebuild');
  const built = existsSync(prebuild) ? readdirSync(prebuild).find((d) => /^node-v\d+-napi-v3-/.test(d) && existsSync(join(prebuild, d, 'opus.node'))) : undefined;
  if (!built) return `@discordjs/opus has no N-API build under ${prebuild}`;
  const abi = spawnSync(nodeBin, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
  const target = join(prebuild, built.replace(/^node-v\d+/, `node-v${abi}`));
  if (!existsSync(join(target, 'opus.node'))) {
    mkdirSync(target, { recursive: true });
    copyFileSync(join(prebuild, built, 'opus.node'), join(target, 'opus.node'));
  }
  const probe = spawnSync(nodeBin, ['-e', `const { OpusEncoder } = require(${JSON.stringify(pkgDir)}); const e = new OpusEncoder(48000, 2); if (e.decode(e.encode(Buffer.alloc(3840))).length !== 3840) process.exit(1);`], { encoding: 'utf8' });
  return probe.status === 0 ? null : `@discordjs/opus does not load: ${(probe.stderr ?? '').trim().split('\n')[0]}`;
}
// Run a command without blocking the others; its output is kept and printed whole when it ends.
function spawnAsync(cmd, args, { cwd = root, timeoutMs }) {
  return new Promise((resolve) => {
    // its own process group: whatever it kills, it cannot take this runner or the other suites with it
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, stdout, stderr, error });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const error = timedOut ? new Error(`timed out after ${timeoutMs / 1000} s`) : signal ? new Error(`ended by ${signal}`) : undefined;
      resolve({ status, stdout, stderr, error });
    });
  });
}

// Every public package built, packed (pnpm pack) and installed from the tarballs into a fresh npm project
// outside the repository; then imported with plain Node, and the top-level package joins the emulator.
async function packCheck() {
  const label = 'packed tarballs installed with npm outside the repository';
  const t0 = Date.now();
  const r = await spawnAsync(process.execPath, ['scripts/pack-check/run.mjs'], { timeoutMs: 900_000 });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const out = [`\n[voicewire] ${label}`, r.stdout, r.stderr, ...(r.error ? [`[voicewire] ${label}: ${r.error.message}`] : [])];
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('RESULT '));
  const res = line ? JSON.parse(line.slice(7)) : { passed: 0, failed: 1 };
  out.push(line ? `[voicewire] ${label}: ${res.passed} passed, ${res.failed} failed in ${seconds}s` : `[voicewire] ${label}: FAILED (no result${r.error ? `: ${r.error.message}` : `, exit ${r.status}`}) in ${seconds}s`);
  return { label, passed: res.passed, failed: res.failed, seconds, out: out.join('\n') };
}

// Node 22 or 24: every vitest project except the README snippets.
async function nodeSuite(major) {
  const label = `Node ${major}: every vitest project (core, crypto, transport, emulator, audio, player, demo, end to end; the README snippets run on the first Node only)`;
  const t0 = Date.now();
  const out = [`\n[voicewire] ${label}`];
  const node = nodeBinary(major);
  const report = join(root, '.test-results', `vitest-node${major}.json`);
  let result = { passed: 0, failed: 1 };
  const opusProblem = node.error ? null : provideNativeOpus(node.bin);
  if (node.error) out.push(`[voicewire] ${node.error}`);
  else if (opusProblem) out.push(`[voicewire] Node ${major}: ${opusProblem}`);
  else {
    mkdirSync(join(root, '.test-results'), { recursive: true });
    // The README snippets run once, on the workspace's Node (their code paths are the suites' own; 40 s each time).
    const args = [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=dot', '--reporter=json', `--outputFile.json=${report}`, '--exclude', '**/readme-snippets.test.ts', '--exclude', '**/node_modules/**'];
    const r = await spawnAsync(node.bin, args, { timeoutMs: 420_000 });
    out.push((r.stdout ?? '').split('\n').filter((l) => /×|FAIL|Error|Test Files|Tests /.test(l)).join('\n'));
    if (r.error) out.push(`[voicewire] Node ${major}: ${r.error.message}`);
    if (existsSync(report)) {
      const j = JSON.parse(readFileSync(report, 'utf8'));
      const version = spawnSync(node.bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
      result = { passed: j.numPassedTests, failed: j.numFailedTests + (j.numFailedTestSuites ?? 0) + (j.numTotalTests === 0 ? 1 : 0) };
      out.push(`[voicewire] ran on ${version}`);
    }
  }
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  out.push(`[voicewire] ${label}: ${result.passed} passed, ${result.failed} failed in ${seconds}s`);
  return { label, ...result, seconds, out: out.join('\n') };
}

// The pack check and the two Node passes wait mostly on sockets, timers and child processes (a Node pass keeps
// about half of one core busy), so they run side by side; each one's output is printed when it ends. Each Node
// pass writes its own report file, and none of them reads what the pack check builds (the suites run from source).
rmSync(join(root, '.test-results', 'vitest-node22.json'), { force: true });
rmSync(join(root, '.test-results', 'vitest-node24.json'), { force: true });
console.log('\n[voicewire] side by side: the pack check, Node 22, Node 24');
const t0 = Date.now();
for (const r of await Promise.all([packCheck(), nodeSuite(22), nodeSuite(24)])) {
  console.log(r.out);
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.suites.push({ label: r.label, passed: r.passed, failed: r.failed, seconds: r.seconds });
}
console.log(`[voicewire] side by side: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

mkdirSync(join(root, '.test-results'), { recursive: true });
writeFileSync(join(root, '.test-results', 'runtimes.json'), JSON.stringify(totals, null, 2));
console.log(`\n[voicewire] other runtimes: ${totals.passed} passed, ${totals.failed} failed`);
for (const s of totals.suites) console.log(`  ${s.label}: ${s.passed} passed, ${s.failed} failed, ${s.seconds}s`);
process.exit(totals.failed === 0 ? 0 : 1);
