import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demuxOggOpus } from '@voicewire/audio';
import { isSilenceFrame } from '@voicewire/voice-protocol';
import { runDiscordjsOfflineDemo } from '../src/discordjs.js';
import { runListenDemo } from '../src/listen.js';
import { runOfflineDemo } from '../src/offline.js';
import { CLIP_PATH } from '../src/shared.js';

async function framesOf(bytes: Uint8Array): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of demuxOggOpus([bytes])) out.push(f);
  return out;
}

describe('the offline demo', () => {
  it('the README bot (discord.js + voicewire) plays the shipped clip; the scripted listener records exactly its frames', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'voicewire-demo-'));
    const summary = await runOfflineDemo({ outDir, quiet: true });
    expect(summary.botUser).toBe('demo-bot'); // discord.js logged in to the emulated Discord
    expect(summary.gatewayIdentifies).toBe(1);
    const clip = await framesOf(new Uint8Array(readFileSync(CLIP_PATH)));
    expect(clip.length).toBe(200);
    expect(summary.framesSent).toBe(200);
    expect(summary.framesLost).toBe(0);
    expect(summary.daveProtocolVersion).toBe(1);
    expect(summary.privacyCode).not.toBe('');
    const recorded = (await framesOf(new Uint8Array(readFileSync(summary.recordingPath)))).filter((f) => !isSilenceFrame(f));
    expect(recorded.length).toBe(clip.length);
    recorded.forEach((f, i) => expect(Buffer.from(f).equals(Buffer.from(clip[i] as Uint8Array)), `frame ${i}`).toBe(true));
    expect(readFileSync(summary.wavPath).length).toBeGreaterThan(44 + 200 * 3840 - 1);
  }, 30_000);

  it('the variant written against @voicewire/discordjs plays the clip and records, after silence, exactly its frames', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'voicewire-demo-djs-'));
    const summary = await runDiscordjsOfflineDemo({ outDir, quiet: true });
    const clip = await framesOf(new Uint8Array(readFileSync(CLIP_PATH)));
    expect(summary.playedMs).toBe(clip.length * 20);
    expect(summary.privacyCode).toMatch(/^\d{30}$/);
    const recorded = (await framesOf(new Uint8Array(readFileSync(summary.recordingPath)))).filter((f) => !isSilenceFrame(f));
    expect(recorded.length).toBe(clip.length);
    recorded.forEach((f, i) => expect(Buffer.from(f).equals(Buffer.from(clip[i] as Uint8Array)), `frame ${i}`).toBe(true));
  }, 30_000);

  it('listen mode: the beeper\'s three beeps are three utterances of 400 ms, the clip is heard, and the mix covers the call', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'voicewire-demo-listen-'));
    const s = await runListenDemo({ outDir, quiet: true });
    const beeps = s.utterances.filter((u) => u.userId === '1000000000000000012');
    expect(beeps).toHaveLength(3);
    for (const b of beeps) expect(b.endMs - b.startMs).toBe(400);
    expect(s.utterances.some((u) => u.userId === '1000000000000000010')).toBe(true);
    expect(s.mixMs).toBeGreaterThanOrEqual(3_900);
    expect(readFileSync(s.mixPath).length).toBe(44 + (s.mixMs / 20) * 3840);
  }, 30_000);
});
