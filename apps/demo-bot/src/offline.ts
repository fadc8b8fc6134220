/**
 * The offline demo: starts the embedded voice emulator (wss, generated certificate), joins a speaker and a
 * listener bot to one channel, plays the clip, records what the listener hears, and prints a summary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserRecorder } from '@voicewire/audio';
import { joinVoiceChannel, type VoiceConnection } from 'voicewire';
import { startEmulator } from 'voicewire/emulator';
import { CLIP_PATH, play, progressLine, resourceFor } from './shared.js';

export interface DemoSummary {
  readonly framesSent: number;
  readonly framesReceived: number;
  readonly framesLost: number;
  readonly wsRttMs: number | null;
  readonly udpRttMs: number | null;
  readonly udpRttSource: 'keepalive' | 'discovery' | null;
  readonly recordingPath: string;
  readonly wavPath: string;
  readonly mode: string;
  readonly daveProtocolVersion: number;
  /** The DAVE voice privacy code both bots agree on ('' without DAVE). */
  readonly privacyCode: string;
}

const GUILD = '1000000000000000001';
const CHANNEL = '1000000000000000002';
const SPEAKER = '1000000000000000010';
const LISTENER = '1000000000000000011';

export async function runOfflineDemo(options: { outDir: string; clip?: string; quiet?: boolean }): Promise<DemoSummary> {
  const log = options.quiet ? () => {} : (s: string) => console.log(s);
  // the emulator serves wss with a certificate of its own; startEmulator() makes voicewire trust it
  const server = await startEmulator({ heartbeatIntervalMs: 1_000 });
  log(`[demo] local voice server at wss://${server.endpoint} (UDP ${server.udpPort})`);
  const join_ = (userId: string): VoiceConnection => joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, userId, adapterCreator: server.adapterCreator(userId) });
  const speaker = join_(SPEAKER);
  const listener = join_(LISTENER);
  try {
    let info = { mode: '', daveProtocolVersion: 0 };
    speaker.once('ready', (i) => (info = i));
    // ready({ e2ee: true }) waits for the DAVE group, so the clip is end-to-end encrypted from its first frame
    // (a channel without DAVE resolves at once).
    await Promise.all([speaker.ready({ timeoutMs: 10_000, e2ee: true }), listener.ready({ timeoutMs: 10_000, e2ee: true })]);
    log(`[demo] speaker and listener joined (${info.mode}, DAVE v${info.daveProtocolVersion})`);
    if (speaker.privacyCode) log(`[demo] DAVE group formed; voice privacy code ${speaker.privacyCode}`);

    const recorder = new UserRecorder({ wav: true });
    const subscription = listener.receiver.subscribe(SPEAKER);
    const recording = (async () => {
      for await (const f of subscription) recorder.push(f);
    })();
    let received = 0;
    listener.on('audio', (f) => f.userId === SPEAKER && received++);

    const clip = options.clip ?? CLIP_PATH;
    const result = await play(speaker, resourceFor(clip), (frames) => {
      if (!options.quiet) progressLine(`[demo] playing ${clip.split('/').pop()}: sent ${frames} frames, listener received ${received}`);
    });
    if (result.error) throw result.error;
    // let the silence tail and the last packets arrive
    const until = performance.now() + 2_000;
    while (received < result.frames + 5 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    subscription.close();
    await recording;
    if (!options.quiet && process.stdout.isTTY) process.stdout.write('\n');

    const rec = recorder.finish();
    mkdirSync(options.outDir, { recursive: true });
    const recordingPath = join(options.outDir, `listener-heard-${SPEAKER}.ogg`);
    const wavPath = join(options.outDir, `listener-heard-${SPEAKER}.wav`);
    writeFileSync(recordingPath, rec.ogg);
    if (rec.wav) writeFileSync(wavPath, rec.wav);
    const s = listener.stats;
    const summary: DemoSummary = {
      framesSent: result.frames,
      framesReceived: rec.frames,
      framesLost: s.packetsLost,
      wsRttMs: speaker.stats.wsRttMs ?? s.wsRttMs,
      udpRttMs: s.udpRttMs,
      udpRttSource: s.udpRttSource,
      recordingPath,
      wavPath,
      mode: info.mode,
      daveProtocolVersion: info.daveProtocolVersion,
      privacyCode: speaker.privacyCode,
    };
    const ms = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)} ms`);
    log(
      [
        '[demo] summary',
        `  frames sent       ${summary.framesSent} (+5 silence)`,
        `  frames received   ${summary.framesReceived} (including the silence tail)`,
        `  frames lost       ${summary.framesLost}`,
        `  ws round trip     ${ms(summary.wsRttMs)}`,
        `  udp round trip    ${ms(summary.udpRttMs)} (${summary.udpRttSource === 'keepalive' ? 'keepalive echoes, measured all along' : 'IP discovery'})`,
        `  encryption        ${summary.mode}, DAVE protocol v${summary.daveProtocolVersion} (end-to-end)`,
        `  privacy code      ${summary.privacyCode || 'n/a'}`,
        `  DAVE frames       ${speaker.stats.daveEncryptFailures} encrypt failures, ${s.daveDecryptFailures} decrypt failures, ${s.davePassthroughFrames} passed through unencrypted`,
        `  recording         ${recordingPath}`,
        `                    ${wavPath}`,
      ].join('\n'),
    );
    return summary;
  } finally {
    speaker.destroy();
    listener.destroy();
    await server.close();
  }
}
