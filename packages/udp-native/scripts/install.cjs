// Builds the add-on with node-gyp on install (no prebuilt downloads). It is optional: when it cannot be built
// (no compiler, no Python, Windows), the install still succeeds and @voicewire/transport-node sends with
// node:dgram, saying why in describeSetup().
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

if (process.platform === 'win32' || process.env.VOICEWIRE_UDP_NATIVE === '0') {
  console.warn('[@voicewire/udp-native] not built here: sends use node:dgram');
  process.exit(0);
}
// the package manager's own node-gyp (npm and pnpm set npm_config_node_gyp for install scripts), else one on PATH
const gyp = process.env.npm_config_node_gyp;
const cmd = gyp && existsSync(gyp) ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const r = spawnSync(cmd[0], cmd[1], { stdio: 'inherit', cwd: join(__dirname, '..'), shell: false });
if (r.status !== 0) {
  console.warn(`[@voicewire/udp-native] the add-on did not build (${r.error ? r.error.message : `node-gyp exited with ${r.status}`}); sends use node:dgram`);
}
process.exit(0);
