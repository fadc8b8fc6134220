// The Bun suite: the transport conformance suite with transport-bun, the crypto providers that work on Bun,
// an end-to-end join/send/receive through the served voice emulator (wss), and audio (WebAssembly Opus, the
// player over a DAVE connection) — all under Bun.
import { AudioPlayer, createPcmResource, OpusCodec } from '@voicewire/audio';
import { audioCases, power, tone } from '../../audio/test/portable-audio.js';
import { daveProvider } from '@voicewire/crypto-dave';
import { nobleProvider } from '@voicewire/crypto-noble';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { assert, cryptoProviderConformance, runCases, transportConformance, type TestCase } from '@voicewire/testkit';
import { startEchoFixtures } from '@voicewire/testkit/node';
import { joinVoiceChannel } from '@voicewire/voice';
import { startVoiceServer } from '@voicewire/voice-server';
import { bunTransport, createBunTransport } from '../src/index.js';

const fixtures = await startEchoFixtures();
const cases: TestCase[] = [
  ...transportConformance(bunTransport, () => fixtures),
  // crypto-node is AES-only on Bun (its node:crypto has no chacha20-poly1305), so it is not a full provider here.
  ...cryptoProviderConformance(nobleProvider, [sodiumProvider]),
  ...cryptoProviderConformance(sodiumProvider, [nobleProvider]),
  {
    name: 'bun: two bots join through the served emulator (wss, DAVE); 100 paced frames arrive in order',
    run: async () => {
      const server = await startVoiceServer({ tls: true, heartbeatIntervalMs: 1_000 });
      const transport = createBunTransport({ ca: server.certificate?.cert as string });
      const join = (userId: string) => joinVoiceChannel({ guildId: '1', channelId: '2', userId, adapterCreator: server.adapterCreator(userId), transport, crypto: sodiumProvider, e2ee: daveProvider });
      const a = join('10');
      const b = join('11');
      try {
        await Promise.all([a.ready({ timeoutMs: 5_000 }), b.ready({ timeoutMs: 5_000 })]);
        const got: number[] = [];
        b.on('audio', (f) => f.userId === '10' && f.opus.length > 3 && got.push(f.opus[1] as number));
        const w = a.createOpusWriter().getWriter();
        for (let n = 0; n < 100; n++) await w.write(Uint8Array.of(0xfc, n, 1, 2));
        await w.close();
        const end = performance.now() + 2_000;
        while (got.length < 100 && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
        assert(got.length === 100 && got.every((v, i) => v === i), `received frames 0–99 in order, got ${got.length}`);
      } finally {
        a.destroy();
        b.destroy();
        await server.close();
      }
    },
  },
];
cases.push(...audioCases('bun', 'wasm'), {
  name: 'bun: a 440 Hz PCM track played by one bot (WASM Opus, DAVE) is heard as 440 Hz by the other',
  run: async () => {
    const server = await startVoiceServer({ tls: true, heartbeatIntervalMs: 1_000 });
    const transport = createBunTransport({ ca: server.certificate?.cert as string });
    const join = (userId: string) => joinVoiceChannel({ guildId: '1', channelId: '2', userId, adapterCreator: server.adapterCreator(userId), transport, crypto: sodiumProvider, e2ee: daveProvider });
    const a = join('10');
    const b = join('11');
    const player = new AudioPlayer();
    try {
      await Promise.all([a.ready({ timeoutMs: 5_000 }), b.ready({ timeoutMs: 5_000 })]);
      const heard: Uint8Array[] = [];
      b.on('audio', (f) => f.userId === '10' && heard.push(f.opus));
      async function* pcm() {
        for (let n = 0; n < 25; n++) yield tone(440, n);
      }
      player.subscribe(a);
      const idle = new Promise<void>((r) => player.once('idle', () => r()));
      player.enqueue(createPcmResource(pcm(), { title: 'tone' }));
      await idle;
      const end = performance.now() + 2_000;
      while (heard.length < 25 && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
      assert(heard.length >= 25, `25 frames heard, got ${heard.length}`);
      const codec = new OpusCodec();
      const pcmOut = heard.slice(0, 25).map((f) => codec.decode(f));
      codec.close();
      const last = pcmOut[20] as Uint8Array;
      assert(power(last, 440) > 100 * power(last, 1000), `440 Hz heard (${power(last, 440).toFixed(0)} vs 1 kHz ${power(last, 1000).toFixed(0)})`);
    } finally {
      player.stop();
      a.destroy();
      b.destroy();
      await server.close();
    }
  },
});
// The top-level package's Bun entry (imported by path: voicewire depends on this package, so it cannot be a
// dependency of it), the way a Bun user calls it: three options, DAVE on, audio from the same import.
cases.push({
  name: "bun: voicewire's Bun entry — describeSetup() picks transport-bun and WASM Opus; the three-option join gets DAVE and plays a tone",
  run: async () => {
    const vw = await import('../../voicewire/src/bun.js');
    const setup = vw.describeSetup();
    assert(setup.transport === 'bun' && setup.runtime.startsWith('bun '), `transport bun, got ${setup.transport} (${setup.runtime})`);
    assert(setup.opus.available && setup.opus.backend === 'wasm', `WASM Opus, got ${JSON.stringify(setup.opus)}`);
    assert(JSON.stringify(setup).length > 50, 'the report serialises');
    const server = await startVoiceServer({ tls: false });
    const session = { wsScheme: 'ws' as const };
    const a = vw.joinVoiceChannel({ guildId: '1', channelId: '2', adapterCreator: server.adapterCreator('10'), userId: '10', session });
    const b = vw.joinVoiceChannel({ guildId: '1', channelId: '2', adapterCreator: server.adapterCreator('11'), userId: '11', session });
    const player = new vw.AudioPlayer();
    try {
      await Promise.all([a.ready({ timeoutMs: 5_000, e2ee: true }), b.ready({ timeoutMs: 5_000, e2ee: true })]);
      assert(a.e2ee && b.e2ee, 'both connections end-to-end encrypted');
      const heard: Uint8Array[] = [];
      b.on('audio', (f) => f.userId === '10' && heard.push(f.opus));
      async function* pcm() {
        for (let n = 0; n < 10; n++) yield tone(1000, n);
      }
      player.subscribe(a);
      const idle = new Promise<void>((r) => player.once('idle', () => r()));
      player.enqueue(vw.createPcmResource(pcm()));
      await idle;
      const end = performance.now() + 2_000;
      while (heard.length < 10 && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
      const codec = new vw.OpusCodec();
      const out = heard.slice(0, 10).map((f) => codec.decode(f));
      codec.close();
      const last = out[8];
      assert(last && power(last, 1000) > 100 * power(last, 440), `1 kHz heard in ${heard.length} frames`);
    } finally {
      player.stop();
      a.destroy();
      b.destroy();
      await server.close();
    }
  },
});
// The @discordjs/voice drop-in on Bun (imported by path, like voicewire above): a @discordjs/voice-style bot plays
// an Ogg Opus stream to another, which hears the tone — on voicewire's Bun entry (transport-bun, WASM Opus).
cases.push({
  name: 'bun: @voicewire/discordjs — joinVoiceChannel, entersState, createAudioResource(OggOpus), receiver.subscribe; 440 Hz heard',
  run: async () => {
    const djs = await import('../../discordjs/src/index.js');
    const { muxOggOpus } = await import('@voicewire/audio');
    const { Readable } = await import('node:stream');
    const server = await startVoiceServer({ tls: false });
    const join = (userId: string, selfDeaf: boolean) => djs.joinVoiceChannel({ guildId: '1', channelId: '2', adapterCreator: server.adapterCreator(userId, '1') as never, group: userId, selfDeaf, session: { wsScheme: 'ws' } });
    const a = join('10', true);
    const b = join('11', false);
    try {
      await Promise.all([djs.entersState(a, djs.VoiceConnectionStatus.Ready, 10_000), djs.entersState(b, djs.VoiceConnectionStatus.Ready, 10_000)]);
      await Promise.all([a.voicewire.ready({ e2ee: true, timeoutMs: 5_000 }), b.voicewire.ready({ e2ee: true, timeoutMs: 5_000 })]);
      const enc = new OpusCodec();
      const ogg = muxOggOpus(Array.from({ length: 25 }, (_, n) => enc.encode(tone(440, n))));
      enc.close();
      const heard: Buffer[] = [];
      b.receiver.subscribe('10').on('data', (p: Buffer) => heard.push(p));
      const player = djs.createAudioPlayer();
      a.subscribe(player);
      player.play(djs.createAudioResource(Readable.from([Buffer.from(ogg)]), { inputType: djs.StreamType.OggOpus }));
      await djs.entersState(player, djs.AudioPlayerStatus.Playing, 5_000);
      await djs.entersState(player, djs.AudioPlayerStatus.Idle, 5_000);
      await new Promise((r) => setTimeout(r, 200));
      const audio = heard.filter((p) => p.length > 3);
      assert(audio.length >= 20, `20 packets heard, got ${audio.length}`);
      const dec = new OpusCodec();
      const last = dec.decode(audio[audio.length - 3] as Buffer);
      dec.close();
      assert(power(last, 440) > 100 * power(last, 1000), '440 Hz heard');
      assert(djs.generateDependencyReport().includes('transport: bun'), 'the dependency report names transport-bun');
    } finally {
      a.destroy();
      b.destroy();
      await server.close();
    }
  },
});
const r = await runCases(`transport-bun suite on Bun ${Bun.version}`, cases);
await fixtures.close();
console.log(`RESULT ${JSON.stringify({ suite: 'bun', runtime: `Bun ${Bun.version}`, passed: r.passed, failed: r.failed })}`);
process.exit(r.failed === 0 ? 0 : 1);
