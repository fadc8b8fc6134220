/**
 * One user's decoder for listening (listen.ts): orders packets by RTP timestamp, conceals short gaps with libopus
 * PLC, drops late packets, and places each 20 ms frame on the listener's clock. Synchronous and free of I/O.
 */
import { isSilenceFrame } from '@voicewire/voice-protocol';
import { OpusCodec, PCM_FRAME_BYTES } from './pcm.js';

/** One decoded 20 ms frame of a user: 48 kHz stereo s16le, and where it lies on the listener's clock. */
export interface DecodedFrame {
  readonly pcm: Uint8Array;
  /** When it was spoken (ms, listener's clock): the user's anchor plus its RTP position. */
  readonly timeMs: number;
  /** Made by packet-loss concealment, not decoded from a packet. */
  readonly concealed: boolean;
  /** A gap too long to conceal (or a new talk spurt) lies before this frame. */
  readonly gapBefore: boolean;
}

const FRAME = 960;

/** Exactly one 20 ms frame: libopus may return more (PLC gives up to 120 ms) or, for odd packets, less. */
function oneFrame(pcm: Uint8Array): Uint8Array {
  if (pcm.length === PCM_FRAME_BYTES) return pcm;
  const out = new Uint8Array(PCM_FRAME_BYTES);
  out.set(pcm.subarray(0, PCM_FRAME_BYTES));
  return out;
}

/** One user's decoder: orders by RTP timestamp, conceals short gaps, drops late packets. Synchronous and pure of I/O. */
export class UserDecoder {
  private codec: OpusCodec | null = null;
  private lastTs: number | null = null;
  /** Cumulative RTP position (samples) of lastTs relative to the anchor, wrap-free. */
  private position = 0;
  private anchorMs = 0;
  /** Counters; a listener passes its own object so that every user's decoder counts into it. */
  readonly stats: { frames: number; concealed: number; late: number; gaps: number; corrupt: number };

  constructor(private readonly maxConcealFrames: number, stats?: UserDecoder['stats']) {
    this.stats = stats ?? { frames: 0, concealed: 0, late: 0, gaps: 0, corrupt: 0 };
  }

  /**
   * Decodes one packet that arrived at `arrivalMs`; returns the 48 kHz stereo frames it yields (concealed ones
   * first), each with its time on the listener's clock. Silence frames yield nothing but keep the timing.
   */
  push(timestamp: number, opus: Uint8Array, arrivalMs: number): DecodedFrame[] {
    const out: DecodedFrame[] = [];
    let gapBefore = false;
    if (this.lastTs === null) {
      // whole milliseconds: a frame's time is the anchor plus a multiple of 20 ms, so durations come out exact
      this.anchorMs = Math.round(arrivalMs);
      this.position = 0;
    } else {
      const delta = (timestamp - this.lastTs) | 0; // signed 32-bit: handles the wrap
      if (delta <= 0) {
        this.stats.late++;
        return out;
      }
      const missing = Math.round(delta / FRAME) - 1;
      // A sender whose RTP clock stood still while it was silent (its timestamps continue where they stopped) is
      // placed by arrival instead: a packet arriving far later than its timestamp says starts a new talk spurt.
      const predicted = this.anchorMs + (this.position + delta) / 48;
      if (arrivalMs - predicted > Math.max(200, (this.maxConcealFrames + 1) * 20)) {
        this.stats.gaps++;
        this.codec?.close();
        this.codec = null;
        this.anchorMs = Math.round(arrivalMs);
        this.position = 0;
        this.lastTs = timestamp;
        gapBefore = true;
        return this.decodeInto(out, opus, gapBefore);
      }
      if (missing > this.maxConcealFrames) {
        this.stats.gaps++;
        gapBefore = true;
        this.codec?.close(); // a new talk spurt: start the decoder afresh
        this.codec = null;
      } else {
        for (let k = 1; k <= missing; k++) {
          const pcm = this.conceal();
          if (pcm) out.push({ pcm, timeMs: this.anchorMs + (this.position + k * FRAME) / 48, concealed: true, gapBefore: false });
        }
      }
      this.position += delta;
    }
    this.lastTs = timestamp;
    return this.decodeInto(out, opus, gapBefore);
  }

  private decodeInto(out: DecodedFrame[], opus: Uint8Array, gapBefore: boolean): DecodedFrame[] {
    if (isSilenceFrame(opus)) return out;
    const codec = (this.codec ??= new OpusCodec());
    let pcm: Uint8Array;
    try {
      pcm = codec.decode(opus);
    } catch {
      this.stats.corrupt++;
      return out;
    }
    this.stats.frames++;
    out.push({ pcm: oneFrame(pcm), timeMs: this.anchorMs + this.position / 48, concealed: false, gapBefore });
    return out;
  }

  /** libopus PLC: decoding an empty packet continues the signal; the first 20 ms of what it returns are used. */
  private conceal(): Uint8Array | null {
    if (!this.codec) return null;
    let pcm: Uint8Array;
    try {
      pcm = this.codec.decode(new Uint8Array(0));
    } catch {
      return null;
    }
    this.stats.concealed++;
    return oneFrame(pcm);
  }

  close(): void {
    this.codec?.close();
    this.codec = null;
  }
}

/** Downmix and resample for one user (libsamplerate, loaded on first use). */
