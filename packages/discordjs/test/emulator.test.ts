// Testing a @discordjs/voice bot offline on the drop-in: one call starts the emulator and makes the drop-in trust
// it (no NODE_EXTRA_CA_CERTS — this emulator's certificate is not the one the global setup trusts), and a
// connection that cannot be made says why in its Disconnected state.
import { startVoiceServer, type VoiceServer } from '@voicewire/voice-server';
import { afterEach, describe, expect, it } from 'vitest';
import { VoiceError } from '@voicewire/voice';
import { createAudioPlayer, createAudioResource, entersState, joinVoiceChannel, StreamType, VoiceConnectionDisconnectReason, VoiceConnectionStatus, type VoiceConnection, type VoiceConnectionState } from '../src/index.js';
import { startEmulator, type Emulator } from '../src/emulator.js';
import { Readable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { OpusCodec } from '@voicewire/audio';
import { power, until } from '@voicewire/testkit';

const GUILD = '41771983423143937';
const CHANNEL = '127121515262115840';
const A = '104694319306248192';
const B = '158049329150427136';

const servers: (VoiceServer | Emulator)[] = [];
const conns: VoiceConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  for (const s of servers.splice(0)) await s.close();
});
function join(server: VoiceServer, userId: string, selfDeaf = true): VoiceConnection {
  const c = joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, adapterCreator: server.adapterCreator(userId, GUILD) as never, group: userId, selfDeaf });
  conns.push(c);
  return c;
}

describe('startEmulator() from @voicewire/discordjs/emulator', () => {
  it('two drop-in bots join it with DAVE and hear each other, with no certificate to pass anywhere', async () => {
    const server = await startEmulator({ heartbeatIntervalMs: 1_000 });
    servers.push(server);
    expect(server.ca).toMatch(/BEGIN CERTIFICATE/);
    const a = join(server, A);
    const b = join(server, B, false);
    await Promise.all([entersState(a, VoiceConnectionStatus.Ready, 10e3), entersState(b, VoiceConnectionStatus.Ready, 10e3)]);
    await Promise.all([a.voicewire.ready({ e2ee: true, timeoutMs: 5_000 }), b.voicewire.ready({ e2ee: true, timeoutMs: 5_000 })]);
    const got: number[] = [];
    b.receiver.subscribe(A).on('data', (p: Buffer) => p.length === 5 && got.push(p[1] as number));
    const player = createAudioPlayer();
    a.subscribe(player);
    player.play(createAudioResource(Readable.from(Array.from({ length: 10 }, (_, i) => Buffer.from([0xfc, i, 0, 1, 2]))), { inputType: StreamType.Opus }));
    await until(() => got.length >= 10, 5_000, 'ten packets heard');
    expect(got.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('after close() its certificate is no longer trusted: a later emulator with another certificate is refused (E_TLS)', async () => {
    const first = await startEmulator();
    await first.close();
    const other = await startVoiceServer();
    servers.push(other);
    const a = join(other, A);
    const state = await entersState(a, VoiceConnectionStatus.Disconnected, 10e3).then(() => a.state as VoiceConnectionState & { status: VoiceConnectionStatus.Disconnected });
    expect(state.error?.code).toBe('E_TLS');
  });
});

describe('Disconnected carries the cause', () => {
  it('an untrusted certificate: the Disconnected state holds the VoiceError (E_TLS), entered once, with its close code', async () => {
    const server = await startVoiceServer(); // a certificate nobody trusts
    servers.push(server);
    const a = join(server, A);
    const disconnects: VoiceConnectionState[] = [];
    a.on(VoiceConnectionStatus.Disconnected, (_old: VoiceConnectionState, s: VoiceConnectionState) => disconnects.push(s));
    await entersState(a, VoiceConnectionStatus.Disconnected, 10e3);
    const s = a.state as VoiceConnectionState & { status: VoiceConnectionStatus.Disconnected; closeCode: number };
    expect(s.error).toBeInstanceOf(VoiceError);
    expect(s.error?.code).toBe('E_TLS');
    expect(s.error?.message).toMatch(/certificate/i);
    expect(s.reason).toBe(VoiceConnectionDisconnectReason.WebSocketClose);
    expect(s.closeCode).toBe(1006);
    expect(disconnects).toHaveLength(1);
    expect(disconnects[0]).toBe(s);
  });

  it('an adapter that cannot send op 4: Disconnected with reason AdapterUnavailable and E_GATEWAY_UNAVAILABLE', async () => {
    const c = joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, adapterCreator: (() => ({ sendPayload: () => false, destroy: () => {} })) as never, group: 'no-gateway' });
    conns.push(c);
    await entersState(c, VoiceConnectionStatus.Disconnected, 5e3);
    const s = c.state as VoiceConnectionState & { status: VoiceConnectionStatus.Disconnected };
    expect(s.reason).toBe(VoiceConnectionDisconnectReason.AdapterUnavailable);
    expect(s.error?.code).toBe('E_GATEWAY_UNAVAILABLE');
  });
});

describe('seeking on the drop-in (voicewire extension)', () => {
  it('createAudioResource(path, { startAtMs }) and resource.seek(): the listener hears the new position; playbackDuration follows', async () => {
    const ffmpegPath = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    const mp3 = joinPath(mkdtempSync(joinPath(tmpdir(), 'voicewire-djs-seek-')), 'two-tone.mp3');
    // 440 Hz for 2 s, then 880 Hz for 2 s
    const made = spawnSync(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'aevalsrc=0.3*sin(2*PI*if(lt(t\\,2)\\,440\\,880)*t):s=48000:d=4', '-ac', '2', '-c:a', 'libmp3lame', mp3]);
    expect(made.status).toBe(0);
    const server = await startEmulator({ heartbeatIntervalMs: 1_000 });
    servers.push(server);
    const a = join(server, A);
    const b = join(server, B, false);
    await Promise.all([entersState(a, VoiceConnectionStatus.Ready, 10e3), entersState(b, VoiceConnectionStatus.Ready, 10e3)]);
    await Promise.all([a.voicewire.ready({ e2ee: true, timeoutMs: 5_000 }), b.voicewire.ready({ e2ee: true, timeoutMs: 5_000 })]);
    const codec = new OpusCodec();
    const tones: number[] = [];
    b.receiver.subscribe(A).on('data', (p: Buffer) => {
      if (p.length <= 3) return;
      const pcm = codec.decode(p);
      tones.push(power(pcm, 880) > power(pcm, 440) ? 880 : 440);
    });
    const player = createAudioPlayer();
    a.subscribe(player);
    const resource = createAudioResource(mp3, { ffmpegPath, startAtMs: 300 });
    expect(resource.playbackDuration).toBe(300);
    player.play(resource);
    await until(() => tones.length >= 15, 5_000, 'the start of the track heard');
    expect(tones.slice(3, 15).every((t) => t === 440)).toBe(true);
    resource.seek(2_500);
    expect(resource.playbackDuration).toBe(2_500);
    const at = tones.length;
    await until(() => tones.length >= at + 25, 5_000, 'frames after the seek');
    expect(tones.slice(at + 5, at + 25).every((t) => t === 880)).toBe(true);
    expect(resource.playbackDuration).toBeGreaterThanOrEqual(2_800);
    expect(() => createAudioResource(Readable.from([Buffer.alloc(10)]), { startAtMs: 10 })).toThrow(/E_SEEK_UNSUPPORTED/);
    player.stop(true);
  });
});
