// When the add-on was not built (no compiler at install time), loading it does not throw: it says why, and the
// Node transport's batched modes send with node:dgram and say so. Run in a child process on a copy of the package
// without its build/ folder.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('a package whose add-on was never built loads as { loaded: false, reason } and never throws', () => {
  const dir = mkdtempSync(join(tmpdir(), 'udp-native-unbuilt-'));
  try {
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@voicewire/udp-native', type: 'module' }));
    copyFileSync(fileURLToPath(new URL('../src/index.ts', import.meta.url)), join(dir, 'src', 'index.ts'));
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const script = `import(${JSON.stringify(join(dir, 'src', 'index.ts'))}).then((m) => { const a = m.loadUdpNative(); const b = m.loadUdpNative(); console.log(JSON.stringify({ a, same: a === b })); })`;
    const r = spawnSync(tsx, ['-e', script], { encoding: 'utf8', timeout: 20_000, cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(/\{.*\}/.exec(r.stdout)?.[0] ?? '{}') as { a: { loaded: boolean; reason: string }; same: boolean };
    expect(out.a.loaded).toBe(false);
    expect(out.a.reason).toMatch(/@voicewire\/udp-native did not load: the add-on was not built on install \(node-gyp needs Python, make and a C\+\+ compiler\)/);
    expect(out.same).toBe(true); // loaded once per process
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
