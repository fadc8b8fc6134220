import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { userIdForToken } from '@voicewire/voice-server';
import { VoiceError, type VoiceConnection } from '@voicewire/voice';
import { CHANNEL, collect, connect, GUILD, until, writeFrames } from './e2e-helpers.js';
import { emulatorPerTest } from './emulator-per-test.js';

const A = '104694319306248192';
const B = '158049329150427136';

describe('end to end on loopback through the served voice server (wss)', () => {
  const emu = emulatorPerTest();

  it('two bots join one channel; one writes 500 paced Opus frames, the other receives every one in order', async () => {
    const a = connect(emu.server, A);
    const b = connect(emu.server, B);
    emu.track(a, b);
    await Promise.all([a.ready({ timeoutMs: 5_000 }), b.ready({ timeoutMs: 5_000 })]);
    expect(a.state).toBe('ready');
    await until(() => a.privacyCode !== '' && a.privacyCode === b.privacyCode, 5_000, 'the DAVE group');
    expect(a.stats.daveProtocolVersion).toBe(1);
    const got = collect(b, A);
    const speaking: boolean[] = [];
    b.on('speaking', (u, s) => u === A && speaking.push(s));
    await writeFrames(a, 0, 500);
    await until(() => got.length >= 500 && speaking.length >= 2, 3_000, '500 frames and the end of speaking');
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(speaking).toEqual([true, false]);
    expect(a.stats.packetsSent).toBe(505); // 500 frames + 5 silence frames
    expect(b.stats.decryptFailures).toBe(0);
    expect(b.stats.daveDecryptFailures).toBe(0);
    expect(b.stats.davePassthroughFrames).toBe(0); // every frame arrived end-to-end encrypted
  }, 30_000);

  it('a socket killed by the server is resumed; frames keep flowing over UDP meanwhile', async () => {
    const a = connect(emu.server, A);
    const b = connect(emu.server, B);
    emu.track(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const got = collect(b, A);
    let resumed = 0;
    a.on('resumed', () => resumed++);
    await writeFrames(a, 0, 150, (n) => n === 50 && emu.server.closeSocket(A, 4015));
    await until(() => got.length >= 150, 3_000, 'all frames');
    expect(resumed).toBe(1);
    expect(got).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(a.stats.framesDropped).toBe(0);
  }, 20_000);

  it('a server migration completes: both bots Identify fresh on the new endpoint and audio flows again', async () => {
    const a = connect(emu.server, A);
    const b = connect(emu.server, B);
    emu.track(a, b);
    await Promise.all([a.ready(), b.ready()]);
    let readies = 0;
    a.on('ready', () => readies++);
    b.on('ready', () => readies++);
    const next = emu.server.migrate(GUILD);
    expect(next).toBe(emu.server.secondaryEndpoint);
    await until(() => readies === 2, 5_000, 'both ready on the new endpoint');
    // the DAVE group formed again on the new server: both in one epoch (the same privacy code)
    await until(() => a.privacyCode !== '' && a.privacyCode === b.privacyCode, 5_000, 'one DAVE epoch on the new endpoint');
    const got = collect(b, A);
    await writeFrames(a, 0, 25);
    await until(() => got.length >= 25, 2_000, 'frames after migration');
    expect(got).toEqual(Array.from({ length: 25 }, (_, i) => i));
  }, 20_000);

  it('ready() rejects with the terminal reason: a full channel gives E_JOIN_TIMEOUT', async () => {
    emu.server.setChannelFull(CHANNEL, true);
    const a = connect(emu.server, A, { session: { joinTimeoutMs: 300 } });
    emu.track(a);
    const err = await a.ready().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VoiceError);
    expect((err as VoiceError).code).toBe('E_JOIN_TIMEOUT');
    expect((err as VoiceError).message).toMatch(/channel may be full/);
  });

  it('ready() honours an abort signal, and rejects after destroy', async () => {
    emu.server.setChannelFull(CHANNEL, true);
    const a = connect(emu.server, A);
    emu.track(a);
    const ac = new AbortController();
    const p = a.ready({ signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
    const q = a.ready();
    a.destroy();
    await expect(q).rejects.toMatchObject({ code: 'E_DESTROYED' });
    a.destroy(); // idempotent
  });

  it('DAVE-required close (4017) ends with E_DAVE_REQUIRED and a message that says what to do', async () => {
    const a = connect(emu.server, A);
    emu.track(a);
    await a.ready();
    const disconnected = new Promise<VoiceError | null>((resolve) => a.on('disconnected', resolve));
    emu.server.closeSocket(A, 4017);
    const err = await disconnected;
    expect(err?.code).toBe('E_DAVE_REQUIRED');
    expect(err?.message).toMatch(/crypto-dave/);
  });

  it('serves the main-gateway subset: Hello, Identify → READY, heartbeat ACK, op 4 → both voice dispatches', async () => {
    const ws = new WebSocket(emu.server.gatewayUrl, { ca: emu.server.certificate?.cert });
    const messages: { op: number; t?: string; d: Record<string, unknown> }[] = [];
    ws.on('message', (m: Buffer) => messages.push(JSON.parse(m.toString())));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ op: 2, d: { token: 'Bot test-token', intents: 1 << 7, properties: {} } }));
    ws.send(JSON.stringify({ op: 1, d: null }));
    ws.send(JSON.stringify({ op: 4, d: { guild_id: GUILD, channel_id: CHANNEL, self_mute: false, self_deaf: true } }));
    await until(() => messages.filter((m) => m.op === 0).length >= 3, 3_000, 'dispatches');
    ws.close();
    expect(messages[0]).toMatchObject({ op: 10, d: { heartbeat_interval: 41_250 } });
    const ready = messages.find((m) => m.t === 'READY');
    expect((ready?.d.user as { id: string }).id).toBe(userIdForToken('Bot test-token'));
    expect(messages.some((m) => m.op === 11)).toBe(true);
    const vsu = messages.find((m) => m.t === 'VOICE_STATE_UPDATE');
    const vsrv = messages.find((m) => m.t === 'VOICE_SERVER_UPDATE');
    expect(vsu?.d).toMatchObject({ guild_id: GUILD, channel_id: CHANNEL, self_deaf: true });
    expect(vsrv?.d).toMatchObject({ guild_id: GUILD, endpoint: emu.server.endpoint });
    expect(typeof vsrv?.d.token).toBe('string');
  });
});

describe('resource release', () => {
  it('destroy() leaves no open handle: a process that joins, sends and destroys exits on its own', () => {
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const script = fileURLToPath(new URL('./fixtures/exit-check.ts', import.meta.url));
    const r = spawnSync(tsx, [script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error, 'the process did not exit by itself within 20 s').toBeUndefined();
    expect(r.stdout).toContain('received 20 frames');
    expect(r.status).toBe(0);
  }, 30_000);
});
