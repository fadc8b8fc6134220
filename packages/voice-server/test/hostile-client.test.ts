// The emulator is a product users run: a hostile client must not kill it, hold its sockets, flood it, or guess
// its tokens. Real sockets where the defect was in the Node wrapper, the sans-IO core elsewhere.
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { nodeProvider } from '@voicewire/crypto-node';
import { VoiceServerCore } from '../src/core/index.js';
import { startVoiceServer, type VoiceServer } from '../src/server.js';

let server: VoiceServer | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = null;
});

function openGateway(url: string): Promise<{ ws: WebSocket; closed: Promise<number>; first: Promise<string> }> {
  const ws = new WebSocket(url, { rejectUnauthorized: false });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const first = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, closed, first }));
    ws.once('error', reject);
  });
}

describe('the emulator under a hostile client', () => {
  for (const text of ['null', '42', '"op"', '[]', '{"op":2,"d":null}', '{"op":4,"d":7}']) {
    it(`main gateway text ${text}: the client is closed or ignored, the emulator keeps serving`, async () => {
      server = await startVoiceServer({ tls: false });
      const g = await openGateway(server.gatewayUrl);
      await g.first; // Hello
      g.ws.send(text);
      const outcome = await Promise.race([g.closed, new Promise<string>((r) => setTimeout(() => r('open'), 300))]);
      expect([4002, 4003, 4004, 'open']).toContain(outcome);
      g.ws.terminate();
      const again = await openGateway(server.gatewayUrl);
      expect(JSON.parse(await again.first)).toMatchObject({ op: 10 });
      again.ws.terminate();
    });
  }

  it('a voice socket that never identifies is closed with 4003 after the identify timeout', () => {
    const core = new VoiceServerCore({ random: Math.random, crypto: nodeProvider, endpoint: 'x:1', udp: { address: '127.0.0.1', port: 1 }, identifyTimeoutMs: 5_000 });
    const id = core.handleWsOpen(0);
    drain(core);
    core.handleTimeout(4_999);
    expect(drain(core).some((o) => o.type === 'ws-close')).toBe(false);
    core.handleTimeout(5_002);
    expect(drain(core)).toContainEqual({ type: 'ws-close', connId: id, code: 4003 });
    expect(core.stats.identifyTimeouts).toBe(1);
  });

  it('a socket that floods heartbeats or messages is closed with 4021 (rate limited); a well-behaved one is not', () => {
    const core = new VoiceServerCore({ random: Math.random, crypto: nodeProvider, endpoint: 'x:1', udp: { address: '127.0.0.1', port: 1 }, heartbeatIntervalMs: 10_000, identifyTimeoutMs: 60_000 });
    const calm = core.handleWsOpen(0);
    const flood = core.handleWsOpen(0);
    drain(core);
    for (let i = 0; i < 60; i++) core.handleWsMessage(flood, JSON.stringify({ op: 3, d: { t: i, seq_ack: -1 } }), i);
    for (let i = 0; i < 5; i++) core.handleWsMessage(calm, JSON.stringify({ op: 3, d: { t: i, seq_ack: -1 } }), i * 5_000);
    const out = drain(core);
    expect(out).toContainEqual({ type: 'ws-close', connId: flood, code: 4021 });
    expect(out.some((o) => o.type === 'ws-close' && o.connId === calm)).toBe(false);
    expect(core.stats.rateLimited).toBe(1);
  });

  it('tokens, session ids and SSRCs come from a cryptographic source, not Math.random', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    server = await startVoiceServer({ tls: false });
    const tokens: string[] = [];
    for (const user of ['104694319306248192', '158049329150427136']) {
      await new Promise<void>((resolve) => {
        const adapter = server?.adapterCreator(user)({
          onVoiceStateUpdate: () => {},
          onVoiceServerUpdate: (d: never) => {
            tokens.push((d as { token: string }).token);
            resolve();
          },
          destroy: () => {},
        });
        adapter?.sendPayload({ op: 4, d: { guild_id: '1', channel_id: '2', self_mute: false, self_deaf: false } });
      });
    }
    expect(tokens[0]).not.toBe(tokens[1]);
  });
});

function drain(core: VoiceServerCore) {
  const out = [];
  for (let o = core.poll(); o.type !== 'timer'; o = core.poll()) out.push(o);
  return out;
}
