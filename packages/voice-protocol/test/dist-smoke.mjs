// Imports the *built* core (dist/index.js, what npm users get) with no loader tricks, in whatever runtime runs
// this file, and walks a session from join to Identify. Prints one RESULT line.
import * as core from '../dist/index.js';

const g = globalThis;
const runtime = g.Bun ? `Bun ${g.Bun.version}` : g.Deno ? `Deno ${g.Deno.version.deno}` : `Node ${g.process.version}`;
const checks = [];
const check = (name, fn) => {
  try {
    if (fn() !== true) throw new Error('returned false');
    checks.push([name, true]);
  } catch (e) {
    checks.push([name, false, String(e)]);
  }
};
check('gateway codec', () => core.decodeGatewayMessage(core.encodeGatewayMessage({ op: 3, d: { t: 1, seqAck: 2 } })).ok);
check('RTP header', () => core.toHex(core.encodeRtpHeader({ sequence: 1, timestamp: 960, ssrc: 0x12345678 })) === '80780001000003c012345678');
check('session: join → op 4 → both updates → ws-connect → Identify', () => {
  const crypto = { name: 'stub', modes: ['aead_xchacha20_poly1305_rtpsize'], aead() { throw new Error('unused'); } };
  const s = new core.VoiceSession({ guildId: '1', channelId: '2', userId: '3', crypto, random: () => 0.5 });
  const drain = () => { const out = []; for (let o = s.poll(); o.type !== 'timer'; o = s.poll()) out.push(o); return out; };
  s.join(0);
  if (drain()[0]?.type !== 'gateway-send') return false;
  s.handleVoiceStateUpdate({ guild_id: '1', channel_id: '2', user_id: '3', session_id: 'x' }, 1);
  s.handleVoiceServerUpdate({ guild_id: '1', token: 't', endpoint: 'voice.example:2048' }, 2);
  const conn = drain().find((o) => o.type === 'ws-connect');
  if (!conn || conn.url !== 'wss://voice.example:2048/?v=8') return false;
  s.handleWsOpen(conn.id, 3);
  const identify = drain().find((o) => o.type === 'ws-send');
  return identify && JSON.parse(identify.data).op === 0;
});
for (const [name, ok, err] of checks) console.log(`  ${ok ? '✓' : '✗'} built core: ${name}${err ? `\n      ${err}` : ''}`);
const passed = checks.filter((c) => c[1]).length;
console.log(`RESULT ${JSON.stringify({ suite: 'dist-smoke', runtime, passed, failed: checks.length - passed })}`);
