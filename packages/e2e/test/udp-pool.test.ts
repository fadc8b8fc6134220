// Batched UDP and the shared socket pool, end to end: real sessions against the emulator serving several UDP voice
// servers (ports), with DAVE. IP discovery per session, keepalive echoes routed back to their session, audio both
// ways in order, and a connection destroyed in the middle of playback while the others on its shared sockets go on.
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startVoiceServer, type VoiceServer } from '@voicewire/voice-server';
import { createNodeTransport, type NodeTransport } from '@voicewire/transport-node';
import type { VoiceConnection } from '@voicewire/voice';
import { encodeIpDiscoveryRequest } from '@voicewire/voice-protocol';
import { collect, connect, until, writeFrames } from './e2e-helpers.js';

const USERS = ['104694319306248192', '158049329150427136', '172150183260323840', '189759562910400512', '221793683914260480', '256478230145253376'];

let server: VoiceServer;
const conns: VoiceConnection[] = [];
beforeEach(async () => {
  server = await startVoiceServer({ tls: true, heartbeatIntervalMs: 1_000, udpPorts: 3 });
});
afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  await server.close();
});

function join(transport: NodeTransport, userId: string): VoiceConnection {
  const c = connect(server, userId, { transport, session: { keepaliveIntervalMs: 200 } });
  conns.push(c);
  return c;
}

describe('UDP modes end to end (the emulator serving 3 UDP voice servers)', () => {
  it('the emulator gives its UDP servers to sessions in turn', () => {
    expect(server.udpPorts).toHaveLength(3);
    expect(new Set(server.udpPorts).size).toBe(3);
    expect(server.udpPorts[0]).toBe(server.udpPort);
  });

  it('a datagram on a UDP server other than the session\'s own is not answered: discovery counted as spoofed, audio dropped', async () => {
    const transport = createNodeTransport({ ca: (server.certificate as { cert: string }).cert });
    const a = join(transport, USERS[0] as string);
    let ssrc = -1;
    a.once('ready', (info) => (ssrc = info.ssrc));
    join(transport, USERS[1] as string);
    await Promise.all(conns.map((c) => c.ready({ timeoutMs: 10_000 })));
    // the first session was given udpPorts[0]; ask for its address on the other two
    const raw = createSocket('udp4');
    try {
      expect(ssrc).toBeGreaterThan(0);
      const request = encodeIpDiscoveryRequest(ssrc);
      const spoofed = server.core.stats.spoofedDiscoveries;
      const dropped = server.core.stats.droppedPackets;
      let answers = 0;
      raw.on('message', () => answers++);
      raw.send(request, server.udpPorts[1] as number, '127.0.0.1');
      raw.send(request, server.udpPorts[2] as number, '127.0.0.1');
      const rtp = new Uint8Array(60);
      rtp.set([0x80, 0x78], 0);
      new DataView(rtp.buffer).setUint32(8, ssrc);
      raw.send(rtp, server.udpPorts[1] as number, '127.0.0.1');
      await until(() => server.core.stats.spoofedDiscoveries === spoofed + 2 && server.core.stats.droppedPackets === dropped + 1, 5_000, 'two refused discoveries and one dropped packet');
      expect(answers).toBe(0);
    } finally {
      raw.close();
    }
  }, 30_000);

  for (const udp of ['pool', 'batched'] as const) {
    it(`${udp}: six bots join with DAVE, discover their addresses, keepalives come back, and audio flows in order`, async () => {
      const transport = createNodeTransport({ ca: (server.certificate as { cert: string }).cert, udp });
      const bots = USERS.map((u) => join(transport, u));
      await Promise.all(bots.map((b) => b.ready({ timeoutMs: 10_000 })));
      await until(() => bots.every((b) => b.privacyCode !== '' && b.privacyCode === bots[0]!.privacyCode), 10_000, 'one DAVE group');
      if (udp === 'pool') {
        // six sessions over three remotes: two shared sockets, each with one session per remote
        expect(transport.udpStats().pool).toMatchObject({ sockets: 2, connections: 6 });
      }
      // keepalive echoes reached the session that sent them (the emulator echoes 8-byte keepalives)
      await until(() => bots.every((b) => b.stats.udpRttSource === 'keepalive'), 5_000, 'a keepalive echo on every session');
      const heard = bots.slice(1).map((b) => collect(b, USERS[0] as string));
      const back = collect(bots[0] as VoiceConnection, USERS[3] as string);
      await Promise.all([writeFrames(bots[0] as VoiceConnection, 0, 100), writeFrames(bots[3] as VoiceConnection, 1000, 50)]);
      await until(() => heard.every((h) => h.length >= 100) && back.length >= 50, 5_000, 'every frame at every listener');
      for (const h of heard) expect(h).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(back).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i));
      for (const b of bots) expect(b.stats.daveDecryptFailures).toBe(0);
      const batch = transport.udpStats().batch;
      expect(batch && batch.syscalls > 0 && batch.datagrams >= 150).toBe(true);
      expect(batch?.failed).toBe(0);
    }, 30_000);
  }

  it('pool: a connection destroyed in the middle of playback leaves its shared sockets to the others, which play on', async () => {
    const transport = createNodeTransport({ ca: (server.certificate as { cert: string }).cert, udp: 'pool' });
    const bots = USERS.slice(0, 4).map((u) => join(transport, u));
    await Promise.all(bots.map((b) => b.ready({ timeoutMs: 10_000 })));
    await until(() => bots.every((b) => b.privacyCode !== '' && b.privacyCode === bots[0]!.privacyCode), 10_000, 'one DAVE group');
    const sockets = transport.udpStats().pool?.sockets;
    const heard = collect(bots[1] as VoiceConnection, USERS[0] as string);
    const doomed = bots[2] as VoiceConnection;
    await writeFrames(bots[0] as VoiceConnection, 0, 100, (n) => n === 50 && doomed.destroy());
    await until(() => heard.length >= 100, 5_000, 'all 100 frames at the listener that stayed');
    expect(heard).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(transport.udpStats().pool?.connections).toBe(3);
    expect(transport.udpStats().pool?.sockets).toBeLessThanOrEqual(sockets as number);
  }, 30_000);
});

describe('VOICEWIRE_UDP', () => {
  const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
  const entry = fileURLToPath(new URL('../../voicewire/src/node.ts', import.meta.url));
  const report = (value: string | undefined) => {
    const env = { ...process.env };
    delete env.VOICEWIRE_UDP;
    if (value !== undefined) env.VOICEWIRE_UDP = value;
    const r = spawnSync(tsx, ['-e', `import(${JSON.stringify(entry)}).then((m) => console.log(JSON.stringify({ udp: m.describeSetup().udp, transport: m.describeSetup().transport })))`], { encoding: 'utf8', env, timeout: 20_000 });
    return { ...(JSON.parse(/\{.*\}/.exec(r.stdout)?.[0] ?? '{}') as { udp?: string; transport?: string }), stderr: r.stderr };
  };

  it('opts the default transport into the pool or batched sends, and describeSetup() says so', () => {
    expect(report('pool')).toMatchObject({ transport: 'node (udp: pool)', udp: expect.stringMatching(/pool of shared sockets.*sendmmsg/) });
    expect(report('batched')).toMatchObject({ transport: 'node (udp: batched)', udp: expect.stringMatching(/one call to @voicewire\/udp-native \(sendmmsg\)/) });
    expect(report(undefined)).toMatchObject({ transport: 'node' });
  }, 60_000);

  it('an unknown value warns and keeps one socket per connection', () => {
    const r = report('turbo');
    expect(r.transport).toBe('node');
    expect(r.stderr).toMatch(/VOICEWIRE_UDP=turbo is not one of socket, batched, pool/);
  }, 30_000);
});
