/**
 * Test signals in Discord's PCM format (48 kHz, stereo, s16le, 20 ms = 960 samples a frame) and a meter for one
 * frequency (the Goertzel algorithm): what tests use to check that audio came through as the tone that was sent.
 */
export const SAMPLE_RATE = 48_000;
export const FRAME_SAMPLES = 960;

/** `samples` stereo samples of a `hz` sine starting at sample `from`, as s16le bytes. */
function sineBytes(hz: number, from: number, samples: number, amp: number): Uint8Array {
  const pcm = new Uint8Array(samples * 4);
  const dv = new DataView(pcm.buffer);
  for (let i = 0; i < samples; i++) {
    const v = Math.round(Math.sin(((from + i) * 2 * Math.PI * hz) / SAMPLE_RATE) * amp);
    dv.setInt16(i * 4, v, true);
    dv.setInt16(i * 4 + 2, v, true);
  }
  return pcm;
}

/** Frame `n` (20 ms, 3,840 bytes) of a continuous `hz` tone: consecutive frames join without a click. */
export function toneFrame(hz: number, n: number, amp = 8000): Uint8Array {
  return sineBytes(hz, n * FRAME_SAMPLES, FRAME_SAMPLES, amp);
}

/** `seconds` of a `hz` tone. */
export function sine(hz: number, seconds: number, amp = 8000): Uint8Array {
  return sineBytes(hz, 0, Math.round(seconds * SAMPLE_RATE), amp);
}

/**
 * Power of one frequency in the first channel of s16le PCM (Goertzel), normalised by the number of samples, so
 * windows of different lengths compare. Defaults: 48 kHz stereo.
 */
export function power(pcm: Uint8Array, hz: number, options: { sampleRate?: number; channels?: 1 | 2 } = {}): number {
  const rate = options.sampleRate ?? SAMPLE_RATE;
  const step = 2 * (options.channels ?? 2);
  const dv = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const n = Math.floor(pcm.length / step);
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = dv.getInt16(i * step, true) + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (n * n);
}
