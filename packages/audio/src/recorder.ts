/**
 * Per-user recording from the receiver: received frames → an Ogg Opus file, with gaps (lost packets, pauses)
 * filled with silence frames by RTP timestamp so the recording keeps real timing; optionally WAV as well.
 */
import { concatBytes as concat, OPUS_SILENCE_FRAME, type ReceivedOpusFrame } from '@voicewire/voice-protocol';
import { OggOpusMuxer } from './ogg-mux.js';
import { OpusCodec, PCM_FRAME_BYTES, wavFile, wavHeader } from './pcm.js';

/** What a recording needs of a received frame (any `ReceivedOpusFrame` fits). */
export type RecordedFrame = Pick<ReceivedOpusFrame, 'timestamp' | 'opus'>;

export interface RecordingResult {
  readonly ogg: Uint8Array;
  readonly wav?: Uint8Array;
  /** Frames received. */
  readonly frames: number;
  /** Silence frames inserted for gaps. */
  readonly filled: number;
}

export interface UserRecorderOptions {
  /** Also decode to PCM for a WAV file. */
  readonly wav?: boolean;
  /** Bounds how much silence one gap may add (default 3,000 frames = one minute). */
  readonly maxGapFrames?: number;
  /** Receives each Ogg page as it is made, instead of keeping them (streaming: memory stays flat). */
  readonly onOggPage?: (page: Uint8Array) => void;
  /** Receives each 20 ms of PCM as it is decoded, instead of keeping it (with `wav`). */
  readonly onPcm?: (pcm: Uint8Array) => void;
}

export class UserRecorder {
  private readonly muxer = new OggOpusMuxer();
  private readonly pages: Uint8Array[] = [];
  private readonly pcm: Uint8Array[] = [];
  private readonly codec: OpusCodec | null;
  private lastTimestamp: number | null = null;
  frames = 0;
  filled = 0;

  constructor(private readonly options: UserRecorderOptions = {}) {
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
    this.page(this.muxer.write(opus));
    if (this.codec) {
      let pcm: Uint8Array;
      try {
        pcm = this.codec.decode(opus);
      } catch {
        pcm = new Uint8Array(PCM_FRAME_BYTES); // an undecodable frame becomes silence
      }
      if (this.options.onPcm) this.options.onPcm(pcm);
      else this.pcm.push(pcm);
    }
  }

  private page(pages: Uint8Array[]): void {
    if (this.options.onOggPage) for (const p of pages) this.options.onOggPage(p);
    else this.pages.push(...pages);
  }

  /** Ends the Ogg stream. With the streaming callbacks, the result's `ogg` (and `wav`) are empty. */
  finish(): RecordingResult {
    this.page(this.muxer.end());
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

/**
 * Records a stream of received frames straight to disk as it comes: Ogg Opus pages are appended to `oggPath`
 * and, with `wavPath`, PCM to a WAV file whose header is completed at the end. Memory stays flat however long
 * the recording. Ends when `frames` ends (e.g. a subscription with an end behaviour).
 */
export async function recordToFile(frames: AsyncIterable<RecordedFrame>, oggPath: string, options: { wavPath?: string; maxGapFrames?: number } = {}): Promise<{ frames: number; filled: number; oggPath: string; wavPath?: string }> {
  const { createWriteStream } = await import('node:fs');
  const { open } = await import('node:fs/promises');
  const ogg = createWriteStream(oggPath);
  const wav = options.wavPath ? await open(options.wavPath, 'w') : null;
  let wavBytes = 0;
  let wavChain: Promise<unknown> = wav ? wav.write(new Uint8Array(44), 0, 44, 0) : Promise.resolve();
  const rec = new UserRecorder({
    wav: wav !== null,
    ...(options.maxGapFrames !== undefined ? { maxGapFrames: options.maxGapFrames } : {}),
    onOggPage: (page) => ogg.write(page),
    onPcm: (pcm) => {
      const at = 44 + wavBytes;
      wavBytes += pcm.length;
      wavChain = wavChain.then(() => wav?.write(pcm, 0, pcm.length, at));
    },
  });
  try {
    for await (const f of frames) rec.push(f);
    rec.finish();
  } finally {
    await new Promise<void>((resolve, reject) => ogg.end((e?: Error | null) => (e ? reject(e) : resolve())));
    if (wav) {
      await wavChain;
      await wav.write(wavHeader(wavBytes), 0, 44, 0);
      await wav.close();
    }
  }
  return { frames: rec.frames, filled: rec.filled, oggPath, ...(options.wavPath ? { wavPath: options.wavPath } : {}) };
}
