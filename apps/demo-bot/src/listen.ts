/**
 * `npm run demo -- listen`: a bot that listens. Two bots speak on the embedded emulator (wss, DAVE) — one plays
 * the clip, the other says three short 660 Hz "beeps" — and a third bot decodes everyone with `listen()`, prints
 * each utterance with its start and end on one clock, and writes the mixed recording of the call.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AudioPlayer, createFramesResource, createOggOpusFileResource, listen, OpusCodec, PCM_FRAME_BYTES, type UtteranceInfo } from '@voicewire/audio';
import { joinVoiceChannel, type VoiceConnection } from 'voicewire';
import { startEmulator } from 'voicewire/emulator';
import { CLIP_PATH } from './shared.js';

const GUILD = '1000000000000000001';
const CHANNEL = '1000000000000000002';
const MUSIC = '1000000000000000010';
const BEEPER = '1000000000000000012';
const LISTENER = '1000000000000000011';

function beep(frames: number): Uint8Array[] {
  const codec = new OpusCodec();
  const out = Array.from({ length: frames }, (_, n) => {
    const pcm = new Uint8Array(PCM_FRAME_BYTES);
    const dv = new DataView(pcm.buffer);
    for (let i = 0; i < 960; i++) {
      const v = Math.round(Math.sin(((n * 960 + i) * 2 * Math.PI * 660) / 48000) * 6000);
      dv.setInt16(i * 4, v, true);
      dv.setInt16(i * 4 + 2, v, true);
    }
    return codec.encode(pcm);
  });
  codec.close();
  return out;
}

export interface ListenDemoSummary {
  readonly utterances: readonly UtteranceInfo[];
  readonly mixPath: string;
  readonly mixMs: number;
}

export async function runListenDemo(options: { outDir: string; quiet?: boolean }): Promise<ListenDemoSummary> {
  const log = options.quiet ? () => {} : (s: string) => console.log(s);
  const server = await startEmulator({ heartbeatIntervalMs: 1_000 });
  const join_ = (userId: string): VoiceConnection => joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, userId, adapterCreator: server.adapterCreator(userId) });
  const music = join_(MUSIC);
  const beeper = join_(BEEPER);
  const listener = join_(LISTENER);
  try {
    await Promise.all([music, beeper, listener].map((c) => c.ready({ timeoutMs: 10_000, e2ee: true })));
    log(`[listen] three bots in one DAVE call (privacy code ${listener.privacyCode})`);
    mkdirSync(options.outDir, { recursive: true });
    const mixPath = join(options.outDir, 'call-mixed.wav');
    const ears = listen(listener, { hangoverMs: 300 });
    ears.recordMix(mixPath);
    const t0 = performance.now();
    const utterances: UtteranceInfo[] = [];
    ears.on('utteranceStart', (u) => log(`[listen] ${u.userId === MUSIC ? 'music ' : 'beeper'} (${u.userId}) starts utterance ${u.utterance} at ${((u.startMs - t0) / 1000).toFixed(2)} s`));
    ears.on('utteranceEnd', (u) => {
      utterances.push(u);
      log(`[listen] ${u.userId === MUSIC ? 'music ' : 'beeper'} (${u.userId}) utterance ${u.utterance}: ${((u.startMs - t0) / 1000).toFixed(2)} s → ${((u.endMs - t0) / 1000).toFixed(2)} s, ${u.frames} frames${u.concealed ? `, ${u.concealed} concealed` : ''}`);
    });
    const clip = new AudioPlayer();
    clip.subscribe(music);
    const clipDone = new Promise<void>((r) => clip.once('idle', () => r()));
    clip.enqueue(createOggOpusFileResource(CLIP_PATH));
    // the beeper: three 400 ms beeps, 600 ms apart
    const beeps = new AudioPlayer();
    beeps.subscribe(beeper);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, i === 0 ? 300 : 600));
      const done = new Promise<void>((r) => beeps.once('idle', () => r()));
      beeps.enqueue(createFramesResource(beep(20), `beep ${i + 1}`));
      await done;
    }
    await clipDone;
    await new Promise((r) => setTimeout(r, 500));
    const mix = await ears.close();
    log(`[listen] mixed recording: ${mixPath} (${((mix?.durationMs ?? 0) / 1000).toFixed(2)} s)`);
    log(`[listen] decoded ${ears.stats.frames} frames, ${ears.stats.concealed} concealed, ${ears.stats.late} late`);
    return { utterances, mixPath, mixMs: mix?.durationMs ?? 0 };
  } finally {
    for (const c of [music, beeper, listener]) c.destroy();
    await server.close();
  }
}
