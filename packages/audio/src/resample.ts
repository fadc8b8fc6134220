/**
 * The output format of listening (listen.ts): 48 kHz stereo s16le in, the listener's rate and channels out. Mono
 * averages the channels; other rates go through libsamplerate (WebAssembly, loaded on first use).
 */
interface Samplerate {
  create(channels: number, inRate: number, outRate: number, options: { converterType: number }): Promise<{ full(d: Float32Array): Float32Array; destroy(): void }>;
  ConverterType: { SRC_SINC_MEDIUM_QUALITY: number };
}

/** Where libsamplerate comes from (a seam for tests that make it fail; not exported by the package). */
export const samplerate = { load: async (): Promise<Samplerate> => (await import('@alexanderolsen/libsamplerate-js')) as unknown as Samplerate };

export class Converter {
  private src: { full(d: Float32Array): Float32Array; destroy(): void } | null = null;
  private loading: Promise<void> | null = null;
  constructor(private readonly rate: number, private readonly channels: 1 | 2) {}

  async convert(pcm48: Uint8Array): Promise<Uint8Array> {
    if (this.rate === 48000 && this.channels === 2) return pcm48;
    const frames = pcm48.length / 4;
    const s = new Int16Array(pcm48.buffer, pcm48.byteOffset, pcm48.length >> 1);
    const ch = this.channels;
    const f = new Float32Array(frames * ch);
    for (let i = 0; i < frames; i++) {
      if (ch === 1) f[i] = ((s[2 * i] as number) + (s[2 * i + 1] as number)) / 65536;
      else {
        f[2 * i] = (s[2 * i] as number) / 32768;
        f[2 * i + 1] = (s[2 * i + 1] as number) / 32768;
      }
    }
    let outF: Float32Array = f;
    if (this.rate !== 48000) {
      if (!this.src) {
        this.loading ??= (async () => {
          const lib = await samplerate.load();
          this.src = await lib.create(ch, 48000, this.rate, { converterType: lib.ConverterType.SRC_SINC_MEDIUM_QUALITY });
        })();
        await this.loading;
      }
      outF = (this.src as { full(d: Float32Array): Float32Array }).full(f);
    }
    const out = new Uint8Array(outF.length * 2);
    const o = new Int16Array(out.buffer);
    for (let i = 0; i < outF.length; i++) {
      const v = Math.round((outF[i] as number) * 32768);
      o[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return out;
  }

  close(): void {
    this.src?.destroy();
    this.src = null;
  }
}

