/**
 * Per-user recording from the receiver: received frames → an Ogg Opus file, with gaps (lost packets, pauses)
 * filled with silence frames by RTP timestamp so the recording keeps real timing; optionally WAV as well.
 */
import { concatBytes as concat, OPUS_SILENCE_FRAME } from '@voicewire/voice-protocol';
import { OggOpusMuxer } from './ogg-mux.js';
import { OpusCodec, PCM_FRAME_BYTES, wavFile } from './pcm.js';

export interface RecordedFrame {
  readonly timestamp: number;
  readonly opus: Uint8Array;
}

export interface RecordingResult {
  readonly ogg: Uint8Array;
  readonly wav?: Uint8Array;
  /** Frames received. */
  readonly frames: number;
  /** Silence frames inserted for gaps. */
  readonly filled: number;
}

export class UserRecorder {
  private readonly muxer = new OggOpusMuxer();
  private readonly pages: Uint8Array[] = [];
  private readonly pcm: Uint8Array[] = [];
  private readonly codec: OpusCodec | null;
  private lastTimestamp: number | null = null;
  frames = 0;
  filled = 0;

  /** `maxGapFrames` bounds how much silence one gap may add (default 3,000 = one minute). */
  constructor(private readonly options: { wav?: boolean; maxGapFrames?: number } = {}) {
    this.codec = options.wav ? new OpusCodec() : null;
  }

  push(frame: RecordedFrame): void {
    if (this.lastTimestamp !== null) {
      const step = (frame.timestamp - this.lastTimestamp) >>> 0;
      if (step === 0 || step > 0x80000000) return; // duplicate or older than what was written
      const missing = Math.min(Math.round(step / 960) - 1, this.options.maxGapFrames ?? 3_000);
      for (let i = 0; i < missing; i++) this.add(OPUS_SILENCE_FRAME, true);
    }
    this.lastTimestamp = frame.timestamp;
    this.add(frame.opus, false);
  }

  private add(opus: Uint8Array, filler: boolean): void {
    if (filler) this.filled++;
    else this.frames++;
    this.pages.push(...this.muxer.write(opus));
    if (this.codec) {
      try {
        this.pcm.push(this.codec.decode(opus));
      } catch {
        this.pcm.push(new Uint8Array(PCM_FRAME_BYTES)); // an undecodable frame becomes silence
      }
    }
  }

  finish(): RecordingResult {
    this.pages.push(...this.muxer.end());
    const ogg = concat(this.pages);
    const base = { ogg, frames: this.frames, filled: this.filled };
    return this.codec ? { ...base, wav: wavFile(concat(this.pcm)) } : base;
  }
}


/** Records an async stream of received frames until it ends (e.g. `connection.receiver.subscribe(userId)`). */
export async function recordFrames(frames: AsyncIterable<RecordedFrame>, options: { wav?: boolean } = {}): Promise<RecordingResult> {
  const rec = new UserRecorder(options);
  for await (const f of frames) rec.push(f);
  return rec.finish();
}
