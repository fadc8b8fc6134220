/** The demo clip: a four-second melody the project synthesises and encodes itself (no third-party audio). */
import { muxOggOpus, OpusCodec, PCM_FRAME_BYTES } from '@voicewire/audio';

const NOTES = [523.25, 659.25, 783.99, 1046.5, 783.99, 659.25, 523.25, 392.0]; // C E G C' G E C G,
const NOTE_FRAMES = 25; // 0.5 s each → 8 notes = 4 s = 200 frames

export function clipFrames(): Uint8Array[] {
  const codec = new OpusCodec();
  codec.setBitrate(64_000);
  const frames: Uint8Array[] = [];
  let phase = 0;
  for (let n = 0; n < NOTES.length * NOTE_FRAMES; n++) {
    const freq = NOTES[Math.floor(n / NOTE_FRAMES)] as number;
    const pcm = new Uint8Array(PCM_FRAME_BYTES);
    const dv = new DataView(pcm.buffer);
    const inNote = n % NOTE_FRAMES;
    for (let i = 0; i < 960; i++) {
      const t = (inNote * 960 + i) / 48_000;
      const envelope = Math.min(1, t * 40) * Math.exp(-t * 3); // short attack, gentle decay
      phase += (2 * Math.PI * freq) / 48_000;
      const v = Math.round(Math.sin(phase) * 9_000 * envelope + Math.sin(phase * 2) * 2_000 * envelope);
      dv.setInt16(i * 4, v, true);
      dv.setInt16(i * 4 + 2, v, true);
    }
    frames.push(codec.encode(pcm));
  }
  return frames;
}

export function clipOgg(): Uint8Array {
  return muxOggOpus(clipFrames(), { preSkip: 312, vendor: 'voicewire demo clip' });
}
