// The package a user installs alone: joinVoiceChannel({ guildId, channelId, adapterCreator }) joins the local
// emulator with DAVE, with the transport and crypto provider chosen for the runtime; describeSetup says what
// was chosen and why; e2ee: false is explicit and warns.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { until } from '@voicewire/testkit';
import { startVoiceServer, type VoiceServer } from '@voicewire/voice-server';
import { AudioPlayer, createFramesResource, describeSetup, joinVoiceChannel, type VoiceConnection } from '../src/node.js';

const GUILD = '41771983423143937';
const CHANNEL = '127121515262115840';
let server: VoiceServer | null = null;
const conns: VoiceConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  await server?.close();
  server = null;
  vi.restoreAllMocks();
});

describe('voicewire (the top-level package)', () => {
  it('the three-option call joins the emulator with end-to-end encryption, and one import plays audio', async () => {
    server = await startVoiceServer({ tls: false });
    const session = { wsScheme: 'ws' as const }; // plain ws to the local emulator; Discord is wss (the default)
    const join = (userId: string) => joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, adapterCreator: (server as VoiceServer).adapterCreator(userId), userId, session });
    const a = join('104694319306248192');
    const b = join('158049329150427136');
    conns.push(a, b);
    await Promise.all([a.ready({ timeoutMs: 5_000, e2ee: true }), b.ready({ timeoutMs: 5_000, e2ee: true })]);
    expect(a.e2ee).toBe(true);
    expect(a.stats.daveProtocolVersion).toBe(1);
    const heard: number[] = [];
    b.on('audio', (f) => f.opus.length > 3 && heard.push(f.opus[1] as number));
    const player = new AudioPlayer();
    player.subscribe(a);
    const idle = new Promise<void>((r) => player.once('idle', () => r()));
    player.enqueue(createFramesResource(Array.from({ length: 10 }, (_, i) => Uint8Array.of(0xfc, i, 0, 0, 0))));
    await idle;
    await until(() => heard.length >= 10, 5_000, 'the listener to hear the ten frames');
    expect(heard.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(b.stats.davePassthroughFrames).toBe(0);
  });

  it('describeSetup() says what was chosen and why', () => {
    const s = describeSetup();
    expect(s.runtime).toBe(`node ${process.versions.node}`);
    expect(s.transport).toBe('node');
    // the add-on is built on install here: the report says batched sends are available, and how to opt in
    expect(s.udp).toMatch(/connected socket per connection.*udp: 'batched' or 'pool'.*sendmmsg\) loaded/);
    expect(['sodium', 'node']).toContain(s.crypto.provider);
    expect(s.crypto.why.length).toBeGreaterThan(10);
    expect(s.crypto.modes.length).toBeGreaterThan(0);
    expect(s.dave).toEqual({ provider: 'davey', maxProtocolVersion: 1 });
    // On Node the native codec loads (it is compiled on install); the report names it.
    expect(s.opus).toMatchObject({ available: true, backend: 'native' });
    expect(s.opus.detail).toMatch(/@discordjs\/opus/);
    expect(typeof s.ffmpeg.found).toBe('boolean');
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it("e2ee: false must be explicit and warns once; the emulator's DAVE channel then refuses the bot with E_DAVE_REQUIRED", async () => {
    server = await startVoiceServer({ tls: false });
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const c = joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, adapterCreator: server.adapterCreator('1'), userId: '1', e2ee: false, session: { wsScheme: 'ws' } });
    conns.push(c);
    await expect(c.ready({ timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'E_DAVE_REQUIRED' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/4017/);
  });
});
