// The Bun suite: the transport conformance suite with transport-bun, the crypto providers that work on Bun,
// an end-to-end join/send/receive through the served voice emulator (wss), and audio (WebAssembly Opus, the
// player over a DAVE connection) — all under Bun.
import { AudioPlayer, createPcmResource, OpusCodec } from '@voicewire/audio';
import { audioCases } from '../../audio/test/portable-audio.js';
import { daveProvider } from '@voicewire/crypto-dave';
import { nobleProvider } from '@voicewire/crypto-noble';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { assert, cryptoProviderConformance, power, runCases, toneFrame as tone, transportConformance, until, type TestCase } from '@voicewire/testkit';
import { startEchoFixtures } from '@voicewire/testkit/node';
import { joinVoiceChannel } from '@voicewire/voice';
import { startVoiceServer, type VoiceServer } from '@voicewire/voice-server';
import { bunTransport, createBunTransport } from '../src/index.js';

type Owned = { destroy(): void };

/** Runs `fn` against a fresh emulator; what it registers with `own` is destroyed (players stopped) afterwards. */
async function onEmulator(tls: boolean, fn: (server: VoiceServer, own: <C extends Owned>(c: C) => C) => Promise<void>): Promise<void> {
  const server = await startVoiceServer({ tls, heartbeatIntervalMs: 1_000 });
  const owned: Owned[] = [];
  try {
    await fn(server, (c) => (owned.push(c), c));
  } finally {
    for (const c of owned) c.destroy();
    await server.close();
  }
}

/** Bots '10' and '11' on transport-bun with DAVE, through the served emulator over wss. */
function davePair(server: VoiceServer, own: <C extends Owned>(c: C) => C) {
  const transport = createBunTransport({ ca: server.certificate?.cert as string });
  const join = (userId: string) => own(joinVoiceChannel({ guildId: '1', channelId: '2', userId, adapterCreator: server.adapterCreator(userId), transport, crypto: sodiumProvider, e2ee: daveProvider }));
  return [join('10'), join('11')] as const;
}

/** Waits (at most 2 s) until `list` holds `n` items; the assertion after it says what was missing. */
async function filled(list: readonly unknown[], n: number): Promise<void> {
  await until(() => list.length >= n, 2_000, `${n} items`).catch(() => {});
}

/** Decodes one Opus frame and checks that `hz` dominates `other`. */
function assertTone(frame: Uint8Array | undefined, hz: number, other: number, what: string): void {
  assert(frame !== undefined, `${what}: no frame`);
  const codec = new OpusCodec();
  const pcm = codec.decode(frame);
  codec.close();
  assert(power(pcm, hz) > 100 * power(pcm, other), `${what}: ${hz} Hz (${power(pcm, hz).toFixed(0)}) over ${other} Hz (${power(pcm, other).toFixed(0)})`);
}

/** 20 ms PCM frames of a tone, as a stream. */
async function* toneFrames(hz: number, frames: number): AsyncGenerator<Uint8Array> {
  for (let n = 0; n < frames; n++) yield tone(hz, n);
}

const fixtures = await startEchoFixtures();
const cases: TestCase[] = [
  ...transportConformance(bunTransport, () => fixtures),
  ...transportConformance(createBunTransport({ udp: 'pool' }), () => fixtures),
  {
    name: 'bun pool: one shared socket per remote pair, echoes routed to their own connection, a turn in one sendMany',
    run: async () => {
      const { createSocket } = await import('node:dgram');
      const echoes = await Promise.all(
        [0, 1].map(
          () =>
            new Promise<{ port: number; close(): void; sources: Set<string> }>((resolve) => {
              const s = createSocket('udp4');
              const sources = new Set<string>();
              s.on('message', (m, r) => {
                sources.add(`${r.address}:${r.port}`);
                s.send(m, r.port, r.address);
              });
              s.bind(0, '127.0.0.1', () => resolve({ port: s.address().port, close: () => s.close(), sources }));
            }),
        ),
      );
      const t = createBunTransport({ udp: 'pool' });
      const conns = [0, 0, 1, 1].map((r, i) => {
        const got: number[] = [];
        const udp = t.connectUdp('127.0.0.1', (echoes[r] as { port: number }).port, { onMessage: (d) => got.push(d[0] as number) });
        return { udp, got, tag: i };
      });
      try {
        for (const c of conns) c.udp.send(Uint8Array.of(c.tag));
        await until(() => conns.every((c) => c.got.length === 1), 5_000, 'the first echo on every connection');
        const before = t.udpStats().pool as { batches: number; datagrams: number };
        for (const c of conns) c.udp.send(Uint8Array.of(c.tag + 10));
        await until(() => conns.every((c) => c.got.length === 2), 5_000, 'the second echo on every connection');
        const after = t.udpStats().pool as { batches: number; datagrams: number; sockets: number };
        assert(conns.every((c) => c.got[0] === c.tag && c.got[1] === c.tag + 10), `each connection heard only its own echoes: ${JSON.stringify(conns.map((c) => c.got))}`);
        assert(after.sockets === 2, `two shared sockets for two connections per remote, got ${after.sockets}`);
        assert(echoes.every((e) => e.sources.size === 2), 'each remote saw two local sockets');
        assert(after.batches - before.batches === 2 && after.datagrams - before.datagrams === 4, `one sendMany per socket for the turn: ${after.batches - before.batches} calls, ${after.datagrams - before.datagrams} datagrams`);
        assert(t.describe().includes('sendMany'), t.describe());
      } finally {
        for (const c of conns) c.udp.close();
        for (const e of echoes) e.close();
      }
      assert((t.udpStats().pool as { sockets: number }).sockets === 0, 'the last connection to leave closes its shared socket');
    },
  },
  {
    name: 'bun pool: two bots on one shared socket join the emulator (3 UDP servers, wss, DAVE); 100 paced frames arrive in order',
    run: async () => {
      const server = await startVoiceServer({ tls: true, heartbeatIntervalMs: 1_000, udpPorts: 3 });
      const transport = createBunTransport({ ca: server.certificate?.cert as string, udp: 'pool' });
      const join = (userId: string) => joinVoiceChannel({ guildId: '1', channelId: '2', userId, adapterCreator: server.adapterCreator(userId), transport, crypto: sodiumProvider, e2ee: daveProvider });
      const [a, b] = [join('10'), join('11')];
      try {
        await Promise.all([a.ready({ timeoutMs: 5_000, e2ee: true }), b.ready({ timeoutMs: 5_000, e2ee: true })]);
        assert(transport.udpStats().pool?.sockets === 1, `two sessions on different UDP servers share one socket, got ${transport.udpStats().pool?.sockets}`);
        const got: number[] = [];
        b.on('audio', (f) => f.userId === '10' && f.opus.length > 3 && got.push(f.opus[1] as number));
        const w = a.createOpusWriter().getWriter();
        for (let n = 0; n < 100; n++) await w.write(Uint8Array.of(0xfc, n, 1, 2));
        await w.close();
        await filled(got, 100);
        assert(got.length === 100 && got.every((v, i) => v === i), `received frames 0–99 in order, got ${got.length}`);
      } finally {
        a.destroy();
        b.destroy();
        await server.close();
      }
    },
  },
  // crypto-node is AES-only on Bun (its node:crypto has no chacha20-poly1305), so it is not a full provider here.
  ...cryptoProviderConformance(nobleProvider, [sodiumProvider]),
  ...cryptoProviderConformance(sodiumProvider, [nobleProvider]),
  {
    name: 'bun: two bots join through the served emulator (wss, DAVE); 100 paced frames arrive in order',
    run: () =>
      onEmulator(true, async (server, own) => {
        const [a, b] = davePair(server, own);
        await Promise.all([a.ready({ timeoutMs: 5_000 }), b.ready({ timeoutMs: 5_000 })]);
        const got: number[] = [];
        b.on('audio', (f) => f.userId === '10' && f.opus.length > 3 && got.push(f.opus[1] as number));
        const w = a.createOpusWriter().getWriter();
        for (let n = 0; n < 100; n++) await w.write(Uint8Array.of(0xfc, n, 1, 2));
        await w.close();
        await filled(got, 100);
        assert(got.length === 100 && got.every((v, i) => v === i), `received frames 0–99 in order, got ${got.length}`);
      }),
  },
  ...audioCases('bun', 'wasm'),
  {
    name: 'bun: a 440 Hz PCM track played by one bot (WASM Opus, DAVE) is heard as 440 Hz by the other',
    run: () =>
      onEmulator(true, async (server, own) => {
        const [a, b] = davePair(server, own);
        await Promise.all([a.ready({ timeoutMs: 5_000 }), b.ready({ timeoutMs: 5_000 })]);
        const heard: Uint8Array[] = [];
        b.on('audio', (f) => f.userId === '10' && heard.push(f.opus));
        const player = new AudioPlayer();
        own({ destroy: () => player.stop() });
        player.subscribe(a);
        const idle = new Promise<void>((r) => player.once('idle', () => r()));
        player.enqueue(createPcmResource(toneFrames(440, 25), { title: 'tone' }));
        await idle;
        await filled(heard, 25);
        assert(heard.length >= 25, `25 frames heard, got ${heard.length}`);
        assertTone(heard[20], 440, 1000, 'frame 20');
      }),
  },
  // The top-level package's Bun entry (imported by path: voicewire depends on this package, so it cannot be a
  // dependency of it), the way a Bun user calls it: three options, DAVE on, audio from the same import.
  {
    name: "bun: voicewire's Bun entry — describeSetup() picks transport-bun and WASM Opus; the three-option join gets DAVE and plays a tone",
    run: async () => {
      const vw = await import('../../voicewire/src/bun.js');
      const setup = vw.describeSetup();
      assert(setup.transport === 'bun' && setup.runtime.startsWith('bun '), `transport bun, got ${setup.transport} (${setup.runtime})`);
      assert(setup.opus.available && setup.opus.backend === 'wasm', `WASM Opus, got ${JSON.stringify(setup.opus)}`);
      assert(JSON.stringify(setup).length > 50, 'the report serialises');
      await onEmulator(false, async (server, own) => {
        const session = { wsScheme: 'ws' as const };
        const join = (userId: string) => own(vw.joinVoiceChannel({ guildId: '1', channelId: '2', adapterCreator: server.adapterCreator(userId), userId, session }));
        const a = join('10');
        const b = join('11');
        await Promise.all([a.ready({ timeoutMs: 5_000, e2ee: true }), b.ready({ timeoutMs: 5_000, e2ee: true })]);
        assert(a.e2ee && b.e2ee, 'both connections end-to-end encrypted');
        const heard: Uint8Array[] = [];
        b.on('audio', (f) => f.userId === '10' && heard.push(f.opus));
        const player = new vw.AudioPlayer();
        own({ destroy: () => player.stop() });
        player.subscribe(a);
        const idle = new Promise<void>((r) => player.once('idle', () => r()));
        player.enqueue(vw.createPcmResource(toneFrames(1000, 10)));
        await idle;
        await filled(heard, 10);
        assertTone(heard[8], 1000, 440, `frame 8 of ${heard.length}`);
      });
    },
  },
  // The one call a user testing a bot makes: startEmulator() (wss, its own certificate) and voicewire trusts it on Bun.
  {
    name: 'bun: voicewire/emulator — startEmulator() and the three-option join over wss with DAVE, no certificate passed',
    run: async () => {
      const vw = await import('../../voicewire/src/bun.js');
      const { startEmulator } = await import('../../voicewire/src/emulator.js');
      const server = await startEmulator({ heartbeatIntervalMs: 1_000 });
      const conns = ['10', '11'].map((userId) => vw.joinVoiceChannel({ guildId: '1', channelId: '2', userId, adapterCreator: server.adapterCreator(userId) }));
      try {
        await Promise.all(conns.map((c) => c.ready({ timeoutMs: 5_000, e2ee: true })));
        assert(conns.every((c) => c.e2ee), 'both end-to-end encrypted over wss');
      } finally {
        for (const c of conns) c.destroy();
        await server.close();
      }
    },
  },
  // The types a Bun user's TypeScript picks (`customConditions: ["bun"]`): voicewire's `bun` export condition has its
  // own types; a Bun bot (createBunTransport, voicewire/emulator) type-checks against them, resolved from src/bun.ts.
  {
    name: "bun: voicewire's types under the bun condition — tsc resolves src/bun.ts and a Bun bot type-checks",
    run: async () => {
      const root = new URL('../../../', import.meta.url).pathname;
      const r = Bun.spawnSync([`${root}node_modules/.bin/tsc`, '-p', `${root}packages/voicewire/test/bun-types/tsconfig.json`, '--listFiles'], { cwd: root });
      const out = `${r.stdout.toString()}${r.stderr.toString()}`;
      assert(r.exitCode === 0, `tsc failed:\n${out.split('\n').filter((l) => l.includes('error')).join('\n')}`);
      assert(out.includes('packages/voicewire/src/bun.ts'), 'the bun condition resolved src/bun.ts');
      assert(!out.includes('packages/voicewire/src/node.ts'), 'and not src/node.ts');
    },
  },
  // The @discordjs/voice drop-in on Bun (imported by path, like voicewire above): a @discordjs/voice-style bot plays
  // an Ogg Opus stream to another, which hears the tone — on voicewire's Bun entry (transport-bun, WASM Opus).
  {
    name: 'bun: @voicewire/discordjs — joinVoiceChannel, entersState, createAudioResource(OggOpus), receiver.subscribe; 440 Hz heard',
    run: async () => {
      const djs = await import('../../discordjs/src/index.js');
      const { muxOggOpus } = await import('@voicewire/audio');
      const { Readable } = await import('node:stream');
      await onEmulator(false, async (server, own) => {
        const join = (userId: string, selfDeaf: boolean) => own(djs.joinVoiceChannel({ guildId: '1', channelId: '2', adapterCreator: server.adapterCreator(userId, '1') as never, group: userId, selfDeaf, session: { wsScheme: 'ws' } }));
        const a = join('10', true);
        const b = join('11', false);
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
        await until(() => heard.filter((p) => p.length > 3).length >= 25, 5_000, 'the 25 packets to be heard').catch(() => {});
        const audio = heard.filter((p) => p.length > 3);
        assert(audio.length >= 20, `20 packets heard, got ${audio.length}`);
        assertTone(audio[audio.length - 3], 440, 1000, 'a late packet');
        assert(djs.generateDependencyReport().includes('transport: bun'), 'the dependency report names transport-bun');
      });
    },
  },
];
const r = await runCases(`transport-bun suite on Bun ${Bun.version}`, cases);
await fixtures.close();
console.log(`RESULT ${JSON.stringify({ suite: 'bun', runtime: `Bun ${Bun.version}`, passed: r.passed, failed: r.failed })}`);
process.exit(r.failed === 0 ? 0 : 1);
