/** The mixed recording of a call (listen.ts): every user's frames summed by their time, written as it goes. */
import { closeSync, openSync, writeSync } from 'node:fs';
import { OggOpusMuxer } from './ogg-mux.js';
import { OpusCodec, PCM_FRAME_BYTES, wavHeader } from './pcm.js';

const FRAME = 960;

/** Mixes every user's 48 kHz stereo frames by their time, and writes the finished part as it goes. */
export class MixWriter {
  private readonly frames = new Map<number, Int32Array>();
  private startSlot: number | null = null;
  private written = 0;
  private readonly fd: number;
  private readonly muxer: OggOpusMuxer | null;
  private readonly encoder: OpusCodec | null;
  private bytes = 0;
  private closed = false;
  constructor(readonly path: string, private readonly format: 'wav' | 'ogg') {
    this.fd = openSync(path, 'w');
    if (format === 'wav') writeSync(this.fd, wavHeader(0));
    this.encoder = format === 'ogg' ? new OpusCodec() : null;
    this.muxer = format === 'ogg' ? new OggOpusMuxer() : null;
    if (this.muxer) for (const page of this.muxer.headers()) this.write(page);
  }

  add(pcm: Uint8Array, timeMs: number): void {
    if (this.closed) return;
    const slot = Math.round(timeMs / 20);
    this.startSlot ??= slot;
    if (slot < this.startSlot + this.written) return; // already written out
    let acc = this.frames.get(slot);
    if (!acc) this.frames.set(slot, (acc = new Int32Array(FRAME * 2)));
    const s = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length >> 1);
    for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (s[i] ?? 0);
  }

  /** Writes every slot older than `beforeMs` (silence where nobody spoke). */
  flush(beforeMs: number): void {
    if (this.startSlot === null || this.closed) return;
    const until = Math.round(beforeMs / 20);
    while (this.startSlot + this.written < until) {
      const slot = this.startSlot + this.written;
      const acc = this.frames.get(slot);
      this.frames.delete(slot);
      const pcm = new Uint8Array(PCM_FRAME_BYTES);
      if (acc) {
        const o = new Int16Array(pcm.buffer);
        for (let i = 0; i < acc.length; i++) o[i] = Math.max(-32768, Math.min(32767, acc[i] as number));
      }
      if (this.format === 'wav') this.write(pcm);
      else for (const page of (this.muxer as OggOpusMuxer).write((this.encoder as OpusCodec).encode(pcm))) this.write(page);
      this.written++;
    }
  }

  private write(b: Uint8Array): void {
    if (b.length === 0) return;
    writeSync(this.fd, b);
    this.bytes += b.length;
  }

  close(): { path: string; durationMs: number } {
    if (!this.closed) {
      const last = Math.max(-1, ...[...this.frames.keys()]);
      if (this.startSlot !== null) this.flush((last + 1) * 20);
      if (this.muxer) for (const page of this.muxer.end()) this.write(page);
      if (this.format === 'wav') writeSync(this.fd, wavHeader(this.bytes - 44), 0, 44, 0);
      closeSync(this.fd);
      this.encoder?.close();
      this.closed = true;
    }
    return { path: this.path, durationMs: this.written * 20 };
  }
}

