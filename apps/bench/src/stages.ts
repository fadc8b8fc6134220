/**
 * `npm run bench stages` (src/stages.ts) (issue 23's stage table): what one packet costs in each stage of the send path, in µs,
 * measured on one core with the real objects, interleaved (benchAll: every stage in every round, the median of 9):
 *   demux          Ogg Opus / WebM Opus bytes (64 KiB chunks) → one 20 ms frame
 *   DAVE           one frame encrypted by davey in a ready two-member group (what the floor pays too)
 *   seal           the transport seal of one packet, sodium XChaCha20-Poly1305 in place (the floor pays it too)
 *   session        VoiceSession.sendOpusFrame on a ready session: RTP header, seal and the udp-send output (no DAVE)
 *   UDP send       node:dgram send of one 200-byte datagram on a connected socket (the floor pays it too)
 *   player         an AudioPlayer's cost per frame: 200 players, in-memory frames into null sinks, for 3 s, CPU ÷ frames
 * Writes results/stages-<runtime>.md. The client of `npm run bench perf` pays these; the floor pays DAVE + seal + send.
 */
import { createSocket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { AudioPlayer, createFramesResource, muxOggOpus, OggOpusDemuxer, OpusCodec, PCM_FRAME_BYTES, WebmOpusDemuxer } from '@voicewire/audio';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { TransportCipher, TransportMode, writeOpusRtpHeader } from '@voicewire/voice-protocol';
import { readyDaveSession } from './dave-group.js';
import { benchAll } from './harness.js';
import { readySession } from './ready-session.js';

const here = new URL('.', import.meta.url).pathname;
const runtime = 'Bun' in globalThis ? `bun ${(process.versions as { bun?: string }).bun}` : `node ${process.versions.node}`;

// media: 10 s of a tone as Ogg Opus and (when ffmpeg is there) WebM Opus, both in 64 KiB chunks
const codec = new OpusCodec();
const frames = Array.from({ length: 500 }, (_, n) => {
  const pcm = new Uint8Array(PCM_FRAME_BYTES);
  const dv = new DataView(pcm.buffer);
  for (let i = 0; i < 960; i++) {
    const v = Math.round(6000 * Math.sin(((n * 960 + i) * 2 * Math.PI * 440) / 48000));
    dv.setInt16(i * 4, v, true);
    dv.setInt16(i * 4 + 2, v, true);
  }
  return codec.encode(pcm);
});
const ogg = muxOggOpus(frames);
const chunks = (b: Uint8Array): Uint8Array[] => Array.from({ length: Math.ceil(b.length / 65536) }, (_, i) => b.subarray(i * 65536, (i + 1) * 65536));
let webm: Uint8Array | null = null;
try {
  const { spawnSync } = await import('node:child_process');
  const { createRequire } = await import('node:module');
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const ffmpeg = (createRequire(join(here, '..', '..', '..', 'packages', 'audio', 'package.json'))('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const dir = mkdtempSync(join(tmpdir(), 'voicewire-stages-'));
  writeFileSync(join(dir, 'a.ogg'), ogg);
  if (spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-i', join(dir, 'a.ogg'), '-c:a', 'copy', join(dir, 'a.webm')]).status === 0) webm = readFileSync(join(dir, 'a.webm'));
} catch {
  // no WebM stage without ffmpeg
}
/** Frames per demux of the whole file; the stage is the time of one whole demux ÷ frames. */
function demuxAll(make: () => { push(c: Uint8Array): Uint8Array[] }, bytes: Uint8Array): () => void {
  const parts = chunks(bytes);
  return () => {
    const d = make();
    for (const c of parts) d.push(c);
  };
}

// DAVE: a ready two-member group, as the floor builds it
const a = readyDaveSession();
const frame = Buffer.from(frames[100] as Uint8Array);

const cipher = new TransportCipher(sodiumProvider, TransportMode.XChaCha, new Uint8Array(32).fill(7));
const packet = new Uint8Array(12 + 400);
let seq = 0;
const { session } = readySession(sodiumProvider, 'aead_xchacha20_poly1305_rtpsize');
let now = 10;

const sink = createSocket('udp4');
await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
const udp = createSocket('udp4');
await new Promise<void>((r) => udp.connect((sink.address() as { port: number }).port, '127.0.0.1', () => r()));
const datagram = Buffer.alloc(200, 1);

const cases = [
  { name: 'demux Ogg Opus', fn: demuxAll(() => new OggOpusDemuxer(), ogg), per: frames.length },
  ...(webm ? [{ name: 'demux WebM Opus', fn: demuxAll(() => new WebmOpusDemuxer(), webm), per: frames.length }] : []),
  { name: 'DAVE frame encryption (davey)', fn: () => void a.encryptOpus(frame), per: 1 },
  {
    name: 'transport seal (sodium XChaCha20, in place)',
    fn: () => {
      seq = (seq + 1) & 0xffff;
      writeOpusRtpHeader(packet, 0, seq, seq * 960, 1);
      packet.set(frame, 12);
      cipher.sealInPlace(packet, 12, frame.length, seq);
    },
    per: 1,
  },
  {
    name: 'connection and session (sendOpusFrame + drain, seal included)',
    fn: () => {
      session.sendOpusFrame(frame, (now += 0.001));
      for (let o = session.poll(); o.type !== 'timer'; o = session.poll());
    },
    per: 1,
  },
  { name: 'UDP send (node:dgram, connected)', fn: () => void udp.send(datagram), per: 1 },
];
const medians = benchAll(cases, 9, 60);
// let the sends drain before the player stage
await new Promise((r) => setTimeout(r, 500));

// the player: 200 players into null sinks, for 3 s of real time; CPU ÷ frames
const players = Array.from({ length: 200 }, () => new AudioPlayer({ progressEvery: 1e9 }));
let sent = 0;
for (const pl of players) {
  pl.subscribe({ sendOpusFrame: () => (sent++, true), stopSpeaking: () => {} });
  pl.enqueue(createFramesResource(Array.from({ length: 400 }, () => frame)));
}
await new Promise((r) => setTimeout(r, 500));
const c0 = process.cpuUsage();
const s0 = sent;
await new Promise((r) => setTimeout(r, 3_000));
const c = process.cpuUsage(c0);
const playerUs = (c.user + c.system) / Math.max(1, sent - s0);
for (const pl of players) pl.stop();

const rows = [
  ...cases.map((k) => ({ name: k.name, us: (medians.get(k.name) as number) / 1000 / k.per })),
  { name: 'player (200 AudioPlayers, null sinks, CPU ÷ frames)', us: playerUs },
];
const seal = rows.find((r) => r.name.startsWith('transport seal'))?.us ?? NaN;
const md = [
  `## Send path stages, µs per packet (${runtime}, ${cpus()[0]?.model ?? ''})`,
  '',
  'One core, real objects, interleaved rounds (median of 9). The floor of `npm run bench perf` pays DAVE + seal + UDP send per packet; everything else is what a library adds.',
  '',
  '| stage | µs / packet | in the floor |',
  '|---|---:|---|',
  ...rows.map((r) => `| ${r.name} | ${r.us.toFixed(2)} | ${/^(DAVE|transport seal|UDP)/.test(r.name) ? 'yes' : r.name.startsWith('connection') ? 'its seal' : ''} |`),
  '',
  `Session alone (its row minus the seal): ${(rows.find((r) => r.name.startsWith('connection'))!.us - seal).toFixed(2)} µs.`,
  '',
].join('\n');
console.log(md);
mkdirSync(join(here, '..', 'results'), { recursive: true });
writeFileSync(join(here, '..', 'results', `stages-${runtime.split(' ')[0]}.md`), md);
udp.close();
sink.close();
process.exit(0);
