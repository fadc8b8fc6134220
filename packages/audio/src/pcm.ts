/**
 * PCM ↔ Opus with @discordjs/opus: 48 kHz stereo s16le, 20 ms = 960 samples per channel = 3,840 bytes.
 * Also WAV output for recordings.
 */
import { createRequire } from 'node:module';
import { AudioError } from './errors.js';

type OpusEncoderLike = { encode(pcm: Buffer): Buffer; decode(frame: Buffer): Buffer; setBitrate(bps: number): void };
let opusModule: { OpusEncoder: new (rate: number, channels: number) => OpusEncoderLike } | null = null;

/**
 * @discordjs/opus, loaded the first time a codec is needed: importing @voicewire/audio (Ogg passthrough, the
 * player) works on runtimes and installs where the native codec does not load.
 */
function loadOpus(): NonNullable<typeof opusModule> {
  if (opusModule) return opusModule;
  try {
    opusModule = createRequire(import.meta.url)('@discordjs/opus') as NonNullable<typeof opusModule>;
    return opusModule;
  } catch (e) {
    throw new AudioError('E_OPUS_UNAVAILABLE', `the Opus codec (@discordjs/opus) did not load on this runtime (${String((e as Error)?.message ?? e).split('\n')[0]}); Ogg Opus files play without it, PCM input, volume and WAV recording need it`);
  }
}

export const SAMPLE_RATE = 48_000;
export const CHANNELS = 2;
export const PCM_FRAME_BYTES = 960 * CHANNELS * 2;

export class OpusCodec {
  private readonly codec = new (loadOpus().OpusEncoder)(SAMPLE_RATE, CHANNELS);

  /** Encodes one 20 ms PCM frame (3,840 bytes of s16le stereo). */
  encode(pcm: Uint8Array): Uint8Array {
    if (pcm.length !== PCM_FRAME_BYTES) throw new AudioError('E_BAD_PCM', `a 20 ms PCM frame is ${PCM_FRAME_BYTES} bytes of 48 kHz stereo s16le, got ${pcm.length}`);
    return new Uint8Array(this.codec.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)));
  }

  /** Decodes one Opus frame to PCM (3,840 bytes for a 20 ms frame). Throws on a corrupt frame. */
  decode(frame: Uint8Array): Uint8Array {
    return new Uint8Array(this.codec.decode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)));
  }

  setBitrate(bps: number): void {
    this.codec.setBitrate(bps);
  }
}

/** Scales s16le samples in place by `volume` (1 = unchanged), clamping to the 16-bit range. */
export function applyVolume(pcm: Uint8Array, volume: number): void {
  if (volume === 1) return;
  const dv = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  for (let i = 0; i + 1 < pcm.length; i += 2) {
    const v = Math.round(dv.getInt16(i, true) * volume);
    dv.setInt16(i, v > 32767 ? 32767 : v < -32768 ? -32768 : v, true);
  }
}

/** Splits a stream of PCM bytes into exact 20 ms frames; a short tail is padded with silence. */
export async function* pcmFrames(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(0);
  for await (const chunk of source) {
    const merged = new Uint8Array(buf.length + chunk.length);
    merged.set(buf, 0);
    merged.set(chunk, buf.length);
    let off = 0;
    while (merged.length - off >= PCM_FRAME_BYTES) {
      yield merged.slice(off, off + PCM_FRAME_BYTES);
      off += PCM_FRAME_BYTES;
    }
    buf = merged.slice(off);
  }
  if (buf.length > 0) {
    const last = new Uint8Array(PCM_FRAME_BYTES);
    last.set(buf, 0);
    yield last;
  }
}

/** A 44-byte RIFF/WAVE header followed by the PCM (48 kHz, stereo, 16-bit). */
export function wavFile(pcm: Uint8Array): Uint8Array {
  const out = new Uint8Array(44 + pcm.length);
  const dv = new DataView(out.buffer);
  const tag = (o: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i);
  };
  tag(0, 'RIFF');
  dv.setUint32(4, 36 + pcm.length, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true);
  dv.setUint16(22, CHANNELS, true);
  dv.setUint32(24, SAMPLE_RATE, true);
  dv.setUint32(28, SAMPLE_RATE * CHANNELS * 2, true);
  dv.setUint16(32, CHANNELS * 2, true);
  dv.setUint16(34, 16, true);
  tag(36, 'data');
  dv.setUint32(40, pcm.length, true);
  out.set(pcm, 44);
  return out;
}
