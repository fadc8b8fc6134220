// The client against a hostile voice server over real sockets (loopback): each value that once took the process
// down or hid the cause. Vitest fails a run on any uncaught exception or unhandled rejection, and each test also
// checks the user-visible result: a terminal VoiceError that says what happened, a reconnect with the reason, or
// a counted drop.
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { daveProvider } from '@voicewire/crypto-dave';
import { nodeProvider } from '@voicewire/crypto-node';
import { HOSTILE_SESSION_ID, HOSTILE_TOKEN, type HostileOptions } from '@voicewire/testkit';
import { HostileVoiceServer, type HostileTls } from '@voicewire/testkit/node';
import { createNodeTransport } from '@voicewire/transport-node';
import { joinVoiceChannel, VoiceError, type VoiceConnection } from '@voicewire/voice';
import { startVoiceServer } from '@voicewire/voice-server';
import { CHANNEL, connect, GUILD, sleep, until } from './e2e-helpers.js';

const USER = '104694319306248192';
const FAST = { reconnectBaseMs: 20, reconnectMaxMs: 50, maxReconnectAttempts: 2, connectTimeoutMs: 3_000 } as const;

const servers: { close(): Promise<void> }[] = [];
const conns: VoiceConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  for (const s of servers.splice(0)) await s.close();
});

async function hostile(options: HostileOptions & { tls?: HostileTls } = {}): Promise<{ server: HostileVoiceServer; conn: VoiceConnection; reasons: string[]; warnings: { code: string; message: string }[] }> {
  const server = await HostileVoiceServer.start(options);
  servers.push(server);
  const conn = joinVoiceChannel({
    guildId: GUILD,
    channelId: CHANNEL,
    userId: USER,
    adapterCreator: server.adapterCreator(USER),
    transport: createNodeTransport(server.ca ? { ca: server.ca } : {}),
    crypto: nodeProvider,
    e2ee: daveProvider,
    session: FAST,
  });
  conns.push(conn);
  const reasons: string[] = [];
  const warnings: { code: string; message: string }[] = [];
  conn.on('reconnecting', (r) => reasons.push(r.reason));
  conn.on('warning', (w) => warnings.push(w));
  return { server, conn, reasons, warnings };
}

async function terminalError(conn: VoiceConnection, timeoutMs = 8_000): Promise<VoiceError> {
  const err = await new Promise<unknown>((resolve) => {
    conn.once('disconnected', (e) => resolve(e));
    setTimeout(() => resolve(new Error('no terminal error in time')), timeoutMs);
  });
  expect(err).toBeInstanceOf(VoiceError);
  return err as VoiceError;
}

describe('hostile voice server over real sockets: values that used to kill the process', () => {
  for (const [what, ready, says] of [
    ['Ready with port 0', { port: 0 }, 'port 0'],
    ['Ready with 255.255.255.255', { ip: '255.255.255.255' }, 'broadcast'],
  ] as const) {
    it(`${what}: reconnects with the reason, then E_RECONNECT_EXHAUSTED`, async () => {
      const { conn, reasons } = await hostile({ ready });
      const err = await terminalError(conn);
      expect(err.code).toBe('E_RECONNECT_EXHAUSTED');
      expect(reasons[0]).toContain(says);
      expect(err.message).toContain(says);
    });
  }

  it('Ready with a host name that does not resolve: the DNS failure reaches the user as the reason', async () => {
    const { conn, reasons } = await hostile({ ready: { ip: 'voicewire-test.invalid' } });
    const err = await terminalError(conn);
    expect(err.code).toBe('E_RECONNECT_EXHAUSTED');
    expect(reasons[0]).toMatch(/UDP socket to the voice server failed: .*(ENOTFOUND|EAI_AGAIN)/);
  });

  for (const v of [2, 255]) {
    it(`Session Description with dave_protocol_version ${v}: E_DAVE_UNSUPPORTED`, async () => {
      const { conn } = await hostile({ sessionDescription: { dave_protocol_version: v } });
      await expect(conn.ready({ timeoutMs: 8_000 })).rejects.toMatchObject({ code: 'E_DAVE_UNSUPPORTED' });
    });
  }

  it('op 24 with an unsupported protocol_version after ready: a warning, and the connection stays ready', async () => {
    const { conn, warnings } = await hostile({ sessionDescription: { dave_protocol_version: 1 }, afterSessionDescription: (act) => setTimeout(() => act.sendJson({ op: 24, d: { protocol_version: 200, epoch: 1 } }), 50) });
    await conn.ready({ timeoutMs: 5_000 });
    await until(() => warnings.some((w) => w.code === 'E_DAVE_UNSUPPORTED'), 3_000, 'the warning');
    expect(conn.state).toBe('ready');
  });

  it('a 4 MiB frame is not parsed: the socket closes at the 1 MiB cap and the client reconnects with that reason', async () => {
    const { conn, reasons } = await hostile({ afterSessionDescription: (act) => act.sendText(JSON.stringify({ op: 16, d: { voice: 'x'.repeat(4 << 20) } })) });
    await until(() => reasons.length > 0, 5_000, 'a reconnect');
    expect(reasons[0]).toContain('size limit');
    expect(conn.stats.malformedMessages).toBeGreaterThan(0);
  });
});

describe('hostile voice server over real sockets: certificate errors are reported, not retried', () => {
  for (const [tls, cause] of [
    ['untrusted', /self[- ]signed|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED/i],
    ['wrong-host', /altname|ERR_TLS_CERT_ALTNAME_INVALID|does not match/i],
    ['expired', /expired|CERT_HAS_EXPIRED/i],
  ] as const) {
    it(`${tls} certificate: E_TLS with the cause, no reconnect`, async () => {
      const { conn, reasons } = await hostile({ tls });
      const err = await terminalError(conn);
      expect(err.code).toBe('E_TLS');
      expect(err.message).toMatch(cause);
      expect(reasons).toHaveLength(0);
    });
  }
});

describe('secrets stay out of what a user prints', () => {
  it('util.inspect, console.log-style formatting and JSON.stringify of a connection never show the token or session id, before or after destroy', async () => {
    const { conn } = await hostile();
    await conn.ready({ timeoutMs: 5_000 });
    const views = (): string[] => [inspect(conn, { depth: Infinity, showHidden: true }), inspect(conn), JSON.stringify(conn), `${String(conn)}`];
    for (const text of views()) {
      expect(text).not.toContain(HOSTILE_TOKEN);
      expect(text).not.toContain(HOSTILE_SESSION_ID);
    }
    expect(JSON.parse(JSON.stringify(conn))).toMatchObject({ guildId: GUILD, state: 'ready' });
    conn.destroy();
    for (const text of views()) {
      expect(text).not.toContain(HOSTILE_TOKEN);
      expect(text).not.toContain(HOSTILE_SESSION_ID);
    }
  });
});

describe('a dead UDP path against the emulator (wss, DAVE)', () => {
  it('the emulator stops answering on UDP: one warning, then a fresh connection that is ready again', async () => {
    const server = await startVoiceServer({ tls: true, heartbeatIntervalMs: 1_000 });
    servers.push(server);
    const conn = connect(server, USER, { session: { keepaliveIntervalMs: 200, udpSilenceTimeoutMs: 1_000 } });
    conns.push(conn);
    const warnings: string[] = [];
    conn.on('warning', (w) => warnings.push(w.code));
    await conn.ready({ timeoutMs: 5_000 });
    await until(() => conn.stats.udpRttSource === 'keepalive', 5_000, 'a keepalive echo: the emulator answers on UDP');
    server.setUdpSilent(USER, true);
    await until(() => warnings.includes('E_UDP_SILENT'), 5_000, 'the dead-path warning');
    await until(() => conn.state === 'ready' && conn.stats.reconnects > 0, 5_000, 'the new connection');
    expect(warnings.filter((w) => w === 'E_UDP_SILENT')).toHaveLength(1);
  });

  it('the server process is gone: sends report false, and refused datagrams give a few warnings, not one each', async () => {
    const server = await startVoiceServer({ tls: true, heartbeatIntervalMs: 1_000 });
    const conn = connect(server, USER, { session: FAST });
    conns.push(conn);
    const warnings: string[] = [];
    conn.on('warning', (w) => warnings.push(w.code));
    await conn.ready({ timeoutMs: 5_000 });
    await server.close();
    const results: boolean[] = [];
    const opus = new Uint8Array([0xfc, 1, 2, 3, 4]);
    for (let i = 0; i < 50; i++) {
      results.push(conn.sendOpusFrame(opus));
      await sleep(20); // one frame per 20 ms, as a player sends
    }
    expect(results.at(-1)).toBe(false);
    expect(warnings.filter((w) => w === 'E_UDP').length).toBeLessThanOrEqual(5);
  });
});
